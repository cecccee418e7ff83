"""How far the projections are: positions, lag, and rows of the log no follower will read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from projections.eventstore import log, sql
from projections.eventstore.store import Store
from projections.runner.tracking import TRACKING, Projection, position


@dataclass(frozen=True)
class Status:
    last_id: int  # the highest id a follower may read
    positions: dict[str, int] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)  # events of its topics each has still to apply
    anomalies: list[str] = field(default_factory=list)


def status(store: Store, projections: Iterable[Projection]) -> Status:
    with sql.connection(store) as conn:
        tracked = sql.table_exists(conn, TRACKING)
        upto = log.readable_upto(conn)
        at = {p.name: position(conn, p.name) if tracked else 0 for p in projections}
        behind = {p.name: log.count(conn, p.topics, at[p.name], upto) if upto > at[p.name] else 0 for p in projections}
        return Status(upto, at, behind, log.anomalies(conn))


def lag(store: Store, projections: Iterable[Projection]) -> dict[str, int]:
    """Events each projection has still to look at (of its own topics)."""
    return status(store, projections).lag


def positions(store: Store) -> dict[str, int]:
    with sql.connection(store) as conn:
        if not sql.table_exists(conn, TRACKING):
            return {}
        return {name: int(at) for name, at in sql.fetchall(conn, f"SELECT name, position FROM {TRACKING}")}
