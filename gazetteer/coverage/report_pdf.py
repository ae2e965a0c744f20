"""The coverage report as a printed map (A3 landscape PDF) for a meeting.

Title, the question (facility type, minutes, profile, weight, area), the map (boundaries,
villages coloured by minutes to the nearest facility, uncovered villages, facilities), a
legend, scale bar, north arrow, the date, the data source and the by-area table. Drawn
with matplotlib and the Chinese font the map sheets use
(:func:`gazetteer.cartography.sheet_render.cjk_font_path`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gazetteer.cartography.sheet_render import (
    chinese_font,
    draw_north_arrow,
    draw_scale_segments,
    furniture_axes,
)
from gazetteer.coverage.report import report_facts, report_title
from gazetteer.coverage.workbench import AreaRow, CoverageReport, VillageRow
from gazetteer.types import local_today

KM_PER_DEG_LAT = 111.32
SOURCE = "数据来源：威海市民政局 地名与民政设施数据库；路网通行时间按出行方式计算"
RAMP = [
    (5.0, "#1a9850", "≤5 分钟"),
    (10.0, "#91cf60", "5–10 分钟"),
    (15.0, "#d9ef8b", "10–15 分钟"),
    (20.0, "#fee08b", "15–20 分钟"),
    (30.0, "#fc8d59", "20–30 分钟"),
    (math.inf, "#d73027", ">30 分钟或不可达"),
]


@dataclass(frozen=True, slots=True)
class MapLayers:
    """What the map shows besides the report's figures (read by the use case)."""

    areas: Sequence[tuple[str, int, BaseGeometry]]  # name, level, polygon
    villages: Sequence[VillageRow]  # every village of the area
    facilities: Sequence[tuple[float, float]]  # lon, lat
    bounds: tuple[float, float, float, float]


