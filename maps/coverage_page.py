"""The planners' workbench page (``/map/coverage``): drill-down, what-if, scenarios,
recommended sites, gaps, print layout.

A function of data like :mod:`maps.render`: the side panel comes from
``maps/templates/coverage.html`` (Jinja2, autoescaped), the map from
:func:`maps.render.offline_map`, and the page script ``maps/assets/coverage.js`` (with
``coverage.css``, print styles included) does the rest against the coverage API. Every
file comes from this server.
"""

from __future__ import annotations

import html
from dataclasses import asdict
from datetime import date

from gazetteer.coverage.inputs import PROFILE_LABELS, WEIGHT_LABELS
from gazetteer.types import local_today
from maps import assets
from maps.pages import templates
from maps.render import CoverageMapData, _Call, offline_map, page_html

TITLE = "15分钟服务圈覆盖分析"
COVERAGE_JS = f"{assets.APP_PREFIX}/coverage.js"
COVERAGE_CSS = f"{assets.APP_PREFIX}/coverage.css"
MINUTES_CHOICES = (5, 10, 15, 20, 30)
URLS = {
    "drill": "/api/v1/coverage/drill",
    "whatIf": "/api/v1/coverage/what-if",
    "scenarios": "/api/v1/coverage/scenarios",
    "compare": "/api/v1/coverage/scenarios/compare",
    "recommended": "/api/v1/coverage/recommended",
    "report": "/api/v1/coverage/report",
    "login": "/staff/login",
}


def coverage_page_html(
    data: CoverageMapData, *, csrf_token: str | None = None, today: date | None = None
) -> str:
    """The workbench page. ``csrf_token``: the signed-in user's token (the page script
    sends it as ``X-CSRF-Token`` when saving a scenario)."""
    m = offline_map(bounds=data.bounds, tile=data.tile)
    js = list(m.default_js)
    css = list(m.default_css)
    m.default_js = [*js, ("coverage", COVERAGE_JS)]
    m.default_css = [*css, ("coverage_css", COVERAGE_CSS)]
    config = {
        "facilityTypes": [asdict(f) for f in data.facility_types],
        "defaultType": data.default_type,
        "minutes": data.minutes,
        "urls": {**asdict(data.urls), **URLS},
        "available": sorted(data.available),
        "base": data.tile is None,
        "bounds": list(data.bounds),
        "weights": {w.value: name for w, name in WEIGHT_LABELS.items()},
        "profiles": dict(PROFILE_LABELS),
    }
    m.add_child(_Call("coverageWorkbench", config))
    side = (
        templates()
        .get_template("coverage.html")
        .render(
            title=TITLE,
            types=data.facility_types,
            default_type=data.default_type,
            minutes=data.minutes,
            minutes_choices=MINUTES_CHOICES,
            profiles=list(PROFILE_LABELS.items()),
            weights=[(w.value, name) for w, name in WEIGHT_LABELS.items()],
            today=(today or local_today()).isoformat(),
        )
    )
    out = page_html(m, title=TITLE, body_class="gz-wb", before_map=side)
    if csrf_token:
        meta = f'<meta name="csrf-token" content="{_attr(csrf_token)}" />'
        out = out.replace("<head>\n", "<head>\n" + meta + "\n", 1)
    return out


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


__all__ = ["COVERAGE_CSS", "COVERAGE_JS", "TITLE", "coverage_page_html"]
