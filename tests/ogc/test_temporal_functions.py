"""The 15 CQL2 temporal functions on instants and intervals, against a live server on
both backends, each compared with the same function computed here in Python from the
features' years (the CQL2 definitions written out again, independently of the library).

A place's ``validity`` is [1 January of ``established_year``, 31 December of
``abolished_year``], a missing year an open end; ``established`` is the instant
1 January of ``established_year`` (a place without one matches nothing).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.api.ogc.conftest import OgcSite
from tests.ogc.test_ogc_parts import _all, _ids, _p

Key = tuple[int, datetime]  # (-1 open start, 0 an instant, 1 open end)
LOW: Key = (-1, datetime.min)
HIGH: Key = (1, datetime.min)

# (a_start, a_end, b_start, b_end) -> bool, as the CQL2 standard defines them
FUNCTIONS: dict[str, Any] = {
    "T_AFTER": lambda s, e, S, E: s > E,
    "T_BEFORE": lambda s, e, S, E: e < S,
    "T_CONTAINS": lambda s, e, S, E: s < S and e > E,
    "T_DISJOINT": lambda s, e, S, E: s > E or e < S,
    "T_DURING": lambda s, e, S, E: s > S and e < E,
    "T_EQUALS": lambda s, e, S, E: s == S and e == E,
    "T_FINISHEDBY": lambda s, e, S, E: s < S and e == E,
    "T_FINISHES": lambda s, e, S, E: s > S and e == E,
    "T_INTERSECTS": lambda s, e, S, E: s <= E and e >= S,
    "T_MEETS": lambda s, e, S, E: e == S,
    "T_METBY": lambda s, e, S, E: s == E,
    "T_OVERLAPPEDBY": lambda s, e, S, E: S < s < E < e,
    "T_OVERLAPS": lambda s, e, S, E: s < S < e < E,
    "T_STARTEDBY": lambda s, e, S, E: s == S and e > E,
    "T_STARTS": lambda s, e, S, E: s == S and e < E,
}


def _at(text: str, *, end: bool = False) -> Key:
    if text == "..":
        return HIGH if end else LOW
    if len(text) == 10:
        return (0, datetime.fromisoformat(text))
    return (0, datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None))


# literal: (CQL2 text, CQL2 JSON, start, end)
LITERALS: list[tuple[str, Any, Key, Key]] = [
    ("DATE('1933-01-01')", {"date": "1933-01-01"}, _at("1933-01-01"), _at("1933-01-01")),
    (
        "TIMESTAMP('1940-06-01T00:00:00Z')",
        {"timestamp": "1940-06-01T00:00:00Z"},
        _at("1940-06-01T00:00:00Z"),
        _at("1940-06-01T00:00:00Z"),
    ),
]
for lo, hi in [
    ("1922-01-01", "2012-12-31"),  # the whole validity of one name
    ("1930-01-01", "2023-12-31"),
    ("1920-01-01", ".."),
    ("..", "1933-01-01"),
    ("2012-12-31", "2020-01-01"),  # met by a name abolished in 2012
    ("1900-01-01", "1944-01-01"),  # meets the start of a name established in 1944
    ("1944-01-01", "2040-12-31"),
    ("1937-01-01T00:00:00Z", "1950-07-01T12:00:00Z"),
    ("..", ".."),
]:
    LITERALS.append(
        (f"INTERVAL('{lo}','{hi}')", {"interval": [lo, hi]}, _at(lo), _at(hi, end=True))
    )


def _validity(f: dict[str, Any]) -> tuple[Key, Key] | None:
    est, ab = _p(f, "established_year"), _p(f, "abolished_year")
    start = (0, datetime(est, 1, 1)) if est is not None else LOW
    end = (0, datetime(ab, 12, 31)) if ab is not None else HIGH
    return start, end


def _established(f: dict[str, Any]) -> tuple[Key, Key] | None:
    est = _p(f, "established_year")
    return None if est is None else ((0, datetime(est, 1, 1)),) * 2


def _expect(site: OgcSite, collection: str, ends: Any, fn: str, lit: tuple[Key, Key]) -> set[Any]:
    out = set()
    for k, f in _all(site.base, collection).items():
        a = ends(f)
        if a is not None and FUNCTIONS[fn](a[0], a[1], lit[0], lit[1]):
            out.add(k)
    return out


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_each_function_on_validity_selects_what_python_selects(ogc_site: OgcSite, fn: str) -> None:
    hits = 0
    for text, doc, lo, hi in LITERALS:
        want = _expect(ogc_site, "places", _validity, fn, (lo, hi))
        got = _ids(ogc_site, "places", filter=f"{fn}(validity, {text})")
        assert got == want, (fn, text)
        json_filter = {"op": fn.lower(), "args": [{"property": "validity"}, doc]}
        got = _ids(
            ogc_site, "places", filter=json.dumps(json_filter), **{"filter-lang": "cql2-json"}
        )
        assert got == want, (fn, doc)
        hits += bool(want)
    assert hits, f"{fn}: no literal selects anything; the test would prove nothing"


@pytest.mark.parametrize("fn", ["T_AFTER", "T_BEFORE", "T_DURING", "T_EQUALS", "T_INTERSECTS"])
def test_instants_intervals_of_properties_and_literal_first(ogc_site: OgcSite, fn: str) -> None:
    for text, _doc, lo, hi in LITERALS[:5]:
        want = _expect(ogc_site, "places", _established, fn, (lo, hi))
        assert _ids(ogc_site, "places", filter=f"{fn}(established, {text})") == want, text

        # INTERVAL(established, abolished): open where NULL, ends on 1 January
        def both(f: dict[str, Any]) -> tuple[Key, Key]:
            est, ab = _p(f, "established_year"), _p(f, "abolished_year")
            s = (0, datetime(est, 1, 1)) if est is not None else LOW
            return s, (0, datetime(ab, 1, 1)) if ab is not None else HIGH

        want = _expect(ogc_site, "places", both, fn, (lo, hi))
        got = _ids(ogc_site, "places", filter=f"{fn}(INTERVAL(established, abolished), {text})")
        assert got == want, text
    # the converse with the literal first: T_BEFORE(x, validity) = T_AFTER(validity, x)
    text, _doc, lo, hi = LITERALS[3]
    want = _expect(ogc_site, "places", _validity, "T_AFTER", (lo, hi))
    assert _ids(ogc_site, "places", filter=f"T_BEFORE({text}, validity)") == want
    not_want = set(_all(ogc_site.base, "places")) - want
    assert _ids(ogc_site, "places", filter=f"NOT T_AFTER(validity, {text})") == not_want


def test_facilities_validity_is_open_at_the_end(ogc_site: OgcSite) -> None:
    def opened(f: dict[str, Any]) -> tuple[Key, Key]:
        y = _p(f, "opened_year")
        return ((0, datetime(y, 1, 1)) if y is not None else LOW), HIGH

    for fn in ("T_INTERSECTS", "T_FINISHES", "T_AFTER", "T_OVERLAPPEDBY"):
        lit = ("2010-01-01", "..") if fn == "T_FINISHES" else ("2005-01-01", "2015-12-31")
        want = _expect(ogc_site, "facilities", opened, fn, (_at(lit[0]), _at(lit[1], end=True)))
        got = _ids(
            ogc_site, "facilities", filter=f"{fn}(validity, INTERVAL('{lit[0]}','{lit[1]}'))"
        )
        assert got == want, fn
        assert want, fn


@pytest.mark.parametrize(
    ("flt", "words"),
    [
        ("T_MEETS(name, DATE('2000-01-01'))", "time queryable"),
        ("T_MEETS(validity, INTERVAL('2000-01-01','1990-01-01'))", "start after"),
        ("T_WHEN(validity, DATE('2000-01-01'))", "unknown temporal function"),
        ("validity = DATE('2000-01-01')", "interval"),
        ("T_MEETS(validity, INTERVAL('2000-01-01T00:00:00','..'))", "time zone"),
        ("T_MEETS(validity, established)", "not two properties"),
    ],
)
def test_bad_temporal_filters_are_400(ogc_site: OgcSite, flt: str, words: str) -> None:
    r = httpx.get(
        f"{ogc_site.base}/ogc/collections/places/items", params={"filter": flt}, timeout=30
    )
    assert r.status_code == 400, r.text
    assert words in r.json()["message"]


def test_temporal_functions_conformance_and_queryable(ogc_site: OgcSite) -> None:
    conf = httpx.get(f"{ogc_site.base}/ogc/conformance", timeout=30).json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions" in conf
    q = httpx.get(f"{ogc_site.base}/ogc/collections/places/queryables", timeout=30).json()
    assert q["properties"]["validity"]["type"] == "array"
