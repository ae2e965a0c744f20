"""Data versions: cheap values that change whenever the rows behind a cache change.

Every cache derived from the database is keyed by one of these, read on the caller's
connection (so a transaction sees its own writes) and compared for equality only:

=============================  ====================================  ==========================
version                        what changes it (the cache)           SQLite: read from the data
=============================  ====================================  ==========================
``names_version``              places, their history, the            count, latest
                               administrative areas (the search      ``updated_at``, highest id
                               index)
``network_version``            road edges and nodes (the road        counts, highest ids, total
                               graph)                                length
``demand_version``             demand points (the snapped demand     count, highest id,
                               of the coverage analysis)             population sums, positions
``layer_version``              the table behind one GeoJSON map      count, highest id (latest
                               layer                                 ``updated_at``, sums)
``sheet_data_version``         everything drawn on a result map      the above, the admin
                               sheet (names, areas, roads)           areas' boxes summed
``naming_reference_version``   word lists, built-up areas,           counts, highest ids, boxes
                               administrative areas (the naming
                               check's reference data, three parts)
=============================  ====================================  ==========================

On PostgreSQL (a province's or a nation's names, where ``count(*)`` over ``places`` costs
hundreds of milliseconds) every version is read from the change counters of migration
0013 instead: per table the sum and the maximum of its ``data_changes`` rows, which
statement-level triggers bump inside every writing transaction. So a version changes
exactly when a write to one of its tables commits, on the primary and, replayed from the
WAL with the data, on a hot standby; reading all of them is one lookup in a table of
144 rows. A write that silences the triggers (``DISABLE TRIGGER USER``) calls
:func:`note_changes` in its transaction.

Each version is a one-row *source* (a subquery of aggregates, ``*_source()``, SQLite) with
the tables it covers (their counters, PostgreSQL) and a formatter, so that several versions
are read in one statement (:func:`read`): the coverage analysis reads the network and the
demand versions together, a map sheet the network and the names. Every statement here is
cacheable by SQLAlchemy (the dialect constructs use bind parameters), so none needs a
private compiled-SQL memo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Subquery, Table, func, select, text, true

from gazetteer.storage import tables as t
from gazetteer.storage.dialect import geom_bound
from gazetteer.storage.tables_naming import naming_words


@dataclass(frozen=True, slots=True)
class Version:
    """A one-row source of aggregates and how its row becomes the version string."""

    name: str
    source: Callable[[], Subquery]
    format: Callable[[Sequence[Any]], str]
    tables: tuple[str, ...]  # what it is read from: its change counters on PostgreSQL


def _plain(row: Sequence[Any]) -> str:
    return "|".join("-" if v is None else str(v) for v in row)


def _rounded(row: Sequence[Any]) -> str:
    return "|".join(
        f"{v:.6f}" if isinstance(v, float) else ("-" if v is None else str(v)) for v in row
    )


def read(conn: Connection, *versions: Version) -> tuple[str, ...]:
    """The given versions, read in one statement."""
    if conn.dialect.name == "postgresql":
        return _read_counters(conn, versions)
    sources = [v.source() for v in versions]
    joined: Any = sources[0]
    for s in sources[1:]:
        joined = joined.join(s, true())
    row = conn.execute(select(joined)).one()
    out: list[str] = []
    at = 0
    for v, s in zip(versions, sources, strict=True):
        n = len(s.c)
        out.append(v.format(row[at : at + n]))
        at += n
    return tuple(out)


_COUNTERS = text(
    "SELECT table_name, sum(changes), max(changes) FROM data_changes "
    "WHERE table_name = ANY(:tables) GROUP BY table_name"
)


def _read_counters(conn: Connection, versions: Sequence[Version]) -> tuple[str, ...]:
    """PostgreSQL: each table's part is the sum and the maximum of its change counters."""
    tables = sorted({name for v in versions for name in v.tables})
    seen = {str(r[0]): f"{r[1]}.{r[2]}" for r in conn.execute(_COUNTERS, {"tables": tables})}
    return tuple("|".join(seen.get(name, "-") for name in v.tables) for v in versions)


