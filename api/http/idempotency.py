"""Idempotency keys bound to the one request they were first sent with, for a while.

A case remembers the keys of the commands it applied, but only that case: a key first
used on one case (or for one kind of creation) and then on another path would reach a
case that has never seen it and run a second command. So every key is also recorded
here, per user, with the fingerprint of its request (method, path with query, body),
before the command runs; the same key with another fingerprint is refused.

A binding lasts ``ttl`` (``BERKAS_IDEMPOTENCY_TTL_HOURS``): after that the key is free
again, and the request that uses it next runs afresh instead of getting the first
outcome. That holds on the case too: every binding has a generation of its own, which is
part of the command id the case remembers, so a case never matches a key bound anew to
its expired predecessor. Expired bindings are pruned at most once per ``PRUNE_EVERY``
seconds, in the transaction of a binding (bindings made before generations existed have
none, and keep their command id as it was).

A request refused before it wrote anything (422 from the domain, 403, 404, 409, a 409
personal-data-unreadable too) releases its binding (``release``): nothing was done under
the key, so the client may correct the request and send it again with the same key (the
draft of the Idempotency-Key header asks clients to correct a failed request before
retrying it). Only a binding the refused request made itself is released (``Binding.made``:
bound afresh, taken over, or bound again after a release): one it found in force was made
by an earlier attempt of the same request, which may have run (a retry of a command that
ran, refused because its case no longer loads, must not free the key for another
request). The row stays, marked released, with its generation: the same request bound
again keeps that generation, so should a concurrent twin of it have run meanwhile, the
case still answers the retry; another request takes the row over with a generation of
its own.

The binding commits without waiting for the disk on PostgreSQL (``synchronous_commit``
off): the command that follows commits durably, and its commit record, written after
the binding's, flushes both. Only a binding whose command wrote nothing can be lost in a
crash, and then nothing was done under that key.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.case import KEY_REUSED_RULE
from domain.errors import InvalidCommand
from projections.eventstore import sql
from projections.eventstore.store import Store

KEYS = "berkas_idempotency_keys"
PRUNE_EVERY = 600.0  # seconds between prunings of expired bindings, per process and store

_pruned: dict[Store, float] = {}
_pruning = threading.Lock()


def create_tables(conn: object) -> None:
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {KEYS} "
        "(key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL)",
    )
    # Added after the table (a store made before keys expired has none).
    sql.add_column(conn, KEYS, "generation", "TEXT")
    sql.add_column(conn, KEYS, "released", "INTEGER NOT NULL DEFAULT 0")
    sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {KEYS}_created_at ON {KEYS} (created_at)")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Binding:
    """A key's binding for one request, as ``bind`` left it."""

    generation: str | None  # None: a binding made before generations existed
    made: bool  # by this call (afresh, taken over, or again after a release), not found in force


def bind(store: Store, key: str, fingerprint: str, ttl: timedelta, now: datetime | None = None) -> Binding:
    """Record ``key`` for the request ``fingerprint`` (afresh if its binding expired), or
    check it was recorded for the same one; ``InvalidCommand`` (422) if it was first sent
    with another request."""
    now = now or datetime.now(UTC)
    expired = _stamp(now - ttl)
    params = [key, fingerprint, _stamp(now), secrets.token_hex(8), expired, expired]
    due = _due(store)
    made: list[tuple[str, str | None]] = []
    with store.read() as conn:
        if conn.dialect.name == "postgresql":
            # The common case, a key bound afresh (or taken over, or its released binding
            # kept), is one statement in a transaction of its own, which returns the row;
            # ``set_config(..., true)`` is that transaction's ``SET LOCAL synchronous_commit``.
            made = sql.fetchall(conn, _BIND_POSTGRES, params)
            if made and not due:
                return _checked(made, fingerprint, made=True)
        with sql.transaction(conn):  # a key bound already, or a pruning due: as it always was
            if conn.dialect.name == "postgresql":
                conn.execute("SET LOCAL synchronous_commit = off")
            made = made or sql.fetchall(conn, _BIND, params)
            first = made or sql.fetchall(conn, _FIRST, [key])
            if due:
                sql.execute(conn, f"DELETE FROM {KEYS} WHERE created_at < ?", [expired])
    return _checked(first, fingerprint, made=bool(made))


def _checked(first: list[tuple[str, str | None]], fingerprint: str, *, made: bool) -> Binding:
    if first[0][0] != fingerprint:
        raise InvalidCommand("Idempotency-Key", KEY_REUSED_RULE)
    return Binding(first[0][1], made)


_UPSERT = (
    "ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, "
    # A released binding of this very request keeps its generation (unless expired).
    f"generation = CASE WHEN {KEYS}.released = 1 AND {KEYS}.fingerprint = excluded.fingerprint "
    f"AND {KEYS}.created_at >= ? THEN {KEYS}.generation ELSE excluded.generation END, released = 0 "
    f"WHERE {KEYS}.created_at < ? OR {KEYS}.released = 1 "
    "RETURNING fingerprint, generation"
)
_BIND = f"INSERT INTO {KEYS} (key, fingerprint, created_at, generation, released) VALUES (?, ?, ?, ?, 0) " + _UPSERT
_BIND_POSTGRES = (
    f"INSERT INTO {KEYS} (key, fingerprint, created_at, generation, released) "
    "SELECT ?, ?, ?, ?, 0 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS durability " + _UPSERT
)
_FIRST = f"SELECT fingerprint, generation FROM {KEYS} WHERE key = ?"


def release(store: Store, key: str, fingerprint: str, generation: str | None) -> None:
    """Free ``key`` after its request ``fingerprint`` was refused without writing anything."""
    with store.read() as conn, sql.transaction(conn):
        if conn.dialect.name == "postgresql":
            conn.execute("SET LOCAL synchronous_commit = off")
        sql.execute(
            conn,
            f"UPDATE {KEYS} SET released = 1 WHERE key = ? AND fingerprint = ? AND COALESCE(generation, '') = ?",
            [key, fingerprint, generation or ""],
        )


def _due(store: Store) -> bool:
    with _pruning:
        now = time.monotonic()
        if now - _pruned.get(store, -PRUNE_EVERY) < PRUNE_EVERY:
            return False
        _pruned[store] = now
        return True


def prune(store: Store, ttl: timedelta, now: datetime | None = None) -> int:
    """Forget the bindings older than ``ttl``; returns how many."""
    expired = _stamp((now or datetime.now(UTC)) - ttl)
    with store.connect() as conn:
        return conn.dialect.execute(conn, f"DELETE FROM {KEYS} WHERE created_at < ?", [expired]).rowcount
