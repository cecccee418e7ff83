"""The settings of every connection to a store's SQLite file."""

from __future__ import annotations

from typing import Any

# Settings every connection to a store's SQLite file gets, its own and the library
# recorder's alike (``wake.AnnouncingSQLiteRecorder``). ``secure_delete``: a deleted or
# overwritten cell (a shredded subject's wrapped key, NIK index, blind-index digests) and a
# freed page are zeroed, not left in the file; set here rather than trusted to the build's
# default (on in Debian's, off in SQLite's own).
SQLITE_SETTINGS = ("PRAGMA secure_delete = ON",)


def configure_sqlite(conn: Any) -> None:
    """Apply ``SQLITE_SETTINGS`` to a new ``sqlite3`` connection."""
    for statement in SQLITE_SETTINGS:
        conn.execute(statement)
