"""Plays the year's cases back in the order the offices would have recorded them.

Each case is a script: a generator that yields its next ``Step`` (when, who, which
command) and receives what the command returned. The engine runs the steps of all
cases in order of recording time, as if they were entered live, and saves each day's
finished cases in a few large transactions, so the log follows the year's course.

Scripts come ``Deferred``: made only when the year reaches them, so the cases open at
any moment are in memory, not the whole year's (a national year has millions).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from eventsourcing.domain import Aggregate

from domain.application import Berkas
from domain.case import recorded_at
from domain.usecases.base import save_in_batches
from domain.values import Provenance, Role
from projections.eventstore.large import fewer_collections

# Entering what just happened takes the officer a little while.
ENTRY_DELAY = timedelta(seconds=40)
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    role: Role
    office: str


# A command returns the aggregate it created or changed; a tuple means aggregates that
# must be saved together, in one transaction (a finding and the case it opens).
Command = Callable[[Provenance], Aggregate | tuple[Aggregate, ...]]


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime  # business time: when it happened (occurred_at)
    by: Staff
    command: Command
    entered: datetime | None = None  # when it was recorded, if not right after ``at``

    @property
    def recorded(self) -> datetime:
        return self.entered or self.at + ENTRY_DELAY


Script = Generator[Step, Any, None]


@dataclass(frozen=True, slots=True)
class Deferred:
    """A script not made yet; its first step is recorded no earlier than ``not_before``."""

    not_before: datetime
    make: Callable[[], Script]

    @property
    def key(self) -> float:
        return self.not_before.timestamp()


def weighted(choices: dict[Any, int]) -> tuple[Any, ...]:
    """Each choice repeated by its weight: ``rng.choice`` on it is a cheap weighted draw."""
    return tuple(choice for choice, weight in choices.items() for _ in range(weight))


def replay(app: Berkas, scripts: Iterable[Deferred], on_day: Callable[[date, int], None]) -> int:
    """Run every script to its end; ``scripts`` in order of ``not_before``. Returns the
    number of events written."""
    with fewer_collections():
        return _replay(app, iter(scripts), on_day)


def _replay(app: Berkas, scripts: Iterator[Deferred], on_day: Callable[[date, int], None]) -> int:
    queue: list[tuple[float, int, Step, Script]] = []
    orders = count()
    upcoming = next(scripts, None)
    # A case is saved once, with all its events, when its script ends: saving it day by
    # day would cost the library's per-aggregate overhead several times over.
    touched: dict[int, dict[Any, Aggregate]] = {}
    finished: list[Aggregate] = []
    written = 0
    today: date | None = None
    while queue or upcoming is not None:
        # Start every script that could begin before the earliest pending step.
        while upcoming is not None and (not queue or upcoming.key <= queue[0][0]):
            script = upcoming.make()
            first = next(script)
            heapq.heappush(queue, (first.recorded.timestamp(), next(orders), first, script))
            upcoming = next(scripts, None)
        _, order, step, script = heapq.heappop(queue)
        recorded = step.recorded
        if recorded.date() != today:
            written += save_in_batches(app, finished, BATCH_SIZE) if finished else 0
            finished = []
            if today is not None:
                on_day(today, written)
            today = recorded.date()
        with recorded_at(recorded):
            result = step.command(Provenance(step.by.id, step.by.role, step.by.office, step.at))
        if isinstance(result, tuple):
            written += len(app.save(*result))
        else:
            touched.setdefault(order, {})[result.id] = result
        try:
            following = script.send(result)
        except StopIteration:
            finished.extend(touched.pop(order, {}).values())
            continue
        heapq.heappush(queue, (following.recorded.timestamp(), order, following, script))
    written += save_in_batches(app, finished, BATCH_SIZE) if finished else 0
    if today is not None:
        on_day(today, written)
    return written
