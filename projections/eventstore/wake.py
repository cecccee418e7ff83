"""Waking followers when events are written, so views follow within milliseconds rather
than a poll interval.

PostgreSQL: the library's recorder ``NOTIFY``s the events table's channel in every
appending transaction, and a follower ``LISTEN``s (see the PostgreSQL dialect).
SQLite has no such signal between processes; within one process (``berkas serve``
writing and following) the recorder below announces each committed append to the
followers of the same file. Writers in other processes are seen at the next poll.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from projections.eventstore.sqlite_settings import configure_sqlite


class _Announcements:
    """A counter per database file, bumped on every committed append in this process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: dict[str, int] = {}

    def announce(self, key: str) -> None:
        with self._changed:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._changed.notify_all()

    def count(self, key: str) -> int:
        with self._changed:
            return self._counts.get(key, 0)

    def wait_beyond(self, key: str, seen: int, timeout: float) -> int:
        """The count once it exceeds ``seen``, or as it stands after ``timeout``."""
        with self._changed:
            self._changed.wait_for(lambda: self._counts.get(key, 0) > seen, timeout)
            return self._counts.get(key, 0)


LOCAL_WRITES = _Announcements()


def file_key(path: str | Path) -> str:
    return str(Path(path).resolve())


class LocalWaiter:
    """Waits for appends to one SQLite file made by this process."""

    def __init__(self, path: str | Path):
        self.key = file_key(path)
        self.seen = LOCAL_WRITES.count(self.key)

    def wait(self, timeout: float) -> bool:
        """True as soon as something was appended since the last call; False after ``timeout``."""
        now = LOCAL_WRITES.wait_beyond(self.key, self.seen, timeout)
        woke, self.seen = now > self.seen, now
        return woke


class AnnouncingSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, announcing each committed append to local followers.
    ``guard.check``, set per thread (the vault's ``committing``), runs in the insert's own
    transaction after the rows, with the write lock held; raising rolls the insert back."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.guard = threading.local()
        # The pool's connections get the store's SQLite settings, as the store's own do.
        pool = self.datastore.pool
        if not getattr(pool, "berkas_configured", False):
            make = pool._create_connection

            def configured() -> Any:
                connection = make()
                configure_sqlite(connection._sqlite_conn)
                return connection

            pool._create_connection = configured
            pool.berkas_configured = True

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        check = self.guard.__dict__.get("check")
        if check is not None:
            check(c)
        return ids

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super().insert_events(stored_events, **kwargs)
        LOCAL_WRITES.announce(file_key(self.datastore.pool.db_name))
        return ids
