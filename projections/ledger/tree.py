"""The one Merkle tree over the whole log (RFC 6962): appending, roots and proofs.

Leaves are the events in notification order; leaf ``i`` is the i-th row of the events
table. Every perfect subtree is stored once as a node, so any root, inclusion proof or
consistency proof is a fold over at most ~2 log n stored hashes, fetched in two queries.
Proofs are built from RFC 9162's recursive definitions (PATH and SUBPROOF) as lists of
leaf ranges; each range's hash is the fold of the perfect subtrees that make it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from berkas_verify.merkle import EMPTY_ROOT, node_hash
from projections.eventstore import sql

LEAVES = "ledger_leaves"
NODES = "ledger_nodes"
_LEVEL_SHIFT = 48


def node_key(level: int, index: int) -> int:
    return (level << _LEVEL_SHIFT) | index


class Frontier:
    """The right edge of the tree (its perfect subtrees, largest first): enough to append
    and to compute the root, in O(log n) memory. ``created`` collects new inner nodes."""

    __slots__ = ("created", "hashes", "record", "size")

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None, record: bool = False):
        self.size = size
        self.hashes = hashes or []
        self.record = record
        self.created: list[tuple[int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        index, level, h = self.size, 0, leaf
        hashes = self.hashes
        while index >> level & 1:
            h = node_hash(hashes.pop(), h)
            level += 1
            if self.record:
                self.created.append((node_key(level, index >> level), h))
        hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


def perfect_subtrees(start: int, length: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees covering ``[start, start + length)``, largest
    first; ``start`` is aligned as every range of RFC 6962's recursion is."""
    found = []
    for level in range(length.bit_length() - 1, -1, -1):
        if length >> level & 1:
            found.append((level, start >> level))
            start += 1 << level
    return found


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int, start: int = 0) -> list[tuple[int, int]]:
    """RFC 9162 PATH(m, D[n]) as (start, length) ranges, leaf-side first."""
    if size <= 1:
        return []
    k = _split(size)
    if index < k:
        return [*inclusion_ranges(index, k, start), (start + k, size - k)]
    return [*inclusion_ranges(index - k, size - k, start + k), (start, k)]


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """RFC 9162 PROOF(m, D[n]) as (start, length) ranges."""
    if old <= 0 or old >= new:
        return []

    def subproof(m: int, n: int, start: int, complete: bool) -> list[tuple[int, int]]:
        if m == n:
            return [] if complete else [(start, n)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, k, start, complete), (start + k, n - k)]
        return [*subproof(m - k, n - k, start + k, False), (start, k)]

    return subproof(old, new, 0, True)


def fetch(conn: Any, subtrees: Iterable[tuple[int, int]], suffix: str = "") -> dict[tuple[int, int], bytes]:
    """Stored hashes of perfect subtrees: leaves from the leaf table, the rest from the nodes."""
    wanted = set(subtrees)
    leaves = sorted(index for level, index in wanted if level == 0)
    inner = sorted(node_key(level, index) for level, index in wanted if level > 0)
    found: dict[tuple[int, int], bytes] = {}
    if leaves:
        clause, params = sql.in_list(conn, "leaf_index", leaves)
        for index, leaf in sql.fetchall(conn, f"SELECT leaf_index, leaf FROM {LEAVES}{suffix} WHERE {clause}", params):
            found[(0, index)] = bytes(leaf)
    if inner:
        clause, params = sql.in_list(conn, "node", inner)
        for key, h in sql.fetchall(conn, f"SELECT node, hash FROM {NODES}{suffix} WHERE {clause}", params):
            found[(key >> _LEVEL_SHIFT, key & ((1 << _LEVEL_SHIFT) - 1))] = bytes(h)
    missing = wanted - found.keys()
    if missing:
        level, index = min(missing)
        raise LookupError(f"the tree has no stored node at level {level}, index {index}")
    return found


def _range_hash(start: int, length: int, hashes: dict[tuple[int, int], bytes]) -> bytes:
    parts = [hashes[p] for p in perfect_subtrees(start, length)]
    r = parts[-1]
    for h in reversed(parts[:-1]):
        r = node_hash(h, r)
    return r


def _resolve(conn: Any, ranges: list[tuple[int, int]]) -> list[bytes]:
    hashes = fetch(conn, (p for start, length in ranges for p in perfect_subtrees(start, length)))
    return [_range_hash(start, length, hashes) for start, length in ranges]


def root(conn: Any, size: int) -> bytes:
    return _resolve(conn, [(0, size)])[0] if size else EMPTY_ROOT


def frontier(conn: Any, size: int, record: bool = False) -> Frontier:
    """The stored right edge of the tree of ``size`` leaves, ready to append to."""
    subtrees = perfect_subtrees(0, size)
    hashes = fetch(conn, subtrees)
    return Frontier(size, [hashes[p] for p in subtrees], record)


def inclusion_proof(conn: Any, index: int, size: int) -> list[bytes]:
    return _resolve(conn, inclusion_ranges(index, size))


def consistency_proof(conn: Any, old: int, new: int) -> list[bytes]:
    return _resolve(conn, consistency_ranges(old, new))
