"""HTML pages of the OGC API (``/ogc?f=html`` and browsers): landing page, conformance,
collections, one collection, items and one item, in Chinese.

Functions of data: each takes the JSON document the API would answer (plain dicts) and
returns the page. Templates live in ``maps/templates/ogc`` (Jinja2, autoescaped). No
inline script: the small items map is drawn by ``maps/assets/ogc-map.js`` (served under
``/static/app/``) from the GeoJSON embedded as a ``application/geo+json`` data block, so
the pages work under a ``script-src 'self'`` Content-Security-Policy.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from maps.assets import APP_PREFIX, LEAFLET_CSS, LEAFLET_JS
from maps.pages import templates

OGC_JS = f"{APP_PREFIX}/ogc-map.js"
OGC_CSS = f"{APP_PREFIX}/ogc.css"


def _render(name: str, **context: Any) -> str:
    return (
        templates()
        .get_template(f"ogc/{name}")
        .render(
            leaflet_js=LEAFLET_JS,
            leaflet_css=LEAFLET_CSS,
            ogc_js=OGC_JS,
            ogc_css=OGC_CSS,
            **context,
        )
    )


def _data_block(doc: Any) -> Markup:
    """JSON for a ``<script type="application/geo+json">`` data block (never executed)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def landing_html(doc: dict[str, Any]) -> str:
    return _render("landing.html", doc=doc)


def conformance_html(doc: dict[str, Any]) -> str:
    return _render("conformance.html", doc=doc)


def collections_html(doc: dict[str, Any]) -> str:
    return _render("collections.html", doc=doc)


def collection_html(doc: dict[str, Any]) -> str:
    return _render("collection.html", c=doc)


def _columns(features: list[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for f in features:
        for k in f.get("properties") or {}:
            cols.setdefault(k, None)
    return list(cols)


def items_html(
    doc: dict[str, Any], *, title: str, collection_url: str, lon_lat: bool = True
) -> str:
    """The items page; the map only when the coordinates are longitude/latitude (CRS84)."""
    features = doc.get("features", [])
    return _render(
        "items.html",
        doc=doc,
        title=title,
        collection_url=collection_url,
        columns=_columns(features),
        links={link["rel"]: link["href"] for link in doc.get("links", [])},
        data=_data_block({"type": "FeatureCollection", "features": features}) if lon_lat else None,
    )


def item_html(doc: dict[str, Any], *, title: str, collection_url: str, lon_lat: bool = True) -> str:
    """One feature's page; the map only when the coordinates are longitude/latitude."""
    return _render(
        "item.html",
        f=doc,
        title=title,
        collection_url=collection_url,
        data=_data_block({"type": "FeatureCollection", "features": [doc]}) if lon_lat else None,
    )


__all__ = [
    "collection_html",
    "collections_html",
    "conformance_html",
    "item_html",
    "items_html",
    "landing_html",
]
