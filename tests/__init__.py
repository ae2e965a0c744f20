"""The test suite: mirrors the packages; every test runs on SpatiaLite and PostGIS."""
