"""What the result map sheets show: named grid sheets, road names along roads, the
compilation date and producing unit, the scale bar's unit at its end, 300 dpi, land with
its islands, and historical names never drawn as current ones."""

from __future__ import annotations

from pathlib import Path

from matplotlib.patches import Rectangle
from matplotlib.text import Text
from shapely.geometry import LineString, Point
from sqlalchemy import Engine, update

from gazetteer.cartography import sheet_data
from gazetteer.cartography.layers import NamedLine
from gazetteer.cartography.sheet_cache import SHEET_DPI
from gazetteer.cartography.sheet_data import SheetLabel, SheetRef
from gazetteer.cartography.sheet_render import render_sheet
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_transaction
from tests.cartography.sheets import HUANCUI, grid_sheet
from tests.datasets.weihai_maps import build_small_map_db


def _all_texts(fig: object) -> list[Text]:
    out = list(fig.texts)  # type: ignore[attr-defined]
    for ax in fig.axes:  # type: ignore[attr-defined]
        out += list(ax.texts)
    return out


def test_sheet_writes_road_names_along_roads_and_its_footer() -> None:
    data = grid_sheet(
        "威海市",
        series="威海市地名图",
        land=HUANCUI,
        labels=[SheetLabel("威海市", 122.12, 37.51, "21", 0)],
        road_names=[
            NamedLine("世昌大道", "23510", LineString([(122.02, 37.45), (122.2, 37.53)])),
            NamedLine("短巷", "23510", LineString([(122.1, 37.45), (122.1001, 37.4501)])),
        ],
        compiled="2020-12-24",
    )
    fig = render_sheet(data)
    texts = _all_texts(fig)
    road = [x for x in texts if x.get_gid() == "road-name"]
    assert [x.get_text() for x in road] == ["世昌大道"]  # the short lane has no room
    assert 10 < road[0].get_rotation() < 40  # turned along the road (north-east)
    joined = "\n".join(x.get_text() for x in texts)
    assert "编制单位：威海市民政局" in joined and "编制日期：2020年12月24日" in joined
    assert "威海市地名图" in joined  # the series under the sheet's own name
    # the unit stands right after the bar's last division
    unit = next(x for x in texts if x.get_gid() == "scale-unit")
    bar_ax = unit.axes
    assert bar_ax is not None
    bar_end = max(p.get_x() + p.get_width() for p in bar_ax.patches if isinstance(p, Rectangle))
    assert unit.get_position()[0] >= bar_end and unit.get_position()[0] - bar_end < 0.01
    assert bar_end <= bar_ax.get_xlim()[1]  # the whole bar is inside its axes
    assert SHEET_DPI == 300


def test_sheet_data_names_sheets_and_leaves_historical_names_out(
    engine: Engine, weihai_data: Path
) -> None:
    build_small_map_db(engine, weihai_data, per_category=10)
    with engine.connect() as conn:
        refs = sheet_data.sheet_set(conn)
        grid = [r for r in refs if r.kind == "grid"]
        assert grid and all(r.name for r in grid if r.number in ("J51E015009", "J51E016009"))
        city_sheet = next(r for r in grid if r.name == "威海市")
        data = sheet_data.load_sheet_data(conn, city_sheet)
        assert data.title == "威海市" and data.series == "威海市地名图"
        assert data.compiled and data.land is not None
        assert data.land.contains(Point(122.1817, 37.5054))  # 刘公岛 is land
        some = next(lb for lb in data.labels if lb.priority > 0)
    with write_transaction(engine) as conn:
        conn.execute(
            update(t.places).where(t.places.c.name == some.name).values(status="historical")
        )
    with engine.connect() as conn:
        again = sheet_data.load_sheet_data(conn, SheetRef("grid", city_sheet.number))
    assert some.name not in [lb.name for lb in again.labels]
