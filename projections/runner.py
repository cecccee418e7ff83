"""The pull-based projection runner: pages of the log, view and position in one transaction.

Every page's view updates and the projection's tracking position commit together, so
whatever crashes, each event counts exactly once. Works on SQLite and PostgreSQL alike.
On PostgreSQL the library serialises writers with a table lock, so notification ids
become visible in order and a plain keyset ``notification_id > position`` never skips.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from projections.eventstore import log, sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store

TRACKING = "projection_tracking"
REBUILD_SUFFIX = "__rebuild"


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]
    tables: tuple[str, ...]

    def create_tables(self, conn: Any, suffix: str) -> None: ...

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None: ...


Progress = Callable[[int, int], None]  # (position reached, last notification id)


def _lock_page(conn: Any, name: str) -> None:
    """Serialise page transactions of one projection across processes."""
    conn.dialect.lock(conn, f"berkas:projection:{name}")


def ensure_tracking(conn: Any) -> None:
    """Create the tracking table. Also serialises DDL: concurrent CREATE TABLE IF NOT EXISTS
    can still collide on PostgreSQL's catalog."""
    conn.dialect.lock(conn, "berkas:projection-ddl")
    sql.execute(conn, f"CREATE TABLE IF NOT EXISTS {TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")


def _position(conn: Any, name: str) -> int:
    found = sql.fetchall(conn, f"SELECT position FROM {TRACKING} WHERE name = ?", (name,))
    return int(found[0][0]) if found else 0


def _set_position(conn: Any, name: str, position: int) -> None:
    sql.execute(
        conn,
        f"INSERT INTO {TRACKING} (name, position) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )


def _step(conn: Any, projection: Projection, suffix: str, page_size: int, track: bool, after: int):
    """Process the next window of ``page_size`` ids; returns (events processed, position, last id)."""
    upto = log.last_id(conn)
    position = min(upto, after + page_size)
    rows = log.read_page(conn, projection.topics, after, position)
    if rows:
        projection.apply(conn, rows, suffix)
    if track and position != after:
        _set_position(conn, projection.name, position)
    return len(rows), position, upto


def catch_up(store: Store, projections: Iterable[Projection], page_size: int = 5000) -> int:
    """Process everything pending for each projection; returns the events processed."""
    processed = 0
    with sql.connection(store) as conn:
        for projection in projections:
            with sql.transaction(conn):
                ensure_tracking(conn)
                projection.create_tables(conn, "")
                sql.execute(
                    conn,
                    f"INSERT INTO {TRACKING} (name, position) VALUES (?, 0) ON CONFLICT DO NOTHING",
                    (projection.name,),
                )
            while True:
                with sql.transaction(conn):
                    _lock_page(conn, projection.name)
                    after = _position(conn, projection.name)
                    count, position, upto = _step(conn, projection, "", page_size, True, after)
                processed += count
                if position >= upto:
                    break
    return processed


def _drop(conn: Any, table: str) -> None:
    sql.execute(conn, f"DROP TABLE IF EXISTS {table}")


def rebuild(store: Store, projection: Projection, progress: Progress | None = None, page_size: int = 5000) -> int:
    """Replay the whole log into fresh tables, then swap them in in one transaction.

    Readers see the old, complete view until the swap. An interrupted rebuild leaves only
    ``<table>__rebuild`` leftovers, which the next rebuild drops before starting over.
    """
    suffix = REBUILD_SUFFIX
    processed = 0
    with sql.connection(store) as conn:
        with sql.transaction(conn):
            ensure_tracking(conn)
            for table in projection.tables:
                _drop(conn, table + suffix)
            projection.create_tables(conn, suffix)
        position, upto = 0, 1
        while position < upto:
            with sql.transaction(conn):
                count, position, upto = _step(conn, projection, suffix, page_size, False, position)
            processed += count
            if progress is not None:
                progress(position, upto)
        with sql.transaction(conn):
            _lock_page(conn, projection.name)
            # Events recorded since the last page join in the same transaction as the swap.
            while True:
                count, position, upto = _step(conn, projection, suffix, page_size, False, position)
                processed += count
                if position >= upto:
                    break
            for table in projection.tables:
                _drop(conn, table)
                sql.execute(conn, f"ALTER TABLE {table}{suffix} RENAME TO {table}")
                conn.dialect.rename_indexes(conn, table, suffix)
            _set_position(conn, projection.name, position)
        if progress is not None:
            progress(position, upto)
    return processed


def lag(store: Store, projections: Iterable[Projection]) -> dict[str, int]:
    """Events each projection has still to look at (of its own topics)."""
    behind: dict[str, int] = {}
    with sql.connection(store) as conn:
        tracked = sql.table_exists(conn, TRACKING)
        upto = log.last_id(conn)
        for projection in projections:
            after = _position(conn, projection.name) if tracked else 0
            behind[projection.name] = log.count(conn, projection.topics, after, upto) if upto else 0
    return behind


def positions(store: Store) -> dict[str, int]:
    with sql.connection(store) as conn:
        if not sql.table_exists(conn, TRACKING):
            return {}
        return {name: int(position) for name, position in sql.fetchall(conn, f"SELECT name, position FROM {TRACKING}")}


def run_forever(
    store: Store,
    projections: Iterable[Projection],
    poll_interval: float = 0.5,
    stop: threading.Event | None = None,
) -> None:
    """Follow the log until ``stop`` is set. On PostgreSQL each projection is owned by one
    worker at a time (a session advisory lock); a dead worker's connection drops its locks,
    and another worker takes the projection over at its next poll."""
    stop = stop or threading.Event()
    wanted = list(projections)
    with sql.connection(store) as locks:
        owned: set[str] = set()
        while not stop.is_set():
            for projection in wanted:
                if projection.name not in owned:
                    if locks.dialect.try_own(locks, f"berkas:projection-worker:{projection.name}"):
                        owned.add(projection.name)
            mine = [p for p in wanted if p.name in owned]
            if mine:
                catch_up(store, mine)
            stop.wait(poll_interval)
