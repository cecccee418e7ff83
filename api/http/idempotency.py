"""Idempotency keys bound to the one request they were first sent with.

A case remembers the keys of the commands it applied, but only that case: a key first
used on one case (or for one kind of creation) and then on another path would reach a
case that has never seen it and run a second command. So every key is also recorded
here, per user, with the fingerprint of its request (method, path with query, body),
before the command runs; the same key with another fingerprint is refused.

The binding commits without waiting for the disk on PostgreSQL (``synchronous_commit``
off): the command that follows commits durably, and its commit record, written after
the binding's, flushes both. Only a binding whose command wrote nothing can be lost in a
crash, and then nothing was done under that key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import InvalidCommand
from projections.eventstore import sql
from projections.eventstore.store import Store

KEYS = "berkas_idempotency_keys"
REUSED = "idempotency key reused for a different request"


def create_tables(conn: object) -> None:
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {KEYS} "
        "(key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL)",
    )


def bind(store: Store, key: str, fingerprint: str) -> None:
    """Record ``key`` for the request ``fingerprint``, or check it was recorded for the same
    one; ``InvalidCommand`` (422) if it was first sent with another request."""
    with store.read() as conn, sql.transaction(conn):
        if conn.dialect.name == "postgresql":
            conn.execute("SET LOCAL synchronous_commit = off")
        sql.execute(
            conn,
            f"INSERT INTO {KEYS} (key, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            [key, fingerprint, datetime.now(UTC).isoformat(timespec="seconds")],
        )
        first = sql.fetchall(conn, f"SELECT fingerprint FROM {KEYS} WHERE key = ?", [key])
    if first[0][0] != fingerprint:
        raise InvalidCommand("Idempotency-Key", REUSED)
