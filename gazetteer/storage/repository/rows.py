"""Batched inserts and counts shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, func, insert, select

BATCH = 2000
T = TypeVar("T")


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


__all__ = ["BATCH", "batches", "count", "insert_many"]
