"""Backup and restore of the whole store: the event log, the views, their positions.

PostgreSQL: ``pg_dump`` custom format, one consistent snapshot, restored by ``pg_restore``
into an empty database. SQLite: the online backup API, a consistent copy even while the
API writes. Keys are not in the store, so not in a backup: the ledger key and the
personal-data keys are files of their own, kept (and restored) separately.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from projections.eventstore.store import Store

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why in one line."""


def _libpq(store: Store) -> tuple[str, dict[str, str]]:
    """The URL without its password (command lines are visible to every user of the
    machine) and an environment carrying it instead."""
    parts = urlsplit(store.database_url or "")
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (package postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise BackupError(f"{Path(command[0]).name} failed: {last}")


def _on_postgresql(store: Store) -> bool:
    return store.dialect.name == "postgresql"


def backup(store: Store, target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"{target}: the folder {target.parent} does not exist")
    if _on_postgresql(store):
        url, env = _libpq(store)
        _run([_tool("pg_dump"), "--format=custom", "--file", str(target), "--dbname", url], env)
        return
    if not store.sqlite_path.exists():
        raise BackupError(f"there is no SQLite file at {store.sqlite_path}")
    source = sqlite3.connect(store.sqlite_path)
    try:
        _copy(source, target, f"the backup to {target} failed")
    finally:
        source.close()


def _copy(source: sqlite3.Connection, target: Path, failed: str) -> None:
    """SQLite's backup API into ``target`` (a new file, or an empty store's): one
    transaction, and a file it created is removed again if the copy fails, so a backup or a
    restore leaves a whole copy or nothing. The error is named, never quoted."""
    created = not target.exists()
    try:
        copy = sqlite3.connect(target)
    except sqlite3.Error as error:
        raise BackupError(f"{target} cannot be written ({error.sqlite_errorname})") from None
    try:
        source.backup(copy)
    except sqlite3.Error as error:
        copy.close()
        if created:
            target.unlink(missing_ok=True)
        raise BackupError(f"{failed} ({error.sqlite_errorname}); nothing was kept") from None
    copy.close()


def _kind(source: Path) -> str:
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{source} is neither a pg_dump custom-format archive nor an SQLite file")


def _empty(store: Store) -> bool:
    if not _on_postgresql(store):
        if not store.sqlite_path.exists():
            return True
        with store.connect() as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    with store.connect() as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    return tables == 0


def restore(store: Store, source: Path, keep_owners: bool = True) -> None:
    """Into an empty store only: a restore never mixes two histories."""
    if not source.is_file():
        raise BackupError(f"there is no backup file at {source}")
    kind, wanted = _kind(source), store.dialect.name
    if kind != wanted:
        raise BackupError(f"{source} is a {kind} backup, but the store configured is {wanted}")
    if not _empty(store):
        raise BackupError(f"{store.describe()} is not empty: restore into a new, empty database")
    if _on_postgresql(store):
        url, env = _libpq(store)
        owners = [] if keep_owners else ["--no-owner", "--no-privileges"]
        _run(
            [_tool("pg_restore"), "--exit-on-error", "--single-transaction", *owners, "--dbname", url, str(source)], env
        )
        return
    copy = _checked_sqlite_backup(source, store.events_table)
    try:
        _copy(copy, store.sqlite_path, f"the restore of {source} failed")
    finally:
        copy.close()


def _checked_sqlite_backup(source: Path, events_table: str) -> sqlite3.Connection:
    """The backup opened read-only, once SQLite's own check finds every page whole and it
    holds an event log: a truncated or altered file, or another program's database, is
    refused before anything is written."""
    copy = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        whole = copy.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        holds_log = whole and copy.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (events_table,)
        ).fetchone() == (1,)
    except sqlite3.DatabaseError:
        whole = holds_log = False
    if not holds_log:
        copy.close()
        why = "it has no event log (not a Berkas backup)" if whole else "it is damaged (truncated or altered)"
        raise BackupError(f"{source} cannot be restored: {why}; nothing was restored")
    return copy
