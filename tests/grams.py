"""The PostgreSQL search n-grams checked against what the places say they should be."""

from __future__ import annotations

from sqlalchemy import Connection, text

_EXPECTED = (
    "SELECT g, search_rank(p.status, p.category_code, p.name), p.id FROM places p, "
    "search_grams_of(p.name, p.pinyin_key, p.initials) g"
)
_STORED = "SELECT gram, rank, place_id FROM search_grams"


def grams_state(conn: Connection) -> tuple[int, int]:
    """(rows of ``search_grams``, rows differing from the places' own grams either way)."""
    stored = int(conn.execute(text("SELECT count(*) FROM search_grams")).scalar_one())
    differ = conn.execute(
        text(
            f"SELECT (SELECT count(*) FROM ({_EXPECTED} EXCEPT ALL {_STORED}) a) "
            f"+ (SELECT count(*) FROM ({_STORED} EXCEPT ALL {_EXPECTED}) b)"
        )
    ).scalar_one()
    return stored, int(differ)
