"""Tests of the OGC API - Features routes (real server, real clients: GDAL, OWSLib)."""
