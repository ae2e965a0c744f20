"""Where a proposed feature lies: the administrative area derived from its geometry.

The area of a case is derived from what staff draw (the deepest stored administrative
polygon that covers the feature's anchor point: a line's midpoint, a polygon's
representative point). A typed code that contradicts the drawing is a finding
(``location.admin_mismatch``), never silently accepted: a code and a geometry that
disagree would make the approved record fail the importer's own check later.
Areas without a stored polygon cannot be derived (None: nothing to compare).
"""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, select

from gazetteer.naming.check import anchor_point
from gazetteer.naming.model import Finding
from gazetteer.naming.rules import finding
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import bbox_match
from gazetteer.storage.geometry import from_db


def derive_admin_code(conn: Connection, geometry: BaseGeometry | None) -> str | None:
    """The code of the deepest stored area covering ``geometry``'s anchor point, or None."""
    if geometry is None or geometry.is_empty:
        return None
    pt = anchor_point(geometry)
    x, y = float(pt.x), float(pt.y)
    a = t.admin_areas
    box = bbox_match(a, (x - 1e-9, y - 1e-9, x + 1e-9, y + 1e-9), "geom")
    candidates = conn.execute(
        select(a.c.code, a.c.level).where(a.c.geom.is_not(None)).where(box)
    ).all()
    # deepest first: usually the first polygon read (a small one) answers
    for code, _level in sorted(candidates, key=lambda r: -int(r.level)):
        g = conn.execute(select(a.c.geom).where(a.c.code == code)).scalar_one()
        shape: BaseGeometry | None = from_db(g)
        if shape is not None and shape.covers(pt):
            return str(code)
    return None


def consistent(typed: str, derived: str) -> bool:
    """True when one code is the other or an ancestor of it (a town typed for a village
    drawn inside it is fine)."""
    a, b = typed.rstrip("0") or "0", derived.rstrip("0") or "0"
    return a.startswith(b) or b.startswith(a)


def area_findings(
    conn: Connection, admin_code: str, geometry: BaseGeometry | None
) -> tuple[str | None, list[Finding]]:
    """The derived code and, when it contradicts ``admin_code``, the finding saying so."""
    derived = derive_admin_code(conn, geometry)
    if derived is None or not admin_code or consistent(admin_code, derived):
        return derived, []
    rows = conn.execute(
        select(t.admin_areas.c.code, t.admin_areas.c.name).where(
            t.admin_areas.c.code.in_([admin_code, derived])
        )
    ).all()
    names: dict[str, str] = {str(code): str(name) for code, name in rows}
    msg = (
        f"填写的行政区划 {names.get(admin_code, '')}（{admin_code}）与绘制的位置不符："
        f"该位置属于 {names.get(derived, '')}（{derived}）"
    )
    return derived, [finding("location.admin_mismatch", msg, [f"admin:{derived}"])]


__all__ = ["area_findings", "consistent", "derive_admin_code"]
