"""Coverage analysis: service circles, gaps, isochrones, what-if and site recommendation.

Modules: ``model`` (typed inputs and results), ``inputs`` (checking raw inputs), ``data``
(demand, facilities, the :class:`CoverageCache`), ``analysis`` (nearest times and
coverage over the road graph), ``summary`` (shares, gaps, baselines), ``isochrones``,
``recommend`` (greedy and exact site selection), ``scenarios`` (saved what-ifs). The use
cases that run them on the database are in :mod:`gazetteer.services.coverage`.
"""

from gazetteer.coverage.data import CoverageCache
from gazetteer.coverage.inputs import check_minutes, parse_facility_types, parse_weight
from gazetteer.coverage.model import (
    Candidate,
    CoverageQuery,
    CoverageResult,
    MovedSite,
    NewSite,
    Weight,
    WhatIfChanges,
)

__all__ = [
    "Candidate",
    "CoverageCache",
    "CoverageQuery",
    "CoverageResult",
    "MovedSite",
    "NewSite",
    "Weight",
    "WhatIfChanges",
    "check_minutes",
    "parse_facility_types",
    "parse_weight",
]
