"""Printable result map sheets (成果图) drawn with matplotlib, as PNG and PDF.

Each sheet (see :mod:`gazetteer.cartography.sheet_data` for which sheets there are and
what each shows) carries the title, the sheet number, place names, a legend, a scale bar,
a north arrow, a graticule and an index of the neighbouring sheets.

Why here and not in ``maps/``: the ``gazetteer sheets`` command must render sheets, and the
library never imports ``maps`` (imports point api -> maps -> gazetteer). This module uses
only matplotlib's object API (``Figure``, no pyplot state), so it is safe in API threads.

:func:`render_sheet` is a pure function of :class:`~gazetteer.cartography.sheet_data.SheetData`;
:func:`renderer_version` names the code and libraries that draw, for the sheet cache's keys.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator, Sequence
from functools import cache
from importlib.metadata import version as matplotlib_version
from pathlib import Path

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from gazetteer.cartography import layers, sheet_data, sheet_grid
from gazetteer.cartography.sheet_data import SheetData, SheetLabel
from gazetteer.errors import InvalidInput, StorageUnavailable
from gazetteer.model import classification

KM_PER_DEG_LAT = 111.32
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
)
# Colours of the major categories on paper (same hues as the web map).
CATEGORY_COLORS = {
    "1": "#1f78b4",
    "21": "#e31a1c",
    "216": "#fb9a99",
    "217": "#b15928",
    "22": "#ff7f00",
    "23": "#6a3d9a",
    "24": "#a6cee3",
    "25": "#33a02c",
    "26": "#cab2d6",
    "27": "#8c8c8c",
}
ROAD_STYLE = {
    "motorway": ("#e06c00", 2.2),
    "trunk": ("#e89a3c", 1.8),
    "primary": ("#d9a400", 1.5),
    "secondary": ("#c9b458", 1.1),
    "tertiary": ("#999999", 0.8),
    "residential": ("#bbbbbb", 0.5),
}
MAX_LABELS = 350
FOOTER = (
    "坐标系：2000国家大地坐标系 (CGCS2000)　图幅编号：GB/T 13989-2012　"
    "威海市民政局 第二次全国地名普查成果图"
)


@cache
def cjk_font_path() -> str:
    """The file of an installed Chinese font, found through matplotlib's font manager."""
    for wanted in CJK_FONT_NAMES:
        for f in font_manager.fontManager.ttflist:
            if f.name == wanted:
                return str(f.fname)
    for f in font_manager.fontManager.ttflist:
        if "CJK" in f.name or "Hei" in f.name:
            return str(f.fname)
    raise StorageUnavailable(
        "未找到中文字体 (no Chinese font found for the map sheets); apt-get install fonts-noto-cjk"
    )


def chinese_font(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(fname=cjk_font_path(), size=size, weight=weight)


# --- map furniture, shared with the coverage report's map ---------------------------------


def furniture_axes(fig: Figure, rect: tuple[float, float, float, float], width: float = 1) -> Axes:
    """Axes without frame or ticks for a north arrow or a scale bar: x 0..width, y 0..1."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(0, 1)
    return ax


def draw_north_arrow(ax: Axes) -> None:
    """The north arrow, half black and half white, over 北 (in :func:`furniture_axes`)."""
    ax.fill([0.5, 0.3, 0.5], [0.95, 0.2, 0.35], color="black")
    ax.fill([0.5, 0.7, 0.5], [0.95, 0.2, 0.35], facecolor="white", edgecolor="black", lw=1)
    ax.text(0.5, 0.0, "北", ha="center", va="bottom", fontproperties=chinese_font(10, "bold"))


def draw_scale_segments(ax: Axes, segment: float, y: float) -> None:
    """A scale bar's four segments, black and white in turn, each ``segment`` wide."""
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (i * segment, y),
                segment,
                0.35,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                lw=0.8,
            )
        )


