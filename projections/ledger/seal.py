"""The seal (segel): appends every event to the ledger's tree and checkpoints each office day.

It runs under the projection runner like a view, but its tables are facts (see
``facts``): the runner's rebuild swaps no table of it. Rebuilding the seal replays the
log and *compares* every recomputed leaf and every checkpoint's root with what is stored;
the first difference stops the rebuild with ``LedgerDiverged`` and nothing is written.

When the first event of a later recording day is sealed, the previous day is complete:
the tree at that size becomes a checkpoint, signed at once if the seal holds the key,
otherwise signed later by ``berkas ledger checkpoint`` (a missing key never stops the
projections). ``checkpoint_now`` also checkpoints the log as it stands, for a reviewer
who cannot wait for the day to close.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from berkas_verify import note
from berkas_verify.merkle import event_leaf
from domain.errors import DomainError
from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store
from projections.ledger import facts, tree, witness
from projections.ledger.days import recorded_day
from projections.ledger.facts import StoredCheckpoint
from projections.ledger.log import Divergence, Row
from projections.runner import catch_up

SEAL = "ledger_seal"
log = logging.getLogger("berkas.ledger")


class LedgerDiverged(DomainError):
    """The log no longer matches the ledger's facts: a rebuild refuses to go on."""

    def __init__(self, divergence: Divergence):
        super().__init__(f"the ledger diverges from the log, nothing was rewritten: {divergence.describe()}")
        self.divergence = divergence


def _lock(conn: Any) -> None:
    """One sealer at a time across processes."""
    conn.dialect.lock(conn, "berkas:ledger-seal")


@dataclass(frozen=True)
class Head:
    size: int
    last_notification_id: int | None
    day: str | None


def head(conn: Any) -> Head:
    found = sql.fetchall(
        conn, f"SELECT leaf_index, notification_id, day FROM {tree.LEAVES} ORDER BY leaf_index DESC LIMIT 1"
    )
    if not found:
        return Head(0, None, None)
    index, nid, day = found[0]
    return Head(int(index) + 1, int(nid), day)


def _case_text(value: Any) -> str | None:
    return value.hex if type(value) is uuid.UUID else None


class KeyNotCurrent(DomainError):
    """The key at hand is not the one the database's ledger is signed with now."""

    def __init__(self, key: Ed25519PrivateKey):
        super().__init__(
            f"the key file is not the ledger's current key (fingerprint {note.fingerprint(key.public_key())}): "
            "restore it, or run `berkas ledger rotate-key`"
        )


def _is_current(conn: Any, origin: str, key: Ed25519PrivateKey, adopt: bool) -> bool:
    """Whether ``key`` is the newest registered key; ``KeyNotCurrent`` if another one is,
    unless the key is being adopted (``ledger rotate-key``)."""
    registered = facts.registered_keys(conn)
    mine = (origin, note.key_id(origin, key.public_key()))
    if any((k.name, k.key_id) == mine for k in registered[-1:]):
        return True
    if registered and not adopt:
        raise KeyNotCurrent(key)
    return False


def refusal(conn: Any, key: Ed25519PrivateKey) -> str | None:
    """Why ``key`` would refuse to sign now, if it would (read only): for readiness."""
    origin = facts.stored_origin(conn)
    if origin is None:
        return None
    try:
        _is_current(conn, origin, key, adopt=False)
        witness.check_key(conn, key)
    except (KeyNotCurrent, witness.HistoryRewritten, witness.WitnessError) as refused:
        return str(refused)
    return None


def sign_pending(conn: Any, key: Ed25519PrivateKey, adopt: bool = False, accept_witness_reset: bool = False) -> int:
    """Sign the checkpoints that carry no signature yet (made while no key was at hand, or
    just now) with the log's key; returns how many. A signed one is never signed again.

    Only the ledger's current key signs (``KeyNotCurrent``); a key is registered when the
    ledger has none yet, or when ``adopt``-ed by ``ledger rotate-key`` (a new key with
    nothing pending then co-signs the newest checkpoint, so that it vouches for a tree from
    its first day). A key with a ``witness`` first checks the database against it
    (``HistoryRewritten``), unless the operator accepts going back (a restored backup), and
    records what it signed once the transaction commits."""
    origin = facts.origin(conn)
    current = _is_current(conn, origin, key, adopt)
    stored = facts.checkpoints(conn)
    pending = [c for c in stored if not c.signatures]
    path = witness.path_of(key)
    witnessed = witness.read(path) if path is not None else None
    if witnessed is not None and not accept_witness_reset:
        witness.check(conn, origin, witnessed, pending)
    if not current and (pending or (adopt and stored)):
        facts.register_key(conn, origin, key.public_key(), (pending or stored[-1:])[0].size)
        pending = pending or stored[-1:]
    for checkpoint in pending:
        facts.insert_signature(conn, checkpoint.size, note.sign(checkpoint.body(origin).text(), origin, key))
    if path is not None and (pending or witnessed is None or accept_witness_reset):
        signed = witness.latest_signed(conn, origin, key)
        if signed is not None:
            sql.after_commit(conn, lambda: witness.write(path, signed))
    return len(pending)


