"""The seal (segel): a projection that chains every stored event and signs each day.

It runs under the projection runner, so its rows and its tracking position commit in
one transaction: after a crash the chain resumes exactly where the last commit left it.

Days are UTC days of the events' recorded timestamps (see ``chain.recorded_day``), so a
replayed year keeps its calendar. When the first event of a later day is sealed, the
previous day is complete: its Merkle root and the chain head at its last event become a
checkpoint, signed at once if the seal holds the key, otherwise left unsigned until
``berkas ledger checkpoint`` signs it (a missing key never stops the projections).
``checkpoint_now`` also signs the open day so far, for a reviewer who cannot wait.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store
from projections.ledger import chain
from projections.ledger.keys import key_id
from projections.runner import catch_up

SEAL = "ledger_seal"
CHECKPOINTS = "ledger_checkpoints"
CHECKPOINT_FORMAT = "berkas-checkpoint/1"
# Signatures cover this context too, so a checkpoint signature means nothing elsewhere.
SIGNING_CONTEXT = b"berkas-ledger-checkpoint/1\n"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: day ``day`` holds events first..last, with this root and head."""

    day: str
    first_notification_id: int
    last_notification_id: int
    events: int
    merkle_root: bytes
    chain_head: bytes
    complete: bool
    key_id: str | None = None
    signature: bytes | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "day": self.day,
            "first_notification_id": self.first_notification_id,
            "last_notification_id": self.last_notification_id,
            "events": self.events,
            "merkle_root": self.merkle_root.hex(),
            "chain_head": self.chain_head.hex(),
            "complete": self.complete,
        }

    def message(self) -> bytes:
        return SIGNING_CONTEXT + json.dumps(self.payload(), sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: Ed25519PrivateKey) -> Checkpoint:
        return replace(self, key_id=key_id(key.public_key()), signature=key.sign(self.message()))


def create_tables(conn: Any, suffix: str) -> None:
    blob = sql.blob(conn)
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {SEAL}{suffix} (notification_id BIGINT PRIMARY KEY, "
        f"originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL, day TEXT NOT NULL, "
        f"leaf {blob} NOT NULL, chain {blob} NOT NULL)",
    )
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS}{suffix} (day TEXT NOT NULL, "
        f"last_notification_id BIGINT NOT NULL, complete INTEGER NOT NULL, first_notification_id BIGINT NOT NULL, "
        f"events BIGINT NOT NULL, merkle_root {blob} NOT NULL, chain_head {blob} NOT NULL, key_id TEXT, "
        f"signature {blob}, PRIMARY KEY (day, last_notification_id, complete))",
    )


_CHECKPOINT_COLUMNS = (
    "day, first_notification_id, last_notification_id, events, merkle_root, chain_head, complete, key_id, signature"
)


def _checkpoint(row: tuple[Any, ...]) -> Checkpoint:
    day, first, last, events, root, head, complete, kid, signature = row
    return Checkpoint(
        day,
        first,
        last,
        events,
        bytes(root),
        bytes(head),
        bool(complete),
        kid,
        None if signature is None else bytes(signature),
    )


def checkpoints(conn: Any, suffix: str = "") -> list[Checkpoint]:
    """Every checkpoint, in log order (a day's partial ones before its complete one)."""
    if not sql.table_exists(conn, CHECKPOINTS + suffix):
        return []
    rows = sql.fetchall(
        conn, f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINTS}{suffix} ORDER BY last_notification_id, complete"
    )
    return [_checkpoint(row) for row in rows]


def _insert_checkpoints(conn: Any, found: list[Checkpoint], suffix: str) -> None:
    sql.executemany(
        conn,
        f"INSERT INTO {CHECKPOINTS}{suffix} ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [
            (
                c.day,
                c.first_notification_id,
                c.last_notification_id,
                c.events,
                c.merkle_root,
                c.chain_head,
                int(c.complete),
                c.key_id,
                c.signature,
            )
            for c in found
        ],
    )


def _sealed_since(conn: Any, after: int, suffix: str, before: int = 2**62) -> list[tuple[int, str, bytes, bytes]]:
    rows = sql.fetchall(
        conn,
        f"SELECT notification_id, day, leaf, chain FROM {SEAL}{suffix} "
        "WHERE notification_id > ? AND notification_id < ? ORDER BY notification_id",
        (after, before),
    )
    return [(nid, day, bytes(leaf), bytes(link)) for nid, day, leaf, link in rows]


def _insert_seal(conn: Any, rows: list[tuple[Any, ...]], suffix: str) -> None:
    # COPY on PostgreSQL: a year of one office is half a million rows, and INSERT was half the seal's time.
    sql.copy_rows(conn, SEAL + suffix, _SEAL_COLUMNS, rows)


