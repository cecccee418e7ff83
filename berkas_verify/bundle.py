"""The bundle format and its verification.

A bundle is one JSON document in a canonical form (sorted keys, one-space indent, ASCII),
so every byte of it is either checked by a hash or signature or fixed by that form:
change any byte and one of the checks below names what no longer holds.

    {"format", "case_id", "origin",
     "erased": [ids of the data subjects whose personal data was erased when it was built],
     "public_keys": [verifier keys "<name>+<key id>+<base64>" of the log],
     "checkpoints": [C2SP signed notes, smallest tree first; the last is the latest],
     "consistency": [for each checkpoint, base64 hashes proving the latest extends it],
     "events": [{"notification_id", "case_id", "version", "topic", "state" (base64 of the
                 stored bytes), "decoded", "checkpoint" (index), "leaf_index",
                 "proof" [base64 hashes: RFC 6962 inclusion in that checkpoint's tree]}]}

Personal data is stored sealed, as a value tagged ``personal_data_sealed`` or
``personal_note_sealed`` whose data is ``{"s": subject id, "c": ciphertext}``. In "decoded",
such a value of an erased subject reads ``"<erased>"``; its ciphertext stays in "state",
the bytes the proofs cover. Which subjects are erased is the server's statement (a
destroyed key cannot be shown offline); everything else in "decoded" follows from "state".
Format 2 (before erasure was shown) has no "erased" and is still verified.

The leaf and tree rules are those of ``berkas_verify.merkle``; signatures those of
``berkas_verify.note``. Which keys to trust is the reviewer's to say: the published key
(``--public-key``) or its fingerprint (``--fingerprint``); a bundle checked only against
the keys it carries itself proves that it is consistent, not who signed it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from berkas_verify import merkle, note

BUNDLE_FORMAT = "berkas-bundle/3"
_FORMAT_WITHOUT_ERASURE = "berkas-bundle/2"
SEALED_TAGS = ("personal_data_sealed", "personal_note_sealed")
ERASED = "<erased>"
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
_TOP_FIELDS = {
    "format": str,
    "erased": list,
    "case_id": str,
    "origin": str,
    "public_keys": list,
    "checkpoints": list,
    "consistency": list,
    "events": list,
}


class Invalid(Exception):
    """One precise reason the bundle does not verify."""


def canonical_dumps(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, indent=1, sort_keys=True, ensure_ascii=True).encode("ascii") + b"\n"


def decoded_view(state: bytes, erased: frozenset[str] = frozenset()) -> Any:
    """The stored JSON with the type tags (``{"_type_": t, "_data_": d}``) peeled off, and
    the sealed personal data of the ``erased`` subjects shown as ``<erased>``."""
    return _peel(json.loads(state), erased)


def sealed_subjects(state: bytes) -> set[str]:
    """The ids of the data subjects whose sealed personal data the stored bytes hold."""
    found: set[str] = set()
    _peel(json.loads(state), frozenset(), found)
    return found


def _peel(value: Any, erased: frozenset[str], found: set[str] | None = None) -> Any:
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            data = value["_data_"]
            if value["_type_"] in SEALED_TAGS and isinstance(data, dict) and isinstance(data.get("s"), str):
                if found is not None:
                    found.add(data["s"])
                if data["s"] in erased:
                    return ERASED
            return _peel(data, erased, found)
        return {key: _peel(item, erased, found) for key, item in value.items()}
    if isinstance(value, list):
        return [_peel(item, erased, found) for item in value]
    return value


def _plain(value: Any) -> str:
    # Compared as text: in Python 1 == True, in a legal record they differ.
    return json.dumps(value, sort_keys=True)


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


def _b64(where: str, text: Any) -> bytes:
    if not isinstance(text, str):
        raise Invalid(f"{where}: must be a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise Invalid(f"{where}: not valid base64") from None
    if base64.b64encode(data).decode() != text:
        raise Invalid(f"{where}: base64 is not in canonical form")
    return data


def _hashes(where: str, values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise Invalid(f"{where}: must be a list of base64 hashes")
    found = [_b64(where, v) for v in values]
    if any(len(h) != 32 for h in found):
        raise Invalid(f"{where}: every hash is 32 bytes")
    return found


def _uuid(where: str, text: str) -> uuid.UUID:
    try:
        value = uuid.UUID(text)
    except ValueError:
        raise Invalid(f"{where}: not a UUID") from None
    if str(value) != text:
        raise Invalid(f"{where}: UUID is not in canonical form")
    return value


@dataclass
class Trust:
    """The keys a reviewer trusts: published ones, or (loudly) the bundle's own."""

    public_keys: list[Ed25519PublicKey] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)

    @property
    def pinned(self) -> bool:
        return bool(self.public_keys or self.fingerprints)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    events: int = 0
    case_id: str = "?"
    pinned: bool = False
    signers: list[str] = field(default_factory=list)
    erased: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"NOT VERIFIED: {len(self.problems)} problem(s) in the bundle of case {self.case_id}"
        if not self.pinned:
            signers = ", ".join(self.signers)
            return (
                f"NOT VERIFIED AGAINST A PUBLISHED KEY: the {self.events} events of case {self.case_id} are "
                f"consistent with checkpoints signed by the key(s) the bundle itself carries ({signers}); "
                "anyone can make such a bundle. Pass --public-key or --fingerprint of the published key."
            )
        erased = (
            f"; the personal data of {self.erased} erased data subject(s) reads <erased> (its ciphertext "
            "is in the verified stored bytes)"
            if self.erased
            else ""
        )
        return (
            f"OK: {self.events} events of case {self.case_id} verified against checkpoints signed by "
            f"the published key ({', '.join(self.signers)}){erased}"
        )


