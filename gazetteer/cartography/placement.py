"""Label placement at one zoom, computed lazily tile by tile, with a local rule.

The rule is greedy placement in a fixed priority order over *all* candidates of the zoom
-- a label is placed when its box meets the box of no placed label of higher priority --
evaluated to a bounded depth so that each decision depends on the labels near it only:

    placed_0(b) = true;   placed_k(b) = no box of higher priority meeting b is placed_(k-1)

``placed_k`` is antitone in ``k``'s parity: placed_1 ⊆ placed_3 ⊆ ... ⊆ greedy ⊆ ... ⊆
placed_4 ⊆ placed_2, so at an odd depth no two placed boxes meet (if b and a higher o
meet, placed_k(b) needs not placed_(k-1)(o), hence not placed_k(o)), and wherever chains
of overlapping labels are shorter than the depth the result *is* the greedy placement.
Plain greedy would follow such chains without bound -- across a uniform field of a
million equally ranked names that meant hundreds of tiles for one -- while placed_DEPTH
looks at most DEPTH overlaps away: :class:`ZoomPlacement` loads the candidates of a tile
and of the tiles those boxes reach into, and memoises each (depth, label). Since the
decision is a function of the label and its neighbourhood, two tiles that share an edge
take the same decision for every label near it: a label whose box crosses the edge is
drawn by the tile holding its point and never overlaps one drawn by the neighbour.

Historical names are placed in a second pass in the space the current names leave: the
same rule over the historical names that meet no placed current label. The current
decisions never look at historical names, so showing them never moves a current name.

Everything is in pixels of the zoom (the 256-pixel Web Mercator tile grid). The candidates
of a tile come from a ``fetch(x, y)`` callback (the top candidates of the tile, in priority
order); which candidates a tile offers must depend on that tile only, so every tile sees
the same candidates.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

TILE_PX = 256
MAX_HALF_W = 128.0  # half the widest box (incl. gap) a tile may offer
MAX_HALF_H = 16.0  # half the tallest box (incl. gap)
CELL_PX = 64.0
MAX_LOADED_TILES = 2048  # per zoom; above it the state is dropped (and recomputed the same)
DEPTH = 5  # rounds of the local greedy rule (odd); equals the greedy placement for chains
# of overlapping labels up to this long, and never lets two placed boxes meet


@dataclass(frozen=True, slots=True, eq=False)
class Box:
    """A candidate label at one zoom: its point in pixels of the zoom and its half box
    (gap included), its priority key (smaller first) and what the caller attached."""

    id: int
    key: tuple[Any, ...]
    x: float
    y: float
    hw: float
    hh: float
    item: Any = None

    def meets(self, o: Box) -> bool:
        return (
            self.x - self.hw < o.x + o.hw
            and o.x - o.hw < self.x + self.hw
            and self.y - self.hh < o.y + o.hh
            and o.y - o.hh < self.y + self.hh
        )


def tile_of(x: float, y: float) -> tuple[int, int]:
    """The tile (column, row) holding a point in pixels of the zoom."""
    return math.floor(x / TILE_PX), math.floor(y / TILE_PX)


Fetch = Callable[[int, int], tuple[list[Box], list[Box]]]


class ZoomPlacement:
    """The placement of one zoom for one data version, filled in as tiles are asked for.

    ``fetch(x, y)`` returns the current and the historical candidates of tile (x, y):
    boxes whose point lies in the tile, at most ``MAX_HALF_W``/``MAX_HALF_H`` wide/high.
    Not thread-safe by itself: hold :attr:`lock` around calls.
    """

    def __init__(self, zoom: int, *, depth: int = DEPTH, max_tiles: int = MAX_LOADED_TILES) -> None:
        if depth % 2 != 1:
            raise ValueError("the depth must be odd (even depths may overlap)")
        self.zoom = zoom
        self.depth = depth
        self.lock = threading.Lock()
        self._max_tiles = max_tiles
        self._reset()

    def _reset(self) -> None:
        self._own: dict[tuple[int, int], tuple[list[Box], list[Box]]] = {}
        self._cells: dict[tuple[int, int], list[Box]] = {}
        self._hcells: dict[tuple[int, int], list[Box]] = {}
        self._memo: dict[tuple[int, int], bool] = {}
        self._hmemo: dict[tuple[int, int], bool] = {}

    @property
    def loaded_tiles(self) -> int:
        return len(self._own)

    # --- candidates ---------------------------------------------------------------------

    def _cells_of(self, b: Box) -> Iterator[tuple[int, int]]:
        for cx in range(int((b.x - b.hw) // CELL_PX), int((b.x + b.hw) // CELL_PX) + 1):
            for cy in range(int((b.y - b.hh) // CELL_PX), int((b.y + b.hh) // CELL_PX) + 1):
                yield cx, cy

    def _load(self, fetch: Fetch, x: int, y: int) -> tuple[list[Box], list[Box]]:
        got = self._own.get((x, y))
        if got is not None:
            return got
        n = 1 << self.zoom
        if not (0 <= x < n and 0 <= y < n):
            got = ([], [])
        else:
            cur, hist = fetch(x, y)
            got = (list(cur), list(hist))
        self._own[(x, y)] = got
        for cells, boxes in ((self._cells, got[0]), (self._hcells, got[1])):
            for b in boxes:
                for cell in self._cells_of(b):
                    cells.setdefault(cell, []).append(b)
        return got

    def _around(self, fetch: Fetch, b: Box) -> None:
        """Load every tile whose candidates could meet ``b``."""
        x0, y0 = tile_of(b.x - b.hw - MAX_HALF_W, b.y - b.hh - MAX_HALF_H)
        x1, y1 = tile_of(b.x + b.hw + MAX_HALF_W, b.y + b.hh + MAX_HALF_H)
        for tx in range(x0, x1 + 1):
            for ty in range(y0, y1 + 1):
                self._load(fetch, tx, ty)

    def _meeting(self, cells: dict[tuple[int, int], list[Box]], b: Box) -> list[Box]:
        """Candidates in ``cells`` (other than ``b``) whose boxes meet ``b``, by priority."""
        seen: dict[int, Box] = {}
        for cell in self._cells_of(b):
            for o in cells.get(cell, ()):
                if o is not b and o.id not in seen and o.meets(b):
                    seen[o.id] = o
        return sorted(seen.values(), key=lambda o: o.key)

    # --- decisions ---------------------------------------------------------------------

    def _level(self, fetch: Fetch, b: Box, k: int, historical: bool) -> bool:
        """``placed_k(b)``: ``b`` is free (historical names: meets no placed current box) and
        no box of higher priority meeting it is ``placed_(k-1)``; ``placed_0`` is "free"."""
        memo = self._hmemo if historical else self._memo
        got = memo.get((k, b.id))
        if got is not None:
            return got
        self._around(fetch, b)
        free = True
        if historical:
            free = not any(self.current(fetch, o) for o in self._meeting(self._cells, b))
        result = free
        if free and k > 0:
            for o in self._meeting(self._hcells if historical else self._cells, b):
                if o.key >= b.key:
                    break
                if self._level(fetch, o, k - 1, historical):
                    result = False
                    break
        memo[(k, b.id)] = result
        return result

    def current(self, fetch: Fetch, b: Box) -> bool:
        """Whether the current name ``b`` is placed (``placed_DEPTH``)."""
        return self._level(fetch, b, self.depth, False)

    def historical(self, fetch: Fetch, b: Box) -> bool:
        """Whether the historical name ``b`` is placed in the space the current ones leave."""
        return self._level(fetch, b, self.depth, True)

    def tile(self, fetch: Fetch, x: int, y: int) -> tuple[list[Box], list[Box]]:
        """The placed current and historical boxes whose point lies in tile (x, y), in
        priority order."""
        if len(self._own) > self._max_tiles:
            self._reset()
        cur, hist = self._load(fetch, x, y)
        return (
            [b for b in cur if self.current(fetch, b)],
            [b for b in hist if self.historical(fetch, b)],
        )


__all__ = ["MAX_HALF_H", "MAX_HALF_W", "TILE_PX", "Box", "Fetch", "ZoomPlacement", "tile_of"]