def _dm(value: float, hemi: str) -> str:
    total = round(value * 60)
    return f"{total // 60}°{total % 60:02d}′{hemi}"


def _polys(g: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(g, Polygon):
        yield g
    elif isinstance(g, MultiPolygon):
        yield from g.geoms
    elif hasattr(g, "geoms"):
        for part in g.geoms:
            yield from _polys(part)


def _lines(g: BaseGeometry) -> Iterator[LineString]:
    if isinstance(g, LineString):
        yield g
    elif isinstance(g, MultiLineString):
        yield from g.geoms


def _nice_km(max_km: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 50, 100):
        if step * 4 >= max_km * 0.8:
            return step
    return 100.0


def render_sheet(data: SheetData) -> Figure:
    """Draw one sheet; returns a matplotlib Figure (A3 landscape, 420 × 297 mm)."""
    west, south, east, north = data.bounds
    if not (east > west and north > south):
        raise InvalidInput(f"图幅范围无效 (empty sheet extent: {data.bounds})")
    lat0 = (south + north) / 2
    aspect = 1 / math.cos(math.radians(lat0))
    fig = Figure(figsize=(16.54, 11.69), dpi=100)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0.05, 0.08, 0.66, 0.80))
    ax.set_facecolor("#e3eef7")  # sea
    frame = box(west, south, east, north)

    if data.land is not None:  # counties and islands (刘公岛 is land, not sea)
        for poly in _polys(data.land.intersection(frame)):
            xs, ys = poly.exterior.xy
            ax.fill(xs, ys, facecolor="#f6f3e9", edgecolor="#8fb3cc", lw=0.4, zorder=1)
            for hole in poly.interiors:
                hx, hy = hole.xy
                ax.fill(hx, hy, facecolor="#e3eef7", edgecolor="none", zorder=1)
    for a in sorted(data.areas, key=lambda s: s.level):
        clipped = a.geometry.intersection(frame) if a.level <= 3 else a.geometry
        for poly in _polys(clipped):
            xs, ys = poly.exterior.xy
            if a.level <= 3 and data.land is None:
                ax.fill(xs, ys, facecolor="#f6f3e9", edgecolor="none", zorder=1)
            ax.plot(
                xs,
                ys,
                color={2: "#5a4a6a", 3: "#7a6a8a", 4: "#b9aec4"}.get(a.level, "#aaa"),
                lw={2: 1.6, 3: 1.1, 4: 0.5}.get(a.level, 0.5),
                ls={2: "-", 3: (0, (6, 2)), 4: (0, (2, 2))}.get(a.level, "-"),
                zorder=3,
            )
    # one LineCollection per road class: thousands of edges draw in one call
    by_class: dict[str, list[list[tuple[float, float]]]] = {}
    for r in data.roads:
        for line in _lines(r.geometry):
            by_class.setdefault(r.road_class, []).append(list(line.coords))
    for cls_name, segments in by_class.items():
        color, lw = ROAD_STYLE.get(cls_name, ("#bbbbbb", 0.5))
        ax.add_collection(
            LineCollection(segments, colors=color, linewidths=lw, zorder=2, capstyle="round")
        )

    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect)
    ax.apply_aspect()  # the drawn box, for label sizes
    box_pos = ax.get_position()
    fig_w_in, fig_h_in = fig.get_size_inches()
    deg_per_pt = (
        (east - west) / (box_pos.width * fig_w_in * 72),
        (north - south) / (box_pos.height * fig_h_in * 72),
    )
    label_font = chinese_font(6.5)
    admin_font = chinese_font(8.5, "bold")
    inside = [lb for lb in data.labels if west <= lb.lon <= east and south <= lb.lat <= north]
    if inside:  # every name keeps its point symbol (one scatter call)
        ax.scatter(
            [lb.lon for lb in inside],
            [lb.lat for lb in inside],
            s=4,
            c=[CATEGORY_COLORS.get(lb.major_code, "#555") for lb in inside],
            linewidths=0,
            zorder=4,
        )
    placed = declutter(inside, deg_per_pt, max_labels=MAX_LABELS)
    _road_names(ax, data, deg_per_pt, aspect, placed)
    for lb in placed:
        ax.annotate(
            lb.name,
            (lb.lon, lb.lat),
            xytext=(2.5, 1.5),
            textcoords="offset points",
            fontproperties=admin_font if lb.priority == 0 else label_font,
            color="#222" if lb.priority == 0 else "#333",
            zorder=5,
        )

    # graticule every 2.5′ on grid sheets, every 5′/10′ on county sheets
    span = max(east - west, north - south)
    step = 2.5 / 60 if span <= 0.3 else (5 / 60 if span <= 0.8 else 10 / 60)
    xt = [
        k * step for k in range(math.ceil(west / step - 1e-9), math.floor(east / step + 1e-9) + 1)
    ]
    yt = [
        k * step for k in range(math.ceil(south / step - 1e-9), math.floor(north / step + 1e-9) + 1)
    ]
    ax.set_xticks(xt)
    ax.set_yticks(yt)
    ax.set_xticklabels([_dm(x, "E") for x in xt], fontsize=7)
    ax.set_yticklabels([_dm(y, "N") for y in yt], fontsize=7)
    ax.tick_params(top=True, right=True, labeltop=True, labelright=True, direction="in")
    ax.grid(True, color="#6a8caf", lw=0.4, ls=(0, (4, 4)), zorder=0)
    for spine in ax.spines.values():
        spine.set_linewidth(1.6)

    fig.text(
        0.38, 0.955, data.title, ha="center", va="center", fontproperties=chinese_font(20, "bold")
    )
    caption = f"{data.number}　{data.series}" if data.series else data.number
    fig.text(0.38, 0.922, caption, ha="center", va="center", fontproperties=chinese_font(12))
    draw_north_arrow(furniture_axes(fig, (0.655, 0.80, 0.045, 0.07)))
    _scale_bar(fig, ax, west, east, lat0)
    _legend(fig, data)
    _index(fig, data)
    fig.text(
        0.05,
        0.012,
        data.footer or FOOTER,
        fontproperties=chinese_font(8),
        color="#444",
    )
    made = f"编制单位：{data.producer}"
    if data.compiled:
        y, m, d = data.compiled[:10].split("-")
        made += f"　编制日期：{int(y)}年{int(m)}月{int(d)}日"
    fig.text(0.71, 0.012, made, ha="right", fontproperties=chinese_font(8), color="#444")
    return fig


ROAD_NAME_PT = 6.0
MAX_ROAD_NAMES = 80


def _road_names(
    ax: object,
    data: SheetData,
    deg_per_pt: tuple[float, float],
    aspect: float,
    placed: Sequence[SheetLabel],
) -> None:
    """Road names written along their roads: once per name, at the middle of its longest
    line, turned to the road's direction, kept only where no other name is."""
    west, south, east, north = data.bounds
    frame = box(west, south, east, north)
    best: dict[str, LineString] = {}
    for r in data.road_names:
        for line in _lines(r.geometry.intersection(frame)):
            if line.length > best.get(r.name, LineString()).length:
                best[r.name] = line
    dx, dy = deg_per_pt
    taken = [
        (lb.lon, lb.lat, lb.lon + (len(lb.name) * 7 + 4) * dx, lb.lat + 9 * dy) for lb in placed
    ]
    count = 0
    for name, line in sorted(best.items(), key=lambda kv: -kv[1].length):
        text_deg = len(name) * ROAD_NAME_PT * dx * 1.1
        if line.length < text_deg * 0.8:  # shorter than its name on paper
            continue
        mid = line.interpolate(0.5, normalized=True)
        a = line.interpolate(max(line.project(mid) - text_deg / 2, 0))
        b = line.interpolate(min(line.project(mid) + text_deg / 2, line.length))
        angle = math.degrees(math.atan2((b.y - a.y) * aspect, b.x - a.x))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        half_w = abs(math.cos(math.radians(angle))) * text_deg / 2 + 4 * dx
        half_h = abs(math.sin(math.radians(angle))) * text_deg / 2 / aspect + 5 * dy
        bb = (mid.x - half_w, mid.y - half_h, mid.x + half_w, mid.y + half_h)
        if any(not (bb[2] < t[0] or t[2] < bb[0] or bb[3] < t[1] or t[3] < bb[1]) for t in taken):
            continue
        taken.append(bb)
        ax.text(  # type: ignore[attr-defined]
            mid.x,
            mid.y,
            name,
            rotation=angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontproperties=chinese_font(ROAD_NAME_PT),
            color="#5a4a2a",
            zorder=5,
            gid="road-name",
        )
        count += 1
        if count >= MAX_ROAD_NAMES:
            break


