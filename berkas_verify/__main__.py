"""``python -m berkas_verify verify-bundle FILE``: exit 0 if it verifies against the published
key, 1 if it does not verify, 2 on misuse, 3 if it is consistent but no published key was given."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from berkas_verify import note
from berkas_verify.bundle import Trust, verify_bundle

UNPINNED = 3


def _public_keys(paths: list[Path]) -> list[Ed25519PublicKey]:
    """PEM public keys, or verifier-key lines (name+keyid+base64), one file each."""
    found = []
    for path in paths:
        data = path.read_bytes()
        if b"BEGIN PUBLIC KEY" in data:
            key = serialization.load_pem_public_key(data)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path}: not an Ed25519 key")
            found.append(key)
        else:
            found += [note.parse_verifier_key(line)[1] for line in data.decode().splitlines() if line.strip()]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="berkas_verify", description="Verify a Berkas case bundle offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify-bundle", help="check every event, proof and signature in a bundle")
    check.add_argument("file", type=Path)
    check.add_argument(
        "--public-key", type=Path, action="append", default=[], help="the ledger's published public key (PEM)"
    )
    check.add_argument(
        "--fingerprint", action="append", default=[], help="SHA-256 of the published key (hex, at least 16 digits)"
    )
    args = parser.parse_args(argv)
    try:
        data = args.file.read_bytes()
        trust = Trust(_public_keys(args.public_key), args.fingerprint)
    except OSError as error:
        print(f"berkas_verify: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except (ValueError, note.NoteError) as error:
        print(f"berkas_verify: --public-key: {error}", file=sys.stderr)
        return 2
    report = verify_bundle(data, trust)
    for problem in report.problems:
        print(f"FAIL {problem}")
    print(report.summary)
    if not report.ok:
        return 1
    return 0 if report.pinned else UNPINNED


if __name__ == "__main__":
    sys.exit(main())
