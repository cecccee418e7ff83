"""Rotating the key-encryption key (rotasi kunci): every subject's data key, every erasure's
tombstone and the store's key check wrapped anew under a new KEK; the index key is kept, so
the blind indexes keep finding.

The steps, each leaving a store that opens with a key file present:

1. the new key file is written beside the current one, as ``<file>.next`` (synced);
2. one transaction re-wraps every row, with the store to itself (SQLite: an exclusive lock
   on the file; PostgreSQL: the start-up and erasure locks, refused while any other session
   is connected, since a running server would go on wrapping new subjects under the KEK it
   cached);
3. ``<file>.next`` replaces ``<file>`` (one rename, synced): the old key file is unlinked
   (not overwritten: the file system, its snapshots and backups may still hold its bytes);
4. the old row versions (keys wrapped under the old KEK) are wiped from the store's files,
   as after an erasure (``Vault.wipe_old_versions``).

Killed before 2 commits, the store still matches ``<file>`` (a later rotation discards the
stale ``.next``); after, it matches ``<file>.next``, and the next start-up (``finish``) or
rotation finishes steps 3 and 4.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from domain.privacy import PersonalDataUnreadable
from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.privacy import keyfile
from projections.privacy.keyfile import PersonalDataKeys
from projections.privacy.vault import _BOUND, _ERASED, _ERASURE_LOCK, _KEY_CHECK, META, SUBJECTS, KeyFileMismatch, Vault

_PAGE = 5_000  # subjects re-wrapped per statement: memory stays bounded whatever the vault's size
_SETUP_LOCK = "berkas:setup"  # the lock every start-up takes (``Dialect.setup_lock``)
_BUSY_MS = 2_000  # SQLite: how long to wait for another process's connection to go

log = logging.getLogger("berkas.privacy")


class RotationRefused(Exception):
    """Nothing was changed (or what was is finished by running the command again): one line,
    no personal data."""


@dataclass(frozen=True)
class Rotation:
    keys: int  # data keys re-wrapped
    tombstones: int  # erasures' tombstones re-wrapped
    wiped: bool  # the old row versions were removed from the store's files
    resumed: bool  # an interrupted rotation was finished, not a new one made


def pending_path(path: Path) -> Path:
    """Where a rotation writes the new key file before the store is re-wrapped under it."""
    return path.with_name(path.name + ".next")


def rotate(store: Store, path: Path) -> Rotation:
    """Re-wrap the store under a new KEK and put its key file in place of ``path``."""
    current = keyfile.load(path)
    with _one_at_a_time(path):
        return _rotate(store, path, current)


@contextmanager
def _one_at_a_time(path: Path) -> Iterator[None]:
    """One rotation at a time per key file: a second one would replace the first's ``.next``
    before the first renamed it into place, leaving the store under a key no file holds."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RotationRefused(f"another key rotation is running on {path}") from None
        yield
    finally:
        os.close(fd)  # (and the lock with it)


def _rotate(store: Store, path: Path, current: PersonalDataKeys) -> Rotation:
    try:
        _vault_check(store, current)
    except KeyFileMismatch:
        resumed = finish(store, path)
        if resumed is None:
            raise RotationRefused(f"the personal-data key file {path} does not match this store") from None
        return Rotation(0, 0, resumed[1], resumed=True)
    staged = pending_path(path)
    staged.unlink(missing_ok=True)  # a rotation killed before its re-wrap committed: never used
    new = keyfile.generate(staged, index_key=current.index_key)
    try:
        _sync_directory(staged)
        if os.stat(staged).st_dev != os.stat(path).st_dev:
            raise RotationRefused(
                f"{path} is a file mounted on its own (a container's secret?): run the rotation where its "
                "directory is writable, then mount the new file"
            )
        keys, tombstones = _rewrap(store, Vault(store, current), Vault(store, new))
    except BaseException:
        _discard_unless_used(store, current, staged)
        raise
    _promote(staged, path)
    return Rotation(keys, tombstones, _wipe(store, new), resumed=False)


def _discard_unless_used(store: Store, current: PersonalDataKeys, staged: Path) -> None:
    """After a failed rotation, remove its new key file only once the store is seen to match
    the current one: a connection lost during COMMIT leaves the outcome unknown, and the
    file is then kept for the next start-up (or rotation) to decide."""
    try:
        _vault_check(store, current)
    except Exception:
        log.warning("personal-data keys: a key rotation failed; %s is kept until the store is checked", staged)
        return
    staged.unlink(missing_ok=True)


def finish(store: Store, path: Path) -> tuple[PersonalDataKeys, bool] | None:
    """A start-up whose key file does not match the store: if ``<file>.next`` does (a rotation
    killed after its re-wrap committed), put it in place and wipe the old row versions: the
    keys now in ``path``, and whether the wipe could be done. ``None``: no such rotation."""
    staged = pending_path(path)
    try:
        new = keyfile.load(staged)
    except keyfile.PersonalDataKeyError:
        if staged.exists():
            raise
        # Another process finished it meanwhile (its rename came after this one's read).
        new = keyfile.load(path)
    try:
        _vault_check(store, new)
    except KeyFileMismatch:
        return None
    if staged.exists():
        _promote(staged, path)
        log.warning("personal-data keys: finished a key rotation interrupted after the store was re-wrapped")
    return new, _wipe(store, new)


def _vault_check(store: Store, keys: PersonalDataKeys) -> None:
    vault = Vault(store, keys)
    try:
        vault.check_keys()
    finally:
        vault.close()


