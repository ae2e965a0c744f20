"""CQL2 temporal functions (``T_AFTER`` … ``T_STARTS``, the CQL2 *temporal-functions*
conformance class) over the collections' times, as SQLAlchemy conditions.

The times of a feature are year columns. A temporal operand has a start and an end:

- a **date queryable** (``established``, ``abolished``, ``opened``) is an instant,
  1 January of its year; a feature whose year is NULL matches no temporal function
  (``NOT T_…`` matches it);
- the **interval queryable** ``validity`` runs from 1 January of the first year of
  validity to 31 December of the last one (``established_year`` … ``abolished_year``,
  ``opened_year`` … open for facilities); a missing first year is an open start, a
  missing last year an open end — the same years of validity the ``datetime``
  parameter matches;
- ``INTERVAL(a, b)`` of two date queryables runs from ``a`` to ``b`` (a NULL end open);
- literals: ``DATE('…')`` (midnight UTC), ``TIMESTAMP('…')``, ``INTERVAL('…', '…')`` with
  dates, timestamps and ``..`` for an open end.

Open ends are −∞/+∞: an open start equals another open start, and nothing is after an
interval open at its end. The functions compare the ends as the CQL2 standard defines
them (Allen's interval algebra; an instant is the interval [t, t]), for example
``T_MEETS(a, b)``: end(a) = start(b); ``T_OVERLAPS(a, b)``: start(a) < start(b) <
end(a) < end(b). One side must be a property and the other a literal (no
property-property comparisons).

pygeofilter 0.4 reads ``T_INTERSECTS`` and ``T_OVERLAPS`` as the same node and lacks
``T_STARTS``/``T_FINISHES``/``T_DISJOINT``, so the functions are rewritten before parsing
into calls ``q_<name>(…) = TRUE`` (and ``INTERVAL(…)`` into ``q_intrvl(…)``) that its
grammars read as plain function calls; :func:`temporal_call` turns those back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pygeofilter import ast
from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import InvalidInput
from gazetteer.ogc.collections import CollectionDef, Property

End = Literal["s", "e"]
Op = Literal["<", "<=", "=", ">", ">="]
# The CQL2 temporal functions: (end of a, comparison, end of b), AND within a list,
# OR between the lists.
RELATIONS: dict[str, list[list[tuple[End, Op, End]]]] = {
    "t_after": [[("s", ">", "e")]],
    "t_before": [[("e", "<", "s")]],
    "t_contains": [[("s", "<", "s"), ("e", ">", "e")]],
    "t_disjoint": [[("s", ">", "e")], [("e", "<", "s")]],
    "t_during": [[("s", ">", "s"), ("e", "<", "e")]],
    "t_equals": [[("s", "=", "s"), ("e", "=", "e")]],
    "t_finishedby": [[("s", "<", "s"), ("e", "=", "e")]],
    "t_finishes": [[("s", ">", "s"), ("e", "=", "e")]],
    "t_intersects": [[("s", "<=", "e"), ("e", ">=", "s")]],
    "t_meets": [[("e", "=", "s")]],
    "t_metby": [[("s", "=", "e")]],
    "t_overlappedby": [[("s", ">", "s"), ("s", "<", "e"), ("e", ">", "e")]],
    "t_overlaps": [[("s", "<", "s"), ("e", ">", "s"), ("e", "<", "e")]],
    "t_startedby": [[("s", "=", "s"), ("e", ">", "e")]],
    "t_starts": [[("s", "=", "s"), ("e", "<", "e")]],
}
PREFIX = "q_"
INTERVAL_FN = "q_intrvl"
_FLIP: dict[Op, Op] = {"<": ">", "<=": ">=", "=": "=", ">": "<", ">=": "<="}
_CALL = re.compile(r"\b(T_[A-Z]+|INTERVAL)\s*\(", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NEG_INF = float("-inf")
_POS_INF = float("inf")

Instant = datetime | float  # a datetime, or -inf/+inf for an open end


def _bad(msg: str) -> InvalidInput:
    return InvalidInput(f"filter 无效 (invalid filter): {msg}")


# --- rewriting before parsing ---------------------------------------------------------------


def _outside_quotes(text: str, pos: int) -> bool:
    return text.count("'", 0, pos) % 2 == 0


def _close(text: str, start: int) -> int:
    """From just after an opening parenthesis: the index after its closing one."""
    depth, i, quoted = 1, start, False
    while i < len(text) and depth:
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        i += 1
    return i


def rewrite_text(text: str) -> str:
    """``T_MEETS(a, b)`` → ``Q_MEETS(a, b) = TRUE``; ``INTERVAL(`` → ``Q_INTRVL(``."""
    out: list[str] = []
    pos = 0
    while True:
        m = next((m for m in _CALL.finditer(text, pos) if _outside_quotes(text, m.start())), None)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        name = m.group(1).lower()
        if name == "interval":
            out.append(text[pos : m.start()] + INTERVAL_FN + "(")
            pos = m.end()
            continue
        if name not in RELATIONS:
            raise _bad(f"unknown temporal function {m.group(1)[:20]} (column {m.start() + 1})")
        end = _close(text, m.end())
        inner = rewrite_text(text[m.end() : end - 1])
        out.append(f"{text[pos : m.start()]}{PREFIX}{name[2:]}({inner}) = TRUE")
        pos = end


def rewrite_json(node: dict[str, Any], walk: Callable[[Any], Any]) -> dict[str, Any] | None:
    """A CQL2 JSON temporal function or interval as the call the text form becomes;
    None when ``node`` is neither. ``walk`` rewrites the arguments."""
    if "interval" in node and len(node) == 1 and isinstance(node["interval"], list):
        return {"function": {"name": INTERVAL_FN, "arguments": walk(node["interval"])}}
    op = str(node.get("op", "")).lower()
    if op in RELATIONS:
        call = {"name": PREFIX + op[2:], "arguments": walk(node.get("args", []))}
        return {"op": "=", "args": [{"function": call}, True]}
    return None


def temporal_call(node: Any) -> tuple[str, list[Any]] | None:
    """(``t_…`` name, arguments) when ``node`` is a rewritten temporal function."""
    if (
        isinstance(node, ast.Equal)
        and node.rhs is True
        and isinstance(node.lhs, ast.Function)
        and node.lhs.name.lower().startswith(PREFIX)
        and "t_" + node.lhs.name.lower()[len(PREFIX) :] in RELATIONS
    ):
        return "t_" + node.lhs.name.lower()[len(PREFIX) :], list(node.lhs.arguments)
    return None


# --- operands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnEnd:
    """One end of a property's time: a year column read as 1 January or 31 December;
    NULL means an open end (``null_as``) or an unknown time (None: nothing matches)."""

    year: ColumnElement[Any]
    last_day: bool
    null_as: float | None

    def instant(self, y: int) -> datetime:
        return datetime(y, 12, 31) if self.last_day else datetime(y, 1, 1)


Side = ColumnEnd | Instant


def _parse_instant(v: Any, *, end: bool) -> Instant:
    if v is None or (isinstance(v, str) and v.strip() in ("", "..")):
        return _POS_INF if end else _NEG_INF
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        s = v.strip()
        try:
            if _DATE_ONLY.match(s):
                return datetime.combine(date.fromisoformat(s), datetime.min.time())
            t = datetime.fromisoformat(s.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            raise _bad(f"invalid date or timestamp {s[:40]!r} in INTERVAL") from None
        if t.tzinfo is None:
            raise _bad(f"timestamp needs a time zone (e.g. Z): {s[:40]!r}")
        return t.astimezone(UTC).replace(tzinfo=None)
    raise _bad(f"expected a date, timestamp or '..', got {v!r:.40}")


def _key(v: Instant) -> tuple[int, datetime]:
    if isinstance(v, float):
        return (-1 if v < 0 else 1, datetime.min)
    return (0, v)


def _compare(a: tuple[int, datetime], op: Op, b: tuple[int, datetime]) -> bool:
    return {
        "<": a < b,
        "<=": a <= b,
        "=": a == b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _years(end: ColumnEnd, op: Op, d: datetime) -> ColumnElement[bool]:
    """Years ``y`` (not NULL) with ``end.instant(y) op d``: a ray, as the instant grows
    with the year."""
    col, y = end.year, d.year
    here = _compare((0, end.instant(y)), op, (0, d))
    if op in ("<", "<="):
        return col <= (y if here else y - 1)
    if op in (">", ">="):
        return col >= (y if here else y + 1)
    return col == y if here else false()


def _end_vs_literal(end: ColumnEnd, op: Op, v: Instant) -> ColumnElement[bool]:
    col = end.year
    if isinstance(v, float):  # a known year is finite: compared with an open end
        known: ColumnElement[bool] = true() if _compare((0, datetime.min), op, _key(v)) else false()
    else:
        known = _years(end, op, v)
    if end.null_as is None:
        return and_(col.is_not(None), known)
    null_ok = _compare(_key(end.null_as), op, _key(v))
    return or_(col.is_(None), known) if null_ok else and_(col.is_not(None), known)


def _side_compare(a: Side, op: Op, b: Side) -> ColumnElement[bool]:
    if isinstance(a, ColumnEnd) and isinstance(b, ColumnEnd):
        raise _bad("temporal functions compare a property with a literal, not two properties")
    if isinstance(a, ColumnEnd):
        assert not isinstance(b, ColumnEnd)
        return _end_vs_literal(a, op, b)
    if isinstance(b, ColumnEnd):
        return _end_vs_literal(b, _FLIP[op], a)
    return true() if _compare(_key(a), op, _key(b)) else false()


class Temporal:
    """Translates rewritten temporal calls over the properties of collection ``c``."""

    def __init__(self, c: CollectionDef, prop: Callable[[Any], Property]) -> None:
        self.c = c
        self.prop = prop

    def _property_ends(self, node: Any) -> tuple[Side, Side]:
        p = self.prop(node)
        if p.kind == "interval":
            start = ColumnEnd(p.column, False, _NEG_INF)
            end: Side = ColumnEnd(p.end, True, _POS_INF) if p.end is not None else _POS_INF
            return start, end
        if p.kind == "date":
            return ColumnEnd(p.column, False, None), ColumnEnd(p.column, False, None)
        times = ", ".join(q.name for q in self.c.properties if q.kind in ("date", "interval"))
        raise _bad(f"temporal functions need a time queryable ({times or 'none'}); got {p.name}")

    def _interval_ends(self, args: list[Any]) -> tuple[Side, Side]:
        if len(args) != 2:
            raise _bad("INTERVAL needs two arguments (start, end)")
        ends: list[Side] = []
        for i, a in enumerate(args):
            if isinstance(a, ast.Attribute):
                p = self.prop(a)
                if p.kind != "date":
                    raise _bad(f"INTERVAL of properties needs date queryables; {p.name} is not")
                ends.append(ColumnEnd(p.column, False, _POS_INF if i else _NEG_INF))
            else:
                ends.append(_parse_instant(a, end=bool(i)))
        lo, hi = ends
        if not isinstance(lo, ColumnEnd) and not isinstance(hi, ColumnEnd) and _key(lo) > _key(hi):
            raise _bad("INTERVAL start after its end")
        return lo, hi

    def operand(self, node: Any) -> tuple[Side, Side]:
        if isinstance(node, ast.Attribute):
            return self._property_ends(node)
        if isinstance(node, ast.Function) and node.name.lower() == INTERVAL_FN:
            return self._interval_ends(list(node.arguments))
        if isinstance(node, (date, datetime)):
            t = _parse_instant(node, end=False)
            return t, t
        raise _bad(
            f"temporal functions take a time property, DATE, TIMESTAMP or INTERVAL: {node!r:.60}"
        )

    def __call__(self, name: str, args: list[Any]) -> ColumnElement[bool]:
        if len(args) != 2:
            raise _bad(f"{name.upper()} needs two arguments")
        a, b = (self.operand(x) for x in args)
        ends = {"s": 0, "e": 1}
        return or_(
            *(
                and_(*(_side_compare(a[ends[x]], op, b[ends[y]]) for x, op, y in conj))
                for conj in RELATIONS[name]
            )
        )


__all__ = [
    "INTERVAL_FN",
    "PREFIX",
    "RELATIONS",
    "Temporal",
    "rewrite_json",
    "rewrite_text",
    "temporal_call",
]