def _polys(g: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(g, Polygon):
        yield g
    elif isinstance(g, MultiPolygon):
        yield from g.geoms


def _color(minutes: float | None) -> str:
    m = math.inf if minutes is None else minutes
    for limit, color, _label in RAMP:
        if m <= limit:
            return color
    return RAMP[-1][1]


def _nice_km(max_km: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50, 100):
        if step * 4 >= max_km * 0.25:
            return float(step)
    return 100.0


def render_report(r: CoverageReport, layers: MapLayers, *, today: date | None = None) -> Figure:
    """The A3 landscape sheet of a coverage report."""
    today = today or local_today()
    fig = Figure(figsize=(16.54, 11.69), dpi=100)
    fig.patch.set_facecolor("white")
    fig.text(0.03, 0.955, report_title(r), fontproperties=chinese_font(22, "bold"), va="center")
    facts = "　".join(f"{k}：{v}" for k, v in report_facts(r))
    fig.text(0.03, 0.915, facts, fontproperties=chinese_font(10), va="center")

    west, south, east, north = layers.bounds
    lat0 = (south + north) / 2
    ax = fig.add_axes((0.03, 0.10, 0.60, 0.78))
    ax.set_facecolor("#e3eef7")
    for _name, level, geom in sorted(layers.areas, key=lambda a: a[1]):
        for poly in _polys(geom):
            xs, ys = poly.exterior.xy
            if level <= 3:
                ax.fill(xs, ys, facecolor="#f6f3e9", edgecolor="none", zorder=1)
            ax.plot(
                xs,
                ys,
                color={2: "#5a4a6a", 3: "#7a6a8a"}.get(level, "#b9aec4"),
                lw={2: 1.6, 3: 1.1}.get(level, 0.5),
                zorder=3,
            )
    # covered villages small with a thin edge, the gaps above them larger and outlined
    for covered, size, edge, width, z in (
        (True, 9, "#555555", 0.2, 4),
        (False, 14, "#3b0000", 0.7, 5),
    ):
        vs = [v for v in layers.villages if v.covered == covered]
        if vs:
            ax.scatter(
                [v.lon for v in vs],
                [v.lat for v in vs],
                s=size,
                c=[_color(v.minutes_to_nearest) for v in vs],
                edgecolors=edge,
                linewidths=width,
                zorder=z,
            )
    if layers.facilities:
        ax.scatter(
            [x for x, _ in layers.facilities],
            [y for _, y in layers.facilities],
            s=16,
            marker="s",
            c="#08306b",
            edgecolors="white",
            linewidths=0.5,
            zorder=6,
        )
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    ax.set_xlim(west - pad_x, east + pad_x)
    ax.set_ylim(south - pad_y, north + pad_y)
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.apply_aspect()
    _north_arrow(fig, ax)
    _scale_bar(fig, ax, west - pad_x, east + pad_x, lat0)
    _legend(fig)
    _table(fig, r.by_town if len(r.by_county) <= 1 else r.by_county, r)
    fig.text(
        0.03,
        0.03,
        f"{SOURCE}　坐标系：CGCS2000　制图日期：{today.isoformat()}",
        fontproperties=chinese_font(9),
        va="center",
    )
    return fig


def _north_arrow(fig: Figure, ax: object) -> None:
    box = ax.get_position()  # type: ignore[attr-defined]
    draw_north_arrow(furniture_axes(fig, (box.x1 - 0.045, box.y1 - 0.085, 0.035, 0.07)))


def _scale_bar(fig: Figure, ax: object, west: float, east: float, lat0: float) -> None:
    width_km = (east - west) * KM_PER_DEG_LAT * math.cos(math.radians(lat0))
    step = _nice_km(width_km)
    box = ax.get_position()  # type: ignore[attr-defined]
    per_km = box.width / width_km
    sb = furniture_axes(fig, (box.x0, 0.06, 0.4, 0.025), 0.4)
    draw_scale_segments(sb, step * per_km, 0.55)
    for i in range(4):
        sb.text(i * step * per_km, 0.0, f"{i * step:g}", ha="center", va="bottom", fontsize=7)
    sb.text(
        4 * step * per_km,
        0.0,
        f"{4 * step:g} 千米",
        ha="center",
        va="bottom",
        fontproperties=chinese_font(7),
    )


def _legend(fig: Figure) -> None:
    ax = fig.add_axes((0.66, 0.60, 0.32, 0.28))
    ax.set_axis_off()
    handles: list[object] = [
        Line2D([], [], color="#5a4a6a", lw=1.6, label="市界"),
        Line2D([], [], color="#7a6a8a", lw=1.1, label="区市界"),
        Line2D([], [], color="#b9aec4", lw=0.6, label="镇街界"),
        Line2D([], [], marker="s", ls="", color="#08306b", label="现有设施"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="#d73027",
            markeredgecolor="#3b0000",
            label="未覆盖村居（缺口）",
        ),
    ]
    for _limit, color, label in RAMP:
        handles.append(Patch(facecolor=color, edgecolor="#555", label=f"村居：到最近设施 {label}"))
    ax.legend(handles=handles, loc="upper left", prop=chinese_font(9), frameon=True, ncol=2)
    ax.text(0.0, 1.04, "图　例", fontproperties=chinese_font(12, "bold"), transform=ax.transAxes)


def _table(fig: Figure, rows: Sequence[AreaRow], r: CoverageReport) -> None:
    ax = fig.add_axes((0.66, 0.08, 0.32, 0.48))
    ax.set_axis_off()
    level = rows[0].level if rows else 3
    head = ["区市" if level == 3 else "镇街", "覆盖", "总数", "覆盖率", "未覆盖村居"]
    shown = sorted(rows, key=lambda a: a.covered_share)[:24]
    body = [
        [
            a.name,
            f"{a.covered:,.0f}",
            f"{a.total:,.0f}",
            f"{100 * a.covered_share:.1f}%",
            f"{a.uncovered_villages}",
        ]
        for a in shown
    ]
    body.append(
        [
            "合计",
            f"{r.covered:,.0f}",
            f"{r.total:,.0f}",
            f"{100 * r.covered_share:.1f}%",
            f"{len(r.gaps)}",
        ]
    )
    ax.text(
        0.0,
        1.02,
        "按区域覆盖情况" + ("（覆盖率最低的 24 个）" if len(rows) > 24 else ""),
        fontproperties=chinese_font(12, "bold"),
        transform=ax.transAxes,
    )
    tab = ax.table(cellText=body, colLabels=head, loc="upper left", cellLoc="right")
    tab.auto_set_font_size(False)
    for cell in tab.get_celld().values():
        cell.set_text_props(fontproperties=chinese_font(8))
        cell.set_height(0.035)
        cell.set_linewidth(0.4)


def report_pdf_bytes(r: CoverageReport, layers: MapLayers, *, today: date | None = None) -> bytes:
    fig = render_report(r, layers, today=today)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", facecolor="white")
    return buf.getvalue()


__all__ = ["MapLayers", "render_report", "report_pdf_bytes"]
