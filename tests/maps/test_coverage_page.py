"""The workbench page as HTML: offline, its own script and styles, the CSRF meta tag."""

from __future__ import annotations

from datetime import date

from maps.coverage_page import COVERAGE_CSS, COVERAGE_JS, coverage_page_html
from maps.render import CoverageMapData, facility_legend


def _page(**kw: object) -> str:
    data = CoverageMapData(facility_types=facility_legend([("elderly_meal_point", "老年助餐点")]))
    return coverage_page_html(data, today=date(2020, 12, 31), **kw)  # type: ignore[arg-type]


def test_page_loads_its_own_files_only() -> None:
    html = _page()
    assert COVERAGE_JS in html and COVERAGE_CSS in html
    assert "GZ.coverageWorkbench(" in html
    assert "://" not in html.replace("https://leafletjs.com", "")
    assert 'lang="zh-CN"' in html and "<title>15分钟服务圈覆盖分析</title>" in html
    assert '制图日期：<span id="wb-date">2020-12-31</span>' in html
    assert 'name="csrf-token"' not in html
    for label in ("设施类型", "时间", "出行方式", "权重", "老年助餐点"):
        assert label in html


def test_signed_in_page_carries_the_csrf_token_escaped() -> None:
    html = _page(csrf_token='a"b<c')
    head = html.split("</head>")[0]
    assert '<meta name="csrf-token" content="a&quot;b&lt;c" />' in head
