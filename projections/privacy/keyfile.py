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


def generate(path: Path) -> PersonalDataKeys:
    """Write new keys readable by the owner only; never overwrite a key file."""
    keys = PersonalDataKeys(secrets.token_bytes(32), secrets.token_bytes(32))
    body = {
        "format": FORMAT,
        "kek": base64.b64encode(keys.kek).decode(),
        "index_key": base64.b64encode(keys.index_key).decode(),
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PersonalDataKeyError(f"{path} exists: a personal-data key file is never overwritten") from None
    except OSError as error:
        raise PersonalDataKeyError(f"cannot create the personal-data key file {path}: {error.strerror}") from None
    with os.fdopen(fd, "w") as out:
        json.dump(body, out)
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
    return keys


def load_or_create(path: Path) -> PersonalDataKeys:
    return load(path) if path.exists() else generate(path)
