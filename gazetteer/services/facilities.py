"""Facility use cases: create, update, delete with history; meal-site subsidies.

Every change appends the facility's previous state to ``facility_history`` (JSON
snapshot, who, when, why) in the same transaction as the change; a deletion keeps the
last state there too. Optimistic locking: an update or delete may pass the ``version``
it read and fails with a conflict when someone changed the record in between.

Subsidies follow the policy in :mod:`gazetteer.model.subsidies`."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from gazetteer.coverage.data import CoverageCache
from gazetteer.errors import Conflict, InvalidInput, NotFound
from gazetteer.io.validation import check_facility_location
from gazetteer.model import Facility, FacilityType
from gazetteer.model.subsidies import subsidies_by_year
from gazetteer.network.nearest import reach
from gazetteer.network.profiles import get_profile
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import bbox_match, never_used_id, write_transaction
from gazetteer.storage.geometry import to_db
from gazetteer.storage.tables_coverage import facility_history
from gazetteer.types import COUNTY_OR_BELOW, AdminCode, check_lon_lat, distance_m, in_china, utc_now

EDITABLE = {
    "name",
    "type",
    "admin_code",
    "lon",
    "lat",
    "code",
    "place_id",
    "beds",
    "capacity",
    "floor_area_m2",
    "operator",
    "mode",
    "opened_year",
    "level",
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    facility_id: int
    version: int
    action: str
    snapshot: dict[str, Any]
    changed_by: str
    note: str
    changed_at: str


@dataclass(frozen=True, slots=True)
class SubsidyRow:
    district_code: str
    district_name: str
    year: int
    construction_yuan: int
    operation_yuan: int
    rural_table_yuan: int
    sites: int  # facilities receiving money that year

    @property
    def total_yuan(self) -> int:
        return self.construction_yuan + self.operation_yuan + self.rural_table_yuan


@dataclass(frozen=True, slots=True)
class SubsidyReport:
    rows: list[SubsidyRow]
    total_yuan: int
    undated: int  # canteens/tables without an opening year


def subsidy_report(
    conn: Connection, *, year: int | None = None, district: str | None = None
) -> SubsidyReport:
    """Subsidies by district (county level) and year."""
    if district is not None:
        district = AdminCode.parse(district, lengths=(6, 12)).value
        repo.get_admin_area(conn, district)
    if year is not None and not (1949 <= year <= 2100):
        raise InvalidInput(f"年份超出范围 (year out of range): {year}")
    types = [FacilityType.COMMUNITY_CANTEEN, FacilityType.RURAL_ELDERLY_TABLE]
    sums: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    undated = 0
    for f in repo.iter_facilities(conn, types=types):
        dc = AdminCode(f.admin_code).county.value
        if district is not None and dc != district:
            continue
        if f.opened_year is None:
            undated += 1
            continue
        for y, (c, o, r) in subsidies_by_year(f).items():
            if year is not None and y != year:
                continue
            s = sums[(dc, y)]
            s[0] += c
            s[1] += o
            s[2] += r
            s[3] += 1
    codes = sorted({k[0] for k in sums})
    names: dict[str, str] = {
        str(r[0]): str(r[1])
        for r in conn.execute(
            select(t.admin_areas.c.code, t.admin_areas.c.name).where(
                t.admin_areas.c.code.in_(codes)
            )
        ).all()
    }
    rows = [
        SubsidyRow(dc, str(names.get(dc, "")), y, s[0], s[1], s[2], s[3])
        for (dc, y), s in sorted(sums.items())
    ]
    return SubsidyReport(rows, sum(r.total_yuan for r in rows), undated)


# --- facility records --------------------------------------------------------------------


def _snapshot(f: Facility) -> dict[str, Any]:
    """The facility as its history keeps it: the id and the stored columns (the point as
    lon/lat; no update time)."""
    snapshot: dict[str, Any] = {"id": f.id}
    for column, value in repo.facility_row(f).items():
        if column == "geom":
            snapshot |= {"lon": f.point.x, "lat": f.point.y}
        elif column != "updated_at":
            snapshot[column] = value
    return snapshot


def get_facility(conn: Connection, facility_id: int) -> Facility:
    r = conn.execute(select(t.facilities).where(t.facilities.c.id == facility_id)).first()
    if r is None:
        raise NotFound(f"设施不存在 (no facility with id {facility_id})")
    return repo.facility_from_row(r)


def list_facilities(
    conn: Connection,
    *,
    types: list[FacilityType] | None = None,
    admin: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Facility], int]:
    f = t.facilities
    q = select(f)
    cq = select(func.count()).select_from(f)
    if types:
        tcond = f.c.type.in_([x.value for x in types])
        q, cq = q.where(tcond), cq.where(tcond)
    if admin:
        area = repo.get_admin_area(conn, AdminCode.parse(admin, lengths=COUNTY_OR_BELOW).value)
        cond = f.c.admin_code.startswith(AdminCode(area.code).prefix(int(area.level)))
        q, cq = q.where(cond), cq.where(cond)
    total = int(conn.execute(cq).scalar_one())
    rows = conn.execute(q.order_by(f.c.id).limit(limit).offset(offset)).all()
    return [repo.facility_from_row(r) for r in rows], total


MAX_NEAR_RADIUS_M = 20_000.0
NEAR_PROFILE = "walking"


@dataclass(frozen=True, slots=True)
class NearbyFacility:
    """A facility near a point: straight-line metres, and walking metres, minutes and
    route over the road network (None when the network does not reach it)."""

    facility: Facility
    distance_m: float
    walk_m: float | None
    walk_minutes: float | None
    route: tuple[tuple[float, float], ...]


def nearby_facilities(
    conn: Connection,
    lon: float,
    lat: float,
    *,
    radius_m: float,
    types: list[FacilityType] | None = None,
    cache: CoverageCache | None = None,
) -> list[NearbyFacility]:
    """Facilities within ``radius_m`` (straight line) of (lon, lat), nearest first by
    walking time over the road network (straight-line distance where the network does
    not reach, after the reached ones)."""
    check_lon_lat(lon, lat, what="near")
    if not (0 < radius_m <= MAX_NEAR_RADIUS_M):
        raise InvalidInput(
            f"radius_m 应在 0 到 {MAX_NEAR_RADIUS_M:.0f} 之间 "
            f"(radius_m must be in (0, {MAX_NEAR_RADIUS_M:.0f}])"
        )
    f = t.facilities
    dlat = radius_m / 111_000.0
    dlon = radius_m / (111_000.0 * max(math.cos(math.radians(lat)), 0.01))
    box = (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    q = select(f).where(bbox_match(f, box)).order_by(f.c.id)
    if types:
        q = q.where(f.c.type.in_([x.value for x in types]))
    found = []
    for r in conn.execute(q):
        fac = repo.facility_from_row(r)
        d = distance_m(lon, lat, fac.point.x, fac.point.y)
        if d <= radius_m:
            found.append((fac, d))
    if not found:
        return []
    cache = cache if cache is not None else CoverageCache()
    profile = get_profile(NEAR_PROFILE)
    times: list[float] = [math.inf] * len(found)
    routes: list[tuple[tuple[float, float], ...]] = [()] * len(found)
    try:
        pg = cache.graphs.get(conn).for_profile(profile)
        pts = np.array([[fac.point.x, fac.point.y] for fac, _ in found], dtype=float)
        for i, got in enumerate(reach(pg, (lon, lat), pts)):
            times[i], routes[i] = got.time_s, got.route
    except InvalidInput:  # no usable road network: straight-line order only
        pass
    speed_ms = profile.default_speed_kmh / 3.6
    out = []
    for (fac, d), t_s, route in zip(found, times, routes, strict=True):
        ok = math.isfinite(t_s)
        out.append(
            NearbyFacility(
                facility=fac,
                distance_m=round(d, 1),
                walk_m=round(t_s * speed_ms, 1) if ok else None,
                walk_minutes=round(t_s / 60.0, 2) if ok else None,
                route=route,
            )
        )
    out.sort(
        key=lambda x: (
            x.walk_minutes is None,
            x.walk_minutes if x.walk_minutes is not None else x.distance_m,
            x.distance_m,
            x.facility.id or 0,
        )
    )
    return out


def facility_history_entries(conn: Connection, facility_id: int) -> list[HistoryEntry]:
    h = facility_history
    rows = conn.execute(select(h).where(h.c.facility_id == facility_id).order_by(h.c.id)).all()
    return [
        HistoryEntry(
            id=int(m["id"]),
            facility_id=int(m["facility_id"]),
            version=int(m["version"]),
            action=str(m["action"]),
            snapshot=json.loads(m["snapshot"]),
            changed_by=str(m["changed_by"]),
            note=str(m["note"]),
            changed_at=str(m["changed_at"]),
        )
        for m in (r._mapping for r in rows)
    ]


def _record(conn: Connection, f: Facility, action: str, user: str, note: str) -> None:
    conn.execute(
        insert(facility_history),
        [
            {
                "facility_id": f.id,
                "version": f.version,
                "action": action,
                "snapshot": json.dumps(_snapshot(f), ensure_ascii=False),
                "changed_by": user,
                "note": note,
                "changed_at": utc_now(),
            }
        ],
    )


def _validate_values(conn: Connection, v: Mapping[str, Any], self_id: int | None = None) -> None:
    unknown = set(v) - EDITABLE
    if unknown:
        raise InvalidInput(f"未知字段 (unknown fields): {sorted(unknown)}")
    if "name" in v and (not str(v["name"]).strip() or len(str(v["name"])) > 100):
        raise InvalidInput("设施名称须为1–100字符 (name must be 1-100 characters)")
    if "type" in v:
        try:
            FacilityType(v["type"])
        except ValueError:
            raise InvalidInput(
                f"未知设施类型 (unknown facility type): {v['type']}; 可选 (choose from): "
                + ", ".join(x.value for x in FacilityType)
            ) from None
    if "lon" in v or "lat" in v:
        lon, lat = v.get("lon"), v.get("lat")
        if lon is None or lat is None:
            raise InvalidInput("经纬度须同时给出 (lon and lat go together)")
        if not in_china(float(lon), float(lat)):
            raise InvalidInput(f"坐标不在中国范围内 (coordinates outside China): {lon}, {lat}")
    if "admin_code" in v:
        code = str(v["admin_code"])
        row = conn.execute(select(t.admin_areas.c.code).where(t.admin_areas.c.code == code)).first()
        if row is None:
            raise InvalidInput(f"行政区划代码不存在 (unknown administrative area code): {code}")
    if v.get("place_id") is not None:
        row = conn.execute(select(t.places.c.id).where(t.places.c.id == int(v["place_id"]))).first()
        if row is None:
            raise InvalidInput(f"地名不存在 (no place with id {v['place_id']})")
    for key in ("beds", "capacity", "floor_area_m2"):
        if v.get(key) is not None and float(v[key]) < 0:
            raise InvalidInput(f"{key} 不能为负 (must not be negative)")
    if v.get("opened_year") is not None and not (1900 <= int(v["opened_year"]) <= 2100):
        raise InvalidInput(f"开业年份超出范围 (opened_year out of range): {v['opened_year']}")
    if v.get("code"):
        exists = conn.execute(
            select(t.facilities.c.id).where(t.facilities.c.code == str(v["code"]))
        ).first()
        if exists is not None and exists[0] != self_id:
            raise Conflict(f"设施编码已存在 (facility code already exists): {v['code']}")


def create_facility(engine: Engine, values: Mapping[str, Any], *, user: str = "") -> Facility:
    """Create a facility (history records the creation)."""
    missing = [k for k in ("name", "type", "admin_code", "lon", "lat") if values.get(k) is None]
    if missing:
        raise InvalidInput(f"缺少字段 (missing fields): {missing}")
    with write_transaction(engine) as conn:
        _validate_values(conn, values)
        check_facility_location(
            conn, str(values["admin_code"]), float(values["lon"]), float(values["lat"])
        )
        f = Facility(
            name=str(values["name"]).strip(),
            type=FacilityType(values["type"]),
            admin_code=str(values["admin_code"]),
            point=Point(float(values["lon"]), float(values["lat"])),
            code=values.get("code") or None,
            place_id=values.get("place_id"),
            beds=values.get("beds"),
            capacity=values.get("capacity"),
            floor_area_m2=values.get("floor_area_m2"),
            operator=values.get("operator") or "",
            mode=values.get("mode") or "",
            opened_year=values.get("opened_year"),
            level=values.get("level") or "",
        )
        row = repo.facility_row(f)
        # never an id a deleted facility had: its history must not become the new one's
        new_id = never_used_id(conn, t.facilities, facility_history.c.facility_id)
        if new_id is not None:
            row["id"] = new_id
        fid = conn.execute(insert(t.facilities).returning(t.facilities.c.id), [row]).scalar_one()
        created = get_facility(conn, int(fid))
        _record(conn, created, "create", user, "")
        return created


def update_facility(
    engine: Engine,
    facility_id: int,
    changes: Mapping[str, Any],
    *,
    user: str = "",
    expected_version: int | None = None,
    note: str = "",
) -> Facility:
    """Change a facility, first appending its previous state to the history."""
    if not changes:
        raise InvalidInput("没有要修改的字段 (no changes given)")
    with write_transaction(engine) as conn:
        old = get_facility(conn, facility_id)
        if expected_version is not None and expected_version != old.version:
            raise Conflict(
                f"设施已被他人修改 (facility {facility_id} was changed meanwhile: version "
                f"{old.version}, you had {expected_version})"
            )
        v = dict(changes)
        if ("lon" in v) != ("lat" in v):
            v.setdefault("lon", old.point.x)
            v.setdefault("lat", old.point.y)
        _validate_values(conn, v, facility_id)
        if {"lon", "lat", "admin_code"} & set(v):
            check_facility_location(
                conn,
                str(v.get("admin_code", old.admin_code)),
                float(v.get("lon", old.point.x)),
                float(v.get("lat", old.point.y)),
            )
        _record(conn, old, "update", user, note)
        values: dict[str, Any] = {}
        for key, value in v.items():
            if key in ("lon", "lat"):
                continue
            values[key] = value.value if isinstance(value, FacilityType) else value
        if "lon" in v:
            values["geom"] = to_db(Point(float(v["lon"]), float(v["lat"])))
        values["version"] = old.version + 1
        values["updated_at"] = utc_now()
        conn.execute(update(t.facilities).where(t.facilities.c.id == facility_id).values(**values))
        return get_facility(conn, facility_id)


def delete_facility(
    engine: Engine,
    facility_id: int,
    *,
    user: str = "",
    expected_version: int | None = None,
    note: str = "",
) -> None:
    """Delete a facility; its last state stays in the history."""
    with write_transaction(engine) as conn:
        old = get_facility(conn, facility_id)
        if expected_version is not None and expected_version != old.version:
            raise Conflict(f"设施已被他人修改 (facility {facility_id} was changed meanwhile)")
        _record(conn, old, "delete", user, note)
        conn.execute(delete(t.facilities).where(t.facilities.c.id == facility_id))


__all__ = [
    "MAX_NEAR_RADIUS_M",
    "HistoryEntry",
    "NearbyFacility",
    "SubsidyReport",
    "SubsidyRow",
    "create_facility",
    "delete_facility",
    "facility_history_entries",
    "get_facility",
    "list_facilities",
    "nearby_facilities",
    "subsidy_report",
    "update_facility",
]
