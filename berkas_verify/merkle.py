"""RFC 6962 / RFC 9162 Merkle tree hashing and proof verification, standard library only.

Leaf hash ``SHA-256(0x00 || data)``, inner node ``SHA-256(0x01 || left || right)``; the
verification algorithms are those of RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2
(consistency), written out step by step so that a reviewer can compare them with the RFC.

A Berkas leaf's data is one stored event exactly as the database holds it: notification
id, case id, version, topic and state, each tagged with its type, so that a value whose
type was changed (bytes turned into text, a NULL) can never hash like the original:

    int   "i" + 8-byte signed big-endian      UUID  "u" + 16 bytes
    str   "s" + u32 length + UTF-8            bytes "b" + u32 length + bytes
    None  "n"                                 other "?" + u32 length + type name ":" repr
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from typing import Any

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256
_HONEST_HEAD = struct.Struct(">cqc16scqcI")
_LENGTH = struct.Struct(">I")
_INT = struct.Struct(">q")


class ProofError(Exception):
    """A proof that does not lead where it claims."""


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def _field(value: Any) -> bytes:
    if value is None:
        return b"n"
    if type(value) is int and -(2**63) <= value < 2**63:
        return b"i" + _INT.pack(value)
    if type(value) is uuid.UUID:
        return b"u" + value.bytes
    if type(value) is str:
        encoded = value.encode("utf-8", "surrogatepass")
        return b"s" + _LENGTH.pack(len(encoded)) + encoded
    if type(value) is bytes:
        return b"b" + _LENGTH.pack(len(value)) + value
    text = f"{type(value).__name__}:{value!r}".encode("utf-8", "backslashreplace")
    return b"?" + _LENGTH.pack(len(text)) + text


def event_leaf(notification_id: Any, case_id: Any, version: Any, topic: Any, state: Any) -> bytes:
    """The leaf hash of one stored event, whatever the types of its values."""
    if (
        type(notification_id) is int
        and type(case_id) is uuid.UUID
        and type(version) is int
        and type(topic) is str
        and type(state) is bytes
        and -(2**63) <= notification_id < 2**63
        and -(2**63) <= version < 2**63
    ):
        # The same bytes as the general encoding below, in one pack: the verifier's hot path.
        encoded = topic.encode("utf-8", "surrogatepass")
        head = _HONEST_HEAD.pack(b"i", notification_id, b"u", case_id.bytes, b"i", version, b"s", len(encoded))
        return _sha256(b"".join((b"\x00", head, encoded, b"b", _LENGTH.pack(len(state)), state))).digest()
    fields = (notification_id, case_id, version, topic, state)
    return _sha256(b"\x00" + b"".join(_field(value) for value in fields)).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 2.1.3.2: the root that ``proof`` leads to from leaf ``index`` of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is high")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} does not lead to the root of the tree of {size}")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> None:
    """RFC 9162 2.1.4.2: the tree of ``size2`` extends the tree of ``size1``."""
    if size1 > size2:
        raise ProofError(f"a tree of {size2} cannot extend one of {size1}")
    if size1 == size2:
        if proof or root1 != root2:
            raise ProofError(f"two trees of {size1} with different roots")
        return
    if size1 == 0:
        if proof:
            raise ProofError("the empty tree needs no proof")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != root1 or sr != root2:
        raise ProofError(f"the tree of {size2} does not extend the tree of {size1}")
