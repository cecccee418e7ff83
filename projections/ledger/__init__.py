"""The tamper-evident ledger (buku besar segel): a hash chain over the event log as stored,
a Merkle tree per recording day, checkpoints signed with Ed25519, and case bundles that a
legal reviewer verifies offline with ``python -m berkas_verify``."""