def _check(report: Report, where: str, run: Any) -> Any:
    try:
        return run()
    except (Invalid, merkle.ProofError, note.NoteError) as problem:
        report.problems.append(f"{where}: {problem}" if where else str(problem))
        return None


def _keys(bundle: dict[str, Any], trust: Trust) -> dict[tuple[str, bytes], Ed25519PublicKey]:
    carried = []
    for text in bundle["public_keys"]:
        if not isinstance(text, str):
            raise Invalid("public_keys: each is a verifier key string")
        carried.append(note.parse_verifier_key(text))
    if not trust.pinned:
        return {(name, note.key_id(name, key)): key for name, key in carried}
    trusted = {note.fingerprint(key) for key in trust.public_keys}
    wanted = [f.lower() for f in trust.fingerprints]
    known = {}
    for name, key in carried:
        fp = note.fingerprint(key)
        if fp in trusted or any(len(w) >= 16 and fp.startswith(w) for w in wanted):
            known[(name, note.key_id(name, key))] = key
    for key in trust.public_keys:
        known[(bundle["origin"], note.key_id(bundle["origin"], key))] = key
    return known


def verify_bundle(data: bytes, trust: Trust | None = None) -> Report:
    trust = trust or Trust()
    report = Report(pinned=trust.pinned)
    try:
        bundle = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.problems.append(f"not a readable bundle: {error}")
        return report
    try:
        format_2 = isinstance(bundle, dict) and bundle.get("format") == _FORMAT_WITHOUT_ERASURE
        _fields("bundle", bundle, {k: v for k, v in _TOP_FIELDS.items() if k != "erased"} if format_2 else _TOP_FIELDS)
    except Invalid as problem:
        report.problems.append(str(problem))
        return report
    report.case_id = bundle["case_id"]
    erased = _check(report, "bundle", lambda: _erased(bundle))
    if erased is None:
        return report
    report.erased = len(erased)
    known = _check(report, "public keys", lambda: _keys(bundle, trust)) or {}
    case_id = _check(report, "bundle", lambda: _uuid("case_id", bundle["case_id"]))
    checkpoints = [
        _check(report, f"checkpoint {i}", lambda n=n: _checkpoint(n, bundle["origin"], known, report))
        for i, n in enumerate(bundle["checkpoints"])
    ]
    _check(report, "consistency", lambda: _consistency(bundle["consistency"], checkpoints))
    versions = []
    for i, event in enumerate(bundle["events"]):
        nid = event.get("notification_id") if isinstance(event, dict) else None
        where = f"event {i}" + (f" (notification id {nid})" if isinstance(nid, int) else "")
        if _check(report, where, lambda e=event: _event(e, case_id, checkpoints, erased)) is not None:
            versions.append(event["version"])
            report.events += 1
    if report.ok and versions != list(range(1, len(versions) + 1)):
        report.problems.append(f"events: versions {versions} do not run 1..{len(versions)}: the case is incomplete")
    if canonical_dumps(bundle) != data:
        offset = next((n for n, (a, b) in enumerate(zip(canonical_dumps(bundle), data, strict=False)) if a != b), None)
        report.problems.append(f"bundle: not in canonical form from byte {offset}: it was edited after it was built")
    return report


