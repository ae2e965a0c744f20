"""The 地名成果表 (census result table) of one name: its rows, and as an Excel workbook.

One set of rows serves the printable HTML card and the place page (``maps.pages``), the
Excel card and the ``gazetteer place`` command.
"""

from __future__ import annotations

import io

from gazetteer.model import (
    CENSUS_STATUS_LABELS,
    CHANGE_REASON_LABELS,
    PLACE_STATUS_LABELS,
    label,
)
from gazetteer.model.views import PlaceDetails

CARD_TITLE = "地名成果表"


def card_rows(d: PlaceDetails) -> list[tuple[str, str]]:
    """The census result table of one name as (label, value) rows, in form order."""
    p = d.place
    point = p.point if p.point is not None else p.geometry.representative_point()
    cats = " / ".join(f"{c.name}（{c.code}）" for c in d.categories)
    former = "；".join(
        f"{h.name}（{_d(h.valid_from)}—{_d(h.valid_to)}，{label(CHANGE_REASON_LABELS, h.reason)}）"
        for h in d.history
        if h.name != p.name
    )
    status = label(PLACE_STATUS_LABELS, p.status)
    census = label(CENSUS_STATUS_LABELS, p.census_status)
    rows = [
        ("标准名称", p.name),
        ("罗马字母拼写", p.romanized),
        ("地名代码", p.code or ""),
        ("专名", p.specific),
        ("通名", p.generic),
        ("类别", cats or p.category_code),
        ("所在行政区", " ".join(a.name for a in d.admin_path)),
        ("行政区划代码", p.admin_code),
        ("地理坐标", f"东经 {point.x:.6f}°，北纬 {point.y:.6f}°（CGCS2000）"),
        ("别名、简称", "、".join(p.other_names)),
        ("曾用名", former),
        ("设立年份", str(p.established_year or "")),
        ("废止年份", str(p.abolished_year or "")),
        ("地名含义", p.meaning),
        ("地名由来", p.origin),
        ("历史沿革", p.history),
        ("地理实体描述", p.description),
        ("地名状态", status),
        ("普查状态", census),
        ("资料来源", p.source),
    ]
    if d.road is not None:
        rows += [
            ("起点", d.road.start_desc),
            ("止点", d.road.end_desc),
            ("长度（米）", f"{d.road.length_m:.0f}"),
        ]
    return rows


def _d(value: object) -> str:
    return str(value) if value is not None else "…"


def card_xlsx(d: PlaceDetails) -> bytes:
    """The 地名成果表 as an Excel workbook (one sheet, label/value columns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = CARD_TITLE
    ws.append([f"{CARD_TITLE}：{d.place.name}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:B1")
    for caption, value in card_rows(d):
        ws.append([caption, value])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["CARD_TITLE", "card_rows", "card_xlsx"]
