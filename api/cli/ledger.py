"""``berkas ledger``: the transparency log over the event log (segel buku besar)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from api.bootstrap import System, witnessed
from api.cli.common import system
from berkas_verify import note
from projections.ledger import facts, keys, witness
from projections.ledger.results import record
from projections.ledger.seal import CheckpointResult, KeyNotCurrent, SealProjection, checkpoint_now
from projections.ledger.verify import Verification, verify
from projections.runner import catch_up

app = typer.Typer(help="The transparency log: seal, sign, verify, witness.", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"berkas: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def signing_key(built: System) -> Ed25519PrivateKey | None:
    """The ledger key if there is one; a configured key that cannot be read is an error."""
    try:
        return built.ledger_key
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None


def _required_key(built: System) -> Ed25519PrivateKey:
    key = signing_key(built)
    if key is None:
        raise _fail(f"no ledger key at {built.ledger_key_path} (create one with `berkas store init`)")
    return key


def _origin(built: System) -> str:
    with built.store.connect() as conn:
        facts.create(conn)
        return facts.origin(conn, built.settings.ledger_origin)


def announce_key(built: System) -> None:
    """Create the ledger key where it belongs if there is none, and say which key signs."""
    try:
        key, created = built.ensure_ledger_key()
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None
    name = _origin(built)
    verb = "created" if created else "uses"
    if built.settings.ledger_key_path is None and built.settings.database_url:
        err.print(
            f"set BERKAS_LEDGER_KEY_PATH={built.ledger_key_path.resolve()} for the worker and the API: "
            "on PostgreSQL a key is used only where it is configured",
            soft_wrap=True,
            markup=False,
        )
    out.print(
        f"ledger {verb} key {built.ledger_key_path} (fingerprint {note.fingerprint(key.public_key())})\n"
        f"publish its verifier key: {note.verifier_key(name, key.public_key())}",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )


@app.command("keygen")
def keygen(path: Path = typer.Argument(..., help="Where to write the private key (PEM, mode 0600)")) -> None:
    """Create an Ed25519 signing key; point BERKAS_LEDGER_KEY_PATH at it."""
    try:
        key = keys.generate(path)
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None
    out.print(f"ledger key written to {path} (fingerprint {note.fingerprint(key.public_key())}); keep it private")


@app.command("pubkey")
def pubkey(
    every: bool = typer.Option(False, "--all", help="Every key the log was ever signed with, and its validity"),
    output: Path = typer.Option(None, "-o", "--output", help="Write the PEM here instead of stdout"),
) -> None:
    """Export the public key (PEM) for auditors and reviewers, or list every key with --all."""
    with system() as built:
        if every:
            with built.store.connect() as conn:
                found = facts.registered_keys(conn)
                name = facts.stored_origin(conn)
            current = signing_key(built)
            for i, k in enumerate(found):
                until = f"before tree size {found[i + 1].from_size}" if i + 1 < len(found) else "now"
                mark = (
                    " (current)"
                    if current and note.raw_public(current.public_key()) == note.raw_public(k.public_key)
                    else ""
                )
                typer.echo(
                    f"{note.verifier_key(k.name, k.public_key)}  fingerprint {note.fingerprint(k.public_key)}  "
                    f"valid from tree size {k.from_size} {until}{mark}"
                )
            if not found:
                err.print(f"no key has signed a checkpoint of {name or 'this log'} yet")
            return
        pem = keys.public_pem(_required_key(built).public_key())
    if output is None:
        typer.echo(pem, nl=False)
    else:
        output.write_text(pem)
        err.print(f"public key written to {output}")


@app.command("seal")
def seal() -> None:
    """Seal every event recorded since the last run (checkpointing and signing closed days)."""
    with system() as built:
        sealed = catch_up(built.store, [SealProjection(signing_key(built), built.settings.ledger_origin)])
    out.print(f"sealed {sealed} events")


def checkpoint_or_refuse(
    built: System, key: Ed25519PrivateKey, adopt: bool = False, accept_witness_reset: bool = False
) -> CheckpointResult:
    """``checkpoint_now``, its refusals as one line: a key that is not the ledger's (exit 2),
    a database that no longer holds what this installation signed (exit 1)."""
    try:
        return checkpoint_now(built.store, key, built.settings.ledger_origin, adopt, accept_witness_reset)
    except (KeyNotCurrent, witness.WitnessError) as error:
        raise _fail(str(error)) from None
    except witness.HistoryRewritten as error:
        raise _fail(str(error), 1) from None


@app.command("checkpoint")
def checkpoint(
    accept_witness_reset: bool = typer.Option(
        False,
        "--accept-witness-reset",
        help="After restoring a backup older than the last checkpoint signed here: sign anyway and "
        "witness the restored ledger from now on (never to silence a refusal you cannot explain)",
    ),
) -> None:
    """Seal what is pending, sign unsigned checkpoints, and checkpoint the log as it stands;
    refused (nothing signed) where the database no longer holds the checkpoint this
    installation signed last (its witness, beside the key)."""
    with system() as built:
        result = checkpoint_or_refuse(built, _required_key(built), accept_witness_reset=accept_witness_reset)
    latest = result.checkpoint
    size = f"; latest checkpoint: tree size {latest.size}" if latest else ""
    out.print(f"sealed {result.sealed} events, signed {result.signed} checkpoints{size}")


@app.command("latest")
def latest(output: Path = typer.Option(None, "-o", "--output", help="Write the note here instead of stdout")) -> None:
    """The latest signed checkpoint as a C2SP signed note: keep it elsewhere to witness the log."""
    with system() as built, built.store.connect() as conn:
        found = facts.checkpoints(conn, signed_only=True)
        if not found:
            raise _fail("no signed checkpoint yet (run `berkas ledger checkpoint`)")
        text = str(found[-1].note(facts.stored_origin(conn) or ""))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        err.print(f"checkpoint of tree size {found[-1].size} written to {output}")


@app.command("cosign")
def cosign(
    file: Path = typer.Argument(..., help="A checkpoint (signed note) to add a witness signature to"),
    key: Path = typer.Option(..., "--key", help="The witness's Ed25519 private key (PEM)"),
    name: str = typer.Option(None, "--name", help="The witness's key name (default: from its fingerprint)"),
) -> None:
    """Add a witness's signature line to a checkpoint file (in place)."""
    try:
        witness = keys.load_private(key)
        signed = note.parse_note(file.read_text())
        note.parse_checkpoint(signed.text)
        label = name or f"witness.berkas.invalid/{note.fingerprint(witness.public_key())[:16]}"
        line = note.sign(signed.text, label, witness)
    except (keys.LedgerKeyError, note.NoteError) as error:
        raise _fail(str(error)) from None
    except OSError as error:
        raise _fail(f"{file}: {error.strerror}") from None
    file.write_text(str(note.Note(signed.text, (*signed.signatures, line))))
    out.print(f"cosigned {file} as {label} ({note.verifier_key(label, witness.public_key())})", soft_wrap=True)


