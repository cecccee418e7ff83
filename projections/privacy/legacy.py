"""Stores written before per-subject encryption hold personal data in plaintext: find them."""

from __future__ import annotations

from domain.transcodings import PLAINTEXT_TAGS
from projections.eventstore import sql
from projections.eventstore.store import Store


def plaintext_events(store: Store) -> int:
    """How many stored events carry personal data unsealed (tagged with a plaintext tag)."""
    table = store.events_table
    patterns = [f'"_type_":"{tag}",'.encode() for tag in PLAINTEXT_TAGS]
    with store.connect() as conn:
        if not sql.table_exists(conn, table):
            return 0
        # A substring of the stored bytes: the one function whose name the two databases
        # do not share (PostgreSQL's bytea, SQLite's blob).
        found = "position(?::bytea in state) > 0" if conn.dialect.name == "postgresql" else "instr(state, ?) > 0"
        where = " OR ".join([found] * len(patterns))
        return sql.fetchall(conn, f"SELECT count(*) FROM {table} WHERE {where}", patterns)[0][0]