class SealProjection:
    """The ledger seal as a projection for ``projections.runner``."""

    name = SEAL
    topics: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()  # facts: never dropped, never swapped

    def __init__(self, signing_key: Ed25519PrivateKey | None = None, origin: str | None = None):
        self.signing_key = signing_key
        self.origin = origin
        self._check: _Comparison | None = None

    def create_tables(self, conn: Any, suffix: str) -> None:
        facts.create(conn)
        facts.origin(conn, self.origin)
        # A rebuild replays the log from its start: compare as it goes.
        self._check = _Comparison(conn) if suffix else None

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None:
        _lock(conn)
        given = [Row(r.notification_id, r.originator_id, r.originator_version, r.topic, r.state) for r in rows]
        if self._check is not None:
            self._check.compare(conn, given)
        self.append(conn, given)

    def append(self, conn: Any, rows: list[Row]) -> list[StoredCheckpoint]:
        """Seal the rows beyond the last sealed one; returns the days this closed."""
        at = head(conn)
        cap = conn.dialect.assigned_upto(conn)
        # Rows at or below the sealed head were sealed, or were slipped in behind it
        # (verify names those); rows above what the sequence issued were forged ahead.
        fresh = [
            r
            for r in rows
            if (at.last_notification_id is None or r.notification_id > at.last_notification_id)
            and (cap is None or r.notification_id <= cap)
        ]
        if not fresh:
            return []
        edge = tree.frontier(conn, at.size, record=True)
        day, last = at.day, at.last_notification_id
        sealed, closed = [], []
        for row in fresh:
            today = recorded_day(row.state, day)
            if day is not None and today != day:
                closed.append(StoredCheckpoint(edge.size, edge.root(), last, day, "day", facts.now()))
            leaf = event_leaf(row.notification_id, row.originator_id, row.originator_version, row.topic, row.state)
            sealed.append(
                (
                    edge.size,
                    row.notification_id,
                    _case_text(row.originator_id),
                    row.originator_version if type(row.originator_version) is int else None,
                    today,
                    leaf,
                )
            )
            edge.append(leaf)
            day, last = today, row.notification_id
        _insert(conn, sealed, edge.created)
        for checkpoint in closed:
            facts.insert_checkpoint(conn, checkpoint)
        if self.signing_key is not None and closed:
            _sign_or_alarm(conn, self.signing_key)
        return closed


def _sign_or_alarm(conn: Any, key: Ed25519PrivateKey) -> None:
    """The follower's signing: a refusal leaves the day's checkpoint unsigned and the views
    going (``/readyz`` reports it); it never stops the projections."""
    try:
        sign_pending(conn, key)
    except (KeyNotCurrent, witness.HistoryRewritten, witness.WitnessError) as refused:
        log.error("ledger seal: not signing: %s", refused)


_LEAF_COLUMNS = (
    ("leaf_index", "int8"),
    ("notification_id", "int8"),
    ("originator_id", "text"),
    ("originator_version", "int8"),
    ("day", "text"),
    ("leaf", "bytea"),
)
_NODE_COLUMNS = (("node", "int8"), ("hash", "bytea"))


def _insert(conn: Any, leaves: list[tuple[Any, ...]], nodes: list[tuple[int, bytes]]) -> None:
    # COPY on PostgreSQL: a year of one office is half a million leaves and as many nodes.
    sql.copy_rows(conn, tree.LEAVES, _LEAF_COLUMNS, leaves)
    sql.copy_rows(conn, tree.NODES, _NODE_COLUMNS, nodes)


