"""HTML pages built from domain data: the place page and the printable 地名成果表 card.

Templates live in ``maps/templates`` (Jinja2, autoescaped); the rows come from
:func:`gazetteer.io.card.card_rows`, so the card, the page, the Excel file and the CLI
show the same record. Like :mod:`maps.render`, these are functions of data: no I/O
beyond reading the templates, no HTTP.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from gazetteer.io.card import CARD_TITLE, card_rows
from gazetteer.model import CHANGE_REASON_LABELS, label
from gazetteer.model.views import PlaceDetails
from gazetteer.services.places import PlacePage
from maps.render import HistoryItem, TileSource, page_html, render_place_map


@cache
def templates() -> Environment:
    """The package's Jinja2 templates (HTML autoescaped)."""
    return Environment(
        loader=PackageLoader("maps", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def card_html(d: PlaceDetails) -> str:
    """The printable 地名成果表 of one name."""
    return (
        templates()
        .get_template("card.html")
        .render(title=CARD_TITLE, name=d.place.name, romanized=d.place.romanized, rows=card_rows(d))
    )


def history_items(d: PlaceDetails) -> list[HistoryItem]:
    """The place's timeline: former names and, where it moved, its former geometry."""
    place = d.place
    return [
        HistoryItem(
            name=h.name,
            valid_from=h.valid_from.isoformat() if h.valid_from else "",
            valid_to=h.valid_to.isoformat() if h.valid_to else "",
            reason=label(CHANGE_REASON_LABELS, h.reason),
            note=h.note,
            geometry=h.geometry
            if h.geometry is not None and not h.geometry.equals(place.geometry)
            else None,
        )
        for h in d.history
    ]


def place_page_html(p: PlacePage, *, tile: TileSource | None = None) -> str:
    """The place page: the record, the timeline and a small map."""
    d = p.details
    items = history_items(d)
    m = render_place_map(
        d.place.geometry, name=d.place.name, history=items, context=p.context, tile=tile
    )
    before = (
        templates()
        .get_template("place.html")
        .render(place=d.place, rows=card_rows(d), history=items)
        .rstrip("\n")
    )
    return page_html(
        m, title=f"{d.place.name} · 威海市地名", body_class="gz-place", before_map=before
    )


__all__ = ["card_html", "history_items", "place_page_html", "templates"]
