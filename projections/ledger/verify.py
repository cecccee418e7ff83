"""Recomputing the ledger from the stored events (pemeriksaan segel).

Three layers, each catching what the one before cannot:
1. every stored event's leaf against the seal row of its notification id: names the
   first event changed, missing (deleted), inserted (forged into the sealed range) or
   reordered (an event sealed at another notification id now stands here);
2. the chain and day recomputed from the events against the seal's: a seal table
   edited by hand;
3. each day's Merkle root and chain head against the signed checkpoints: events and
   seal rewritten together, which only the signatures can reveal.
It reads one snapshot, and stops at the first divergence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.eventstore import sql
from projections.eventstore.log import StoredRow, count, last_id, read_page
from projections.eventstore.store import Store
from projections.ledger import chain
from projections.ledger.keys import signature_valid
from projections.ledger.seal import SEAL, Checkpoint, checkpoints

PAGE_SIZE = 20_000


@dataclass(frozen=True)
class Divergence:
    kind: str  # changed, missing, inserted, reordered, seal, checkpoint, signature
    notification_id: int
    case_id: UUID | None
    detail: str

    def describe(self) -> str:
        case = f" (case {self.case_id})" if self.case_id else ""
        return f"{self.kind} at notification id {self.notification_id}{case}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    events: int
    last_notification_id: int
    unsealed: int
    checkpoints: int
    unsigned: int
    signatures_checked: bool
    divergence: Divergence | None

    @property
    def ok(self) -> bool:
        return self.divergence is None

    def describe(self) -> str:
        if self.divergence is not None:
            return f"ledger diverges: {self.divergence.describe()}"
        notes = [f"{self.checkpoints} checkpoints"]
        if self.unsigned:
            notes.append(f"{self.unsigned} not yet signed")
        if not self.signatures_checked:
            notes.append("signatures not checked: no public key given")
        if self.unsealed:
            notes.append(f"{self.unsealed} newer events not yet sealed")
        return f"verified {self.events} events up to notification id {self.last_notification_id} ({'; '.join(notes)})"


@dataclass(frozen=True, slots=True)
class _Sealed:
    notification_id: int
    case: str  # as the seal stores it; parsed only when a divergence names it
    version: int
    day: str
    leaf: bytes
    link: bytes

    @property
    def case_id(self) -> UUID:
        return UUID(self.case)


def _events(conn: Any, store: Store, after: int, upto: int) -> Iterator[StoredRow]:
    while True:
        page = read_page(conn, (), after, upto, PAGE_SIZE)
        yield from page
        if len(page) < PAGE_SIZE:
            return
        after = page[-1].notification_id


def _seals(conn: Any, after: int) -> Iterator[_Sealed]:
    statement = (
        f"SELECT notification_id, originator_id, originator_version, day, leaf, chain FROM {SEAL} "
        "WHERE notification_id > ? ORDER BY notification_id LIMIT ?"
    )
    while True:
        page = sql.fetchall(conn, statement, (after, PAGE_SIZE))
        for nid, case, version, day, leaf, link in page:
            yield _Sealed(nid, case, version, day, bytes(leaf), bytes(link))
        if len(page) < PAGE_SIZE:
            return
        after = page[-1][0]


def _moved_from(conn: Any, event: StoredRow) -> int | None:
    """Where this event was sealed, if at another notification id (rare: a full scan)."""
    found = sql.fetchall(
        conn,
        f"SELECT notification_id, leaf FROM {SEAL} WHERE originator_id = ? AND originator_version = ?",
        (event.originator_id.hex, event.originator_version),
    )
    for nid, leaf in found:
        if nid != event.notification_id and bytes(leaf) == chain.leaf_hash(
            nid, event.originator_id, event.originator_version, event.topic, event.state
        ):
            return nid
    return None


def _mismatch(conn: Any, event: StoredRow, sealed: _Sealed) -> Divergence:
    moved = _moved_from(conn, event)
    nid = event.notification_id
    if moved is not None:
        detail = (
            f"holds version {event.originator_version} of case {event.originator_id}, sealed at notification id {moved}"
        )
        return Divergence("reordered", nid, sealed.case_id, detail)
    if (event.originator_id, event.originator_version) != (sealed.case_id, sealed.version):
        claims = f"case {event.originator_id} version {event.originator_version}"
        detail = f"sealed as version {sealed.version}; now claims {claims}"
        return Divergence("changed", nid, sealed.case_id, detail)
    return Divergence(
        "changed", nid, sealed.case_id, f"version {sealed.version}: topic or stored bytes differ from the seal"
    )


def _check_checkpoint(c: Checkpoint, day: str, first: int, leaves: list[bytes], link: bytes) -> Divergence | None:
    claims = (c.day, c.first_notification_id, c.events, c.chain_head)
    if claims == (day, first, len(leaves), link) and c.merkle_root == chain.merkle_root(leaves):
        return None
    detail = (
        f"the signed checkpoint of {c.day} (notification ids {c.first_notification_id}..{c.last_notification_id}) "
        "does not match the recomputed day: events and seal were rewritten together"
    )
    return Divergence("checkpoint", c.first_notification_id, None, detail)


def _bad_signature(found: list[Checkpoint], key: Ed25519PublicKey) -> Divergence | None:
    for c in found:
        if c.signature is not None and not signature_valid(key, c.signature, c.message()):
            detail = (
                f"the checkpoint of {c.day} up to notification id {c.last_notification_id} has an invalid signature"
            )
            return Divergence("signature", c.first_notification_id, None, detail)
    return None


def verify(store: Store, public_key: Ed25519PublicKey | None = None, from_day: str | None = None) -> Verification:
    """Recompute the chain, the days and the checkpoints from the events as stored."""
    with store.connect() as conn:
        conn.dialect.snapshot(conn)
        if not sql.table_exists(conn, SEAL) or not sql.table_exists(conn, store.events_table):
            return _walk(conn, store, [], public_key, None)
        return _walk(conn, store, checkpoints(conn), public_key, from_day)


def _walk(
    conn: Any, store: Store, found: list[Checkpoint], key: Ed25519PublicKey | None, from_day: str | None
) -> Verification:
    base = max(
        (c for c in found if c.complete and from_day and c.day < from_day),
        default=None,
        key=lambda c: c.last_notification_id,
    )
    start, link, day = (base.last_notification_id, base.chain_head, base.day) if base else (0, chain.GENESIS, None)
    found = [c for c in found if base is None or c.last_notification_id >= start]
    has_events = sql.table_exists(conn, store.events_table)
    upto = last_id(conn)
    sealed_upto = 0
    if sql.table_exists(conn, SEAL):
        sealed_upto = int(sql.fetchall(conn, f"SELECT MAX(notification_id) FROM {SEAL}")[0][0] or 0)
    signature_failure = _bad_signature(found, key) if key is not None else None
    ending = {}
    for c in found:
        ending.setdefault(c.last_notification_id, []).append(c)

    verified = 0
    last = start
    day_first, leaves = 0, []
    divergence = None
    events = _events(conn, store, start, upto) if has_events else iter(())
    seals = _seals(conn, start) if sealed_upto else iter(())
    event, sealed = next(events, None), next(seals, None)
    while divergence is None and (sealed is not None or (event is not None and event.notification_id <= sealed_upto)):
        if signature_failure and (event or sealed).notification_id >= signature_failure.notification_id:
            break
        if sealed is None or (event is not None and event.notification_id < sealed.notification_id):
            detail = f"version {event.originator_version} was never sealed: forged into the sealed range"
            divergence = Divergence("inserted", event.notification_id, event.originator_id, detail)
            break
        if event is None or sealed.notification_id < event.notification_id:
            detail = f"version {sealed.version} was sealed here and is no longer in the log"
            divergence = Divergence("missing", sealed.notification_id, sealed.case_id, detail)
            break
        leaf = chain.leaf_hash(
            event.notification_id, event.originator_id, event.originator_version, event.topic, event.state
        )
        if leaf != sealed.leaf:
            divergence = _mismatch(conn, event, sealed)
            break
        link = chain.link(link, leaf)
        today = chain.recorded_day(event.state, day)
        if link != sealed.link or today != sealed.day:
            detail = "the seal row's chain or day differs from the recomputed one: the seal table was edited"
            divergence = Divergence("seal", sealed.notification_id, sealed.case_id, detail)
            break
        if today != day:
            day, day_first, leaves = today, event.notification_id, []
        leaves.append(leaf)
        for c in ending.get(event.notification_id, ()):
            divergence = divergence or _check_checkpoint(c, day, day_first, leaves, link)
        verified += 1
        last = event.notification_id
        event, sealed = next(events, None), next(seals, None)
    if divergence is None:
        divergence = signature_failure
    if divergence is None:
        beyond = [c for c in found if c.last_notification_id > last]
        if beyond:
            c = beyond[0]
            detail = (
                f"the checkpoint of {c.day} reaches notification id {c.last_notification_id}; the log ends at {last}"
            )
            divergence = Divergence("missing", last + 1, None, detail)
    return Verification(
        events=verified,
        last_notification_id=last,
        unsealed=max(0, _count_after(conn, store, sealed_upto)) if has_events else 0,
        checkpoints=len(found),
        unsigned=sum(c.signature is None for c in found),
        signatures_checked=key is not None,
        divergence=divergence,
    )


def _count_after(conn: Any, store: Store, after: int) -> int:
    return count(conn, (), after, last_id(conn))
