"""Reading the event log as stored: rows in notification order, by keyset on the id.

Followers read up to ``readable_upto``: the highest id that is both committed and handed
out by the database's own counter. A row written around the application with an id far
ahead of that counter, or at an id of 0 or below, is never projected and never moves a
follower past the ids real appends will get; ``anomalies`` names such rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
import orjson


class StoredRow(msgspec.Struct, gc=False):
    """One row of the event log as stored; ``data`` (its state parsed, JSON only, tags left
    in place) is made once and shared by every view the row is handed to. The case id
    comes as the views store it (text); the ``UUID`` is made only for who asks.

    A compiled struct, not a dataclass: a rebuild makes one per event, and this one is
    made in C at a third of a dataclass's cost and never scanned by the garbage collector
    (it holds no cycle: bytes, text, numbers and decoded values)."""

    notification_id: int
    case_id: str
    originator_version: int
    topic: str
    state: bytes
    parsed: Any = None  # ``data``, once asked for
    fields: Any = None  # what the views decode (``views.decode``)

    @property
    def data(self) -> dict[str, Any]:
        if self.parsed is None:
            self.parsed = orjson.loads(self.state)
        return self.parsed

    @property
    def originator_id(self) -> UUID:
        return UUID(self.case_id)


def _events(conn: Any) -> tuple[str, str]:
    return conn.dialect.events_table, conn.dialect.id_column


def last_id(conn: Any) -> int:
    """The highest notification id in the log (0 when there is no log yet)."""
    table, column = _events(conn)
    if not conn.dialect.table_exists(conn, table):
        return 0
    return int(conn.dialect.fetchall(conn, f"SELECT MAX({column}) FROM {table}")[0][0] or 0)


def readable_upto(conn: Any) -> int:
    """The id up to which a follower may read: committed rows, within the ids handed out."""
    upto = last_id(conn)
    assigned = conn.dialect.assigned_upto(conn)
    return upto if assigned is None else min(upto, assigned)


def window_end(conn: Any, after: int, size: int, upto: int) -> int:
    """The end of the next window of ``size`` ids after ``after``, starting at the next row
    that exists: a wide gap in the ids (rolled-back appends) costs one query, not many."""
    table, column = _events(conn)
    found = conn.dialect.fetchall(conn, f"SELECT MIN({column}) FROM {table} WHERE {column} > ?", (after,))
    first = found[0][0]
    if first is None or first > upto:
        return upto
    return min(upto, first - 1 + size)


def anomalies(conn: Any) -> list[str]:
    """Rows no follower will ever read, each kind as one line (none in a healthy log)."""
    table, column = _events(conn)
    if not conn.dialect.table_exists(conn, table):
        return []
    found = []
    below = conn.dialect.fetchall(conn, f"SELECT COUNT(*), MIN({column}) FROM {table} WHERE {column} <= 0")[0]
    if below[0]:
        found.append(f"{below[0]} row(s) at notification id {below[1]} or below 0: written around the application")
    assigned = conn.dialect.assigned_upto(conn)
    if assigned is not None:
        ahead = conn.dialect.fetchall(
            conn, f"SELECT COUNT(*), MIN({column}) FROM {table} WHERE {column} > ?", (assigned,)
        )[0]
        if ahead[0]:
            found.append(
                f"{ahead[0]} row(s) from notification id {ahead[1]} beyond the last id handed out ({assigned}): "
                "written around the application"
            )
    return found


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
    conn.dialect.follow_the_ids(conn)
    statement = (
        f"SELECT {column}, {conn.dialect.case_id_text}, originator_version, topic, state FROM {table} "
        f"WHERE {where} ORDER BY {column}"
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
        f"SELECT {column}, {conn.dialect.case_id_text}, originator_version, topic, state FROM {table} "
        "WHERE originator_id = ? ORDER BY originator_version",
        [conn.dialect.case_key(case_id)],
    )
