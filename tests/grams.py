"""The PostgreSQL search n-grams checked against what the places say they should be."""

from __future__ import annotations

from sqlalchemy import Connection, text

_EXPECTED = (
    "SELECT g, search_rank(p.status, p.category_code, p.name), p.id, p.category_code "
    "FROM places p, search_grams_of(p.name, p.pinyin_key, p.initials) g"
)
_STORED = "SELECT gram, rank, place_id, category_code FROM search_grams"


def pg_structure(conn: Connection) -> set[tuple[str, ...]]:
    """Indexes, triggers (with their enabled state) and constraints around ``places`` and
    the search tables: what a bulk load sets aside and must put back (PostgreSQL)."""
    rows = conn.execute(
        text(
            "SELECT 'index', indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('places', 'search_grams', 'place_aliases') "
            "UNION ALL SELECT 'trigger', tgname, tgenabled::text FROM pg_trigger "
            "WHERE tgrelid = 'places'::regclass AND NOT tgisinternal "
            "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('places'::regclass, 'search_grams'::regclass)"
        )
    )
    return {(r[0], r[1], r[2]) for r in rows}


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