def declutter(
    labels: Sequence[SheetLabel],
    deg_per_pt: tuple[float, float],
    *,
    max_labels: int = MAX_LABELS,
) -> list[SheetLabel]:
    """The labels to print, most important first, none overlapping another.

    Each label's box (text to the upper right of its point, sized from the font size in
    points and the map's degrees per point) is kept only if it meets no box already kept;
    a grid of cells one line high makes the test cheap.
    """
    dx, dy = deg_per_pt
    cell_w, cell_h = 10 * dx, 10 * dy
    taken: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    out: list[SheetLabel] = []
    for lb in sorted(labels, key=lambda x: (x.priority, x.name)):
        size = 8.5 if lb.priority == 0 else 6.5
        x0 = lb.lon + 1.5 * dx
        y0 = lb.lat
        x1 = x0 + (len(lb.name) * size + 2) * dx
        y1 = y0 + (size + 2) * dy
        cells = [
            (i, j)
            for i in range(math.floor(x0 / cell_w), math.floor(x1 / cell_w) + 1)
            for j in range(math.floor(y0 / cell_h), math.floor(y1 / cell_h) + 1)
        ]
        clash = any(
            not (x1 < a0 or a1 < x0 or y1 < b0 or b1 < y0)
            for c in cells
            for (a0, b0, a1, b1) in taken.get(c, ())
        )
        if clash:
            continue
        for c in cells:
            taken.setdefault(c, []).append((x0, y0, x1, y1))
        out.append(lb)
        if len(out) >= max_labels:
            break
    return out


def _scale_bar(fig: Figure, ax: object, west: float, east: float, lat0: float) -> None:
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(lat0))
    width_km = (east - west) * km_per_deg_lon
    step_km = _nice_km(width_km / 2)
    # the map axes span 0.66 of the figure width over width_km (aspect kept by the box)
    ax.apply_aspect()  # type: ignore[attr-defined]  # the drawn box, after the aspect
    bbox = ax.get_position()  # type: ignore[attr-defined]
    fig_frac_per_km = bbox.width / width_km
    end = 4 * step_km * fig_frac_per_km
    # the axes hold the whole bar and its unit (a narrower one cut the bar short)
    room = end + 0.05
    sb = furniture_axes(fig, (bbox.x0, 0.045, room, 0.02), room)
    draw_scale_segments(sb, step_km * fig_frac_per_km, 0.5)
    for i in range(5):
        sb.text(
            i * step_km * fig_frac_per_km,
            0.0,
            f"{i * step_km:g}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    # the unit label at the bar's end, on the bar's line
    sb.text(
        end + 0.004,
        0.675,
        "千米",
        ha="left",
        va="center",
        fontproperties=chinese_font(8),
        gid="scale-unit",
    )


def _legend(fig: Figure, data: SheetData) -> None:
    ax = fig.add_axes((0.74, 0.38, 0.23, 0.50))
    ax.set_axis_off()
    cls = classification()
    majors = {lb.major_code for lb in data.labels}
    handles: list[object] = [
        Line2D([], [], color="#5a4a6a", lw=1.6, label="市界"),
        Line2D([], [], color="#7a6a8a", lw=1.1, ls=(0, (6, 2)), label="区（县级市）界"),
        Line2D([], [], color="#b9aec4", lw=0.6, ls=(0, (2, 2)), label="镇（街道）界"),
        Patch(facecolor="#f6f3e9", edgecolor="#999", label="陆地"),
        Patch(facecolor="#e3eef7", edgecolor="#999", label="海域、水域"),
    ]
    names = {"motorway": "高速公路", "trunk": "国道、快速路", "primary": "主干道"}
    names |= {"secondary": "次干道", "tertiary": "支路", "residential": "街巷"}
    present = {r.road_class for r in data.roads}
    for key, (color, lw) in ROAD_STYLE.items():
        if key in present:
            handles.append(Line2D([], [], color=color, lw=lw * 1.5, label=names[key]))
    for c in cls.majors:
        if c.code in majors:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    ls="",
                    color=CATEGORY_COLORS.get(c.code, "#555"),
                    label=c.name,
                )
            )
    ax.legend(handles=handles, loc="upper left", prop=chinese_font(9), frameon=True, title=None)
    ax.text(0.0, 1.02, "图　例", fontproperties=chinese_font(12, "bold"), transform=ax.transAxes)


