"""The live OGC site of ``tests/api/ogc`` (the small data set on both backends), shared
by the server tests of this package."""

from tests.api.ogc.conftest import ogc_site

__all__ = ["ogc_site"]
