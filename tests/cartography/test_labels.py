"""Label priority and per-tile placement: the most important names first, no two boxes
overlap, and neighbouring tiles -- computed apart -- agree on every label near their edge."""

from __future__ import annotations

import itertools
import random

from gazetteer.cartography.labels import (
    Label,
    LabelCandidate,
    category_rank,
    place_in_memory,
    priority_key,
    text_width_px,
    tile_boxes,
    world_xy,
)
from gazetteer.cartography.placement import TILE_PX, ZoomPlacement

Rect = tuple[float, float, float, float]


def _rect(lab: Label, zoom: int) -> Rect:
    x, y = world_xy(lab.lon, lab.lat)
    x, y = x * 2**zoom, y * 2**zoom
    return (x - lab.width / 2, y - lab.height / 2, x + lab.width / 2, y + lab.height / 2)


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _tiles_of(cands: list[LabelCandidate], zoom: int) -> list[tuple[int, int]]:
    out = set()
    for c in cands:
        x, y = world_xy(c.lon, c.lat)
        out.add((int(x * 2**zoom // TILE_PX), int(y * 2**zoom // TILE_PX)))
    return sorted(out)


def _random(n: int, seed: int, spread: float = 0.05) -> list[LabelCandidate]:
    rng = random.Random(seed)
    codes = ["21300", "21400", "21500", "22200", "11500", "13100", "27300", "23530"]
    return [
        LabelCandidate(
            i,
            "名" * rng.randint(2, 6),
            rng.choice(codes),
            122.0 + rng.random() * spread,
            37.0 + rng.random() * spread,
            size=rng.random() * 0.01,
            historical=i % 25 == 0,
            years="1900–1950" if i % 25 == 0 else "",
        )
        for i in range(1, n + 1)
    ]


def _greedy(cands: list[LabelCandidate], zoom: int) -> set[int]:
    """The reference: one global greedy pass in priority order (current names only)."""
    placed: list[Rect] = []
    ids = set()
    for c in sorted((c for c in cands if not c.historical), key=priority_key):
        got = place_in_memory([c], zoom, _tiles_of([c], zoom), k=10**9)
        lab = next(iter(got.values()))[0]
        if not lab:
            continue
        r = _rect(lab[0], zoom)
        grown = (r[0] - 1, r[1] - 1, r[2] + 1, r[3] + 1)  # the 2-pixel gap
        if not any(_overlap(grown, (p[0] - 1, p[1] - 1, p[2] + 1, p[3] + 1)) for p in placed):
            placed.append(r)
            ids.add(c.id)
    return ids


def test_priority_seats_first_then_category_then_size() -> None:
    assert category_rank("21300")[0] < category_rank("21400")[0] < category_rank("21500")[0]
    assert category_rank("21500")[0] < category_rank("11500")[0] < category_rank("22200")[0]
    assert category_rank("11500")[1] == "island" and category_rank("13100")[1] == "mountain"
    assert category_rank("11100")[1] == "water" and category_rank("21400")[1] == "admin"
    assert category_rank("23530")[0] > category_rank("22200")[0]  # bus stop after village
    big = LabelCandidate(2, "大岛", "11500", 122.0, 37.0, size=0.05)
    small = LabelCandidate(1, "小岛", "11500", 122.0, 37.0, size=0.001)
    town = LabelCandidate(3, "某镇", "21500", 122.0, 37.0)
    assert sorted([small, big, town], key=priority_key) == [town, big, small]
    # point-like ranks: the id decides (the database reads them in key order)
    far = LabelCandidate(5, "甲村", "22200", 122.0, 37.0, size=0.01)
    near = LabelCandidate(4, "乙村", "22200", 122.0, 37.0, size=0.0)
    assert sorted([far, near], key=priority_key) == [near, far]
    assert text_width_px("威海市", 16) == 3 * 16 + 8
    assert text_width_px("Ab1", 10) % 2 == 0


def test_seat_wins_over_a_village_on_the_same_spot() -> None:
    seat = LabelCandidate(9, "文登区", "21400", 122.05, 37.2)
    village = LabelCandidate(1, "文登村", "22200", 122.0501, 37.2001)
    for zoom in (10, 14):
        got = place_in_memory([village, seat], zoom, _tiles_of([seat, village], zoom))
        ids = {lab.id for cur, _ in got.values() for lab in cur}
        assert ids == {9}, (zoom, ids)


def test_per_tile_placement_is_the_greedy_one_near_enough_and_never_overlaps() -> None:
    cands = _random(600, 7)
    for zoom in (10, 12, 14):
        tiles = _tiles_of(cands, zoom)
        greedy = _greedy(cands, zoom)
        deep = place_in_memory(cands, zoom, tiles, k=10**9, placement=ZoomPlacement(zoom, depth=99))
        assert {lab.id for c, _ in deep.values() for lab in c} == greedy
        got = place_in_memory(cands, zoom, tiles, k=10**9)  # the default depth
        cur = {lab.id for c, _ in got.values() for lab in c}
        assert cur <= greedy and len(cur) >= 0.8 * len(greedy), (zoom, len(cur), len(greedy))
        everything = [lab for c, h in got.values() for lab in c + h]
        for a, b in itertools.combinations(everything, 2):
            assert not _overlap(_rect(a, zoom), _rect(b, zoom)), (zoom, a.text, b.text)


def test_neighbouring_tiles_computed_apart_agree_at_their_edge() -> None:
    """Every tile placed by its own, fresh placement (as two servers, or two caches, would)
    gives the same labels as one placement of the whole area; labels near an edge are
    drawn by exactly one tile and never overlap the neighbour's."""
    zoom = 12
    x0, _ = world_xy(122.0, 37.0)
    edge_lon = (int(x0 * 2**zoom // TILE_PX) + 1) * TILE_PX / 2**zoom / 256 * 360 - 180
    rng = random.Random(11)
    cands = [  # a dense strip across a vertical tile edge
        LabelCandidate(
            i,
            "名" * rng.randint(2, 5),
            rng.choice(["21500", "22200", "27300"]),
            edge_lon + (rng.random() - 0.5) * 0.02,
            37.0 + rng.random() * 0.02,
        )
        for i in range(1, 300)
    ]
    tiles = _tiles_of(cands, zoom)
    assert len({x for x, _ in tiles}) == 2  # the strip spans the edge
    together = place_in_memory(cands, zoom, tiles)
    apart = {t: place_in_memory(cands, zoom, [t])[t] for t in tiles}
    assert {t: [lab.id for lab in c] for t, (c, _) in together.items()} == {
        t: [lab.id for lab in c] for t, (c, _) in apart.items()
    }
    drawn = [lab for c, _ in apart.values() for lab in c]
    assert len({lab.id for lab in drawn}) == len(drawn)  # each label by one tile only
    crossing = [
        lab
        for lab in drawn
        if _rect(lab, zoom)[0] < (edge_lon + 180) / 360 * 256 * 2**zoom
        and _rect(lab, zoom)[2] > (edge_lon + 180) / 360 * 256 * 2**zoom
    ]
    assert crossing  # some labels do reach across the edge ...
    for a, b in itertools.combinations(drawn, 2):  # ... and still meet no other label
        assert not _overlap(_rect(a, zoom), _rect(b, zoom)), (a.text, b.text)


def test_historical_names_never_move_current_ones() -> None:
    rng = random.Random(3)
    current = [
        LabelCandidate(i, "村庄名", "22200", 122 + rng.random() * 0.05, 37 + rng.random() * 0.05)
        for i in range(1, 300)
    ]
    former = [
        LabelCandidate(
            1000 + i, "旧名", "21500", c.lon + 0.001, c.lat, historical=True, years="1–2"
        )
        for i, c in enumerate(current[:80])
    ]
    for zoom in (12, 15):
        tiles = _tiles_of(current + former, zoom)
        alone = place_in_memory(current, zoom, tiles)
        mixed = place_in_memory(current + former, zoom, tiles)
        assert {t: [x.id for x in c] for t, (c, _) in alone.items()} == {
            t: [x.id for x in c] for t, (c, _) in mixed.items()
        }
        hist = [x for _, h in mixed.values() for x in h]
        assert all(x.kind == "historical" and x.text.endswith("1–2") for x in hist)
    assert hist  # at zoom 15 there is room for some


def test_a_tile_offers_its_k_most_important_names_only() -> None:
    cands = [
        LabelCandidate(i, "点", "27300" if i > 3 else "21500", 122 + i * 1e-5, 37.0)
        for i in range(1, 50)
    ]
    (tile,) = _tiles_of(cands, 10)
    cur, hist = tile_boxes(cands, 10, *tile, k=5)
    assert [b.id for b in cur] == [1, 2, 3, 4, 5] and hist == []
    zp = ZoomPlacement(10)
    got = place_in_memory(cands, 10, [tile], k=5, placement=zp)
    assert [lab.id for lab in got[tile][0]] == [1]  # one spot: the first town
    assert 1 <= zp.loaded_tiles <= 9  # the tile and the neighbours its boxes reach
