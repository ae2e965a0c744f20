"""The staff workbench pages (Jinja2 templates in ``maps/templates/staff``).

Functions of data like the rest of ``maps``: the routes in ``api/routes/staff*.py`` hand
in the domain objects and labels; the templates never run a query. Every page extends
``staff/base.html`` (navigation, the CSRF ``<meta>``, print styles) and loads only script
files served by the app (the strict Content-Security-Policy of ``api/security.py`` allows
no inline script).
"""

from __future__ import annotations

import json
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gazetteer.model.accounts import ROLE_NAMES
from gazetteer.naming.model import CASE_KIND_NAMES, CASE_STATE_NAMES
from maps import assets
from maps.pages import templates

ACTION_LABELS = {
    "submit": "提交审查",
    "review": "受理审查",
    "consult": "开始公示",
    "approve": "批准",
    "reject": "驳回",
    "withdraw": "撤回",
    "announce": "登记公告",
    "file": "备案",
    "create": "创建",
    "update": "修改",
    "place.new_road": "写入地名库（新道路）",
    "place.compound": "写入地名库（新小区）",
    "place.rename": "地名库更名（原名保留）",
    "place.adjustment": "地名库调整起止点",
}
DRAW_JS = f"{assets.VENDOR_PREFIX}/leaflet-draw/leaflet.draw.js"
DRAW_CSS = f"{assets.VENDOR_PREFIX}/leaflet-draw/leaflet.draw.css"
STAFF_JS = f"{assets.APP_PREFIX}/staff.js"
STAFF_CSS = f"{assets.APP_PREFIX}/staff.css"


def geojson_attr(geometry: BaseGeometry | None) -> str:
    """A geometry as GeoJSON text for a ``data-`` attribute (autoescaped by the template)."""
    return json.dumps(mapping(geometry)) if geometry is not None else ""


def render(template: str, **context: Any) -> str:
    """Render ``staff/<template>`` with the shared labels and asset URLs."""
    return (
        templates()
        .get_template(f"staff/{template}")
        .render(
            kind_names={str(k): v for k, v in CASE_KIND_NAMES.items()},
            state_names={str(k): v for k, v in CASE_STATE_NAMES.items()},
            role_names={str(k): v for k, v in ROLE_NAMES.items()},
            action_labels=ACTION_LABELS,
            leaflet_js=assets.LEAFLET_JS,
            leaflet_css=assets.LEAFLET_CSS,
            draw_js=DRAW_JS,
            draw_css=DRAW_CSS,
            staff_js=STAFF_JS,
            staff_css=STAFF_CSS,
            **context,
        )
    )


__all__ = ["ACTION_LABELS", "geojson_attr", "render"]
