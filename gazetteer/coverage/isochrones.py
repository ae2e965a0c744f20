"""Service areas: for each facility (or point), the area reachable within some minutes,
shaped from the reachable roads (:func:`gazetteer.coverage.analysis.isochrones`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.geometry import mapping

from gazetteer.coverage.analysis import isochrones
from gazetteer.coverage.data import FacilitySet, FloatArray
from gazetteer.coverage.inputs import no_facilities
from gazetteer.coverage.model import Isochrone
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FacilityType
from gazetteer.network.graph import ProfileGraph

MAX_ISOCHRONE_FACILITIES = 200
Site = tuple[int | None, str, str, FloatArray]  # facility id, name, type, lon/lat


def sites_of(
    facilities: FacilitySet | None,
    *,
    facility_types: Sequence[FacilityType],
    facility_ids: Sequence[int],
    points: Sequence[tuple[float, float]],
    limit: int,
) -> list[Site]:
    """The facilities asked for (by type and/or id) and the ad-hoc points, checked."""
    items: list[Site] = []
    if facilities is not None:
        want = set(int(x) for x in facility_ids)
        fs = facilities
        for i, fid in enumerate(fs.ids):
            if want and int(fid) not in want:
                continue
            items.append((int(fid), fs.names[i], fs.types[i], fs.lonlat[i]))
        missing = want - {x[0] for x in items}
        if missing:
            raise NotFound(f"设施不存在 (no such facility): {sorted(missing)[:10]}")
        if not items:
            raise no_facilities(facility_types)
    for lon, lat in points:
        items.append((None, "", "", np.array([lon, lat], float)))
    if len(items) > limit:
        raise InvalidInput(
            f"一次最多 {limit} 个设施 (at most {limit} facilities per request; "
            f"{len(items)} requested): narrow by type, area or ids"
        )
    return items


def service_areas(
    pg: ProfileGraph,
    sites: Sequence[Site],
    minutes: Sequence[float],
    *,
    max_snap_m: float | None,
    progress: object | None = None,
) -> list[Isochrone]:
    """One isochrone per site and minutes (``max_snap_m``: how far an ad-hoc point may
    lie from the network)."""
    out: list[Isochrone] = []
    snapped = pg.snap_lonlat(np.array([x[3] for x in sites]), max_snap_m=max_snap_m)
    for k, (fid, name, ftype, _ll) in enumerate(sites):
        polys = isochrones(pg, snapped.take([k]), minutes)
        out.extend(Isochrone(fid, name, ftype, m, g) for m, g in zip(minutes, polys, strict=True))
        if progress is not None:
            progress.update(1)  # type: ignore[attr-defined]
    return out


def feature_collection(items: Sequence[Isochrone], profile: str) -> dict[str, Any]:
    """The service areas as a GeoJSON FeatureCollection (lon/lat), one feature each."""
    features = [
        {
            "type": "Feature",
            "geometry": mapping(i.geometry),
            "properties": {
                "facility_id": i.facility_id,
                "name": i.name,
                "facility_type": i.facility_type,
                "minutes": i.minutes,
                "profile": profile,
            },
        }
        for i in items
    ]
    return {"type": "FeatureCollection", "features": features}


__all__ = [
    "MAX_ISOCHRONE_FACILITIES",
    "Site",
    "feature_collection",
    "service_areas",
    "sites_of",
]
