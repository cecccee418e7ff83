"""The settings of every connection to a store's SQLite file."""

from __future__ import annotations

from typing import Any

# Settings every connection to a store's SQLite file gets, its own and the library
# recorder's alike (``wake.AnnouncingSQLiteRecorder``). ``secure_delete``: a deleted or
# overwritten cell (a shredded subject's wrapped key, NIK index, blind-index digests) and a
# freed page are zeroed, not left in the file; set here rather than trusted to the build's
# default (on in Debian's, off in SQLite's own).
#
# ``wal_autocheckpoint``: the WAL size (pages) at which a committing connection checkpoints,
# four times SQLite's 1,000. A page dirtied again commit after commit (the vault's NIK and
# blind indexes take rows on random pages; a view's B-trees) is copied once per checkpoint
# however often it was written: checkpointing a quarter as often copied ~37 MB fewer of the
# ~215 MB a sealed demo year at 1/16 wrote. The WAL grows to ~16 MiB between checkpoints.
# ``cache_size``: 32 MiB (SQLite's default is 2 MiB) a connection may fill, not one it takes:
# the library's pool holds up to 15 connections. With 2 MiB each save read the vault's index
# pages from the file again (~40 MB of reads in a sealed demo year at 1/16).
# Every connection gets the same, sealed store or not, so a plain store is compared on equal
# terms (``bench privacy``).
WAL_CHECKPOINT_PAGES = 4_000
CACHE_KIB = 32_768
SQLITE_SETTINGS = (
    "PRAGMA secure_delete = ON",
    f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}",
    f"PRAGMA cache_size = -{CACHE_KIB}",
)


def configure_sqlite(conn: Any) -> None:
    """Apply ``SQLITE_SETTINGS`` to a new ``sqlite3`` connection."""
    for statement in SQLITE_SETTINGS:
        conn.execute(statement)
