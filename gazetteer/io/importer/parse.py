"""Raw cells to Python values, field by field (``ValueError`` with a message)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
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


def parse_row(spec: LayerSpec, row: SourceRow) -> tuple[dict[str, Any], list[RowError]]:
    """Every stored field of ``row`` parsed, and the errors of the fields that failed
    (with the problems the reader found: an unknown area name, a code Excel rounded).
    The common cells -- text, and empty optional ones -- are taken as
    :func:`parse_value` would take them without calling it (a census import parses some
    two million cells)."""
    values: dict[str, Any] = {}
    errors = [RowError(row.row, f, p, spec.name, row.source) for f, p in row.problems]
    raw = row.values
    for name, kind, is_text, empty in _plan(spec):
        value = raw.get(name)
        if value is None:
            if kind not in _REQUIRED:
                values[name] = [] if kind is Kind.JSON_LIST else empty
                continue
        elif is_text and type(value) is str:
            values[name] = value.strip()
            continue
        try:
            values[name] = parse_value(kind, value)
        except ValueError as exc:
            errors.append(RowError(row.row, name, str(exc), spec.name, row.source))
    return values, errors


__all__ = ["parse_row", "parse_value"]
