"""Write the generated demo into a database in one transaction, and report on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, func, select
from tqdm import tqdm

from gazetteer.demo import naming_cases
from gazetteer.demo.context import DemoContext
from gazetteer.demo.figures import HISTORICAL_NAMES
from gazetteer.demo.generate import compute_keys, generate
from gazetteer.demo.network import SPEED_KMH, URBAN_SPEED_KMH, edge_arrays
from gazetteer.demo.state import DemoData
from gazetteer.errors import Conflict
from gazetteer.model import (
    Compound,
    DemandPoint,
    NameHistoryEntry,
    NetworkEdge,
    NetworkNode,
    Road,
)
from gazetteer.settings import Settings
from gazetteer.storage import append_only, create_engine_from_settings, upgrade, write_transaction
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.schema import metadata

RECORDED_AT = datetime(2020, 12, 31, 12, 0, tzinfo=UTC)


DemoHook = Callable[[Connection, DemoContext], None]

#: Functions called at the end of :func:`build_demo`, inside its transaction, in order.
NAMING_HOOKS: list[DemoHook] = []


@dataclass
class DemoReport:
    seed: int
    already_present: bool = False
    build_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    roads_named: list[int] = field(default_factory=list)
    roads_adjusted: list[int] = field(default_factory=list)
    compounds_named: list[int] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        if self.already_present:
            head = "演示数据已存在，未重新生成 (demo data already present; use --force to rebuild)"
        else:
            head = (
                f"演示数据已生成，用时 {self.build_seconds:.1f} 秒 "
                f"(demo built in {self.build_seconds:.1f} s, seed {self.seed})"
            )
        lines = [
            head,
            f"  现行地名 current names: {c.get('names', 0)}",
            f"  历史地名 historical names: {c.get('historical_names', 0)}",
            f"  行政区划 administrative areas: {c.get('admin_areas', 0)}",
            f"  需求点 demand points (villages/communities): {c.get('demand_points', 0)}",
            f"  服务设施 facilities: {c.get('facilities', 0)}",
            f"  路网 network: {c.get('network_nodes', 0)} nodes, {c.get('network_edges', 0)} edges",
        ]
        return "\n".join(lines)


def _hooks() -> list[DemoHook]:
    """The demo's own naming cases first, then any hook added to :data:`NAMING_HOOKS`."""
    return [naming_cases.demo_hook, *(h for h in NAMING_HOOKS if h is not naming_cases.demo_hook)]


def _counts(conn: Connection) -> dict[str, int]:
    p = t.places
    return {
        "names": int(
            conn.execute(select(func.count()).where(p.c.status == "current")).scalar_one()
        ),
        "historical_names": int(
            conn.execute(select(func.count()).where(p.c.status == "historical")).scalar_one()
        ),
        "admin_areas": repo.count(conn, t.admin_areas),
        "demand_points": repo.count(conn, t.demand_points),
        "facilities": repo.count(conn, t.facilities),
        "roads": repo.count(conn, t.roads),
        "compounds": repo.count(conn, t.compounds),
        "place_history": repo.count(conn, t.place_history),
        "network_nodes": repo.count(conn, t.network_nodes),
        "network_edges": repo.count(conn, t.network_edges),
    }


