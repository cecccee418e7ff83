"""The ledger's facts: leaves, tree nodes, checkpoints, signatures, keys and the log's origin.

They are not a view. Each table is append-only in the database itself (a trigger refuses
UPDATE, DELETE and, on PostgreSQL, TRUNCATE), no rebuild drops them and nothing re-signs:
a signature is a row added beside its checkpoint. Rebuilding the seal recomputes the tree
from the events and compares it with these rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from berkas_verify import note
from projections.eventstore import sql
from projections.ledger.tree import LEAVES, NODES

CHECKPOINTS = "ledger_checkpoints"
SIGNATURES = "ledger_signatures"
KEYS = "ledger_keys"
ORIGIN = "ledger_origin"
FACT_TABLES = (LEAVES, NODES, CHECKPOINTS, SIGNATURES, KEYS, ORIGIN)
APPEND_ONLY_MESSAGE = "the ledger is append-only"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _tables(blob: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {LEAVES} (leaf_index BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL "
        f"UNIQUE, originator_id TEXT, originator_version BIGINT, day TEXT NOT NULL, leaf {blob} NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {LEAVES}_case ON {LEAVES} (originator_id, originator_version)",
        f"CREATE TABLE IF NOT EXISTS {NODES} (node BIGINT PRIMARY KEY, hash {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS} (size BIGINT PRIMARY KEY, root {blob} NOT NULL, "
        "last_notification_id BIGINT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {SIGNATURES} (size BIGINT NOT NULL, key_name TEXT NOT NULL, "
        f"key_id {blob} NOT NULL, signature {blob} NOT NULL, signed_at TEXT NOT NULL, "
        "PRIMARY KEY (size, key_name, key_id))",
        f"CREATE TABLE IF NOT EXISTS {KEYS} (key_name TEXT NOT NULL, key_id {blob} NOT NULL, "
        f"public_key {blob} NOT NULL, from_size BIGINT NOT NULL, registered_at TEXT NOT NULL, "
        "PRIMARY KEY (key_name, key_id))",
        f"CREATE TABLE IF NOT EXISTS {ORIGIN} (origin TEXT PRIMARY KEY, created_at TEXT NOT NULL)",
    ]


def create(conn: Any) -> None:
    """Create the fact tables and their guards (idempotent; inside the caller's transaction)."""
    conn.dialect.lock(conn, "berkas:ledger-ddl")
    if sql.table_exists(conn, ORIGIN):
        return
    for statement in _tables(sql.blob(conn)):
        sql.execute(conn, statement)
    conn.dialect.make_append_only(conn, FACT_TABLES, APPEND_ONLY_MESSAGE)


def stored_origin(conn: Any) -> str | None:
    """The log's name if the ledger has started (read only)."""
    if not sql.table_exists(conn, ORIGIN):
        return None
    found = sql.fetchall(conn, f"SELECT origin FROM {ORIGIN} ORDER BY created_at, origin LIMIT 1")
    return str(found[0][0]) if found else None


def origin(conn: Any, wanted: str | None = None) -> str:
    """The log's name, first line of every checkpoint: chosen once, when the ledger starts."""
    found = stored_origin(conn)
    if found is not None:
        return found
    name = wanted or f"berkas.invalid/log-{secrets.token_hex(6)}"
    sql.execute(conn, f"INSERT INTO {ORIGIN} (origin, created_at) VALUES (?, ?)", (name, now()))
    return name


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored: the tree of ``size`` leaves (events up to notification id
    ``last_notification_id``) had ``root``; ``day`` is the office day it closed, or the
    day it was made on demand."""

    size: int
    root: bytes
    last_notification_id: int
    day: str
    kind: str
    created_at: str
    signatures: tuple[note.Signature, ...] = ()

    def body(self, log_origin: str) -> note.Checkpoint:
        return note.Checkpoint(log_origin, self.size, self.root)

    def note(self, log_origin: str) -> note.Note:
        return note.Note(self.body(log_origin).text(), self.signatures)


def checkpoints(conn: Any, signed_only: bool = False) -> list[StoredCheckpoint]:
    """Every checkpoint with its signatures, smallest tree first."""
    if not sql.table_exists(conn, CHECKPOINTS):
        return []
    signatures: dict[int, list[note.Signature]] = {}
    for size, name, kid, signature in sql.fetchall(
        conn, f"SELECT size, key_name, key_id, signature FROM {SIGNATURES} ORDER BY signed_at, key_name"
    ):
        signatures.setdefault(size, []).append(note.Signature(name, bytes(kid), bytes(signature)))
    found = [
        StoredCheckpoint(size, bytes(root), last, day, kind, created, tuple(signatures.get(size, ())))
        for size, root, last, day, kind, created in sql.fetchall(
            conn,
            f"SELECT size, root, last_notification_id, day, kind, created_at FROM {CHECKPOINTS} ORDER BY size",
        )
    ]
    return [c for c in found if c.signatures] if signed_only else found


def newest_signed_day(conn: Any) -> str | None:
    """The office day of the newest signed checkpoint (YYYY-MM-DD), if any."""
    if not sql.table_exists(conn, CHECKPOINTS):
        return None
    found = sql.fetchall(
        conn,
        f"SELECT MAX(c.day) FROM {CHECKPOINTS} c WHERE EXISTS (SELECT 1 FROM {SIGNATURES} s WHERE s.size = c.size)",
    )
    return str(found[0][0]) if found and found[0][0] else None


def insert_checkpoint(conn: Any, c: StoredCheckpoint) -> None:
    sql.execute(
        conn,
        f"INSERT INTO {CHECKPOINTS} (size, root, last_notification_id, day, kind, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (c.size, c.root, c.last_notification_id, c.day, c.kind, c.created_at),
    )


def insert_signature(conn: Any, size: int, signature: note.Signature) -> None:
    sql.execute(
        conn,
        f"INSERT INTO {SIGNATURES} (size, key_name, key_id, signature, signed_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (size, signature.name, signature.key_id, signature.signature, now()),
    )


@dataclass(frozen=True)
class RegisteredKey:
    """A signing key of the log, valid for trees from ``from_size`` until the next key's."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    from_size: int
    registered_at: str


def registered_keys(conn: Any) -> list[RegisteredKey]:
    if not sql.table_exists(conn, KEYS):
        return []
    rows = sql.fetchall(
        conn,
        f"SELECT key_name, key_id, public_key, from_size, registered_at FROM {KEYS} ORDER BY from_size, registered_at",
    )
    return [
        RegisteredKey(name, bytes(kid), Ed25519PublicKey.from_public_bytes(bytes(raw)), size, at)
        for name, kid, raw, size, at in rows
    ]


def register_key(conn: Any, name: str, key: Ed25519PublicKey, from_size: int) -> None:
    sql.execute(
        conn,
        f"INSERT INTO {KEYS} (key_name, key_id, public_key, from_size, registered_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (name, note.key_id(name, key), note.raw_public(key), from_size, now()),
    )
