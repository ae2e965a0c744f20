"""Service circles, gaps, isochrones, what-if and site recommendation."""

from gazetteer.coverage.model import (
    Candidate,
    CoverageQuery,
    CoverageResult,
    MovedSite,
    NewSite,
    Weight,
    WhatIfChanges,
)
from gazetteer.coverage.recommend import recommend, set_cover
from gazetteer.coverage.service import (
    compare_scenarios,
    coverage,
    facility_isochrones,
    list_scenarios,
    parse_facility_types,
    parse_weight,
    save_scenario,
    what_if,
)

__all__ = [
    "Candidate",
    "CoverageQuery",
    "CoverageResult",
    "MovedSite",
    "NewSite",
    "Weight",
    "WhatIfChanges",
    "compare_scenarios",
    "coverage",
    "facility_isochrones",
    "list_scenarios",
    "parse_facility_types",
    "parse_weight",
    "recommend",
    "save_scenario",
    "set_cover",
    "what_if",
]