def _index(fig: Figure, data: SheetData) -> None:
    ax = fig.add_axes((0.745, 0.06, 0.23, 0.28))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3.4)
    if data.kind == "grid":
        ax.text(1.5, 3.2, "邻接图幅", ha="center", fontproperties=chinese_font(11, "bold"))
        pos = {
            "NW": (0, 2),
            "N": (1, 2),
            "NE": (2, 2),
            "W": (0, 1),
            "E": (2, 1),
            "SW": (0, 0),
            "S": (1, 0),
            "SE": (2, 0),
        }
        cells = {**{k: data.neighbours.get(k, "") for k in pos}, "C": data.code}
        pos["C"] = (1, 1)
        for key, (x, y) in pos.items():
            ax.add_patch(
                Rectangle(
                    (x, y),
                    1,
                    1,
                    facecolor="#dbe7f3" if key == "C" else "white",
                    edgecolor="black",
                    lw=0.8,
                )
            )
            ax.text(x + 0.5, y + 0.5, cells[key], ha="center", va="center", fontsize=7)
    else:
        ax.text(1.5, 3.2, "所跨 1:5万 图幅", ha="center", fontproperties=chinese_font(11, "bold"))
        codes = list(data.index_sheets)
        per_line = 3
        text = "\n".join("  ".join(codes[i : i + per_line]) for i in range(0, len(codes), per_line))
        ax.text(0.0, 3.0, text or "—", ha="left", va="top", fontsize=7, family="monospace")


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = 110) -> bytes:
    """The sheet as PNG or PDF bytes."""
    if fmt not in ("png", "pdf"):
        raise InvalidInput(f"不支持的格式 (unsupported sheet format: {fmt}; use png or pdf)")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white")
    return buf.getvalue()


@cache
def renderer_version() -> str:
    """Changes when the code or the libraries drawing a sheet change, so that a deploy
    never serves sheets drawn by the previous code from a persistent cache directory."""
    h = hashlib.sha256(matplotlib_version("matplotlib").encode())
    for source in (Path(__file__), Path(sheet_data.__file__), Path(sheet_grid.__file__)):
        h.update(source.read_bytes())
    h.update(Path(layers.__file__).read_bytes())
    h.update(cjk_font_path().encode())
    return h.hexdigest()[:16]


__all__ = [
    "chinese_font",
    "cjk_font_path",
    "declutter",
    "draw_north_arrow",
    "draw_scale_segments",
    "figure_bytes",
    "furniture_axes",
    "render_sheet",
    "renderer_version",
]
