"""Blind indexes (indeks buta): HMAC-SHA256 under the index key of a normalised value, so
a NIK, a name or a document number can be looked up exactly without being stored."""

from __future__ import annotations

import hmac
import unicodedata
from hashlib import sha256


def normalise(kind: str, value: str) -> str:
    """Names: accents, case, punctuation and spacing do not count; numbers: spacing and case."""
    if kind == "name":
        text = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
        return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())
    return "".join(value.split()).upper()


class BlindIndex:
    def __init__(self, index_key: bytes):
        self._key = index_key

    def digest(self, kind: str, value: str) -> str:
        message = f"{kind}\x1f{normalise(kind, value)}".encode()
        return hmac.new(self._key, message, sha256).hexdigest()[:32]
