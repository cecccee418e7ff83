"""One pass: each page of the log read once and handed to every projection that wants it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from projections.eventstore import log, sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store
from projections.runner.tracking import (
    TRACKING,
    Projection,
    ensure_tracking,
    lock,
    position,
    set_position,
    topics_wanted,
)


def feed(
    conn: Any, projections: Iterable[Projection], rows: list[StoredRow], since: Mapping[str, int], suffix: str
) -> int:
    """Hand each projection the rows of its topics beyond its own position; returns how
    many rows were applied, summed over the projections."""
    applied = 0
    for projection in projections:
        after, topics = since[projection.name], frozenset(projection.topics)
        mine = [r for r in rows if r.notification_id > after and (not topics or r.topic in topics)]
        if mine:
            projection.apply(conn, mine, suffix)
            applied += len(mine)
    return applied


def read_window(conn: Any, projections: list[Projection], after: int, upto: int, page_size: int):
    """The next window after ``after`` (bounded by ``upto``) and its rows for ``projections``."""
    end = log.window_end(conn, after, page_size, upto)
    return end, log.read_page(conn, topics_wanted(projections), after, end)


def register(conn: Any, projections: Iterable[Projection]) -> None:
    """Tracking rows and live tables for projections seen for the first time."""
    with sql.transaction(conn):
        ensure_tracking(conn)
        for projection in projections:
            projection.create_tables(conn, "")
            sql.execute(
                conn,
                f"INSERT INTO {TRACKING} (name, position) VALUES (?, 0) ON CONFLICT DO NOTHING",
                (projection.name,),
            )


def catch_up_page(conn: Any, projections: list[Projection], page_size: int) -> tuple[int, bool]:
    """One page for every projection behind, in one transaction: (rows applied, all caught up)."""
    with sql.transaction(conn):
        lock(conn, projections)
        since = {p.name: position(conn, p.name) for p in projections}
        upto = log.readable_upto(conn)
        behind = [p for p in projections if since[p.name] < upto]
        if not behind:
            return 0, True
        end, rows = read_window(conn, behind, min(since[p.name] for p in behind), upto, page_size)
        applied = feed(conn, behind, rows, since, "")
        for projection in behind:
            set_position(conn, projection.name, end)
    return applied, end >= upto


def catch_up_on(conn: Any, projections: Iterable[Projection], page_size: int = 5000) -> int:
    """Bring every projection to the end of the log on an open session; returns rows applied."""
    group = list(projections)
    if not group:
        return 0
    register(conn, group)
    return catch_up_registered(conn, group, page_size)


def catch_up_registered(conn: Any, projections: list[Projection], page_size: int = 5000) -> int:
    """``catch_up_on`` for projections already registered: a follower registers a
    projection once, when it comes to own it, not at every wake (registering takes the
    DDL lock, which a worker stopped in the middle of it would hold)."""
    applied, done = 0, not projections
    while not done:
        count, done = catch_up_page(conn, projections, page_size)
        applied += count
    return applied


def catch_up(store: Store, projections: Iterable[Projection], page_size: int = 5000) -> int:
    """Process everything pending for the projections, reading the log once for all of them;
    returns the rows applied (an event wanted by two projections counts twice)."""
    with sql.connection(store) as conn:
        return catch_up_on(conn, projections, page_size)
