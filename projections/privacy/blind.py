"""Blind indexes (indeks buta): HMAC-SHA256 under the index key of a normalised value, so
a NIK, a name or a document number can be looked up exactly without being stored."""

from __future__ import annotations

import hashlib
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
        # HMAC-SHA256 (RFC 2104) with the key's inner and outer pads hashed once: each digest
        # copies two hash states instead of keying a new HMAC (a third of ``hmac.digest``'s
        # time; every save digests each NIK, name and document number it seals).
        block = (hashlib.sha256(index_key).digest() if len(index_key) > 64 else index_key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        # A writer digests each NIK it seals for, a reader each value searched: the same few
        # values again and again (a person's data and their notes in one save).
        self.digest = lru_cache(maxsize=1 << 16)(self._digest)

    def _digest(self, kind: str, value: str) -> str:
        inner = self._inner.copy()
        inner.update(f"{kind}\x1f{normalise(kind, value)}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]
