"""The ledger's Ed25519 key (kunci segel): generated once, kept as a PEM file, and the
public half published so that auditors and reviewers can check checkpoints offline."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
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


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint to compare by eye with the published key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signature_valid(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
