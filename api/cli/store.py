"""``berkas store``: the event store itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import typer
from rich.console import Console

from api import backup as backups
from api.bootstrap import StoreNotReady, System, settings_from_environment, store_for
from api.cli.common import system
from api.cli.ledger import announce_key
from api.http import tables as http_tables
from api.ui import session as ui_sessions
from berkas_verify import note
from projections.eventstore.store import Store
from projections.ledger import facts
from projections.ledger import keys as ledger_keys
from projections.ledger.results import RESULTS, create_results
from projections.privacy import keyfile, rotation
from projections.privacy.legacy import plaintext_events
from projections.privacy.vault import Vault
from projections.runner import positions

app = typer.Typer(help="The event store (tables, append-only guards).", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command("init")
def init() -> None:
    """Create the event tables, the ledger and their append-only triggers, the API's tables
    (rebuild jobs, idempotency keys), and the ledger's signing key if there is none (safe to
    repeat)."""
    with system() as built:
        http_tables.create(built.store)
        with built.store.connect() as conn:
            ui_sessions.create_table(conn)
        out.print(f"event store ready: {built.store.describe()}, table {built.store.events_table} is append-only")
        announce_key(built)


@app.command("info")
def info() -> None:
    """Where the store is, how many events it holds, how far each view is, which keys are set."""
    with system() as built:
        last = built.app.recorder.max_notification_id() or 0
        out.print(f"{built.store.describe()}: {last} events (last notification id)", soft_wrap=True)
        plain = plaintext_events(built.store)
        if plain:
            out.print(
                f"{plain} events hold personal data in plaintext (written before per-subject encryption): "
                "it cannot be erased; regenerate the store (e.g. `berkas demo` into a new one)",
                soft_wrap=True,
            )
        else:
            out.print(f"personal data is sealed per subject; key file {built.settings.personal_data_key_file}")
        views = positions(built.store)
        ledger_key, usable = _ledger_key(built)
    out.print(f"berkas {version('berkas')}")
    for name, position in sorted(views.items()):
        out.print(f"view {name}: at {position} ({last - position} behind)")
    out.print(f"ledger key: {ledger_key}", soft_wrap=True, markup=False, highlight=False)
    if not usable:
        raise typer.Exit(1)


def _ledger_key(built: System) -> tuple[str, bool]:
    """The ledger key as the API and the worker will load it: a file that is there but
    cannot sign (not a key, readable by others) is said so, not listed as the key."""
    try:
        key = built.ledger_key
    except ledger_keys.LedgerKeyError as error:
        return f"unusable: {error}", False
    if key is None:
        return "none (checkpoints stay unsigned)", True
    return f"{built.ledger_key_path} (fingerprint {note.fingerprint(key.public_key())})", True


LEDGER_KEY_FILE, PERSONAL_DATA_KEY_FILE = "ledger-key.pem", "personal-data.key"


@app.command("keygen")
def keygen(directory: Path = typer.Argument(..., help="Where to write the key files (created if missing)")) -> None:
    """Create the keys a new installation needs, each only if missing (never overwritten):
    the ledger's signing key (ledger-key.pem) and the personal-data key file (personal-data.key),
    both readable by their owner only. Point BERKAS_LEDGER_KEY_PATH and
    BERKAS_PERSONAL_DATA_KEY_PATH at them; keep copies apart from the database backups."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, generate in ((LEDGER_KEY_FILE, ledger_keys.generate), (PERSONAL_DATA_KEY_FILE, keyfile.generate)):
        path = directory / name
        if path.exists():
            out.print(f"{path} exists: kept as it is", soft_wrap=True)
            continue
        try:
            generate(path)
        except (ledger_keys.LedgerKeyError, keyfile.PersonalDataKeyError) as error:
            raise typer.BadParameter(str(error)) from None
        out.print(f"{path} written", soft_wrap=True)


KEYS_APART = (
    "the keys are not in it: keep the ledger key and the personal-data keys (BERKAS_*_KEY_PATH files) "
    "backed up separately; without the personal-data keys, the personal data in a backup cannot be read"
)


@contextmanager
def bare_store() -> Iterator[Store]:
    """The configured store without the application over it (a backup or a restore moves
    the whole database); a refusal is one line and a non-zero exit."""
    store = store_for(settings_from_environment())
    try:
        yield store
    except backups.BackupError as error:
        raise typer.BadParameter(str(error)) from None
    finally:
        store.close()


