"""C2SP signed notes (c2sp.org/signed-note) and transparency-log checkpoints
(c2sp.org/tlog-checkpoint), Ed25519 signatures only.

    <origin>\\n<tree size>\\n<base64 root hash>\\n     the note text (the checkpoint)
    \\n                                              one blank line
    — <key name> <base64(4-byte key id || signature)>\\n   one line per signature

Key id = the first four bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key).
A verifier key is published as ``<name>+<key id hex>+<base64(0x01 || public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DASH = "\u2014 "
ED25519 = b"\x01"
_NAME = re.compile(r"[^\s+]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(Exception):
    """A note that is malformed, or a signature by a known key that does not verify."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw_public(key)).digest()[:4]


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: what a reviewer compares with the published one."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    encoded = base64.b64encode(ED25519 + raw_public(key)).decode()
    return f"{name}+{key_id(name, key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    name, _, rest = text.strip().partition("+")
    kid, _, encoded = rest.partition("+")
    try:
        raw = base64.b64decode(encoded, validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw[1:])
    except (binascii.Error, ValueError):
        raise NoteError("not a verifier key (name+keyid+base64)") from None
    if not _NAME.fullmatch(name) or raw[:1] != ED25519 or key_id(name, key).hex() != kid:
        raise NoteError("not an Ed25519 verifier key, or its key id does not match")
    return name, key


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def sign(text: str, name: str, key: Ed25519PrivateKey) -> Signature:
    if not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return Signature(name, key_id(name, key.public_key()), key.sign(text.encode()))


def parse_note(data: str) -> Note:
    if _CONTROL.search(data):
        raise NoteError("a note holds no control characters but newlines")
    text, separator, block = data.rpartition("\n\n")
    if not separator or not block.endswith("\n"):
        raise NoteError("a note is its text, a blank line and signature lines, each ending in a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        name, _, encoded = line.removeprefix(DASH).partition(" ")
        if not line.startswith(DASH) or not _NAME.fullmatch(name):
            raise NoteError(f"not a signature line: {line[:60]!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"the signature of {name} is not base64") from None
        if len(raw) < 5:
            raise NoteError(f"the signature of {name} is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Note(text + "\n", tuple(signatures))


def split_notes(data: str) -> list[Note]:
    """Several notes kept one after another in one file (a witness's archive)."""
    notes, current, in_signatures = [], [], False
    for line in data.splitlines(keepends=True):
        if in_signatures and not line.startswith(DASH):
            notes.append(parse_note("".join(current)))
            current, in_signatures = [], False
            if line.strip() == "":
                continue
        current.append(line)
        in_signatures = in_signatures or (line.startswith(DASH) and len(current) > 1 and current[-2] == "\n")
    if current:
        notes.append(parse_note("".join(current)))
    if not notes:
        raise NoteError("no note found")
    return notes


def verified_by(note: Note, known: dict[tuple[str, bytes], Ed25519PublicKey]) -> list[str]:
    """Names of the known keys whose signatures verify. Unknown signatures are ignored (the
    spec's rule, which allows rotation and witnesses); a known key's bad signature fails."""
    names = []
    for s in note.signatures:
        key = known.get((s.name, s.key_id))
        if key is None:
            continue
        try:
            key.verify(s.signature, note.text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature of {s.name} ({s.key_id.hex()}) does not verify") from None
        names.append(s.name)
    return names


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteError("a checkpoint is at least three non-empty lines: origin, tree size, root hash")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"tree size {size[:30]!r} is not a decimal number")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("the root hash is not base64") from None
    if len(digest) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size), digest)
