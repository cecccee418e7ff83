"""Offline verifier of Berkas case bundles (berkas perkara) and ledger checkpoints.

It depends only on the standard library and ``cryptography`` and re-implements the
ledger's rules itself (RFC 6962 Merkle trees, C2SP signed-note checkpoints), so a
reviewer can read the whole check in one sitting and run it on a machine that has
never seen the Berkas server:

    python -m berkas_verify verify-bundle bundle.json --public-key ledger.pub
"""

from berkas_verify.bundle import BUNDLE_FORMAT, Trust, canonical_dumps, decoded_view, verify_bundle

__all__ = ["BUNDLE_FORMAT", "Trust", "canonical_dumps", "decoded_view", "verify_bundle"]
