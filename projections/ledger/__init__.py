"""The ledger (buku besar segel): a transparency log inside the event store. One RFC 6962
Merkle tree over every stored event, checkpoints as C2SP signed notes kept as append-only
facts, witnesses, and case bundles that a legal reviewer verifies offline with
``python -m berkas_verify``."""
