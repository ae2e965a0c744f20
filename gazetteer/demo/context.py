"""What a demo hook gets (kept apart so that hooks need not import the builder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass
class DemoContext:
    """What a hook gets: the seed, a dedicated RNG seed, and the ids it may build on."""

    seed: int
    reference_date: date
    roads_named: list[int]  # place ids of the 83 roads named in 2016–2020
    roads_adjusted: list[int]  # place ids of the 17 roads whose start/end were adjusted
    compounds_named: list[int]  # place ids of the 103 compounds named in 2016–2020

    def hook_seed(self, name: str) -> int:
        """A seed for a hook's own ``random.Random`` (stable across runs, distinct per hook)."""
        return self.seed * 1_000_003 + sum(ord(c) * (i + 1) for i, c in enumerate(name))


__all__ = ["DemoContext"]
