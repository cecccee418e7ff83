"""What the runner asks of a projection, and where it keeps each projection's position."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from projections.eventstore import sql
from projections.eventstore.log import StoredRow

TRACKING = "projection_tracking"
REBUILD_SUFFIX = "__rebuild"

Progress = Callable[[int, int], None]  # (position reached, last notification id)


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]  # empty: every event
    tables: tuple[str, ...]

    def create_tables(self, conn: Any, suffix: str) -> None: ...

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None: ...


def ensure_tracking(conn: Any) -> None:
    """Create the tracking table. Also serialises DDL: concurrent CREATE TABLE IF NOT EXISTS
    can still collide on PostgreSQL's catalog."""
    conn.dialect.lock(conn, "berkas:projection-ddl")
    sql.execute(conn, f"CREATE TABLE IF NOT EXISTS {TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")


def lock(conn: Any, projections: Iterable[Projection]) -> None:
    """Hold every given projection until the transaction ends, across processes; always in
    name order, so two runners holding overlapping sets cannot deadlock."""
    for name in sorted({p.name for p in projections}):
        conn.dialect.lock(conn, f"berkas:projection:{name}")


def position(conn: Any, name: str) -> int:
    found = sql.fetchall(conn, f"SELECT position FROM {TRACKING} WHERE name = ?", (name,))
    return int(found[0][0]) if found else 0


def set_position(conn: Any, name: str, at: int) -> None:
    sql.execute(
        conn,
        f"INSERT INTO {TRACKING} (name, position) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, at),
    )


def topics_wanted(projections: Iterable[Projection]) -> tuple[str, ...]:
    """Every topic any of them wants; empty (every event) if one wants everything."""
    wanted: set[str] = set()
    for projection in projections:
        if not projection.topics:
            return ()
        wanted.update(projection.topics)
    return tuple(sorted(wanted))
