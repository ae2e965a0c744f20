"""Schemathesis over the OGC API's own OpenAPI document (``/ogc/api``): every operation,
the items parameters (``filter``, ``filter-lang``, ``filter-crs``, ``datetime``, every
property as a query parameter) and the CQL2 JSON bodies of ``POST …/items``, against the
small data set on both backends (a filter's SQL differs between them): no 5xx, and the
document describes what is served."""

from __future__ import annotations

import pytest
import schemathesis

from tests.api.conformance import server_errors
from tests.api.ogc.conftest import OgcSite

MAX_EXAMPLES = 25

pytestmark = pytest.mark.slow


def test_no_server_errors_on_the_ogc_api(ogc_site: OgcSite) -> None:
    schema = schemathesis.openapi.from_url(f"{ogc_site.base}/ogc/api")
    operations, failures = server_errors(schema, f"{ogc_site.base}/ogc", MAX_EXAMPLES)
    assert "POST /collections/places/items" in operations
    assert "GET /collections/facilities/items" in operations
    assert not failures, "\n\n".join(failures)