def write_demo(conn: Connection, data: DemoData, *, progress: bool = False) -> DemoContext:
    """Write generated data through the repository writers (caller owns the transaction)."""
    steps = tqdm(total=9, desc="写入演示数据 writing demo", disable=not progress, unit="step")
    repo.ensure_categories(conn)
    repo.insert_admin_areas(conn, data.admin)
    repo.insert_built_up_areas(conn, data.built_up)
    steps.update()
    ids = repo.insert_places(conn, data.places, data.keys)
    steps.update()
    repo.insert_roads(
        conn,
        (
            Road(ids[r.place], r.start_desc, r.end_desc, r.length_m, r.width_m, r.grade)
            for r in data.roads
        ),
    )
    repo.insert_compounds(
        conn,
        (
            Compound(ids[c.place], c.households, c.floor_area_m2, c.developer)
            for c in data.compounds
        ),
    )
    steps.update()
    repo.insert_history(
        conn,
        [
            NameHistoryEntry(
                place_id=ids[h.place],
                name=h.name,
                valid_from=h.valid_from,
                valid_to=h.valid_to,
                reason=h.reason,
                romanized=rom,
                geometry=h.geometry,
                note=h.note,
                version=1,
            )
            for h, rom in zip(data.history, data.history_romanized, strict=True)
        ],
        data.history_keys,
        recorded_at=RECORDED_AT,
    )
    steps.update()
    for f in data.facilities:
        f.facility.place_id = ids[f.place]
    repo.insert_facilities(conn, (f.facility for f in data.facilities), updated_at=RECORDED_AT)
    steps.update()
    repo.insert_demand_points(
        conn,
        (
            DemandPoint(
                code=dm.code,
                name=dm.name,
                admin_code=dm.town_code,
                point=dm.point,
                population=dm.population,
                elderly=dm.elderly,
                dependents=dm.dependents,
            )
            for dm in data.demand
        ),
    )
    steps.update()
    net = data.network
    src, dst, length = edge_arrays(net)
    from shapely import Point
    from shapely.geometry import LineString

    nodes = (
        NetworkNode(i + 1, Point(x, y))
        for i, (x, y) in enumerate(zip(net.lon, net.lat, strict=True))
    )
    edges = (
        NetworkEdge(
            source=int(a) + 1,
            target=int(b) + 1,
            road_class=cls,
            length_m=round(float(m), 2),
            geometry=LineString([(net.lon[a], net.lat[a]), (net.lon[b], net.lat[b])]),
            speed_kmh=(URBAN_SPEED_KMH if urban else SPEED_KMH).get(cls, 30.0),
            oneway=ow,
            name=name,
        )
        for a, b, m, cls, ow, urban, name in zip(
            src.tolist(),
            dst.tolist(),
            length,
            net.cls,
            net.oneway,
            net.urban,
            net.names,
            strict=True,
        )
    )
    repo.insert_network(conn, nodes, edges)
    steps.update()
    repo.set_info(conn, "demo_seed", str(data.seed))
    repo.set_info(conn, "demo_version", "1")
    steps.update()
    ctx = DemoContext(
        seed=data.seed,
        reference_date=date(2020, 12, 31),
        roads_named=[ids[i] for i in data.roads_named],
        roads_adjusted=[ids[i] for i in data.roads_adjusted],
        compounds_named=[ids[i] for i in data.compounds_named],
    )
    for hook in _hooks():
        hook(conn, ctx)
    steps.update()
    steps.close()
    return ctx


def build_demo(
    engine: Engine, *, seed: int, progress: bool = False, replace: bool = False
) -> DemoReport:
    """Build the demo into the (migrated, empty) database behind ``engine``.

    Everything is written in one transaction: an interrupted build leaves nothing.
    Raises :class:`~gazetteer.errors.Conflict` when the database already holds places,
    unless ``replace`` is set: then the old content is deleted in the same transaction.
    """
    started = time.perf_counter()
    upgrade(engine)
    with engine.connect() as conn:
        if not replace and repo.count(conn, t.places):
            raise Conflict(
                "数据库中已有地名数据，不能生成演示数据 (the database already holds place "
                "names; build the demo into an empty database or use `gazetteer demo --force`)"
            )
    with tqdm(total=2, desc="生成演示数据 generating demo", disable=not progress) as bar:
        data = generate(seed)
        bar.update()
        compute_keys(data)
        bar.update()
    with write_transaction(engine) as conn:
        if replace:
            clear_content(conn)
        elif repo.count(conn, t.places):  # a concurrent build won the race
            raise Conflict("数据库中已有地名数据 (the database already holds place names)")
        ctx = write_demo(conn, data, progress=progress)
        counts = _counts(conn)
    assert counts["historical_names"] == HISTORICAL_NAMES
    return DemoReport(
        seed=seed,
        build_seconds=time.perf_counter() - started,
        counts=counts,
        roads_named=ctx.roads_named,
        roads_adjusted=ctx.roads_adjusted,
        compounds_named=ctx.compounds_named,
    )


def clear_content(conn: Connection) -> None:
    """Delete every row of every table except the classification (for ``--force``).

    Append-only tables (the naming audit log, the facility history and the place-name
    history) are emptied through :func:`~gazetteer.storage.append_only.empty_table`, the
    one path that may: replacing the whole content is the only legitimate removal of
    their entries.
    """
    for table in reversed(metadata.sorted_tables):
        if table.name != "categories":
            append_only.empty_table(conn, table)


def ensure_demo(
    settings: Settings, *, seed: int | None, force: bool = False, progress: bool = False
) -> DemoReport:
    """Migrate, then build the demo unless the database already has places.

    With ``force`` the existing content (every table but the classification) is replaced,
    in the same transaction as the rebuild.
    """
    seed = settings.demo_seed if seed is None else seed
    engine = create_engine_from_settings(settings)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            present = repo.count(conn, t.places) > 0
            existing_seed = repo.get_info(conn, "demo_seed") if present else None
        if present and not force:
            with engine.connect() as conn:
                counts = _counts(conn)
            return DemoReport(
                seed=int(existing_seed) if existing_seed and existing_seed.isdigit() else seed,
                already_present=True,
                counts=counts,
            )
        return build_demo(engine, seed=seed, progress=progress, replace=present)
    finally:
        engine.dispose()
