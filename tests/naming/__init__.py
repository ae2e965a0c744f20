"""Tests of naming."""
