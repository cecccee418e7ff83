"""The pull-based projection runner: pages of the log, view and position in one transaction.

Every page's view updates and the projection's tracking position commit together, so
whatever crashes, each event counts exactly once. Works on SQLite and PostgreSQL alike.
On PostgreSQL the library serialises writers with a table lock, so notification ids
become visible in order and a plain keyset ``notification_id > position`` never skips.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from projections import sql
from projections.store import Store

TRACKING = "projection_tracking"
REBUILD_SUFFIX = "__rebuild"


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One row of the event log as stored."""

    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]
    tables: tuple[str, ...]

    def create_tables(self, conn: Any, suffix: str) -> None: ...

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None: ...


Progress = Callable[[int, int], None]  # (position reached, last notification id)


def _projections(projections: Iterable[Projection] | None) -> list[Projection]:
    if projections is not None:
        return list(projections)
    from projections.catalog import all_projections

    return all_projections()


def _lock_page(conn: Any, name: str) -> None:
    """Serialise page transactions of one projection across processes (PostgreSQL;
    SQLite's BEGIN IMMEDIATE already does)."""
    if not sql.is_sqlite(conn):
        sql.execute(conn, "SELECT pg_advisory_xact_lock(hashtext(?))", (f"berkas:projection:{name}",))


def ensure_tracking(conn: Any) -> None:
    """Create the tracking table. Also serialises DDL: concurrent CREATE TABLE IF NOT EXISTS
    can still collide on PostgreSQL's catalog."""
    if not sql.is_sqlite(conn):
        sql.execute(conn, "SELECT pg_advisory_xact_lock(hashtext('berkas:projection-ddl'))")
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


def _last_id(conn: Any, store: Store) -> int:
    column = "notification_id" if store.is_postgres else "rowid"
    if not sql.table_exists(conn, store.events_table):
        return 0
    return int(sql.fetchall(conn, f"SELECT MAX({column}) FROM {store.events_table}")[0][0] or 0)


def read_page(
    conn: Any, store: Store, topics: Sequence[str], after: int, upto: int, limit: int | None = None
) -> list[StoredRow]:
    """Rows with ``after < id <= upto`` (keyset on the notification id), filtered by topic.

    The runner reads windows of ids rather than using ``limit``: the work per query stays
    bounded whatever plan the database picks for the topic filter (a bitmap scan sorts all).
    """
    column = "notification_id" if store.is_postgres else "rowid"
    where = f"{column} > ? AND {column} <= ?"
    params: list[Any] = [after, upto]
    if topics:
        clause, values = sql.in_list(conn, "topic", topics)
        where += f" AND {clause}"
        params += values
    statement = (
        f"SELECT {column}, originator_id, originator_version, topic, state FROM {store.events_table} "
        f"WHERE {where} ORDER BY {column}"
    )
    if limit is not None:
        statement += " LIMIT ?"
        params.append(limit)
    if sql.is_sqlite(conn):
        return [StoredRow(n, UUID(o), v, t, s) for n, o, v, t, s in conn.execute(statement, params)]
    with conn.cursor(binary=True) as cur:
        cur.execute(statement.replace("?", "%s"), params)
        return [StoredRow(*row) for row in cur]


def _step(conn: Any, store: Store, projection: Projection, suffix: str, page_size: int, track: bool, after: int):
    """Process the next window of ``page_size`` ids; returns (events processed, position, last id)."""
    upto = _last_id(conn, store)
    position = min(upto, after + page_size)
    rows = read_page(conn, store, projection.topics, after, position)
    if rows:
        projection.apply(conn, rows, suffix)
    if track and position != after:
        _set_position(conn, projection.name, position)
    return len(rows), position, upto


def catch_up(store: Store, projections: Iterable[Projection] | None = None, page_size: int = 5000) -> int:
    """Process everything pending for each projection; returns the events processed."""
    processed = 0
    with sql.connection(store) as conn:
        for projection in _projections(projections):
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
                    count, position, upto = _step(conn, store, projection, "", page_size, True, after)
                processed += count
                if position >= upto:
                    break
    return processed


def _drop(conn: Any, table: str) -> None:
    sql.execute(conn, f"DROP TABLE IF EXISTS {table}")


def _rename_indexes(conn: Any, table: str, suffix: str) -> None:
    """Index names are global: give the swapped-in table's indexes their live names back."""
    if sql.is_sqlite(conn):
        found = sql.fetchall(
            conn,
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
        for name, definition in found:
            if suffix in name:
                sql.execute(conn, f"DROP INDEX {name}")
                sql.execute(conn, definition.replace(name, name.replace(suffix, ""), 1))
        return
    for (name,) in sql.fetchall(conn, "SELECT indexname FROM pg_indexes WHERE tablename = ?", (table,)):
        if suffix in name:
            sql.execute(conn, f'ALTER INDEX "{name}" RENAME TO "{name.replace(suffix, "")}"')


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
                count, position, upto = _step(conn, store, projection, suffix, page_size, False, position)
            processed += count
            if progress is not None:
                progress(position, upto)
        with sql.transaction(conn):
            _lock_page(conn, projection.name)
            # Events recorded since the last page join in the same transaction as the swap.
            while True:
                count, position, upto = _step(conn, store, projection, suffix, page_size, False, position)
                processed += count
                if position >= upto:
                    break
            for table in projection.tables:
                _drop(conn, table)
                sql.execute(conn, f"ALTER TABLE {table}{suffix} RENAME TO {table}")
                _rename_indexes(conn, table, suffix)
            _set_position(conn, projection.name, position)
        if progress is not None:
            progress(position, upto)
    return processed


def lag(store: Store, projections: Iterable[Projection] | None = None) -> dict[str, int]:
    """Events each projection has still to look at (of its own topics)."""
    behind: dict[str, int] = {}
    with sql.connection(store) as conn:
        tracked = sql.table_exists(conn, TRACKING)
        upto = _last_id(conn, store)
        column = "notification_id" if store.is_postgres else "rowid"
        for projection in _projections(projections):
            after = _position(conn, projection.name) if tracked else 0
            where, params = f"{column} > ? AND {column} <= ?", [after, upto]
            if projection.topics:
                clause, values = sql.in_list(conn, "topic", projection.topics)
                where, params = f"{where} AND {clause}", params + values
            found = sql.fetchall(conn, f"SELECT COUNT(*) FROM {store.events_table} WHERE {where}", params)
            behind[projection.name] = int(found[0][0]) if upto else 0
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
    if not store.is_postgres:
        while not stop.is_set():
            catch_up(store, wanted)
            stop.wait(poll_interval)
        return
    with sql.connection(store) as locks:
        owned: set[str] = set()
        while not stop.is_set():
            for projection in wanted:
                if projection.name not in owned:
                    key = f"berkas:projection-worker:{projection.name}"
                    if sql.fetchall(locks, "SELECT pg_try_advisory_lock(hashtext(?))", (key,))[0][0]:
                        owned.add(projection.name)
            mine = [p for p in wanted if p.name in owned]
            if mine:
                catch_up(store, mine)
            stop.wait(poll_interval)
