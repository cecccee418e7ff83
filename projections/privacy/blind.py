"""Blind indexes (indeks buta): HMAC-SHA256 under the index key of a normalised value, so
a NIK, a name or a document number can be looked up exactly without being stored."""

from __future__ import annotations

import hmac
import re
import unicodedata
from functools import lru_cache

_ASCII_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalise(kind: str, value: str) -> str:
    """Names: accents, case, punctuation and spacing do not count; numbers: spacing and case."""
    if kind != "name":
        return "".join(value.split()).upper()
    if value.isascii():  # most names: the same result as below, without a pass per character
        return " ".join(_ASCII_SEPARATORS.sub(" ", value.lower()).split())
    text = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


class BlindIndex:
    def __init__(self, index_key: bytes):
        self._key = index_key
        # A writer digests each NIK it seals for, a reader each value searched: the same few
        # values again and again (a person's data and their notes in one save).
        self.digest = lru_cache(maxsize=1 << 16)(self._digest)

    def _digest(self, kind: str, value: str) -> str:
        message = f"{kind}\x1f{normalise(kind, value)}".encode()
        return hmac.digest(self._key, message, "sha256").hex()[:32]
