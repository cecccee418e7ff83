"""The little SQL dialect the views share: one text per statement on SQLite and PostgreSQL.

Statements are written with ``?`` placeholders and rewritten to ``%s`` for psycopg, so a
view's SQL reads the same for both backends and cannot drift between them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from projections.store import Store


def is_sqlite(conn: Any) -> bool:
    return isinstance(conn, sqlite3.Connection)


def _native(conn: Any, statement: str) -> str:
    return statement if is_sqlite(conn) else statement.replace("?", "%s")


def execute(conn: Any, statement: str, params: Sequence[Any] = ()) -> None:
    conn.execute(_native(conn, statement), params)


def executemany(conn: Any, statement: str, rows: Iterable[Sequence[Any]]) -> None:
    rows = list(rows)
    if not rows:
        return
    if is_sqlite(conn):
        conn.executemany(statement, rows)
    else:
        with conn.cursor() as cur:
            cur.executemany(_native(conn, statement), rows)


def insert_rows(
    conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], on_conflict: str = ""
) -> None:
    """Insert many rows: one ``unnest`` statement on PostgreSQL (row-by-row executemany costs
    ~20 µs a row there), executemany on SQLite. ``columns`` are (name, PostgreSQL type)."""
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    if is_sqlite(conn):
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}", rows)
        return
    # Binary parameters (%b): text arrays dumped as text are scanned for quoting, row by row.
    arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)
    statement = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}"
    conn.execute(statement, [list(values) for values in zip(*rows, strict=True)])


def delete_keys(conn: Any, table: str, column: str, keys: Iterable[Any]) -> None:
    keys = list(keys)
    if not keys:
        return
    if is_sqlite(conn):
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(key,) for key in keys])
    else:
        conn.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [keys])


def fetchall(conn: Any, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return list(conn.execute(_native(conn, statement), params).fetchall())


def in_list(conn: Any, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (...)`` on SQLite, ``column = ANY(?)`` on PostgreSQL (one parameter)."""
    if is_sqlite(conn):
        return f"{column} IN ({','.join('?' * len(values))})", list(values)
    return f"{column} = ANY(?)", [list(values)]


def table_exists(conn: Any, table: str) -> bool:
    if is_sqlite(conn):
        return bool(fetchall(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))
    return fetchall(conn, "SELECT to_regclass(?)", (table,))[0][0] is not None


@contextmanager
def connection(store: Store) -> Iterator[Any]:
    """A connection whose transactions the caller opens with ``transaction``.

    The runner commits page by page on one connection, which ``Store.connect``
    (one transaction per connection) cannot do.
    """
    if store.is_postgres:
        import psycopg

        with psycopg.connect(store.database_url, autocommit=True) as conn:
            yield conn
    else:
        conn = sqlite3.connect(store.sqlite_path, timeout=30, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()


@contextmanager
def transaction(conn: Any) -> Iterator[None]:
    """One write transaction. On SQLite it takes the write lock up front (IMMEDIATE), so
    reading the tracking position and moving it cannot interleave with another runner."""
    if not is_sqlite(conn):
        with conn.transaction():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
