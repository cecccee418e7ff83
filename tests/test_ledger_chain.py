"""The ledger's hashing rules: the server's and the standalone verifier's agree."""

from __future__ import annotations

import uuid

import pytest

import berkas_verify.bundle as offline
from projections.ledger import chain


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 33])
def test_every_inclusion_proof_leads_to_the_root_the_seal_computes(size):
    leaves = [chain.leaf_hash(n, uuid.uuid4(), 1, "berkas:T.E", b"{}") for n in range(1, size + 1)]
    tree = chain.levels(leaves)
    for index, leaf in enumerate(leaves):
        assert offline.root_from_proof(leaf, index, size, chain.inclusion_proof(tree, index)) == chain.merkle_root(
            leaves
        )


def test_a_proof_for_one_position_does_not_prove_another():
    leaves = [chain.leaf_hash(n, uuid.uuid4(), 1, "berkas:T.E", b"{}") for n in range(1, 8)]
    tree = chain.levels(leaves)
    assert offline.root_from_proof(leaves[2], 3, 7, chain.inclusion_proof(tree, 2)) != chain.merkle_root(leaves)


def test_the_leaf_commits_to_every_field_and_both_sides_encode_it_alike():
    case = uuid.uuid4()
    base = (7, case, 2, "berkas:PassportApplication.Issued", b'{"a":1}')
    assert chain.leaf_hash(*base) == offline.leaf_hash(*base)
    variants = [
        (8, *base[1:]),
        (7, uuid.uuid4(), *base[2:]),
        (*base[:2], 3, *base[3:]),
        (*base[:3], "berkas:PassportApplication.Issuer", base[4]),
        (*base[:4], b'{"a":2}'),
    ]
    assert len({chain.leaf_hash(*v) for v in [base, *variants]}) == 6


def test_topic_and_state_boundaries_cannot_be_shifted():
    case = uuid.uuid4()
    assert chain.leaf_hash(1, case, 1, "ab", b"c") != chain.leaf_hash(1, case, 1, "a", b"bc")


def test_recording_days_never_go_back_even_when_timestamps_do():
    def state(moment: str) -> bytes:
        return b'{"timestamp":{"_type_":"datetime_iso","_data_":"' + moment.encode() + b'"},"x":1}'

    assert chain.recorded_day(state("2024-03-02T23:59:59+00:00"), None) == "2024-03-02"
    assert chain.recorded_day(state("2024-03-01T23:59:59+00:00"), "2024-03-02") == "2024-03-02"
    # A recording time in another zone counts by its UTC day.
    assert chain.recorded_day(state("2024-03-04T05:00:00+07:00"), "2024-03-02") == "2024-03-03"
    assert chain.recorded_day(b"not json", "2024-03-02") == "2024-03-02"
