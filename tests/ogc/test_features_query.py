"""Validation of items queries in the library (no database, no HTTP)."""

from __future__ import annotations

import pytest

from gazetteer.errors import InvalidInput, NotFound
from gazetteer.ogc import features as ft


def test_defaults_and_values() -> None:
    places = ft.get_collection("places")
    q = ft.parse_items_query(places, [])
    assert (q.limit, q.offset, q.bbox, q.cursor, q.filters) == (10, 0, None, None, ())
    assert q.is_first_page
    q = ft.parse_items_query(
        places,
        [("limit", "10000"), ("bbox", "122, 37.1,122.5,37.6"), ("name", "威海"), ("f", "json")],
    )
    assert q.limit == 10_000
    assert q.bbox == (122.0, 37.1, 122.5, 37.6)
    assert q.filters == (("name", "威海"),)


def test_cursors_round_trip_and_keep_their_key_type() -> None:
    places = ft.get_collection("places")
    areas = ft.get_collection("admin-areas")
    q = ft.parse_items_query(places, [("cursor", "a42")])
    assert q.cursor == ft.Cursor("after", 42) and not q.is_first_page
    assert q.cursor.token() == "a42"
    q = ft.parse_items_query(areas, [("cursor", "b371002000000")])
    assert q.cursor == ft.Cursor("before", "371002000000")
    q = ft.parse_items_query(areas, [("level", "4")])
    assert q.filters == (("level", 4),)


@pytest.mark.parametrize(
    ("collection", "params", "words"),
    [
        ("places", [("limit", "0")], "limit"),
        ("places", [("limit", "10001")], "limit"),
        ("places", [("limit", "1.5")], "limit"),
        ("places", [("offset", "-1")], "offset"),
        ("places", [("bbox", "1,2,3")], "bbox"),
        ("places", [("bbox", "1,2,3,inf")], "bbox"),
        ("places", [("bbox", "10,50,5,60")], "bbox"),
        ("places", [("bbox", "10,-95,20,60")], "bbox"),
        ("places", [("level", "3")], "unknown"),
        ("places", [("name", "a"), ("name", "b")], "twice"),
        ("places", [("f", "xml")], "format"),
        ("places", [("cursor", "x1")], "cursor"),
        ("places", [("cursor", "a")], "cursor"),
        ("places", [("cursor", "aabc")], "cursor"),
        ("places", [("cursor", "a1"), ("offset", "2")], "offset"),
        ("places", [("name", "a\x00b")], "NUL"),
        ("places", [("name", "长" * 201)], "long"),
        ("admin-areas", [("level", "x")], "level"),
        ("roads", [("category_code", "23510")], "unknown"),
    ],
)
def test_bad_queries_say_what_is_wrong(
    collection: str, params: list[tuple[str, str]], words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        ft.parse_items_query(ft.get_collection(collection), params)
    assert words.lower() in info.value.message.lower()


def test_unknown_collection() -> None:
    with pytest.raises(NotFound) as info:
        ft.get_collection("nope")
    assert "places" in info.value.message


def test_every_collection_has_the_required_filters() -> None:
    want = {
        "places": {"name", "category_code", "admin_code", "status", "census_status"},
        "facilities": {"type", "admin_code"},
        "roads": {"grade"},
        "admin-areas": {"level", "parent_code"},
        "demand-points": {"admin_code"},
    }
    got = {c.id: {p.name for p in c.filters} for c in ft.collections()}
    for cid, names in want.items():
        assert names <= got[cid], cid
