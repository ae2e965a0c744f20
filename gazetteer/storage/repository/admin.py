"""Administrative areas, the classification table and built-up areas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, func, select

from gazetteer.errors import NotFound
from gazetteer.model import AdminArea, AdminLevel, AdminRef, BuiltUpArea, classification
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.repository.rows import from_row, insert_many
from gazetteer.types import lineage


def ensure_categories(conn: Connection) -> int:
    """Write the classification table if the database has none; returns rows written."""
    if conn.execute(select(func.count()).select_from(t.categories)).scalar_one():
        return 0
    cats = classification().categories
    majors = [c for c in cats if c.is_major]
    subs = [c for c in cats if not c.is_major]
    rows = [
        {"code": c.code, "name": c.name, "name_en": c.name_en, "major_code": c.major_code}
        for c in majors + subs
    ]
    return insert_many(conn, t.categories, rows)


def admin_row(a: AdminArea) -> dict[str, Any]:
    return {
        "code": a.code,
        "name": a.name,
        "level": int(a.level),
        "kind": a.kind,
        "parent_code": a.parent_code,
        "ur_code": a.ur_code,
        "geom": to_db(a.geometry),
        "centre": to_db(a.centre),
    }


def admin_from_row(r: Row[Any]) -> AdminArea:
    m = r._mapping
    return from_row(
        AdminArea,
        r,
        level=AdminLevel(m["level"]),
        geometry=from_db(m["geom"]),
        centre=from_db(m["centre"]),
    )


def insert_admin_areas(conn: Connection, areas: Iterable[AdminArea]) -> int:
    """Insert areas; parents must come before children (sorted by level here)."""
    ordered = sorted(areas, key=lambda a: (int(a.level), a.code))
    return insert_many(conn, t.admin_areas, (admin_row(a) for a in ordered))


def iter_admin_areas(conn: Connection, *, level: AdminLevel | None = None) -> Iterator[AdminArea]:
    q = select(t.admin_areas).order_by(t.admin_areas.c.level, t.admin_areas.c.code)
    if level is not None:
        q = q.where(t.admin_areas.c.level == int(level))
    for r in conn.execute(q):
        yield admin_from_row(r)


def admin_ancestry(
    conn: Connection, codes: Iterable[str]
) -> dict[str, tuple[AdminRef, str | None]]:
    """The areas ``codes`` and all their ancestors as ``code -> (ref, parent code)``, read
    in one recursive query (unknown codes are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    a = t.admin_areas
    cols = (a.c.code, a.c.name, a.c.level, a.c.kind, a.c.parent_code)
    tree = select(*cols).where(a.c.code.in_(wanted)).cte("tree", recursive=True)
    up = a.alias("up")
    tree = tree.union(
        select(up.c.code, up.c.name, up.c.level, up.c.kind, up.c.parent_code).join_from(
            up, tree, up.c.code == tree.c.parent_code
        )
    )
    return {
        code: (AdminRef(code, name, int(level), kind or ""), parent)
        for code, name, level, kind, parent in conn.execute(select(tree))
    }


def admin_path(conn: Connection, code: str) -> list[AdminRef]:
    """The area ``code`` and its ancestors, the highest level (city) first."""
    tree = admin_ancestry(conn, [code])
    return [tree[c][0] for c in lineage(code, {k: v[1] for k, v in tree.items()})]


def area_names(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """The names of the areas ``codes`` (codes not in the database are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    a = t.admin_areas.c
    return {
        str(code): str(name)
        for code, name in conn.execute(select(a.code, a.name).where(a.code.in_(wanted)))
    }


def get_admin_area(conn: Connection, code: str) -> AdminArea:
    r = conn.execute(select(t.admin_areas).where(t.admin_areas.c.code == code)).first()
    if r is None:
        raise NotFound(f"行政区划代码不存在 (unknown administrative area code): {code}")
    return admin_from_row(r)


def insert_built_up_areas(conn: Connection, areas: Iterable[BuiltUpArea]) -> int:
    return insert_many(
        conn,
        t.built_up_areas,
        ({"name": a.name, "county_code": a.county_code, "geom": to_db(a.geometry)} for a in areas),
    )


def iter_built_up_areas(conn: Connection) -> Iterator[BuiltUpArea]:
    for r in conn.execute(select(t.built_up_areas).order_by(t.built_up_areas.c.id)):
        m = r._mapping
        g = from_db(m["geom"])
        assert g is not None
        yield BuiltUpArea(id=m["id"], name=m["name"], county_code=m["county_code"], geometry=g)


__all__ = [
    "admin_ancestry",
    "admin_from_row",
    "admin_path",
    "admin_row",
    "area_names",
    "ensure_categories",
    "get_admin_area",
    "insert_admin_areas",
    "insert_built_up_areas",
    "iter_admin_areas",
    "iter_built_up_areas",
]