def _wipe(store: Store, keys: PersonalDataKeys) -> bool:
    vault = Vault(store, keys)
    try:
        return vault.wipe_old_versions()
    finally:
        vault.close()


def _rewrap(store: Store, old: Vault, new: Vault) -> tuple[int, int]:
    """Every subject's row and the key check under ``new``'s KEK, in one transaction. A row
    that does not open under ``old`` refuses the whole rotation: nothing is re-wrapped."""
    keys = tombstones = 0
    with _alone(store) as conn:
        # Checked again under the locks: another machine's copy of the key file may have
        # rotated the store since (re-wrapping would put the check under a key it never used).
        check = sql.fetchall(conn, f"SELECT value FROM {META} WHERE name = 'kek'")
        try:
            old._unwrap(check[0][0], b"check")
        except (IndexError, PersonalDataUnreadable):
            raise RotationRefused(_STALE) from None
        after = ""
        while True:
            rows = sql.fetchall(
                conn,
                f"SELECT subject_id, nik_index, wrapped_key FROM {SUBJECTS} WHERE subject_id > ? "
                f"ORDER BY subject_id LIMIT {_PAGE}",
                [after],
            )
            if not rows:
                break
            after = rows[-1][0]
            changed = []
            for subject_id, nik_index, wrapped in rows:
                if wrapped is None:  # shredded before tombstones: nothing wrapped is left
                    continue
                changed.append((_rewrapped(old, new, subject_id, nik_index, wrapped), subject_id))
                tombstones += int(wrapped.startswith(_ERASED))
            keys += len(changed)
            _update(conn, changed)
        sql.execute(conn, f"UPDATE {META} SET value = ? WHERE name = 'kek'", [new._wrap(_KEY_CHECK, b"check")])
    return keys - tombstones, tombstones


def _update(conn: Any, rows: list[tuple[str, str]]) -> None:
    """(wrapped key, subject) rows written back: on PostgreSQL one statement a page, since a
    statement per row cost ~100 us each (100,000 subjects: ~10 s)."""
    if conn.dialect.name == "sqlite" or not rows:
        sql.executemany(conn, f"UPDATE {SUBJECTS} SET wrapped_key = ? WHERE subject_id = ?", rows)
        return
    conn.execute(
        f"UPDATE {SUBJECTS} s SET wrapped_key = v.wrapped FROM unnest(%b::text[], %b::text[]) AS v(wrapped, id) "
        "WHERE s.subject_id = v.id",
        [list(column) for column in zip(*rows, strict=True)],
    )


def _rewrapped(old: Vault, new: Vault, subject_id: str, nik_index: str | None, wrapped: str) -> str:
    """The same row's key (or tombstone) under the new KEK, bound to the same data."""
    if wrapped.startswith(_ERASED):
        aad = f"{subject_id}\x00erased".encode()
        prefix, body = _ERASED, wrapped[len(_ERASED) :]
    elif wrapped.startswith(_BOUND):
        aad = Vault._bound(subject_id, nik_index)
        prefix, body = _BOUND, wrapped[len(_BOUND) :]
    else:  # wrapped before the NIK index was bound in: under the id alone, kept so
        aad, prefix, body = subject_id.encode(), "", wrapped
    try:
        return prefix + new._wrap(old._unwrap(body, aad), aad)
    except PersonalDataUnreadable:
        raise RotationRefused(
            f"the key of data subject {subject_id} does not open under the current key file: nothing was rotated"
        ) from None


@contextmanager
def _alone(store: Store) -> Iterator[Any]:
    """One write transaction no other session shares: a server still running would keep
    wrapping new subjects under the old KEK it holds."""
    if store.dialect.name == "sqlite":
        with store.session() as conn:
            # Exclusive locking: the file's lock is taken (and held to the end) only if no other
            # connection, in any process, has the store open; readers are kept out too.
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            try:
                conn.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError:
                raise RotationRefused(_IN_USE.format(what="another process has the SQLite file open")) from None
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return
    with store.connect() as conn:
        # The lock every start-up takes: no process starts (and caches the old KEK) meanwhile.
        conn.dialect.lock(conn, _SETUP_LOCK)
        sql.execute(conn, f"SELECT pg_advisory_xact_lock({_ERASURE_LOCK})")
        # A session closed just now still shows until its server process has exited: wait
        # (up to ``_SESSIONS_GONE_SECONDS``) before calling it another process's.
        deadline = time.monotonic() + _SESSIONS_GONE_SECONDS
        while True:
            others = sql.fetchall(
                conn,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            )[0][0]
            if not others or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if others:
            raise RotationRefused(_IN_USE.format(what=f"{others} other sessions are connected to this database"))
        try:
            sql.execute(conn, f"LOCK TABLE {SUBJECTS}, {META} IN EXCLUSIVE MODE")
        except psycopg.errors.InsufficientPrivilege:
            raise RotationRefused("run the rotation as the owner of the personal-data tables") from None
        yield conn


_STALE = "the personal-data key file no longer matches this store: nothing was rotated"
_SESSIONS_GONE_SECONDS = 2.0
_IN_USE = "{what}: stop the API, the workers and other sessions on this store, then rotate"


def _promote(staged: Path, path: Path) -> None:
    try:
        os.replace(staged, path)
    except FileNotFoundError:  # another process finished this rotation first
        return
    except OSError as error:
        raise RotationRefused(
            f"the store is sealed under {staged} now, but it could not replace {path} ({error.strerror}): "
            f"move it there (mv {staged} {path}) before starting"
        ) from None
    _sync_directory(path)


def _sync_directory(path: Path) -> None:
    """The rename (or the new name) survives a power loss: the directory's entry is synced."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
