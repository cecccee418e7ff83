"""``berkas ledger``: the tamper-evident seal over the event log (segel buku besar)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from rich.console import Console

from api.bootstrap import load_ledger_key, settings_from_environment
from api.cli.common import system
from api.settings import Settings
from projections.ledger import keys
from projections.ledger.seal import SealProjection, checkpoint_now
from projections.ledger.verify import verify
from projections.runner import catch_up

app = typer.Typer(help="The tamper-evident ledger: seal, sign, verify.", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"berkas: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The configured ledger key, or None when BERKAS_LEDGER_KEY_PATH is unset."""
    try:
        return load_ledger_key(settings)
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None


def _required_key(settings: Settings) -> Ed25519PrivateKey:
    key = signing_key(settings)
    if key is None:
        raise _fail("BERKAS_LEDGER_KEY_PATH is not set (create a key with `berkas ledger keygen PATH`)")
    return key


@app.command("keygen")
def keygen(path: Path = typer.Argument(..., help="Where to write the private key (PEM, mode 0600)")) -> None:
    """Create the ledger's Ed25519 signing key; point BERKAS_LEDGER_KEY_PATH at it."""
    try:
        key = keys.generate(path)
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None
    out.print(f"ledger key written to {path} (key id {keys.key_id(key.public_key())}); keep it private")


@app.command("pubkey")
def pubkey(output: Path = typer.Option(None, "-o", "--output", help="Write the PEM here instead of stdout")) -> None:
    """Export the public key (PEM) for auditors and reviewers."""
    pem = keys.public_pem(_required_key(settings_from_environment()).public_key())
    if output is None:
        typer.echo(pem, nl=False)
    else:
        output.write_text(pem)
        err.print(f"public key written to {output}")


@app.command("seal")
def seal() -> None:
    """Seal every event recorded since the last run (signing complete days, given the key)."""
    with system() as built:
        sealed = catch_up(built.store, [SealProjection(signing_key(built.settings))])
    out.print(f"sealed {sealed} events")


@app.command("checkpoint")
def checkpoint() -> None:
    """Seal what is pending, sign unsigned days, and sign the open day as it stands."""
    with system() as built:
        result = checkpoint_now(built.store, _required_key(built.settings))
    opened = result.open_day
    today = "" if opened is None else f"; {opened.day} signed up to notification id {opened.last_notification_id}"
    out.print(f"sealed {result.sealed} events, signed {result.signed_days} complete days{today}")


@app.command("verify")
def verify_command(
    from_day: str = typer.Option(
        None, "--from", help="Start at this recording day (YYYY-MM-DD), trusting its signed predecessor"
    ),
    public_key: Path = typer.Option(
        None, "--public-key", help="The published public key (default: from the ledger key)"
    ),
) -> None:
    """Recompute the chain, the days and the checkpoints from the stored events; exit 1 on divergence."""
    if from_day is not None:
        try:
            date.fromisoformat(from_day)
        except ValueError:
            raise _fail(f"--from: {from_day!r} is not a date (YYYY-MM-DD)") from None
    with system() as built:
        key: Ed25519PublicKey | None
        try:
            key = keys.load_public(public_key) if public_key else None
        except keys.LedgerKeyError as error:
            raise _fail(str(error)) from None
        if key is None:
            private = signing_key(built.settings)
            key = private.public_key() if private else None
        result = verify(built.store, key, from_day)
    out.print(result.describe(), markup=False, highlight=False)
    if not result.ok:
        raise typer.Exit(1)
