"""Recomputing the ledger from the events table (pemeriksaan segel).

One pass over every row of the events table, whatever its id, in notification order:
1. the row itself: values of the types the application writes, a positive id, no gap
   (SQLite numbers rows without one) and no id the PostgreSQL sequence never issued;
2. its leaf against the sealed leaf at the same position: names the row changed,
   missing (deleted), inserted (slipped in) or reordered;
3. the tree recomputed from the rows against every stored checkpoint's root: events and
   ledger rewritten together, which only the signatures can reveal; and each
   signature by a known key;
4. optionally against checkpoints kept elsewhere (a witness, a court): proves that
   today's log extends each, or names the first tree size where history was rewritten.
It reads one snapshot and reports the first divergence in log order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from berkas_verify import note
from berkas_verify.merkle import event_leaf
from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.ledger import facts, log, tree
from projections.ledger.facts import StoredCheckpoint
from projections.ledger.log import Divergence, Row
from projections.ledger.seal import checkpoint_divergence, compare_leaf
from projections.ledger.witness import HistoryRewritten, Witnessed, check

PAGE_SIZE = 20_000
Progress = Callable[[int, int], None]  # (rows verified, rows in the log)


@dataclass(frozen=True)
class Verification:
    events: int
    tree_size: int
    last_notification_id: int | None
    unsealed: int
    checkpoints: int
    signed: int
    keys: list[str]
    signatures_checked: bool
    proven_against: list[int]
    divergence: Divergence | None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.divergence is None

    @property
    def unsigned(self) -> int:
        return self.checkpoints - self.signed

    def describe(self) -> str:
        if self.divergence is not None:
            return f"ledger diverges: {self.divergence.describe()}"
        parts = [f"{self.checkpoints} checkpoints, {self.signed} signed by a known key"]
        if self.proven_against:
            parts.append("extends your checkpoint of size " + ", ".join(str(s) for s in self.proven_against))
        if self.unsealed:
            parts.append(f"{self.unsealed} newer events not yet sealed")
        parts += self.notes
        last = self.last_notification_id if self.last_notification_id is not None else 0
        return f"verified {self.events} events up to notification id {last} ({'; '.join(parts)})"

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["ok"], found["summary"] = self.ok, self.describe()
        if self.divergence is not None and self.divergence.case_id is not None:
            found["divergence"]["case_id"] = str(self.divergence.case_id)
        return found


def _known_keys(
    conn: Any, origin: str | None, public_keys: Iterable[Ed25519PublicKey], pinned: bool
) -> dict[tuple[str, bytes], Ed25519PublicKey]:
    known = {} if pinned else {(k.name, k.key_id): k.public_key for k in facts.registered_keys(conn)}
    if origin is not None:
        for key in public_keys:
            known[(origin, note.key_id(origin, key))] = key
    return known


def _signatures(
    found: list[StoredCheckpoint], origin: str | None, known: dict[tuple[str, bytes], Ed25519PublicKey]
) -> tuple[int, set[str], Divergence | None]:
    signed, used = 0, set()
    for c in found:
        if origin is None:
            break
        try:
            names = note.verified_by(c.note(origin), known)
        except note.NoteError as error:
            return signed, used, Divergence("signature", c.last_notification_id, None, f"tree size {c.size}: {error}")
        if names:
            signed += 1
            used.update(s.key_id.hex() for s in c.signatures if (s.name, s.key_id) in known)
    return signed, used, None


@dataclass
class _Walk:
    """The pass over the rows: what it found and the roots it computed on the way."""

    roots: dict[int, bytes] = field(default_factory=dict)
    last_ids: dict[int, int] = field(default_factory=dict)
    size: int = 0
    last: int | None = None
    divergence: Divergence | None = None


def _row_values(row: Row) -> Divergence | None:
    nid = row.notification_id
    if type(nid) is not int:
        return Divergence("type", None, row.case_id, f"a row's notification id is {type(nid).__name__}")
    problem = row.wrong_type()
    if problem is not None:
        return Divergence("type", nid, row.case_id, f"{problem}: the application never writes such a row")
    if nid <= 0:
        return Divergence("id", nid, row.case_id, "notification ids start at 1: this row was forged outside the log")
    return None


def _row_position(row: Row, previous: int | None, cap: int | None, gapless: bool) -> Divergence | None:
    nid = row.notification_id
    if cap is not None and nid > cap:
        detail = f"the database never issued an id beyond {cap}: this row was forged ahead of the log"
        return Divergence("ahead", nid, row.case_id, detail)
    if gapless and nid != (previous or 0) + 1:
        detail = f"follows notification id {previous or 0}: this database numbers rows without gaps, it was forged"
        return Divergence("gap", nid, row.case_id, detail)
    return None


def _sealed_page(conn: Any, start: int, count: int) -> list[tuple[int, bytes]]:
    found = sql.fetchall(
        conn,
        f"SELECT notification_id, leaf FROM {tree.LEAVES} WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
        (start, start + count),
    )
    return [(nid, bytes(leaf)) for nid, leaf in found]


def _walk(
    conn: Any, wanted: set[int], checkpoints: dict[int, StoredCheckpoint], total: int, progress: Progress | None
) -> _Walk:
    walk = _Walk()
    cap, gapless = conn.dialect.assigned_upto(conn), conn.dialect.gapless
    edge = tree.Frontier()
    append, size, last = edge.append, 0, None
    for page in log.rows(conn, page=PAGE_SIZE):
        sealed = _sealed_page(conn, size, len(page))
        for i, (n, o, v, t, s) in enumerate(page):
            # The honest row's checks in one expression; any other row takes the slow path.
            honest = (
                (type(n) is int and type(o) is UUID and type(v) is int and type(t) is str and type(s) is bytes)
                and n > 0
                and v > 0
            )
            leaf = event_leaf(n, o, v, t, s)
            if not honest:
                walk.divergence = _row_values(Row(n, o, v, t, s))
            elif i < len(sealed) and (sealed[i][0] != n or sealed[i][1] != leaf):
                walk.divergence = compare_leaf(conn, Row(n, o, v, t, s), sealed[i][0], sealed[i][1], leaf)
            elif (cap is not None and n > cap) or (gapless and n != (last or 0) + 1):
                walk.divergence = _row_position(Row(n, o, v, t, s), last, cap, gapless)
            if walk.divergence is not None:
                walk.size, walk.last = size, last
                return walk
            append(leaf)
            size += 1
            last = n
            if size in wanted:
                walk.roots[size] = edge.root()
                walk.last_ids[size] = n
                stored = checkpoints.get(size)
                if stored is not None and stored.root != walk.roots[size]:
                    walk.size, walk.last = size, last
                    walk.divergence = checkpoint_divergence(stored)
                    return walk
        if progress is not None:
            progress(size, total)
    walk.size, walk.last = size, last
    beyond = _sealed_page(conn, size, 1)
    if beyond:
        walk.divergence = Divergence("missing", beyond[0][0], None, "the row sealed here is no longer in the log")
    return walk


def _against(
    walk: _Walk, origin: str | None, held: list[note.Note], known: dict
) -> tuple[list[int], Divergence | None]:
    proven = []
    for kept in sorted(held, key=lambda n: note.parse_checkpoint(n.text).size):
        checkpoint = note.parse_checkpoint(kept.text)
        if checkpoint.origin != origin:
            detail = f"your checkpoint is of the log {checkpoint.origin!r}; this one is {origin!r}"
            return proven, Divergence("against", None, None, detail)
        try:
            note.verified_by(kept, known)
        except note.NoteError as error:
            return proven, Divergence("against", None, None, f"your checkpoint of size {checkpoint.size}: {error}")
        if checkpoint.size > walk.size:
            detail = f"your checkpoint covers {checkpoint.size} events; the log now holds {walk.size}: history was cut"
            return proven, Divergence("against", walk.last, None, detail)
        if checkpoint.size and walk.roots.get(checkpoint.size) != checkpoint.root:
            detail = (
                f"history was rewritten: first divergent tree size {checkpoint.size}, "
                "where the log's root differs from your checkpoint's"
            )
            return proven, Divergence("against", walk.last_ids.get(checkpoint.size), None, detail)
        proven.append(checkpoint.size)
    return proven, None


def verify(
    store: Store,
    public_keys: Iterable[Ed25519PublicKey] = (),
    against: Iterable[note.Note] = (),
    progress: Progress | None = None,
    pinned: bool = False,
    witnessed: Witnessed | None = None,
) -> Verification:
    """Recompute the tree from every row and compare it with the ledger's facts.

    ``public_keys`` are trusted beside the registered ones, or alone when ``pinned``;
    ``witnessed`` is the checkpoint this installation signed last (its signer's witness)."""
    held = list(against)
    with store.connect() as conn:
        conn.dialect.snapshot(conn)
        origin = facts.stored_origin(conn)
        has_facts = origin is not None
        stored = facts.checkpoints(conn) if has_facts else []
        known = _known_keys(conn, origin, public_keys, pinned) if has_facts else {}
        signed, used, bad_signature = _signatures(stored, origin, known)
        by_size = {c.size: c for c in stored}
        wanted = set(by_size) | {note.parse_checkpoint(n.text).size for n in held}
        if witnessed is not None:
            wanted.add(witnessed.size)
        walk = _Walk()
        if sql.table_exists(conn, conn.dialect.events_table):
            walk = (
                _walk(conn, wanted, by_size, log.count(conn), progress)
                if has_facts
                else _walk_rows_only(conn, progress)
            )
        divergence = walk.divergence
        if divergence is None:
            beyond = [c for c in stored if c.size > walk.size]
            if beyond:
                detail = f"the checkpoint of tree size {beyond[0].size} covers more rows than the log holds"
                divergence = Divergence("missing", beyond[0].last_notification_id, None, detail)
        if divergence is None:
            divergence = bad_signature
        proven: list[int] = []
        if divergence is None and held:
            proven, divergence = _against(walk, origin, held, known)
        if divergence is None and witnessed is not None:
            divergence = _witness(conn, walk, origin, witnessed)
        if divergence is None:
            divergence = _unaccounted(conn, stored, origin)
        sealed_size = _sealed_size(conn) if has_facts else 0
    return Verification(
        events=walk.size,
        tree_size=sealed_size,
        last_notification_id=walk.last,
        unsealed=max(0, walk.size - sealed_size),
        checkpoints=len(stored),
        signed=signed,
        keys=sorted(used),
        signatures_checked=bool(known),
        proven_against=proven,
        divergence=divergence,
        notes=([] if known else ["signatures not checked: no key known"])
        + ([f"holds checkpoint {witnessed.size} signed by this installation (its witness)"] if witnessed else []),
    )


def _unaccounted(conn: Any, stored: list[StoredCheckpoint], origin: str | None) -> Divergence | None:
    """Signatures and keys that cannot have gone missing honestly: a registered key that
    signed nothing from its first tree size on, an unsigned checkpoint older than a signed
    one (all pending ones are signed at once), a signature by a key the log never registered."""
    registered = facts.registered_keys(conn) if origin is not None else []
    known = {(k.name, k.key_id) for k in registered}
    for key in registered:
        if not any(c.size >= key.from_size and (key.name, key.key_id) in _signers(c) for c in stored):
            detail = (
                f"the key {note.fingerprint(key.public_key)[:16]} registered from tree size {key.from_size} "
                "signed no checkpoint since: checkpoints or signatures were deleted"
            )
            return Divergence("signature", None, None, detail)
    newest_signed = max((c.size for c in stored if c.signatures), default=0)
    gap = next((c for c in stored if not c.signatures and c.size < newest_signed), None)
    if gap is not None:
        detail = f"the checkpoint of tree size {gap.size} is unsigned while later ones are: its signature was deleted"
        return Divergence("signature", gap.last_notification_id, None, detail)
    stray = next((c for c in stored if _signers(c) - known), None)
    if stray is not None:
        detail = f"the checkpoint of tree size {stray.size} is signed by a key the log never registered"
        return Divergence("signature", stray.last_notification_id, None, detail)
    return None


def _signers(c: StoredCheckpoint) -> set[tuple[str, bytes]]:
    return {(s.name, s.key_id) for s in c.signatures}


def _witness(conn: Any, walk: _Walk, origin: str | None, witnessed: Witnessed) -> Divergence | None:
    """The checkpoint this installation signed last must still be in the ledger, as signed,
    and the log recomputed from its rows must have that root at that size."""
    held = next((c for c in facts.checkpoints(conn) if c.size == witnessed.size), None)
    try:
        check(conn, origin or "", witnessed, [])
    except HistoryRewritten as refused:
        return Divergence("witness", held.last_notification_id if held else None, None, str(refused))
    if walk.roots.get(witnessed.size) != witnessed.root:
        detail = str(HistoryRewritten(witnessed.size))
        return Divergence("witness", walk.last_ids.get(witnessed.size), None, detail)
    return None


def _walk_rows_only(conn: Any, progress: Progress | None) -> _Walk:
    """Nothing sealed yet: still check every row."""
    walk = _Walk()
    cap, gapless = conn.dialect.assigned_upto(conn), conn.dialect.gapless
    for page in log.rows(conn, page=PAGE_SIZE):
        for values in page:
            row = Row(*values)
            walk.divergence = _row_values(row) or _row_position(row, walk.last, cap, gapless)
            if walk.divergence is not None:
                return walk
            walk.size += 1
            walk.last = row.notification_id
        if progress is not None:
            progress(walk.size, walk.size)
    return walk


def _sealed_size(conn: Any) -> int:
    return int(sql.fetchall(conn, f"SELECT COUNT(*) FROM {tree.LEAVES}")[0][0])
