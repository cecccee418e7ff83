"""The ledger's Ed25519 key (kunci segel): generated once, kept as a PEM file, and the
public half published so that auditors and reviewers can check checkpoints offline.

Without a configured path, the key lives beside the SQLite file (``berkas.db.ledger-key``)
or, on PostgreSQL, in ``berkas-ledger.key`` in the working directory; ``store init`` and
``demo`` create it there, so a store is signed from its first day."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class LedgerKeyError(Exception):
    """A key file that is missing, unreadable or not an Ed25519 key (never shows its content)."""


def generate(path: Path) -> Ed25519PrivateKey:
    """Write a new private key readable by its owner only; never overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LedgerKeyError(f"{path} exists: a ledger key is never overwritten") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise LedgerKeyError(f"cannot read the ledger key {path}: {error.strerror}") from None
    except ValueError:
        raise LedgerKeyError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerKeyError(f"{path} is not an Ed25519 key")
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:  # as ssh does: the documented set-ups make it 0600 (0400 in the container)
        raise LedgerKeyError(f"{path} is readable by group or others (mode {mode:04o}): run chmod 600 {path}")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """A public key PEM, or the public half of a private key PEM."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LedgerKeyError(f"cannot read the key {path}: {error.strerror}") from None
    if b"PRIVATE KEY" in data:
        return load_private(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise LedgerKeyError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LedgerKeyError(f"{path} is not an Ed25519 key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def default_path(sqlite_path: Path | None) -> Path:
    """Where the key lives when no path is configured."""
    if sqlite_path is not None:
        return sqlite_path.with_name(sqlite_path.name + ".ledger-key")
    return Path("berkas-ledger.key")


def ensure(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The key at ``path``, created first if there is none; and whether it was created."""
    if path.exists():
        return load_private(path), False
    return generate(path), True


def retire(path: Path, fingerprint: str) -> Path:
    """Move the current key aside (mode 0600 kept) before a new one takes its place."""
    retired = path.with_name(f"{path.name}.retired-{fingerprint[:16]}")
    os.rename(path, retired)
    return retired
