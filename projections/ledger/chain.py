"""Hashing the log as stored: leaves, the chain, recording days and per-day Merkle trees.

A leaf commits to one stored event exactly as the database holds it (notification id,
case id, version, topic, state bytes), in a length-prefixed encoding that no two
different events share. The chain link is ``H(previous link || leaf)``: the leaf already
is the digest of that canonical encoding, so the state bytes are hashed once and the
chain and the bundles' inclusion proofs share one per-event digest.

Merkle trees follow RFC 6962's domain separation (0x00 before a leaf, 0x01 before an
inner node) so no leaf can pass for a node; an odd node at the end of a level is carried
up unchanged. ``berkas_verify`` implements the same rules independently.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime
from uuid import UUID

import orjson

GENESIS = bytes(32)
_LEAF = b"\x00"
_NODE = b"\x01"
_HEAD = struct.Struct(">Q16sQI")
_LENGTH = struct.Struct(">I")
_sha256 = hashlib.sha256

# The library writes the recorded timestamp first; reading it straight from the bytes
# spares a JSON parse per event on the hot path.
_TIMESTAMP_PREFIX = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def canonical(notification_id: int, case_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    encoded_topic = topic.encode()
    return b"".join(
        (
            _HEAD.pack(notification_id, case_id.bytes, version, len(encoded_topic)),
            encoded_topic,
            _LENGTH.pack(len(state)),
            state,
        )
    )


def leaf_hash(notification_id: int, case_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    return _sha256(_LEAF + canonical(notification_id, case_id, version, topic, state)).digest()


def link(previous: bytes, leaf: bytes) -> bytes:
    return _sha256(previous + leaf).digest()


def recorded_day(state: bytes, previous_day: str | None) -> str:
    """The UTC day the event was recorded (its ``timestamp``), never earlier than the
    previous event's day.

    Concurrent writers stamp events a moment before they commit, so timestamps are not
    quite in notification order; keeping the day monotonic makes every day one
    contiguous run of notification ids, and a day is complete once a later day begins.
    Unreadable state (only a tampered event has one) stays in the previous day.
    """
    day = _timestamp_day(state)
    if day is None or (previous_day is not None and day < previous_day):
        return previous_day or "0000-00-00"
    return day


def _timestamp_day(state: bytes) -> str | None:
    if state.startswith(_TIMESTAMP_PREFIX):
        end = state.find(b'"', len(_TIMESTAMP_PREFIX))
        text = state[len(_TIMESTAMP_PREFIX) : end].decode("ascii", "replace")
        if text.endswith("+00:00") and len(text) > 10:
            return text[:10]
    else:
        try:
            text = orjson.loads(state)["timestamp"]["_data_"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC).date().isoformat()
    except (ValueError, TypeError):
        return None


def _parent(left: bytes, right: bytes) -> bytes:
    return _sha256(_NODE + left + right).digest()


def levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, the leaves first and the root's level last."""
    if not leaves:
        return [[_sha256(b"").digest()]]
    tree = [leaves]
    level = leaves
    while len(level) > 1:
        up = [_parent(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        tree.append(up)
        level = up
    return tree


def merkle_root(leaves: list[bytes]) -> bytes:
    return levels(leaves)[-1][0]


def inclusion_proof(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The siblings from leaf ``index`` up to the root; the verifier derives each
    sibling's side from the index and the tree size, which binds the leaf's position."""
    proof = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof
