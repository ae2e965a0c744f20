"""Key/value facts about the data set (seed, build time, schema notes)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from gazetteer.storage import tables as t


def set_info(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(t.dataset_info).where(t.dataset_info.c.key == key))
    conn.execute(insert(t.dataset_info), [{"key": key, "value": value}])


def get_info(conn: Connection, key: str) -> str | None:
    return conn.execute(
        select(t.dataset_info.c.value).where(t.dataset_info.c.key == key)
    ).scalar_one_or_none()


__all__ = ["get_info", "set_info"]