@app.command("backup")
def backup(file: Path = typer.Argument(..., help="New file to write (PostgreSQL: pg_dump custom format)")) -> None:
    """Copy the whole store (events, views, their positions) into FILE, consistently, while it runs.
    PostgreSQL needs pg_dump; SQLite uses its online backup API."""
    with bare_store() as store:
        backups.backup(store, file)
    out.print(f"backup written to {file} ({file.stat().st_size:,} bytes); {KEYS_APART}", soft_wrap=True)


@app.command("restore")
def restore(
    file: Path = typer.Argument(..., help="A file from `berkas store backup` (or pg_dump --format=custom)"),
    keep_owners: bool = typer.Option(
        True, "--keep-owners/--no-owners", help="PostgreSQL: keep tables' owners and grants (the roles must exist)"
    ),
) -> None:
    """Restore FILE into the configured store, which must be empty (a new database or file).
    Then run `berkas ledger verify` against it; restore the key files separately."""
    with bare_store() as store:
        backups.restore(store, file, keep_owners=keep_owners)
    out.print(f"restored {file} into {store.describe()}; {KEYS_APART}", soft_wrap=True)


@app.command("create-app-role")
def create_app_role(
    name: str = typer.Argument(..., help="Role name, e.g. berkas_app"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="BERKAS_APP_ROLE_PASSWORD"
    ),
) -> None:
    """PostgreSQL: create (or update) the application's login role: SELECT and INSERT on the
    event log (not its notification id; and the UPDATE the library's table lock needs, which
    the trigger refuses), no DELETE, TRUNCATE or DDL on it, and INSERT only on the ledger's
    append-only facts (the worker seals as this role) and verification results, and what
    the API does to its rebuild jobs and idempotency keys. Run as the table owner; start the
    API and the worker as this role."""
    with system() as built:
        with built.store.connect() as conn:
            facts.create(conn)
            facts.origin(conn, built.settings.ledger_origin)
            create_results(conn)
            ui_sessions.create_table(conn)
        try:
            built.store.create_app_role(name, password, appends_to=(*facts.FACT_TABLES, RESULTS))
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        http_tables.create(built.store)
        http_tables.grant(built.store, name)
        with built.store.connect() as conn:
            ui_sessions.grant_to(conn, name)
    out.print(f"role {name} may read and append to {built.store.events_table}, nothing more")


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-wrap every subject's data key (and every erasure's tombstone) under a new
    key-encryption key and put the new personal-data key file in place of the old, which is
    removed; the index key is kept (searches keep finding). Stop the API and the workers
    first: it is refused while another session uses the store. Killed at any point, the
    store opens with the key file then in place; running it again finishes or repeats it."""
    path = settings_from_environment().personal_data_key_file
    with bare_store() as store:
        if not Vault.store_holds_subjects(store):
            raise StoreNotReady("this store holds no sealed personal data yet: there is no key to rotate")
        try:
            done = rotation.rotate(store, path)
        except (rotation.RotationRefused, keyfile.PersonalDataKeyError) as error:
            raise StoreNotReady(str(error)) from None
    if done.resumed:
        out.print(f"finished an interrupted rotation: {path} is the store's key file now", soft_wrap=True)
    else:
        out.print(
            f"{done.keys} data keys and {done.tombstones} erasure tombstones re-wrapped under a new key; "
            f"{path} replaced; the old key is removed, and backups taken before cannot be read without a copy of it",
            soft_wrap=True,
        )
    if not done.wiped:
        raise _not_wiped()


def _not_wiped() -> typer.Exit:
    err.print(
        "berkas: the old row versions could not be wiped now (readers held them back, or the role may not "
        "VACUUM): run `berkas store wipe` again, as the tables' owner, when the store is quiet",
        markup=False,
        highlight=False,
    )
    return typer.Exit(1)


@app.command("wipe")
def wipe() -> None:
    """Remove the old versions of the personal-data rows from the store's files (what an
    erasure and a key rotation leave): SQLite truncates its WAL, PostgreSQL VACUUMs and
    reindexes the personal-data tables (as their owner). Exit 0 when done, 1 when it could
    not be done now."""
    with system() as built:
        wiped = built.vault.wipe_old_versions()
    if not wiped:
        raise _not_wiped()
    out.print("old versions of the personal-data rows wiped from the store's files")
