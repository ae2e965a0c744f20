"""The data sets the tests share, each written with the one builder (tests/builder.py)."""
