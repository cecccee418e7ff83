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


class Replay(Protocol):
    """A rebuild's way into one projection's fresh tables. Nobody reads those tables before
    the swap, so a replay may hold what it has counted across pages (bounded: memory stays
    flat in the log's size) and write it in fewer, larger batches; ``finish`` writes what
    it still holds, and the replay may be fed again after it."""

    def apply(self, conn: Any, rows: list[StoredRow]) -> None: ...

    def finish(self, conn: Any) -> None: ...


class Replaying(Projection, Protocol):
    """A projection with a replay of its own (the others are replayed page by page)."""

    def replay(self, suffix: str) -> Replay: ...


class PageByPage:
    """The replay of a projection without one of its own: its ``apply``, page by page."""

    def __init__(self, projection: Projection, suffix: str):
        self.projection, self.suffix = projection, suffix

    def apply(self, conn: Any, rows: list[StoredRow]) -> None:
        self.projection.apply(conn, rows, self.suffix)

    def finish(self, conn: Any) -> None:
        """Every page was written as it came."""


def replay_of(projection: Projection, suffix: str) -> Replay:
    own = getattr(projection, "replay", None)
    return own(suffix) if own is not None else PageByPage(projection, suffix)


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
