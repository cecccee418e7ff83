"""Reading the event log as stored: rows in notification order, by keyset on the id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One row of the event log as stored."""

    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _events(conn: Any) -> tuple[str, str]:
    return conn.dialect.events_table, conn.dialect.id_column


def last_id(conn: Any) -> int:
    """The highest notification id in the log (0 when there is no log yet)."""
    table, column = _events(conn)
    if not conn.dialect.table_exists(conn, table):
        return 0
    return int(conn.dialect.fetchall(conn, f"SELECT MAX({column}) FROM {table}")[0][0] or 0)


def _where(conn: Any, topics: Sequence[str], after: int, upto: int) -> tuple[str, list[Any]]:
    column = conn.dialect.id_column
    where, params = f"{column} > ? AND {column} <= ?", [after, upto]
    if topics:
        clause, values = conn.dialect.in_list("topic", topics)
        where, params = f"{where} AND {clause}", params + values
    return where, params


def read_page(conn: Any, topics: Sequence[str], after: int, upto: int, limit: int | None = None) -> list[StoredRow]:
    """Rows with ``after < id <= upto`` (keyset on the notification id), filtered by topic
    (none: every row).

    The runner reads windows of ids rather than using ``limit``: the work per query stays
    bounded whatever plan the database picks for the topic filter (a bitmap scan sorts all).
    """
    table, column = _events(conn)
    where, params = _where(conn, topics, after, upto)
    statement = (
        f"SELECT {column}, originator_id, originator_version, topic, state FROM {table} WHERE {where} ORDER BY {column}"
    )
    if limit is not None:
        statement += " LIMIT ?"
        params.append(limit)
    return conn.dialect.stored_rows(conn, statement, params)


def count(conn: Any, topics: Sequence[str], after: int, upto: int) -> int:
    """How many rows ``read_page`` would return for this window, without reading them."""
    table, _ = _events(conn)
    where, params = _where(conn, topics, after, upto)
    return int(conn.dialect.fetchall(conn, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])


def case_rows(conn: Any, case_id: UUID) -> list[StoredRow]:
    """One case's rows, in version order."""
    table, column = _events(conn)
    return conn.dialect.stored_rows(
        conn,
        f"SELECT {column}, originator_id, originator_version, topic, state FROM {table} "
        "WHERE originator_id = ? ORDER BY originator_version",
        [conn.dialect.case_key(case_id)],
    )