@app.command("rotate-key")
def rotate_key() -> None:
    """Sign from now on with a new key. Checkpoints signed by the old one keep verifying: its
    public half stays registered; its private file is moved aside (destroy it when you may)."""
    with system() as built:
        old = _required_key(built)
        path = built.ledger_key_path
        fresh = path.with_name(path.name + ".new")
        try:
            new = keys.generate(fresh)
        except keys.LedgerKeyError as error:
            raise _fail(str(error)) from None
        # Close what the old key vouches for, then hand over: the witness follows the new key.
        try:
            checkpoint_or_refuse(built, old)
        except typer.Exit:
            fresh.unlink()
            raise
        retired = keys.retire(path, note.fingerprint(old.public_key()))
        fresh.rename(path)
        new = witnessed(built.settings, new)
        built.__dict__["ledger_key"] = new
        result = checkpoint_or_refuse(built, new, adopt=True)
    out.print(
        f"new ledger key {path} (fingerprint {note.fingerprint(new.public_key())}) signs from tree size "
        f"{result.checkpoint.size if result.checkpoint else 0}; the old key was moved to {retired}",
        soft_wrap=True,
    )


def _public_keys(paths: list[Path]) -> list[Ed25519PublicKey]:
    try:
        return [keys.load_public(p) for p in paths]
    except keys.LedgerKeyError as error:
        raise _fail(str(error)) from None


def _held(path: Path | None) -> list[note.Note]:
    if path is None:
        return []
    try:
        return note.split_notes(path.read_text())
    except OSError as error:
        raise _fail(f"--against {path}: {error.strerror}") from None
    except (note.NoteError, UnicodeDecodeError) as error:
        raise _fail(f"--against {path}: {error}") from None


def _run(built: System, public_key: list[Path], held: list[note.Note], quiet: bool) -> Verification:
    pinned = _public_keys(public_key)
    key = signing_key(built)
    given = pinned or ([key.public_key()] if key else [])
    # Where the key is, so is its signer's witness: the database must still hold what it signed.
    path = witness.path_of(key) if key else None
    try:
        witnessed = witness.read(path) if path else None
    except witness.WitnessError as error:
        raise _fail(str(error)) from None
    if quiet or not err.is_terminal:
        return verify(built.store, given, held, pinned=bool(pinned), witnessed=witnessed)
    columns = (TextColumn("verifying"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} events"))
    with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("verify", total=None)
        return verify(
            built.store,
            given,
            held,
            lambda done, total: bar.update(task, completed=done, total=total),
            bool(pinned),
            witnessed,
        )


@app.command("verify")
def verify_command(
    public_key: list[Path] = typer.Option(
        None, "--public-key", help="Trust only this published key (PEM; repeat for rotated keys)"
    ),
    against: Path = typer.Option(None, "--against", help="A checkpoint kept elsewhere: prove today's log extends it"),
    as_json: bool = typer.Option(False, "--json", help="The result as JSON on stdout"),
) -> None:
    """Recompute the tree from every stored event and compare it with the ledger; exit 1 on divergence."""
    held = _held(against)
    with system() as built:
        result = _run(built, public_key or [], held, as_json)
        record(built.store, result)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), default=str, indent=1) + "\n")
    else:
        out.print(result.describe(), markup=False, highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)