_SEAL_COLUMNS = (
    ("notification_id", "int8"),
    ("originator_id", "text"),
    ("originator_version", "int8"),
    ("day", "text"),
    ("leaf", "bytea"),
    ("chain", "bytea"),
)


def _closed_until(conn: Any, suffix: str) -> int:
    """The last notification id of the last complete day: the open day starts after it."""
    found = sql.fetchall(conn, f"SELECT MAX(last_notification_id) FROM {CHECKPOINTS}{suffix} WHERE complete = 1")
    return int(found[0][0] or 0)


def _day_checkpoint(rows: list[tuple[int, str, bytes, bytes]], complete: bool) -> Checkpoint:
    return Checkpoint(
        day=rows[0][1],
        first_notification_id=rows[0][0],
        last_notification_id=rows[-1][0],
        events=len(rows),
        merkle_root=chain.merkle_root([leaf for _, _, leaf, _ in rows]),
        chain_head=rows[-1][3],
        complete=complete,
    )


class SealProjection:
    """The ledger seal as a projection for ``projections.runner``."""

    name = SEAL
    topics: tuple[str, ...] = ()
    tables = (SEAL, CHECKPOINTS)

    def __init__(self, signing_key: Ed25519PrivateKey | None = None):
        self.signing_key = signing_key

    def create_tables(self, conn: Any, suffix: str) -> None:
        create_tables(conn, suffix)

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None:
        head = sql.fetchall(conn, f"SELECT chain, day FROM {SEAL}{suffix} ORDER BY notification_id DESC LIMIT 1")
        previous, day = (bytes(head[0][0]), head[0][1]) if head else (chain.GENESIS, None)
        sealed = []
        closed = False
        for row in rows:
            leaf = chain.leaf_hash(row.notification_id, row.originator_id, row.originator_version, row.topic, row.state)
            previous = chain.link(previous, leaf)
            today = chain.recorded_day(row.state, day)
            closed = closed or (day is not None and today != day)
            day = today
            sealed.append((row.notification_id, row.originator_id.hex, row.originator_version, day, leaf, previous))
        _insert_seal(conn, sealed, suffix)
        if closed:
            # The open day's earlier events were sealed by earlier pages; this page's are at hand.
            earlier = _sealed_since(conn, _closed_until(conn, suffix), suffix, before=sealed[0][0])
            self._close_days(conn, earlier + [(nid, day, leaf, link) for nid, _, _, day, leaf, link in sealed], suffix)

    def _close_days(self, conn: Any, rows: list[tuple[int, str, bytes, bytes]], suffix: str) -> None:
        """A checkpoint for every day that a later day's first event has completed."""
        start, complete = 0, []
        for end in range(1, len(rows)):
            if rows[end][1] != rows[start][1]:
                checkpoint = _day_checkpoint(rows[start:end], complete=True)
                if self.signing_key is not None:
                    checkpoint = checkpoint.signed(self.signing_key)
                complete.append(checkpoint)
                start = end
        _insert_checkpoints(conn, complete, suffix)


def sign_pending(conn: Any, signing_key: Ed25519PrivateKey, suffix: str = "") -> int:
    """Sign the complete days sealed while no key was at hand; returns how many."""
    pending = [c for c in checkpoints(conn, suffix) if c.signature is None]
    for checkpoint in pending:
        signed = checkpoint.signed(signing_key)
        sql.execute(
            conn,
            f"UPDATE {CHECKPOINTS}{suffix} SET key_id = ?, signature = ? "
            "WHERE day = ? AND last_notification_id = ? AND complete = ?",
            (signed.key_id, signed.signature, signed.day, signed.last_notification_id, int(signed.complete)),
        )
    return len(pending)


@dataclass(frozen=True)
class CheckpointResult:
    sealed: int
    signed_days: int
    open_day: Checkpoint | None


def checkpoint_now(store: Store, signing_key: Ed25519PrivateKey) -> CheckpointResult:
    """Seal what is pending, sign unsigned days and sign the open day as it stands."""
    sealed = catch_up(store, [SealProjection(signing_key)])
    with sql.connection(store) as conn, sql.transaction(conn):
        create_tables(conn, "")
        signed_days = sign_pending(conn, signing_key)
        rows = _sealed_since(conn, _closed_until(conn, ""), "")
        open_day = _day_checkpoint(rows, complete=False).signed(signing_key) if rows else None
        if open_day is not None:
            _insert_checkpoints(conn, [open_day], "")
    return CheckpointResult(sealed, signed_days, open_day)
