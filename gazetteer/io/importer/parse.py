"""Raw cells to Python values, field by field (``ValueError`` with a message)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import repeat
from typing import Any

from gazetteer.io.importer.report import RowError
from gazetteer.io.layers import Kind, LayerSpec
from gazetteer.io.read import SourceRow


def _num_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(value: Any) -> str:
    return _num_text(value) if isinstance(value, (int, float)) else str(value).strip()


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"不是整数 (not an integer): {value!r}")
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            f = float(str(value).strip())
        except ValueError:
            raise ValueError(f"不是整数 (not an integer): {value!r}") from None
        if not f.is_integer():
            raise ValueError(f"不是整数 (not an integer): {value!r}") from None
        return int(f)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"不是数字 (not a number): {value!r}") from None


def _bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "t", "yes", "y", "是", "1.0"):
        return True
    if text in ("0", "false", "f", "no", "n", "否", "0.0"):
        return False
    raise ValueError(f"不是布尔值 (not true/false): {value!r}")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD): {value!r}") from None


def _json_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"不是 JSON 列表 (not a JSON list): {text[:60]!r}") from None
        if not isinstance(data, list):
            raise ValueError("不是 JSON 列表 (not a JSON list)")
        return [str(v) for v in data]
    return [p.strip() for p in re.split(r"[、;；,，]", text) if p.strip()]


_PARSERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.STR: _text,
    Kind.OPT_STR: _text,
    Kind.INT: _int,
    Kind.OPT_INT: _int,
    Kind.FLOAT: _float,
    Kind.OPT_FLOAT: _float,
    Kind.BOOL: _bool,
    Kind.DATE: _date,
    Kind.JSON_LIST: _json_list,
}
_EMPTY: dict[Kind, Any] = {Kind.STR: "", Kind.JSON_LIST: [], Kind.BOOL: False}


def parse_value(kind: Kind, value: Any) -> Any:
    """Convert a raw cell to the field's Python type; ``ValueError`` with a message."""
    if value is None:
        if kind in (Kind.INT, Kind.FLOAT):
            raise ValueError("必填 (required)")
        empty = _EMPTY.get(kind)
        return list(empty) if isinstance(empty, list) else empty
    return _PARSERS[kind](value)


_TEXT_KINDS = frozenset((Kind.STR, Kind.OPT_STR))
_REQUIRED = frozenset((Kind.INT, Kind.FLOAT))
# per layer: (field, kind, is text, value when empty or None when required)
_STORED: dict[str, tuple[tuple[str, Kind, bool, Any], ...]] = {}


def _plan(spec: LayerSpec) -> tuple[tuple[str, Kind, bool, Any], ...]:
    plan = _STORED.get(spec.name)
    if plan is None:
        plan = _STORED[spec.name] = tuple(
            (f.name, f.kind, f.kind in _TEXT_KINDS, _EMPTY.get(f.kind)) for f in spec.stored_fields
        )
    return plan


_SLOW = object()  # a cell that needs parse_value (or fails it)


def _fast_column(kind: Kind, is_text: bool, empty: Any, column: list[Any]) -> list[Any]:
    """The common cells -- text, and empty optional ones -- taken as :func:`parse_value`
    would take them without calling it; ``_SLOW`` for the rest."""
    if is_text:
        return [v.strip() if type(v) is str else (empty if v is None else _SLOW) for v in column]
    if kind is Kind.JSON_LIST:
        return [[] if v is None else _SLOW for v in column]
    if kind in _REQUIRED:
        return [_SLOW] * len(column)
    return [empty if v is None else _SLOW for v in column]


def parse_rows(
    spec: LayerSpec, rows: Sequence[SourceRow]
) -> tuple[list[tuple[SourceRow, dict[str, Any]]], list[RowError]]:
    """Every stored field of every row parsed, column by column (a census import parses
    some three million cells): the rows whose fields all parsed, with their values, and
    the errors of the others -- per row the problems the reader found (an unknown area
    name, a code Excel rounded), then the fields that failed, in the layer's order."""
    plan = _plan(spec)
    raws = [row.values for row in rows]
    failed: dict[int, list[RowError]] = {}
    for i, row in enumerate(rows):
        if row.problems:
            failed[i] = [RowError(row.row, f, p, spec.name, row.source) for f, p in row.problems]
    present = set().union(*map(dict.keys, raws))  # fields no row has: all empty
    names, columns = [], []
    template: dict[str, Any] = {}
    fresh_lists = []
    for name, kind, is_text, empty in plan:
        if name not in present and kind not in _REQUIRED:
            if kind is Kind.JSON_LIST:
                fresh_lists.append(name)
            else:
                template[name] = empty
            continue
        column = [raw.get(name) for raw in raws]
        parsed = _fast_column(kind, is_text, empty, column)
        for i in [i for i, v in enumerate(parsed) if v is _SLOW]:
            try:
                parsed[i] = parse_value(kind, column[i])
            except ValueError as exc:
                row = rows[i]
                failed.setdefault(i, []).append(
                    RowError(row.row, name, str(exc), spec.name, row.source)
                )
        names.append(name)
        columns.append(parsed)
    cells_of = zip(*columns, strict=True) if columns else repeat((), len(rows))
    good = []
    for i, (row, cells) in enumerate(zip(rows, cells_of, strict=True)):
        if i not in failed:
            values = template.copy()
            values.update(zip(names, cells, strict=True))
            for name in fresh_lists:
                values[name] = []
            good.append((row, values))
    errors = [e for i in sorted(failed) for e in failed[i]]
    return good, errors


__all__ = ["parse_rows", "parse_value"]
