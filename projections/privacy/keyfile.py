"""The personal-data key file (kunci data pribadi): a key-encryption key (KEK) that wraps
every data subject's key, and a separate index key for blind indexes (HMAC-SHA256).

Two independent random keys in one owner-only file. Losing the file loses every subject's
personal data, exactly as erasure would: keep a copy where the database backups are not.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

FORMAT = "berkas-personal-data-keys/1"


class PersonalDataKeyError(Exception):
    """A key file that is missing, unreadable or malformed (never shows its content)."""


@dataclass(frozen=True)
class PersonalDataKeys:
    kek: bytes
    index_key: bytes

    def __repr__(self) -> str:
        return "PersonalDataKeys(<secret>)"


class KeyFileExists(PersonalDataKeyError):
    """The key file is there already: another process (a sibling worker) may have made it."""


def generate(path: Path, index_key: bytes | None = None) -> PersonalDataKeys:
    """Write new keys readable by the owner only; never overwrite a key file. ``index_key``:
    keep this one (a rotation of the KEK: the blind indexes must keep finding).

    The file appears whole or not at all: written and synced under a name of its own, then
    linked into place (a link never replaces a file). Workers starting together on a fresh
    store race here; one wins, the others find a complete file, never a half-written one."""
    keys = PersonalDataKeys(secrets.token_bytes(32), index_key or secrets.token_bytes(32))
    body = {
        "format": FORMAT,
        "kek": base64.b64encode(keys.kek).decode(),
        "index_key": base64.b64encode(keys.index_key).decode(),
    }
    if path.exists():
        raise KeyFileExists(f"{path} exists: a personal-data key file is never overwritten")
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(body, out)
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, path)
    except FileExistsError:
        raise KeyFileExists(f"{path} exists: a personal-data key file is never overwritten") from None
    except OSError as error:
        raise PersonalDataKeyError(f"cannot create the personal-data key file {path}: {error.strerror}") from None
    finally:
        draft.unlink(missing_ok=True)
    return keys


def load(path: Path) -> PersonalDataKeys:
    try:
        body = json.loads(path.read_text())
    except OSError as error:
        raise PersonalDataKeyError(f"cannot read the personal-data key file {path}: {error.strerror}") from None
    except ValueError:
        raise PersonalDataKeyError(f"{path} is not a personal-data key file") from None
    try:
        if body["format"] != FORMAT:
            raise ValueError
        keys = PersonalDataKeys(base64.b64decode(body["kek"]), base64.b64decode(body["index_key"]))
    except (KeyError, TypeError, ValueError):
        raise PersonalDataKeyError(f"{path} is not a personal-data key file") from None
    if len(keys.kek) != 32 or len(keys.index_key) != 32:
        raise PersonalDataKeyError(f"{path} holds keys of the wrong length (32 bytes each expected)")
    check_private(path)
    return keys


def check_private(path: Path) -> None:
    """Refuse a key file group or others may read, as ssh does (the documented set-ups make
    it 0600, or 0400 for the container's user): one line saying what to run."""
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        raise PersonalDataKeyError(f"{path} is readable by group or others (mode {mode:04o}): run chmod 600 {path}")


def load_or_create(path: Path) -> PersonalDataKeys:
    """The keys at ``path``, made there first if there are none; when a sibling process makes
    them at the same moment, its keys (every process must seal with the same ones)."""
    if path.exists():
        return load(path)
    try:
        return generate(path)
    except KeyFileExists:
        return load(path)
