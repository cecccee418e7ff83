"""The ledger's Merkle tree follows RFC 6962 exactly: published test vectors, and random
tree sizes checked by the independent verifier in ``berkas_verify``."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berkas_verify import merkle
from projections.eventstore.dialects import SQLiteConnection
from projections.ledger import facts, tree

# Test vectors of transparency-dev/merkle, proof/verify_test.go (the classic Certificate
# Transparency reference set): the eight leaves' data, the roots of the trees of 1..8
# leaves, and inclusion (1-based leaf, size) and consistency (size1, size2) proofs.
LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def stored_tree(leaves: list[bytes]) -> sqlite3.Connection:
    """A tree as the seal stores it: leaves and every perfect inner node."""
    conn = sqlite3.connect(":memory:", factory=SQLiteConnection)
    facts.create(conn)
    edge = tree.Frontier(record=True)
    for leaf in leaves:
        edge.append(leaf)
    conn.executemany(
        "INSERT INTO ledger_leaves (leaf_index, notification_id, day, leaf) VALUES (?, ?, '2024-01-01', ?)",
        [(i, i + 1, leaf) for i, leaf in enumerate(leaves)],
    )
    conn.executemany("INSERT INTO ledger_nodes (node, hash) VALUES (?, ?)", edge.created)
    return conn


def vector_leaves() -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(data)) for data in LEAVES]


def test_roots_of_every_size_match_the_published_vectors():
    conn = stored_tree(vector_leaves())
    edge = tree.Frontier()
    for size, leaf in enumerate(vector_leaves(), start=1):
        edge.append(leaf)
        assert edge.root().hex() == ROOTS[size - 1]
        assert tree.root(conn, size).hex() == ROOTS[size - 1]
    assert tree.root(conn, 0) == merkle.EMPTY_ROOT


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(leaf, size, proof):
    conn = stored_tree(vector_leaves())
    built = tree.inclusion_proof(conn, leaf - 1, size)
    assert [p.hex() for p in built] == proof
    merkle.verify_inclusion(leaf - 1, size, vector_leaves()[leaf - 1], built, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(old, new, proof):
    conn = stored_tree(vector_leaves())
    built = tree.consistency_proof(conn, old, new)
    assert [p.hex() for p in built] == proof
    merkle.verify_consistency(old, new, bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[new - 1]), built)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_a_corrupted_consistency_proof_fails(old, new, proof):
    roots = [bytes.fromhex(r) for r in ROOTS]
    hashes = [bytes.fromhex(p) for p in proof]
    probes = [
        (old - 1, new, hashes),
        (old + 1, new, hashes),
        (old, new * 2, hashes),
        (old, new, hashes[:-1]),
        (old, new, [*hashes, hashes[0]]),
        (old, new, [bytes([hashes[0][0] ^ 16]) + hashes[0][1:], *hashes[1:]]),
    ]
    for size1, size2, path in probes:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(size1, size2, roots[old - 1], roots[new - 1], path)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(old, new, roots[new - 1], roots[old - 1], hashes)


def test_trivial_consistency_follows_the_rfc():
    some = merkle.EMPTY_ROOT
    merkle.verify_consistency(0, 5, some, b"x" * 32, [])
    merkle.verify_consistency(3, 3, some, some, [])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(3, 3, some, b"x" * 32, [])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(2, 1, some, some, [])


def leaves_of(size: int) -> list[bytes]:
    return [merkle.event_leaf(n, uuid.UUID(int=n), 1, "berkas:T.E", b"{}") for n in range(1, size + 1)]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_any_leaf_of_any_tree_proves_its_inclusion(size, data):
    leaves = leaves_of(size)
    conn = stored_tree(leaves)
    root = tree.root(conn, size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tree.inclusion_proof(conn, index, size)
    merkle.verify_inclusion(index, size, leaves[index], proof, root)
    if size > 1:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion((index + 1) % size, size, leaves[index], proof, root)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_any_two_sizes_prove_consistency(new, data):
    leaves = leaves_of(new)
    conn = stored_tree(leaves)
    old = data.draw(st.integers(min_value=0, max_value=new))
    proof = tree.consistency_proof(conn, old, new)
    merkle.verify_consistency(old, new, tree.root(conn, old), tree.root(conn, new), proof)
    if 0 < old < new:
        other = tree.Frontier()
        for leaf in [*leaves[: old - 1], merkle.leaf_hash(b"forged")]:
            other.append(leaf)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(old, new, other.root(), tree.root(conn, new), proof)


def test_the_leaf_commits_to_every_field_and_its_type():
    case = uuid.uuid4()
    base = (7, case, 2, "berkas:PassportApplication.Issued", b'{"a":1}')
    variants = [
        (8, *base[1:]),
        (7, uuid.uuid4(), *base[2:]),
        (*base[:2], 3, *base[3:]),
        (*base[:3], "berkas:PassportApplication.Issuer", base[4]),
        (*base[:4], b'{"a":2}'),
        (*base[:4], '{"a":1}'),
        (*base[:4], None),
        (*base[:3], None, base[4]),
        (*base[:4], 5),
        (*base[:4], {"a": 1}),
    ]
    assert len({merkle.event_leaf(*v) for v in [base, *variants]}) == len(variants) + 1
    assert merkle.event_leaf(1, case, 1, "ab", b"c") != merkle.event_leaf(1, case, 1, "a", b"bc")


def test_the_fast_leaf_encoding_is_the_general_one():
    case = uuid.uuid4()
    general = b"".join(merkle._field(v) for v in (-1, case, 2, "tøpic", b"state"))
    assert merkle.event_leaf(-1, case, 2, "tøpic", b"state") == merkle.leaf_hash(general)