class _Comparison:
    """A rebuild's check: each replayed row against the stored leaf at the same position,
    and the recomputed tree against every stored checkpoint."""

    def __init__(self, conn: Any):
        self.index = 0
        self.edge = tree.Frontier()
        self.roots = {c.size: c for c in facts.checkpoints(conn)}
        self.previous: int | None = None

    def compare(self, conn: Any, rows: list[Row]) -> None:
        stored = sql.fetchall(
            conn,
            f"SELECT leaf_index, notification_id, leaf FROM {tree.LEAVES} "
            "WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?",
            (self.index, len(rows)),
        )
        for row, (_, nid, leaf) in zip(rows, stored, strict=False):
            recomputed = event_leaf(
                row.notification_id, row.originator_id, row.originator_version, row.topic, row.state
            )
            found = compare_leaf(conn, row, int(nid), bytes(leaf), recomputed)
            if found is not None:
                raise LedgerDiverged(found)
            self.edge.append(recomputed)
            self.index += 1
            checkpoint = self.roots.get(self.index)
            if checkpoint is not None and checkpoint.root != self.edge.root():
                raise LedgerDiverged(checkpoint_divergence(checkpoint))


def checkpoint_divergence(c: StoredCheckpoint) -> Divergence:
    detail = (
        f"the checkpoint of {c.day} (tree size {c.size}) does not match the tree recomputed from the log: "
        "events and ledger were rewritten together"
    )
    return Divergence("checkpoint", c.last_notification_id, None, detail)


def compare_leaf(conn: Any, row: Row, sealed_nid: int, sealed_leaf: bytes, leaf: bytes) -> Divergence | None:
    """Name what happened when the row at a sealed position is not the one sealed there."""
    nid = row.notification_id
    if sealed_nid == nid and sealed_leaf == leaf:
        return None
    if type(nid) is int and nid < sealed_nid:
        return Divergence("inserted", nid, row.case_id, "this row was never sealed: it was slipped into the log")
    if type(nid) is int and nid > sealed_nid:
        case = _sealed_case(conn, sealed_nid)
        return Divergence("missing", sealed_nid, case, "the row sealed here is no longer in the log")
    problem = row.wrong_type()
    if problem is not None:
        return Divergence("type", nid, row.case_id, f"{problem}: its value was replaced")
    moved = _sealed_elsewhere(conn, row, leaf)
    if moved is not None:
        detail = f"holds version {row.originator_version} of case {row.case_id}, sealed at notification id {moved}"
        return Divergence("reordered", nid, row.case_id, detail)
    return Divergence(
        "changed", nid, row.case_id, "its case, version, topic or stored bytes differ from the sealed leaf"
    )


def _sealed_case(conn: Any, nid: int) -> Any:
    found = sql.fetchall(conn, f"SELECT originator_id FROM {tree.LEAVES} WHERE notification_id = ?", (nid,))
    return uuid.UUID(found[0][0]) if found and found[0][0] else None


def _sealed_elsewhere(conn: Any, row: Row, leaf: bytes) -> int | None:
    if row.case_id is None or type(row.originator_version) is not int:
        return None
    found = sql.fetchall(
        conn,
        f"SELECT notification_id, leaf FROM {tree.LEAVES} WHERE originator_id = ? AND originator_version = ?",
        (row.case_id.hex, row.originator_version),
    )
    for nid, sealed in found:
        moved = event_leaf(int(nid), row.originator_id, row.originator_version, row.topic, row.state)
        if nid != row.notification_id and bytes(sealed) == moved:
            return int(nid)
    return None


@dataclass(frozen=True)
class CheckpointResult:
    sealed: int
    signed: int
    checkpoint: StoredCheckpoint | None


def checkpoint_now(
    store: Store,
    signing_key: Ed25519PrivateKey,
    origin: str | None = None,
    adopt: bool = False,
    accept_witness_reset: bool = False,
) -> CheckpointResult:
    """Seal what is pending, checkpoint the tree as it stands and sign the unsigned
    checkpoints (see ``sign_pending``: refused where the key is not the ledger's, or where
    the database no longer holds what this installation signed)."""
    sealed = catch_up(store, [SealProjection(None, origin)])
    with sql.connection(store) as conn, sql.transaction(conn):
        _lock(conn)
        facts.create(conn)
        at = head(conn)
        existing = {c.size: c for c in facts.checkpoints(conn)}
        if at.size and at.size not in existing:
            rows = sql.fetchall(conn, f"SELECT day FROM {tree.LEAVES} WHERE leaf_index = ?", (at.size - 1,))
            made = StoredCheckpoint(
                at.size, tree.root(conn, at.size), at.last_notification_id or 0, rows[0][0], "on-demand", facts.now()
            )
            facts.insert_checkpoint(conn, made)
        signed = sign_pending(conn, signing_key, adopt, accept_witness_reset)
        latest = facts.checkpoints(conn)
    return CheckpointResult(sealed, signed, latest[-1] if latest else None)
