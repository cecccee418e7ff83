"""The signer's own record (saksi penanda tangan): the last checkpoint this installation signed.

The database's insider can rewrite every table, the ledger's included, but cannot read the
key file on the app server. So the signer keeps, beside its key (``<key path>.witness``, or
``BERKAS_LEDGER_WITNESS_PATH``), the tree size and root of the last checkpoint it signed,
and before it signs anything it checks that the database still holds that checkpoint,
signed, and that what it is asked to sign extends it (an RFC 9162 consistency proof from
the stored tree). A database whose history was rewritten, however carefully, is never
signed again: nothing is signed until an operator looks.

The record is written only after the transaction that signed commits (``sql.after_commit``):
a witness ahead of the database could not be told from history cut short. A process killed
in between leaves a witness behind the database, which is fine: what the database holds
extends it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from berkas_verify import note
from berkas_verify.merkle import ProofError, verify_consistency
from domain.errors import DomainError
from projections.ledger import facts, tree
from projections.ledger.facts import StoredCheckpoint

_HEADER = "berkas ledger witness v1"


class HistoryRewritten(DomainError):
    """The database no longer holds what this installation signed: nothing is signed."""

    def __init__(self, size: int):
        super().__init__(
            f"the database's ledger no longer holds checkpoint {size} signed by this installation: "
            "history may have been rewritten; nothing signed"
        )
        self.size = size


class WitnessError(DomainError):
    """A witness file that cannot be read or written (never a database's fault)."""


def default_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".witness")


@dataclass(frozen=True)
class Witnessed:
    """A checkpoint this installation signed: its log, tree size, root and signing key."""

    origin: str
    size: int
    root: bytes
    fingerprint: str

    def text(self) -> str:
        return f"{_HEADER}\norigin {self.origin}\nsize {self.size}\nroot {self.root.hex()}\nkey {self.fingerprint}\n"


def read(path: Path) -> Witnessed | None:
    """The witnessed checkpoint, or None where this installation has signed nothing yet."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise WitnessError(f"cannot read the ledger witness {path}: {error}") from None
    lines = text.splitlines()
    fields = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
    try:
        if lines[0] != _HEADER:
            raise ValueError
        return Witnessed(fields["origin"], int(fields["size"]), bytes.fromhex(fields["root"]), fields["key"])
    except (IndexError, KeyError, ValueError):
        raise WitnessError(f"{path} is not a ledger witness: move it aside only if you know why it changed") from None


def write(path: Path, witnessed: Witnessed) -> None:
    """Replace the record atomically: a temporary file, fsync, rename, fsync of the directory."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(witnessed.text())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        raise WitnessError(f"cannot write the ledger witness {path}: {error.strerror}") from None


class WitnessedKey(Ed25519PrivateKey):
    """The ledger key together with where its signer's witness lives: every path that signs
    with the installation's key (the follower, ``ledger checkpoint``, a bundle) checks and
    advances the witness without knowing of it."""

    def __init__(self, key: Ed25519PrivateKey, witness: Path):
        self.key = key
        self.witness = witness

    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        return self.key.private_bytes(*args, **kwargs)

    def private_bytes_raw(self) -> bytes:
        return self.key.private_bytes_raw()

    def __copy__(self) -> WitnessedKey:
        return self

    def __deepcopy__(self, memo: dict) -> WitnessedKey:
        return self


def path_of(key: Ed25519PrivateKey) -> Path | None:
    return key.witness if isinstance(key, WitnessedKey) else None


def _signed_by(conn: Any, origin: str, checkpoint: StoredCheckpoint, fingerprint: str) -> bool:
    known = {(k.name, k.key_id): k.public_key for k in facts.registered_keys(conn)}
    mine = {ids: key for ids, key in known.items() if note.fingerprint(key) == fingerprint}
    try:
        return bool(mine) and bool(note.verified_by(checkpoint.note(origin), mine))
    except note.NoteError:
        return False


def extends(conn: Any, witnessed: Witnessed, checkpoint: StoredCheckpoint) -> bool:
    """Whether the stored tree proves ``checkpoint`` extends the witnessed one."""
    try:
        proof = tree.consistency_proof(conn, witnessed.size, checkpoint.size)
        verify_consistency(witnessed.size, checkpoint.size, witnessed.root, checkpoint.root, proof)
    except (LookupError, ProofError):
        return False
    return True


def check(conn: Any, origin: str, witnessed: Witnessed, unsigned: list[StoredCheckpoint]) -> None:
    """Refuse (``HistoryRewritten``) unless the database holds the witnessed checkpoint as
    signed, no checkpoint up to it waits for a signature (all were signed before it was),
    and the unsigned ones and the newest extend it."""
    stored = facts.checkpoints(conn)
    held = next((c for c in stored if c.size == witnessed.size), None)
    if (
        witnessed.origin != origin
        or held is None
        or held.root != witnessed.root
        or not _signed_by(conn, origin, held, witnessed.fingerprint)
    ):
        raise HistoryRewritten(witnessed.size)
    for checkpoint in [*unsigned, *stored[-1:]]:
        if checkpoint.size <= witnessed.size:
            rewritten = not checkpoint.signatures
        else:
            rewritten = not extends(conn, witnessed, checkpoint)
        if rewritten:
            raise HistoryRewritten(witnessed.size)


def check_key(conn: Any, key: Ed25519PrivateKey) -> None:
    """The database's ledger against the witness of ``key`` (nothing if it has none yet)."""
    path = path_of(key)
    witnessed = read(path) if path is not None else None
    if witnessed is None:
        return
    origin = facts.stored_origin(conn) or ""
    check(conn, origin, witnessed, [c for c in facts.checkpoints(conn) if not c.signatures])


def latest_signed(conn: Any, origin: str, key: Ed25519PrivateKey) -> Witnessed | None:
    """The newest checkpoint signed by ``key``: what the witness records after a signing."""
    fingerprint = note.fingerprint(key.public_key())
    for checkpoint in reversed(facts.checkpoints(conn, signed_only=True)):
        if _signed_by(conn, origin, checkpoint, fingerprint):
            return Witnessed(origin, checkpoint.size, checkpoint.root, fingerprint)
    return None
