"""``berkas case``: one case file as a whole (berkas perkara)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import typer
from rich.console import Console

from api.cli.common import system
from api.cli.ledger import signing_key
from domain.case import Case
from domain.errors import InvalidCommand
from domain.transcodings import marking_unreadable
from projections.ledger.bundle import build_bundle

app = typer.Typer(help="Whole case files: bundles for legal review.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)


@app.command("bundle")
def bundle(
    case_id: str = typer.Argument(..., help="The case id (UUID)"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the bundle (JSON)"),
) -> None:
    """Write the case's events, their proofs, the signed checkpoints and the log's keys to
    one file; check it anywhere with `python -m berkas_verify verify-bundle FILE --public-key KEY`."""
    try:
        case = UUID(case_id)
    except ValueError:
        raise InvalidCommand("case_id", "must be a UUID") from None
    with system() as built:
        # As the API: a case, whose events decode, or one line. Its personal data goes into the
        # bundle sealed, as stored: a data subject's key row altered is no reason to refuse it.
        with marking_unreadable():
            built.app.get_typed(case, Case)
        data = build_bundle(built.store, case, signing_key(built))
    output.write_bytes(data)
    err.print(f"bundle of case {case} written to {output} ({len(data):,} bytes)")
