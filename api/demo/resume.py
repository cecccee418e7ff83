"""An interrupted demo finishes where it stopped, and only a finished one says so.

The demo records its run in a small table beside the log: the seed when it starts, the
time when the whole year is written. Everything it writes is derived from the seed (the
cases' ids too), so a run that was cut off is finished by playing the same year again and
saving only the events the store does not hold yet: every case then has each of its
events exactly once, and the figures are the seed's, whatever the moment it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.application import Berkas
from projections.eventstore import sql
from projections.eventstore.store import Store

RUNS = "berkas_demo_runs"


@dataclass(frozen=True)
class Run:
    seed: int
    completed: bool


class SeedMismatch(Exception):
    """The store holds an unfinished demo of another seed: finishing it with this one
    would mix two years."""


def _ensure(conn: Any) -> None:
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {RUNS} (office TEXT NOT NULL, year INTEGER NOT NULL, seed BIGINT NOT NULL, "
        "started_at TEXT NOT NULL, completed_at TEXT, PRIMARY KEY (office, year))",
    )


def recorded_run(store: Store, office: str, year: int) -> Run | None:
    with store.connect() as conn:
        if not sql.table_exists(conn, RUNS):
            return None
        found = sql.fetchall(
            conn, f"SELECT seed, completed_at FROM {RUNS} WHERE office = ? AND year = ?", (office, year)
        )
    return Run(int(found[0][0]), found[0][1] is not None) if found else None


def begin(store: Store, office: str, year: int, seed: int) -> Run | None:
    """Record that a run of ``seed`` starts (or resumes); returns the run found before."""
    before = recorded_run(store, office, year)
    if before is not None and before.seed != seed:
        raise SeedMismatch(
            f"this store holds an unfinished demo of seed {before.seed}: run `berkas demo --seed {before.seed}` "
            "to finish it, or use a new store"
        )
    with store.connect() as conn:
        _ensure(conn)
        sql.execute(
            conn,
            f"INSERT INTO {RUNS} (office, year, seed, started_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (office, year, seed, datetime.now(UTC).isoformat()),
        )
    return before


def complete(store: Store, office: str, year: int) -> None:
    """The marker, written last: only a run that wrote the whole year sets it."""
    with store.connect() as conn:
        sql.execute(
            conn,
            f"UPDATE {RUNS} SET completed_at = ? WHERE office = ? AND year = ?",
            (datetime.now(UTC).isoformat(), office, year),
        )


def stored_versions(store: Store) -> dict[UUID, int]:
    """Each aggregate's last stored version."""
    with store.connect() as conn:
        rows = sql.fetchall(
            conn, f"SELECT originator_id, MAX(originator_version) FROM {store.events_table} GROUP BY originator_id"
        )
    return {UUID(str(originator)): int(version) for originator, version in rows}


class _UnstoredEvents:
    """The application's event store, putting only events beyond each aggregate's stored version."""

    def __init__(self, events: Any, stored: dict[UUID, int]):
        self.events = events
        self.stored = stored

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> Sequence[Any]:
        fresh = [e for e in domain_events if e.originator_version > self.stored.get(e.originator_id, 0)]
        return self.events.put(fresh, **kwargs) if fresh else []


class SkipStored:
    """Stands in for the application while a demo resumes: every event goes through an
    event store that drops what the store already holds (so ``save`` and the bulk path
    alike write each event once); everything else is the application's."""

    def __init__(self, app: Berkas, stored: dict[UUID, int]):
        self.app = app
        self.events = _UnstoredEvents(app.events, stored)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def save(self, *aggregates: Aggregate) -> Sequence[Any]:
        return self.events.put([event for aggregate in aggregates for event in aggregate.collect_events()])
