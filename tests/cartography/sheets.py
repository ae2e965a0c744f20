"""The grid sheet the sheet tests draw: J51E015009 over 环翠区."""

from __future__ import annotations

from typing import Any

from shapely.geometry import box

from gazetteer.cartography.layers import AdminShape
from gazetteer.cartography.sheet_data import SheetData
from gazetteer.cartography.sheet_grid import sheet_from_code

CODE = "J51E015009"
HUANCUI = box(122.0, 37.4, 122.2, 37.55)  # 环翠区 in the tests: a rectangle over the sheet


def grid_sheet(title: str, **fields: Any) -> SheetData:
    """Sheet J51E015009 in its frame, with 环翠区 as its one area, titled ``title``, and
    ``fields`` (labels, roads …) as given."""
    return SheetData(
        kind="grid",
        number=f"1:50 000　{CODE}",
        code=CODE,
        title=title,
        bounds=sheet_from_code(CODE).bounds,
        areas=[AdminShape("371002000000", "环翠区", 3, HUANCUI)],
        **fields,
    )
