"""``python -m berkas_verify verify-bundle FILE``: exit 0 if it verifies, 1 if not, 2 on misuse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from berkas_verify.bundle import verify_bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="berkas_verify", description="Verify a Berkas case bundle offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify-bundle", help="check every event, proof and signature in a bundle")
    check.add_argument("file", type=Path)
    check.add_argument(
        "--public-key",
        type=Path,
        help="the ledger's published public key (PEM); without it, the bundle's own is trusted",
    )
    args = parser.parse_args(argv)
    try:
        data = args.file.read_bytes()
        pinned = args.public_key.read_bytes() if args.public_key else None
    except OSError as error:
        print(f"berkas_verify: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    report = verify_bundle(data, pinned)
    for problem in report.problems:
        print(f"FAIL {problem}")
    print(report.summary)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
