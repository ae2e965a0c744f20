"""Result map sheets: the pure renderer and the ``gazetteer sheets`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure
from shapely.geometry import LineString
from sqlalchemy import Engine

from gazetteer.cartography.layers import RoadLine
from gazetteer.cartography.sheet_data import SheetData, SheetLabel
from gazetteer.cartography.sheet_grid import sheet_from_code
from gazetteer.cartography.sheet_render import cjk_font_path, figure_bytes, render_sheet
from gazetteer.cli import main
from gazetteer.errors import InvalidInput
from gazetteer.settings import Settings
from tests.cartography.sheets import CODE, grid_sheet
from tests.datasets.weihai_maps import build_small_map_db


def _texts(fig: Figure) -> str:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return "\n".join(out)


def _grid_sheet() -> SheetData:
    return grid_sheet(
        "威海市地名图",
        roads=[RoadLine("primary", "世昌大道", LineString([(122.05, 37.5), (122.2, 37.52)]))],
        labels=[
            SheetLabel("威海市", 122.12, 37.51, "21", 0),
            SheetLabel("刘公岛", 122.18, 37.50, "1", 1),
            SheetLabel("图外地名", 121.0, 36.0, "22", 2),
        ],
        neighbours={k: v.code for k, v in sheet_from_code(CODE).neighbours().items()},
    )


def test_grid_sheet_has_every_map_element() -> None:
    fig = render_sheet(_grid_sheet())
    text = _texts(fig)
    assert "威海市地名图" in text  # title
    assert "J51E015009" in text  # sheet number
    assert "威海市" in text and "刘公岛" in text  # place names
    assert "图外地名" not in text  # names outside the frame are left out
    assert "图　例" in text and "主干道" in text and "行政区域" in text  # legend
    assert "千米" in text  # scale bar
    assert "北" in text  # north arrow
    assert "122°05′E" in text and "37°35′N" in text  # graticule labels every 2.5′
    assert "邻接图幅" in text and "J51E014009" in text and "J51E016010" in text  # index


def test_sheet_files_are_png_and_pdf() -> None:
    fig = render_sheet(_grid_sheet())
    assert figure_bytes(fig, "png", dpi=40)[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure_bytes(fig, "pdf")[:5] == b"%PDF-"
    with pytest.raises(InvalidInput):
        figure_bytes(fig, "svg")


def test_empty_extent_is_refused() -> None:
    data = _grid_sheet()
    bad = SheetData(kind="grid", number="x", title="x", bounds=(122.0, 37.5, 122.0, 37.6))
    assert data.bounds != bad.bounds
    with pytest.raises(InvalidInput):
        render_sheet(bad)


def test_chinese_font_is_found() -> None:
    assert Path(cjk_font_path()).is_file()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cli_writes_sheets(
    settings: Settings,
    engine: Engine,
    weihai_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_small_map_db(engine, weihai_data, per_category=10)
    monkeypatch.setenv("GAZETTEER_CACHE_DIR", str(tmp_path / "cache"))  # not var/cache
    db = ["--database-url", settings.database_url]
    assert main([*db, "sheets", "--out", str(tmp_path), "--list"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("grid\t") == 29 and listed.count("county\t") == 4
    out = tmp_path / "sheets"
    rc = main([*db, "sheets", "--out", str(out), "--quiet", "--only", "J51E015009", "371083000000"])
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "J51E015009.pdf",
        "J51E015009.png",
        "county-371083.pdf",
        "county-371083.png",
    ]
    assert (out / "county-371083.pdf").read_bytes()[:5] == b"%PDF-"


def test_declutter_keeps_important_names_and_drops_overlaps() -> None:
    from gazetteer.cartography.sheet_render import declutter

    d = (1e-4, 1e-4)  # degrees per point
    labels = [
        SheetLabel("村甲", 122.0, 37.0, "22", 2),
        SheetLabel("威海市", 122.0001, 37.0001, "21", 0),  # same spot, more important
        SheetLabel("远处村", 122.1, 37.1, "22", 2),
        SheetLabel("近邻村", 122.0002, 37.0, "22", 2),
    ]
    kept = [lb.name for lb in declutter(labels, d)]
    assert kept == ["威海市", "远处村"]
    assert [lb.name for lb in declutter(labels, d, max_labels=1)] == ["威海市"]
