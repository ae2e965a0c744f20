"""Tests of ogc."""
