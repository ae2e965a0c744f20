"""Tests of the cartography package: map layers, GCJ-02, the sheet grid, rendering and cache."""
