"""The legal-review bundle (berkas untuk pemeriksaan hukum) of one case.

One canonical JSON file: the case's events as stored and as decoded, for each an RFC 6962
inclusion proof in the first signed checkpoint that holds it, those checkpoints as C2SP
signed notes, a consistency proof from each to the latest signed checkpoint, and the
log's public keys. Personal data of subjects erased by then reads ``<erased>`` where it is
decoded; the stored bytes, which the proofs cover, keep its ciphertext. ``python -m
berkas_verify verify-bundle`` checks it offline; its format is defined there, so the two
can never disagree on the bytes.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from berkas_verify import BUNDLE_FORMAT, canonical_dumps, decoded_view, merkle, note
from berkas_verify.bundle import sealed_subjects
from domain.errors import CaseNotFound, DomainError
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES, Store
from projections.ledger import facts, log, tree
from projections.ledger.facts import StoredCheckpoint
from projections.ledger.seal import checkpoint_now


class LedgerNotReady(DomainError):
    """The case's latest events are not yet under a signed checkpoint."""


def _case_rows(conn: Any, case_id: UUID) -> list[log.Row]:
    table, column = conn.dialect.events_table, conn.dialect.id_column
    found = conn.dialect.raw_rows(
        conn,
        f"SELECT {column}, originator_version, topic, state FROM {table} WHERE originator_id = ? "
        "ORDER BY originator_version",
        (conn.dialect.case_key(case_id),),
    )
    return [log.Row(n, case_id, v, t, bytes(s) if s is not None else None) for n, v, t, s in found]


def _erased(conn: Any, rows: list[log.Row]) -> frozenset[str]:
    """Which of the subjects whose sealed data these events hold are erased (their key destroyed)."""
    subjects = sorted({s for row in rows if row.state is not None for s in sealed_subjects(row.state)})
    if not subjects or not sql.table_exists(conn, VAULT_TABLES[0]):
        return frozenset()
    clause, params = sql.in_list(conn, "subject_id", subjects)
    found = sql.fetchall(
        conn, f"SELECT subject_id FROM {VAULT_TABLES[0]} WHERE {clause} AND erased_at IS NOT NULL", params
    )
    return frozenset(row[0] for row in found)


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def build_bundle(store: Store, case_id: UUID, signing_key: Ed25519PrivateKey | None = None) -> bytes:
    """Gather the case's proofs; given the key, first seal what is pending and checkpoint and
    sign it. Without the key nothing is written (the API may run as the restricted role)."""
    if signing_key is not None:
        checkpoint_now(store, signing_key)
    with store.connect() as conn:
        rows = _case_rows(conn, case_id)
        if not rows:
            raise CaseNotFound(case_id)
        origin = facts.stored_origin(conn)
        if origin is None:
            raise LedgerNotReady("the ledger has not started: run `berkas ledger checkpoint`")
        signed = facts.checkpoints(conn, signed_only=True)
        positions = dict(
            sql.fetchall(
                conn,
                f"SELECT notification_id, leaf_index FROM {tree.LEAVES} WHERE originator_id = ?",
                (case_id.hex,),
            )
        )
        chosen: dict[int, int] = {}
        for row in rows:
            index = positions.get(row.notification_id)
            covering = next((i for i, c in enumerate(signed) if index is not None and c.size > index), None)
            if covering is None:
                raise LedgerNotReady(
                    f"case {case_id} version {row.originator_version} is not yet under a signed checkpoint: "
                    "run `berkas ledger checkpoint`"
                )
            chosen[row.notification_id] = covering
        used = sorted(set(chosen.values()) | {len(signed) - 1})
        latest = signed[-1]
        consistency = [tree.consistency_proof(conn, signed[i].size, latest.size) for i in used]
        erased = _erased(conn, rows)
        events = []
        for row in rows:
            checkpoint = signed[chosen[row.notification_id]]
            index = positions[row.notification_id]
            proof = tree.inclusion_proof(conn, index, checkpoint.size)
            leaf = merkle.event_leaf(row.notification_id, case_id, row.originator_version, row.topic, row.state)
            # A stored node gone bad would give a proof that fails: say so here, not at the reviewer's.
            merkle.verify_inclusion(index, checkpoint.size, leaf, proof, checkpoint.root)
            events.append(
                {
                    "notification_id": row.notification_id,
                    "case_id": str(case_id),
                    "version": row.originator_version,
                    "topic": row.topic,
                    "state": base64.b64encode(row.state).decode(),
                    "decoded": decoded_view(row.state, erased),
                    "checkpoint": used.index(chosen[row.notification_id]),
                    "leaf_index": index,
                    "proof": _b64(proof),
                }
            )
        keys = _signing_keys(conn, [signed[i] for i in used])
    bundle = {
        "format": BUNDLE_FORMAT,
        "case_id": str(case_id),
        "origin": origin,
        "erased": sorted(erased),
        "public_keys": keys,
        "checkpoints": [str(signed[i].note(origin)) for i in used],
        "consistency": [_b64(p) for p in consistency],
        "events": events,
    }
    return canonical_dumps(bundle)


def _signing_keys(conn: Any, used: list[StoredCheckpoint]) -> list[str]:
    wanted = {(s.name, s.key_id) for c in used for s in c.signatures}
    return sorted(
        note.verifier_key(k.name, k.public_key) for k in facts.registered_keys(conn) if (k.name, k.key_id) in wanted
    )
