"""The legal-review bundle (berkas untuk pemeriksaan hukum) of one case.

One canonical JSON file: the case's events as stored and as decoded, a Merkle inclusion
proof for each against the signed checkpoint of its day, those checkpoints and the public
key. ``python -m berkas_verify verify-bundle`` checks it offline; its format is defined
there, so the two can never disagree on the bytes.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from berkas_verify import BUNDLE_FORMAT, canonical_dumps, decoded_view
from domain.errors import CaseNotFound, DomainError
from projections.eventstore import sql
from projections.eventstore.log import StoredRow, case_rows
from projections.eventstore.store import Store
from projections.ledger import chain
from projections.ledger.keys import key_id, public_pem
from projections.ledger.seal import SEAL, Checkpoint, SealProjection, checkpoint_now, checkpoints
from projections.runner import catch_up


class LedgerNotReady(DomainError):
    """The case's latest events are not yet under a signed checkpoint."""


def _case_events(conn: Any, store: Store, case_id: UUID) -> list[StoredRow]:
    return case_rows(conn, case_id)


def _covering(found: list[Checkpoint], notification_id: int) -> int | None:
    """The signed checkpoint that proves this event: its complete day if signed, else the
    earliest signed partial one that reaches it."""
    covering = [
        i
        for i, c in enumerate(found)
        if c.signature is not None and c.first_notification_id <= notification_id <= c.last_notification_id
    ]
    return min(covering, key=lambda i: (not found[i].complete, found[i].last_notification_id), default=None)


def _checkpoint_entry(checkpoint: Checkpoint) -> dict[str, Any]:
    return checkpoint.payload() | {"signature": base64.b64encode(checkpoint.signature or b"").decode()}


def build_bundle(
    store: Store, case_id: UUID, public_key: Ed25519PublicKey, signing_key: Ed25519PrivateKey | None = None
) -> bytes:
    """Seal what is pending (and sign it, given the key), then gather the case's proofs."""
    if signing_key is not None:
        checkpoint_now(store, signing_key)
    else:
        catch_up(store, [SealProjection()])
    with store.connect() as conn:
        events = _case_events(conn, store, case_id)
        if not events:
            raise CaseNotFound(case_id)
        found = checkpoints(conn)
        chosen: dict[int, int] = {}
        for event in events:
            index = _covering(found, event.notification_id)
            if index is None:
                raise LedgerNotReady(
                    f"case {case_id} version {event.originator_version} is not yet under a signed checkpoint: "
                    "run `berkas ledger checkpoint`"
                )
            chosen[event.notification_id] = index
        used = sorted(set(chosen.values()))
        trees = {i: _tree(conn, found[i]) for i in used}
    entries = []
    for event in events:
        index = chosen[event.notification_id]
        leaves, tree = trees[index]
        position = leaves.get(event.notification_id)
        if position is None:
            raise LedgerNotReady(
                f"the seal has no row for notification id {event.notification_id}: run `berkas ledger verify`"
            )
        entries.append(
            {
                "notification_id": event.notification_id,
                "case_id": str(case_id),
                "version": event.originator_version,
                "topic": event.topic,
                "state": base64.b64encode(event.state).decode(),
                "decoded": decoded_view(event.state),
                "checkpoint": used.index(index),
                "leaf_index": position,
                "proof": [step.hex() for step in chain.inclusion_proof(tree, position)],
            }
        )
    bundle = {
        "format": BUNDLE_FORMAT,
        "case_id": str(case_id),
        "public_key": public_pem(public_key),
        "key_id": key_id(public_key),
        "checkpoints": [_checkpoint_entry(found[i]) for i in used],
        "events": entries,
    }
    return canonical_dumps(bundle)


def _tree(conn: Any, checkpoint: Checkpoint) -> tuple[dict[int, int], list[list[bytes]]]:
    """The day's tree as sealed, and each notification id's leaf position in it."""
    rows = sql.fetchall(
        conn,
        f"SELECT notification_id, leaf FROM {SEAL} WHERE notification_id >= ? AND notification_id <= ? "
        "ORDER BY notification_id",
        (checkpoint.first_notification_id, checkpoint.last_notification_id),
    )
    positions = {nid: i for i, (nid, _) in enumerate(rows)}
    return positions, chain.levels([bytes(leaf) for _, leaf in rows])
