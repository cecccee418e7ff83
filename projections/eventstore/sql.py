"""The little SQL the views and the ledger share, one text per statement for both databases.

Statements are written with ``?`` placeholders. Each function hands its connection to the
connection's own dialect (``projections.eventstore.dialects``), so no caller asks which
database it is talking to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from projections.eventstore.store import Store


def execute(conn: Any, statement: str, params: Sequence[Any] = ()) -> None:
    conn.dialect.execute(conn, statement, params)


def fetchall(conn: Any, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return conn.dialect.fetchall(conn, statement, params)


def executemany(conn: Any, statement: str, rows: Iterable[Sequence[Any]]) -> None:
    rows = list(rows)
    if rows:
        conn.dialect.executemany(conn, statement, rows)


def insert_rows(
    conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], on_conflict: str = ""
) -> None:
    """Insert many rows in one statement; ``columns`` are (name, PostgreSQL type)."""
    rows = list(rows)
    if rows:
        conn.dialect.insert_rows(conn, table, columns, rows, on_conflict)


def copy_rows(conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many new rows by the quickest path (COPY on PostgreSQL); no conflicts allowed."""
    conn.dialect.copy_rows(conn, table, columns, rows)


def delete_keys(conn: Any, table: str, column: str, keys: Iterable[Any]) -> None:
    keys = list(keys)
    if keys:
        conn.dialect.delete_keys(conn, table, column, keys)


def in_list(conn: Any, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (...)`` as one clause and its parameters."""
    return conn.dialect.in_list(column, values)


def table_exists(conn: Any, table: str) -> bool:
    return conn.dialect.table_exists(conn, table)


def columns(conn: Any, table: str) -> set[str]:
    """The table's column names (an empty result still describes them, on either database)."""
    return {column[0] for column in conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description}


def add_column(conn: Any, table: str, column: str, definition: str) -> None:
    """Give a table made before ``column`` existed that column (none of its rows has a value);
    safe when two processes starting at once both find it missing."""
    if column not in columns(conn, table):
        conn.dialect.add_column(conn, table, column, definition)


def blob(conn: Any) -> str:
    """The column type for raw bytes."""
    return conn.dialect.blob


@contextmanager
def connection(store: Store) -> Iterator[Any]:
    """A connection whose transactions the caller opens with ``transaction``."""
    with store.session() as conn:
        yield conn


@contextmanager
def transaction(conn: Any) -> Iterator[None]:
    """One write transaction; on SQLite it takes the write lock up front. Actions left by
    ``after_commit`` run once it has committed, and are dropped if it rolls back."""
    state = conn.__dict__
    depth = state.get("_berkas_depth", 0)
    state["_berkas_depth"] = depth + 1
    try:
        with conn.dialect.transaction(conn):
            yield
    except BaseException:
        if not depth:
            state.pop("_berkas_after_commit", None)
        raise
    finally:
        state["_berkas_depth"] = depth
    if not depth:
        for action in state.pop("_berkas_after_commit", []):
            action()


def after_commit(conn: Any, action: Callable[[], None]) -> None:
    """Run ``action`` once the current ``transaction`` commits (at once outside of one): for
    a record kept outside the database that must never run ahead of it."""
    if not conn.__dict__.get("_berkas_depth"):
        action()
        return
    conn.__dict__.setdefault("_berkas_after_commit", []).append(action)