def note_changes(conn: Connection, *tables: Table) -> None:
    """Bump the change counters of ``tables`` in the caller's transaction (PostgreSQL;
    SQLite computes its versions from the data). For writes that bypass the triggers:
    ``ALTER TABLE .. DISABLE TRIGGER USER``, ``session_replication_role = replica``."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT gz_data_changed(CAST(:tables AS text[]))"),
            {"tables": [table.name for table in tables]},
        )


# --- the sources ---------------------------------------------------------------------------


def _names_source() -> Subquery:
    p, h, a = t.places, t.place_history, t.admin_areas
    return select(
        select(func.count()).select_from(p).scalar_subquery().label("pc"),
        select(func.max(p.c.updated_at)).scalar_subquery().label("pu"),
        select(func.max(p.c.id)).scalar_subquery().label("pmax"),
        select(func.count()).select_from(h).scalar_subquery().label("hc"),
        select(func.max(h.c.id)).scalar_subquery().label("hmax"),
        select(func.count()).select_from(a).scalar_subquery().label("ac"),
    ).subquery("v_names")


def _network_source() -> Subquery:
    e, n = t.network_edges, t.network_nodes
    edges = select(
        func.count().label("ec"), func.max(e.c.id).label("emax"), func.sum(e.c.length_m).label("el")
    ).subquery("v_edges")
    nodes = select(func.count().label("nc"), func.max(n.c.id).label("nmax")).subquery("v_nodes")
    return select(edges, nodes).select_from(edges.join(nodes, true())).subquery("v_network")


def _format_network(row: Sequence[Any]) -> str:
    ec, emax, elen, nc, nmax = row
    return f"e{ec}:{emax}:{round(float(elen or 0), 1)}/n{nc}:{nmax}"


def _demand_source() -> Subquery:
    d = t.demand_points
    return select(
        func.count().label("dc"),
        func.max(d.c.id).label("dmax"),
        func.sum(d.c.population).label("dpop"),
        func.sum(d.c.elderly).label("deld"),
        func.sum(d.c.dependents).label("ddep"),
        func.sum(func.ST_X(d.c.geom) + func.ST_Y(d.c.geom)).label("dxy"),
    ).subquery("v_demand")


def _format_demand(row: Sequence[Any]) -> str:
    return ":".join(str(round(float(x), 6)) if x is not None else "-" for x in row)


def _admin_boxes_source() -> Subquery:
    """The admin areas' bounding boxes summed: boundaries re-imported under the same codes
    still change it."""
    a = t.admin_areas
    return select(
        func.sum(geom_bound(a.c.geom, "xmin")).label("axmin"),
        func.sum(geom_bound(a.c.geom, "ymax")).label("aymax"),
    ).subquery("v_admin_boxes")


def _words_source() -> Subquery:
    w = naming_words
    return select(
        func.count().label("wc"), func.max(w.c.id).label("wmax"), func.max(w.c.created_at)
    ).subquery("v_words")


def _buas_source() -> Subquery:
    b = t.built_up_areas
    # the sums of the bounding boxes: a polygon replaced under a reused SQLite rowid counts
    return select(
        func.count().label("bc"),
        func.max(b.c.id).label("bmax"),
        func.sum(geom_bound(b.c.geom, "xmin")).label("bxmin"),
        func.sum(geom_bound(b.c.geom, "ymax")).label("bymax"),
    ).subquery("v_buas")


def _admin_count_source() -> Subquery:
    return select(func.count().label("ac")).select_from(t.admin_areas).subquery("v_admin")


NAMES = Version("names", _names_source, _plain, ("places", "place_history", "admin_areas"))
NETWORK = Version("network", _network_source, _format_network, ("network_edges", "network_nodes"))
DEMAND = Version("demand", _demand_source, _format_demand, ("demand_points",))
ADMIN_BOXES = Version("admin boxes", _admin_boxes_source, _rounded, ("admin_areas",))
WORDS = Version("words", _words_source, _plain, ("naming_words",))
BUILT_UP_AREAS = Version("built-up areas", _buas_source, _plain, ("built_up_areas",))
ADMIN_COUNT = Version("admin areas", _admin_count_source, _plain, ("admin_areas",))


def _layer(name: str, table: Table, *columns: Any) -> Version:
    def source() -> Subquery:
        return select(func.count(), *columns).select_from(table).subquery("v_layer")

    return Version(f"{name} layer", source, _plain, (table.name,))


LAYERS: dict[str, Version] = {
    "places": _layer("places", t.places, func.max(t.places.c.updated_at), func.max(t.places.c.id)),
    "facilities": _layer(
        "facilities", t.facilities, func.max(t.facilities.c.updated_at), func.max(t.facilities.c.id)
    ),
    "admin": _layer("admin", t.admin_areas, func.max(t.admin_areas.c.code)),
    "roads": _layer("roads", t.network_edges, func.max(t.network_edges.c.id)),
    "demand": _layer(
        "demand",
        t.demand_points,
        func.max(t.demand_points.c.id),
        func.sum(t.demand_points.c.population),
        func.sum(t.demand_points.c.elderly),
        func.sum(t.demand_points.c.dependents),
    ),
}


# --- the versions ---------------------------------------------------------------------------


def names_version(conn: Connection) -> str:
    """Changes whenever names, their history or the administrative areas change."""
    return read(conn, NAMES)[0]


def network_version(conn: Connection) -> str:
    """A cheap fingerprint of the stored road network."""
    return read(conn, NETWORK)[0]


def demand_version(conn: Connection) -> str:
    """A cheap fingerprint of the demand points (positions and population figures)."""
    return read(conn, DEMAND)[0]


def coverage_versions(conn: Connection) -> tuple[str, str]:
    """The network and demand versions in one statement (read on every coverage call)."""
    network, demand = read(conn, NETWORK, DEMAND)
    return network, demand


def layer_version(conn: Connection, layer: str) -> str:
    """Changes whenever the rows behind a map layer change (``places``, ``facilities``,
    ``admin``, ``roads``, ``demand``)."""
    return read(conn, LAYERS[layer])[0]


def sheet_data_version(conn: Connection) -> str:
    """Changes whenever anything drawn on a result map sheet changes (one statement)."""
    return "|".join(read(conn, NETWORK, NAMES, ADMIN_BOXES))


def naming_reference_version(conn: Connection) -> tuple[str, str, str]:
    """(word lists, built-up areas, administrative areas) parts, in one statement."""
    words, buas, admin = read(conn, WORDS, BUILT_UP_AREAS, ADMIN_COUNT)
    return words, buas, admin


__all__ = [
    "LAYERS",
    "Version",
    "coverage_versions",
    "demand_version",
    "layer_version",
    "names_version",
    "naming_reference_version",
    "network_version",
    "note_changes",
    "read",
    "sheet_data_version",
]
