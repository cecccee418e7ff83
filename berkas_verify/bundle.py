"""The bundle format and its verification.

A bundle is one JSON document in a canonical form (sorted keys, one-space indent, ASCII),
so every byte of it is either checked by a hash or signature or fixed by that form:
change any byte and one of the checks below names what no longer holds.

    {"format", "case_id", "public_key" (PEM), "key_id",
     "checkpoints": [{signed fields..., "signature" (base64)}],
     "events": [{"notification_id", "case_id", "version", "topic", "state" (base64 of the
                 stored bytes), "decoded", "checkpoint" (index), "leaf_index", "proof" [hex]}]}

Hashing rules (as the server's ``projections.ledger.chain``): leaf = SHA-256(0x00 ||
u64 notification id || 16-byte case id || u64 version || u32 len || topic || u32 len ||
state); inner node = SHA-256(0x01 || left || right); an odd last node is carried up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

BUNDLE_FORMAT = "berkas-bundle/1"
CHECKPOINT_FORMAT = "berkas-checkpoint/1"
SIGNING_CONTEXT = b"berkas-ledger-checkpoint/1\n"
_CHECKPOINT_FIELDS = {
    "format": str,
    "day": str,
    "first_notification_id": int,
    "last_notification_id": int,
    "events": int,
    "merkle_root": str,
    "chain_head": str,
    "complete": bool,
    "signature": str,
}
_EVENT_FIELDS = {
    "notification_id": int,
    "case_id": str,
    "version": int,
    "topic": str,
    "state": str,
    "decoded": object,
    "checkpoint": int,
    "leaf_index": int,
    "proof": list,
}
_TOP_FIELDS = {"format": str, "case_id": str, "public_key": str, "key_id": str, "checkpoints": list, "events": list}


class Invalid(Exception):
    """One precise reason the bundle does not verify."""


def canonical_dumps(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, indent=1, sort_keys=True, ensure_ascii=True).encode("ascii") + b"\n"


def decoded_view(state: bytes) -> Any:
    """The stored JSON with the type tags (``{"_type_": t, "_data_": d}``) peeled off."""
    return _peel(json.loads(state))


def _peel(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return _peel(value["_data_"])
        return {key: _peel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_peel(item) for item in value]
    return value


def _plain(value: Any) -> str:
    # Compared as text: in Python 1 == True, in a legal record they differ.
    return json.dumps(value, sort_keys=True)


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def leaf_hash(notification_id: int, case_id: uuid.UUID, version: int, topic: str, state: bytes) -> bytes:
    encoded = topic.encode()
    head = struct.pack(">Q16sQI", notification_id, case_id.bytes, version, len(encoded))
    return hashlib.sha256(b"\x00" + head + encoded + struct.pack(">I", len(state)) + state).digest()


def root_from_proof(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """Walk up from leaf ``index`` of a tree of ``size`` leaves; sides follow from the index."""
    node, rest = leaf, list(proof)
    while size > 1:
        if index % 2 or index + 1 < size:
            if not rest:
                raise Invalid("proof is too short")
            sibling = rest.pop(0)
            pair = sibling + node if index % 2 else node + sibling
            node = hashlib.sha256(b"\x01" + pair).digest()
        index, size = index // 2, (size + 1) // 2
    if rest:
        raise Invalid("proof is too long")
    return node


def _fields(where: str, obj: Any, spec: dict[str, type]) -> None:
    if not isinstance(obj, dict):
        raise Invalid(f"{where}: not an object")
    if set(obj) != set(spec):
        odd = sorted(set(obj) ^ set(spec))
        raise Invalid(f"{where}: unexpected or missing fields {', '.join(odd)}")
    for name, kind in spec.items():
        value = obj[name]
        wrong = (kind is int and (isinstance(value, bool) or not isinstance(value, int))) or not isinstance(value, kind)
        if wrong:
            raise Invalid(f"{where}: {name} must be {kind.__name__}")


def _b64(where: str, text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise Invalid(f"{where}: not valid base64") from None
    if base64.b64encode(data).decode() != text:
        raise Invalid(f"{where}: base64 is not in canonical form")
    return data


def _hex32(where: str, text: str) -> bytes:
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise Invalid(f"{where}: not hexadecimal") from None
    if len(data) != 32 or data.hex() != text:
        raise Invalid(f"{where}: must be 64 lowercase hex digits")
    return data


def _uuid(where: str, text: str) -> uuid.UUID:
    try:
        value = uuid.UUID(text)
    except ValueError:
        raise Invalid(f"{where}: not a UUID") from None
    if str(value) != text:
        raise Invalid(f"{where}: UUID is not in canonical form")
    return value


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    events: int = 0
    case_id: str = "?"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.ok:
            return f"OK: {self.events} events of case {self.case_id} verified against signed checkpoints"
        return f"NOT VERIFIED: {len(self.problems)} problem(s) in the bundle of case {self.case_id}"


def _check(report: Report, where: str, run: Any) -> Any:
    try:
        return run()
    except Invalid as problem:
        report.problems.append(f"{where}: {problem}" if where else str(problem))
        return None


def verify_bundle(data: bytes, pinned_public_key: bytes | None = None) -> Report:
    report = Report()
    try:
        bundle = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.problems.append(f"not a readable bundle: {error}")
        return report
    try:
        _fields("bundle", bundle, _TOP_FIELDS)
    except Invalid as problem:
        report.problems.append(str(problem))
        return report
    report.case_id = bundle["case_id"]
    if bundle["format"] != BUNDLE_FORMAT:
        report.problems.append(f"bundle: format {bundle['format']!r} is not {BUNDLE_FORMAT}")
        return report
    key = _check(report, "public key", lambda: _public_key(bundle, pinned_public_key))
    case_id = _check(report, "bundle", lambda: _uuid("case_id", bundle["case_id"]))
    roots = [
        _check(report, f"checkpoint {i}", lambda c=c: _checkpoint(c, key)) for i, c in enumerate(bundle["checkpoints"])
    ]
    versions = []
    for i, event in enumerate(bundle["events"]):
        where = f"event {i}" + (
            f" (notification id {event['notification_id']})"
            if isinstance(event, dict) and isinstance(event.get("notification_id"), int)
            else ""
        )
        if _check(report, where, lambda e=event: _event(e, case_id, bundle["checkpoints"], roots)) is not None:
            versions.append(event["version"])
            report.events += 1
    if report.ok and versions != list(range(1, len(versions) + 1)):
        report.problems.append(f"events: versions {versions} do not run 1..{len(versions)}: the case is incomplete")
    if canonical_dumps(bundle) != data:
        offset = next((n for n, (a, b) in enumerate(zip(canonical_dumps(bundle), data, strict=False)) if a != b), None)
        report.problems.append(f"bundle: not in canonical form from byte {offset}: it was edited after it was built")
    return report


def _public_key(bundle: dict[str, Any], pinned: bytes | None) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(bundle["public_key"].encode())
    except (ValueError, UnsupportedAlgorithm):
        raise Invalid("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid("not an Ed25519 key")
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    if pem != bundle["public_key"]:
        # PEM readers skip text around the key; a bundle's bytes must all mean something.
        raise Invalid("the PEM text is not exactly the key's")
    if key_id(key) != bundle["key_id"]:
        raise Invalid(f"key_id {bundle['key_id']} does not match the key ({key_id(key)})")
    if pinned is not None:
        try:
            expected = serialization.load_pem_public_key(pinned)
        except (ValueError, UnsupportedAlgorithm):
            raise Invalid("the published key you gave is not a PEM public key") from None
        if not isinstance(expected, Ed25519PublicKey) or key_id(expected) != key_id(key):
            raise Invalid(f"the bundle's key {key_id(key)} is not the published key you gave")
    return key


def _checkpoint(checkpoint: Any, key: Ed25519PublicKey | None) -> bytes:
    _fields("checkpoint", checkpoint, _CHECKPOINT_FIELDS)
    if checkpoint["format"] != CHECKPOINT_FORMAT:
        raise Invalid(f"format {checkpoint['format']!r} is not {CHECKPOINT_FORMAT}")
    root = _hex32("merkle_root", checkpoint["merkle_root"])
    _hex32("chain_head", checkpoint["chain_head"])
    signature = _b64("signature", checkpoint["signature"])
    payload = {name: value for name, value in checkpoint.items() if name != "signature"}
    message = SIGNING_CONTEXT + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    if key is None:
        raise Invalid("signature not checked: the public key is unusable")
    try:
        key.verify(signature, message)
    except InvalidSignature:
        raise Invalid(f"signature of day {checkpoint['day']} does not verify with key {key_id(key)}") from None
    return root


def _event(event: Any, case_id: uuid.UUID | None, checkpoints: list[Any], roots: list[bytes | None]) -> bool:
    _fields("event", event, _EVENT_FIELDS)
    event_case = _uuid("case_id", event["case_id"])
    if case_id is not None and event_case != case_id:
        raise Invalid(f"belongs to case {event_case}, not to the bundle's case")
    state = _b64("state", event["state"])
    proof = (
        [_hex32("proof", step) for step in event["proof"]] if all(isinstance(s, str) for s in event["proof"]) else None
    )
    if proof is None:
        raise Invalid("proof: must be a list of hex strings")
    try:
        decoded = decoded_view(state)
    except (UnicodeDecodeError, json.JSONDecodeError):
        decoded = None
    if _plain(decoded) != _plain(event["decoded"]):
        raise Invalid("decoded: does not match the stored bytes")
    index = event["checkpoint"]
    if not 0 <= index < len(checkpoints):
        raise Invalid(f"checkpoint {index} is not in the bundle")
    if roots[index] is None:
        raise Invalid(f"its checkpoint {index} did not verify")
    checkpoint = checkpoints[index]
    nid = event["notification_id"]
    if not checkpoint["first_notification_id"] <= nid <= checkpoint["last_notification_id"]:
        raise Invalid("is outside its checkpoint's notification ids")
    if not 0 <= event["leaf_index"] < checkpoint["events"]:
        raise Invalid("leaf_index is outside its checkpoint's tree")
    leaf = leaf_hash(nid, event_case, event["version"], event["topic"], state)
    if root_from_proof(leaf, event["leaf_index"], checkpoint["events"], proof) != roots[index]:
        raise Invalid(
            f"version {event['version']}: stored bytes, topic, ids or proof do not lead to "
            f"the signed root of {checkpoint['day']}"
        )
    return True
