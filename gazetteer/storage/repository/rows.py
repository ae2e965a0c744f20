"""Batched inserts, counts and row-to-dataclass reading shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import fields
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Row, Table, func, insert, select

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

BATCH = 2000
T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def insert_many(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    for chunk in batches(rows):
        conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


def count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def from_row(cls: type[D], r: Row[Any], **converted: Any) -> D:
    """The dataclass ``cls`` with each field read from the column of the same name, except
    the fields given in ``converted`` (enums, geometries, JSON, nested values)."""
    m = r._mapping
    values = {f.name: m[f.name] for f in fields(cls) if f.name not in converted}
    return cls(**values, **converted)


__all__ = ["BATCH", "batches", "count", "from_row", "insert_many"]
