"""The generated public notice (公告) of an approved name (《地名管理条例》 art. 14).

Pure functions of the case and the names of its areas: standard name, romanisation, area,
location (东起…西至…，长…米、宽…米), approving authority and date.
"""

from __future__ import annotations

import math
from datetime import date

from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from gazetteer.naming.model import Case, CaseKind

DEFAULT_AUTHORITY = "威海市人民政府"


def _cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "（日期待定）"


def _ends(geometry: BaseGeometry | None) -> tuple[tuple[float, float], tuple[float, float]] | None:
    if isinstance(geometry, MultiLineString) and not geometry.is_empty:
        geometry = max(geometry.geoms, key=lambda g: g.length)
    if isinstance(geometry, LineString) and len(geometry.coords) >= 2:
        a, b = geometry.coords[0], geometry.coords[-1]
        return (a[0], a[1]), (b[0], b[1])
    return None


def location_phrase(
    geometry: BaseGeometry | None,
    start_desc: str,
    end_desc: str,
    length_m: float | None,
    width_m: float | None,
) -> str:
    """东起…西至…，长…米、宽…米 (or 南起…北至… for a north-south road)."""
    parts: list[str] = []
    ends = _ends(geometry)
    if start_desc or end_desc:
        s, e = start_desc or "（起点）", end_desc or "（止点）"
        if ends is not None:
            (x1, y1), (x2, y2) = ends
            dx = (x2 - x1) * math.cos(math.radians((y1 + y2) / 2))
            dy = y2 - y1
            if abs(dx) >= abs(dy):
                east, west = (s, e) if x1 > x2 else (e, s)
                parts.append(f"东起{east}，西至{west}")
            else:
                south, north = (s, e) if y1 < y2 else (e, s)
                parts.append(f"南起{south}，北至{north}")
        else:
            parts.append(f"起于{s}，止于{e}")
    size = []
    if length_m:
        size.append(f"长{round(length_m):d}米")
    if width_m:
        size.append(f"宽{width_m:g}米")
    if size:
        parts.append("、".join(size))
    return "，".join(parts)


def notice_text(case: Case, *, area: str, former_name: str = "") -> str:
    """The full 公告 text for an approved case."""
    p = case.proposal
    authority = case.approver_authority or DEFAULT_AUTHORITY
    doc = f"（{case.approval_no}）" if case.approval_no else ""
    where = location_phrase(p.geometry, p.start_desc, p.end_desc, p.length_m, p.width_m)
    roman = case.romanized
    if case.kind is CaseKind.NEW_ROAD:
        title = f"关于{p.name}命名的公告"
        body = f"经{authority}批准{doc}，位于{area}、{where}的道路命名为“{p.name}”（{roman}）。"
    elif case.kind is CaseKind.COMPOUND:
        title = f"关于{p.name}命名的公告"
        extra = f"，{where}" if where else ""
        body = f"经{authority}批准{doc}，位于{area}的居住小区{extra}命名为“{p.name}”（{roman}）。"
    elif case.kind is CaseKind.RENAME:
        title = f"关于{former_name or '原名称'}更名为{p.name}的公告"
        extra = f"（{where}）" if where else ""
        body = (
            f"经{authority}批准{doc}，位于{area}的“{former_name}”{extra}"
            f"更名为“{p.name}”（{roman}），原名称停止使用。"
        )
    else:
        title = f"关于{p.name}起止点调整的公告"
        body = f"经{authority}批准{doc}，位于{area}的“{p.name}”（{roman}）起止点调整为：{where}。"
    reason = f"\n命名含义：{p.reason}" if p.reason else ""
    return (
        f"{title}\n\n{body}{reason}\n\n特此公告。\n\n"
        f"{authority}\n{_cn_date(case.approval_date)}\n（案件编号 {case.number}）"
    )


def notice_docx(text: str) -> bytes:
    """The notice as a Word document (python-docx) for the office's own letterhead: the
    title centred and bold, the body in paragraphs, the office and date aligned right."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    lines = text.split("\n")
    title, rest = lines[0], lines[1:]
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.bold = True
    run.font.size = Pt(18)
    # the last two or three lines are the office, the date and the case number
    tail = [x for x in rest if x.strip()][-3:]
    for line in rest:
        if not line.strip():
            continue
        para = doc.add_paragraph(line)
        if line in tail:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            para.paragraph_format.first_line_indent = Pt(24)
    doc.core_properties.title = title
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


__all__ = ["DEFAULT_AUTHORITY", "location_phrase", "notice_docx", "notice_text"]
