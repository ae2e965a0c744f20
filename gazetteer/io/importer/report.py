"""What an import reports: row errors, the written and rejected counts, progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class ProgressSink(Protocol):
    """Where long work reports its progress (the CLI shows tqdm bars)."""

    def start(self, desc: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def done(self) -> None: ...


class NoProgress:
    """A progress sink that shows nothing."""

    def start(self, desc: str, total: int) -> None:
        return None

    def advance(self, n: int) -> None:
        return None

    def done(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    problem: str
    layer: str = ""
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source} " if self.source else ""
        return (
            f"{where}[{self.layer}] 第 {self.row} 行 (row {self.row}) {self.field}: {self.problem}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "layer": self.layer,
            "field": self.field,
            "problem": self.problem,
            "source": self.source,
        }


@dataclass(slots=True)
class ImportReport:
    path: Path
    format: str
    written: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # encodings, column mapping, CRS
    dry_run: bool = False

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in self.written.items()]
        verb = "可写入 (would write)" if self.dry_run else "已写入 (written)"
        text = f"{verb}: {', '.join(parts) or '0'}"
        if self.errors:
            text += f"; 跳过无效行 (skipped invalid rows): {len(self.errors)}"
        return text


class RowInvalid(Exception):
    """A row broke a rule: which field, and what is wrong (Chinese + English)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field_name
        self.problem = problem


__all__ = ["ImportReport", "NoProgress", "ProgressSink", "RowError", "RowInvalid"]
