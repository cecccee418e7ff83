"""Stores written before per-subject encryption hold personal data in plaintext: find them."""

from __future__ import annotations

from domain.transcodings import PLAINTEXT_TAGS
from projections.eventstore import sql
from projections.eventstore.store import Store


def plaintext_events(store: Store) -> int:
    """How many stored events carry personal data unsealed (tagged with a plaintext tag)."""
    table = store.events_table
    patterns = [b'%"_type_":"' + tag.encode() + b'",%' for tag in PLAINTEXT_TAGS]
    with store.connect() as conn:
        if not sql.table_exists(conn, table):
            return 0
        # LIKE reads the same on PostgreSQL's bytea and SQLite's blob ("_" matches itself too).
        where = " OR ".join(["state LIKE ?"] * len(patterns))
        return sql.fetchall(conn, f"SELECT count(*) FROM {table} WHERE {where}", [b"%" + p + b"%" for p in patterns])[
            0
        ][0]
