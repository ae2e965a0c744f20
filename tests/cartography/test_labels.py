"""Label priority and placement: the most important names first, no two boxes overlap."""

from __future__ import annotations

import itertools
import random

from gazetteer.cartography.labels import (
    MAX_ZOOM,
    MIN_ZOOM,
    LabelCandidate,
    LabelIndex,
    category_rank,
    place_labels,
    priority_key,
    text_width_px,
    world_xy,
)


def _boxes(index: LabelIndex, zoom: int, history: bool) -> list[tuple[float, float, float, float]]:
    found, _ = index.query((-180, -85, 180, 85), zoom, history=history, limit=10**9)
    out = []
    for lab in found:
        x, y = world_xy(lab.lon, lab.lat)
        x, y = x * 2**zoom, y * 2**zoom
        out.append((x - lab.width / 2, y - lab.height / 2, x + lab.width / 2, y + lab.height / 2))
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


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
    assert text_width_px("威海市", 16) == 3 * 16 + 8
    assert text_width_px("Ab1", 10) % 2 == 0


def test_placement_never_overlaps_and_grows_with_zoom() -> None:
    rng = random.Random(7)
    codes = ["21300", "21400", "21500", "22200", "11500", "13100", "27300", "23530"]
    cands = [
        LabelCandidate(
            i,
            "名" * rng.randint(2, 6),
            rng.choice(codes),
            122.0 + rng.random() * 0.6,
            37.0 + rng.random() * 0.4,
            size=rng.random() * 0.01,
            historical=i % 25 == 0,
            years="1900–1950" if i % 25 == 0 else "",
        )
        for i in range(1, 1500)
    ]
    labels, masks = place_labels(cands)
    index = LabelIndex(labels, masks)
    counts = []
    for z in range(MIN_ZOOM, MAX_ZOOM + 1):
        for history in (False, True):
            boxes = _boxes(index, z, history)
            for a, b in itertools.combinations(boxes, 2):
                assert not _overlap(a, b), (z, a, b)
        counts.append(len(_boxes(index, z, False)))
    assert counts == sorted(counts) and counts[0] >= 1 and counts[-1] > counts[3]
    # the city seat is drawn from the first zoom on; a current label stays once shown
    first = next(lab for lab in labels if lab.category_code == "21300")
    assert first.minzoom == MIN_ZOOM
    for lab, m in zip(labels, masks, strict=True):
        if not lab.historical and lab.minzoom <= MAX_ZOOM:
            assert all((int(m) >> z) & 1 for z in range(lab.minzoom, MAX_ZOOM + 1))


def test_historical_names_never_move_current_ones() -> None:
    rng = random.Random(3)
    current = [
        LabelCandidate(i, "村庄名", "22200", 122 + rng.random() * 0.2, 37 + rng.random() * 0.2)
        for i in range(1, 400)
    ]
    former = [
        LabelCandidate(1000 + i, "旧名", "21500", c.lon, c.lat, historical=True, years="1–2")
        for i, c in enumerate(current[:50])
    ]
    alone, _ = place_labels(current)
    mixed, _ = place_labels(current + former)
    assert {(x.id, x.minzoom) for x in alone} == {
        (x.id, x.minzoom) for x in mixed if not x.historical
    }
    hist = [x for x in mixed if x.historical]
    assert hist and all(x.kind == "historical" and x.text.endswith("1–2") for x in hist)
    index = LabelIndex(*place_labels(current + former))
    found, _ = index.query((121, 36, 123, 38), MAX_ZOOM)
    assert not any(x.historical for x in found)


def test_query_is_bounded_and_by_bbox() -> None:
    cands = [
        LabelCandidate(i, "点", "27300", 122 + (i % 100) * 0.01, 37 + (i // 100) * 0.01)
        for i in range(5000)
    ]
    index = LabelIndex(*place_labels(cands))
    found, truncated = index.query((121, 36, 123, 38), MAX_ZOOM, limit=100)
    assert len(found) == 100 and truncated
    inside, _ = index.query((122.0, 37.0, 122.05, 37.05), MAX_ZOOM)
    assert inside and all(122 <= x.lon <= 122.05 and 37 <= x.lat <= 37.05 for x in inside)