def _erased(bundle: dict[str, Any]) -> frozenset[str]:
    if bundle["format"] == _FORMAT_WITHOUT_ERASURE:
        return frozenset()
    if bundle["format"] != BUNDLE_FORMAT:
        raise Invalid(f"format {bundle['format']!r} is not {BUNDLE_FORMAT}")
    erased = bundle["erased"]
    if not all(isinstance(s, str) for s in erased) or erased != sorted(set(erased)):
        raise Invalid("erased must be a sorted list of distinct subject ids")
    return frozenset(erased)


def _checkpoint(text: Any, origin: str, known: dict, report: Report) -> note.Checkpoint:
    if not isinstance(text, str):
        raise Invalid("a checkpoint is a signed note (text)")
    signed = note.parse_note(text)
    if str(signed) != text:
        raise Invalid("the note is not in its canonical form")
    checkpoint = note.parse_checkpoint(signed.text)
    if checkpoint.origin != origin:
        raise Invalid(f"is of the log {checkpoint.origin!r}, not {origin!r}")
    names = note.verified_by(signed, known)
    if not names:
        raise Invalid(f"tree size {checkpoint.size} carries no signature by a trusted key")
    for s in signed.signatures:
        if (s.name, s.key_id) in known and s.key_id.hex() not in report.signers:
            report.signers.append(s.key_id.hex())
    return checkpoint


def _consistency(proofs: list[Any], checkpoints: list[note.Checkpoint | None]) -> None:
    if len(proofs) != len(checkpoints):
        raise Invalid("one consistency proof per checkpoint")
    if not checkpoints or any(c is None for c in checkpoints):
        return
    latest = checkpoints[-1]
    for i, (proof, c) in enumerate(zip(proofs, checkpoints, strict=True)):
        merkle.verify_consistency(c.size, latest.size, c.root, latest.root, _hashes(f"proof {i}", proof))


def _event(
    event: Any, case_id: uuid.UUID | None, checkpoints: list[note.Checkpoint | None], erased: frozenset[str]
) -> bool:
    _fields("event", event, _EVENT_FIELDS)
    event_case = _uuid("case_id", event["case_id"])
    if case_id is not None and event_case != case_id:
        raise Invalid(f"belongs to case {event_case}, not to the bundle's case")
    state = _b64("state", event["state"])
    proof = _hashes("proof", event["proof"])
    try:
        decoded = decoded_view(state, erased)
    except (UnicodeDecodeError, json.JSONDecodeError):
        decoded = None
    if _plain(decoded) != _plain(event["decoded"]):
        raise Invalid("decoded: does not match the stored bytes")
    index = event["checkpoint"]
    if not 0 <= index < len(checkpoints):
        raise Invalid(f"checkpoint {index} is not in the bundle")
    checkpoint = checkpoints[index]
    if checkpoint is None:
        raise Invalid(f"its checkpoint {index} did not verify")
    leaf = merkle.event_leaf(event["notification_id"], event_case, event["version"], event["topic"], state)
    try:
        merkle.verify_inclusion(event["leaf_index"], checkpoint.size, leaf, proof, checkpoint.root)
    except merkle.ProofError:
        raise Invalid(
            f"version {event['version']}: stored bytes, topic, ids or proof do not lead to "
            f"the signed root of tree size {checkpoint.size}"
        ) from None
    return True
