"""The data of a coverage question: demand points, facilities, the road graph, and the
cache that keeps what derives from them.

The graph is loaded once per network version, the demand points snapped once per graph,
profile and demand version, the nearest times of the stored facilities once per facility
set (:mod:`gazetteer.coverage.summary`). All of it is kept in a :class:`CoverageCache`,
made once per process (the API's lifespan) and handed to the use cases; a use case given
none works from a private, empty one. The versions are read from the data themselves
(:func:`gazetteer.storage.versions.coverage_versions`), so any instance sees any other
instance's changes on its next call.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, func, select

from gazetteer.coverage.model import Weight
from gazetteer.model import FacilityType
from gazetteer.network.graph import ProfileGraph, RoadGraph, Snapped
from gazetteer.network.load import GraphCache
from gazetteer.network.profiles import get_profile
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.memo import Memo
from gazetteer.storage.versions import coverage_versions
from gazetteer.types import lonlat_to_metric

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class AreaIndex:
    """The demand points of an area, grouped by the child area each lies in."""

    idx: IntArray  # demand points inside the requested area
    codes: NDArray[np.str_]  # their admin codes
    groups: NDArray[np.str_]  # child areas (sorted, unique)
    inv: IntArray  # each point's child area, index into ``groups``


@dataclass(frozen=True, eq=False)
class DemandSet:
    """The demand points as arrays (weights by :class:`~gazetteer.coverage.model.Weight`)."""

    ids: IntArray
    codes: list[str]
    names: list[str]
    admin_codes: NDArray[np.str_]
    lonlat: FloatArray
    population: FloatArray
    elderly: FloatArray
    dependents: FloatArray
    # per (admin prefix, level): the demand points in the area and their grouping by the
    # child area, derived once per demand version (see ``summary.area_index``)
    _areas: dict[tuple[str, int], AreaIndex] = field(
        default_factory=dict, repr=False, compare=False
    )

    def weights(self, weight: Weight) -> FloatArray:
        """The weight of each demand point."""
        return {
            Weight.POPULATION: self.population,
            Weight.ELDERLY: self.elderly,
            Weight.DEPENDENTS: self.dependents,
        }[weight]


@dataclass(frozen=True, eq=False)
class FacilitySet:
    """Facilities as arrays."""

    ids: IntArray
    names: list[str]
    types: list[str]
    lonlat: FloatArray

    def __len__(self) -> int:
        return len(self.ids)


def load_demand(conn: Connection) -> DemandSet:
    """Every demand point with its position and population figures, as arrays."""
    rows = repo.demand_figures(conn)
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(9)]
    return DemandSet(
        ids=np.array(cols[0], dtype=np.int64),
        codes=[str(x) for x in cols[1]],
        names=[str(x) for x in cols[2]],
        admin_codes=np.array([str(x) for x in cols[3]], dtype=str),
        lonlat=np.column_stack([np.array(cols[4], float), np.array(cols[5], float)]).reshape(-1, 2),
        population=np.array(cols[6], dtype=float),
        elderly=np.array(cols[7], dtype=float),
        dependents=np.array(cols[8], dtype=float),
    )


def load_facilities(conn: Connection, types: Sequence[FacilityType]) -> FacilitySet:
    """The facilities of ``types`` (all when empty), as arrays."""
    f = t.facilities
    q = select(f.c.id, f.c.name, f.c.type, func.ST_X(f.c.geom), func.ST_Y(f.c.geom)).order_by(
        f.c.id
    )
    if types:
        q = q.where(f.c.type.in_([str(x) for x in types]))
    rows = conn.execute(q).all()
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(5)]
    return FacilitySet(
        ids=np.array(cols[0], dtype=np.int64),
        names=[str(x) for x in cols[1]],
        types=[str(x) for x in cols[2]],
        lonlat=np.column_stack([np.array(cols[3], float), np.array(cols[4], float)]).reshape(-1, 2),
    )


@dataclass(frozen=True, eq=False)
class Context:
    """Everything one coverage question needs, for one profile."""

    graph: RoadGraph
    pg: ProfileGraph
    demand: DemandSet
    demand_sites: Snapped


class CoverageCache:
    """What a coverage question derives from the data: road graphs, snapped demand, and
    the baselines of facility sets (with their summaries). One per process."""

    def __init__(self, graphs: GraphCache | None = None) -> None:
        self.graphs = graphs if graphs is not None else GraphCache()
        # (graph, profile, demand version) -> (DemandSet, Snapped)
        self.demand: Memo[tuple[int, str, str], tuple[DemandSet, Snapped]] = Memo(16)
        self.baselines: Memo[Hashable, Any] = Memo(32)  # see coverage.summary.baseline

    def context(self, conn: Connection, profile: str) -> Context:
        """Graph (per network version) and snapped demand (per demand version)."""
        prof = get_profile(profile)
        nv, dv = coverage_versions(conn)
        graph = self.graphs.get(conn, version=nv)
        pg = graph.for_profile(prof)

        def snap() -> tuple[DemandSet, Snapped]:
            demand = load_demand(conn)
            return demand, pg.snap_xy(lonlat_to_metric(demand.lonlat))

        demand, sites = self.demand.get_or_make((id(graph), prof.name, dv), snap)
        return Context(graph, pg, demand, sites)


__all__ = [
    "AreaIndex",
    "Context",
    "CoverageCache",
    "DemandSet",
    "FacilitySet",
    "load_demand",
    "load_facilities",
]
