"""Plays the year's cases back in the order the office would have recorded them.

Each case is a script: a generator that yields its next ``Step`` (when, who, which
command) and receives what the command returned. The engine runs the steps of all
cases in order of recording time, as if they were entered live, and saves each day's
finished cases in a few large transactions, so the log follows the year's course.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.application import Berkas
from domain.case import recorded_at
from domain.values import Provenance, Role

# Entering what just happened takes the officer a little while.
ENTRY_DELAY = timedelta(seconds=40)
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    role: Role


OFFICERS = tuple(Staff(f"MLG-PTG-{n:03d}", Role.OFFICER) for n in range(1, 41))
SUPERVISORS = tuple(Staff(f"MLG-KASI-{n:02d}", Role.SUPERVISOR) for n in range(1, 7))

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


def case_id(seed: int, kind: str, seq: int) -> UUID:
    """Derived, not random: the same seed writes the same cases."""
    return uuid5(NAMESPACE_URL, f"berkas:demo:{seed}:{kind}:{seq}")


def case_rng(seed: int, kind: str, seq: int) -> Random:
    """Each case draws from its own generator, so its details do not depend on the
    order in which the engine happens to interleave the cases."""
    return Random(f"{seed}:{kind}:{seq}")


def weighted(choices: dict[Any, int]) -> tuple[Any, ...]:
    """Each choice repeated by its weight: ``rng.choice`` on it is a cheap weighted draw."""
    return tuple(choice for choice, weight in choices.items() for _ in range(weight))


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Hundreds of thousands of short-lived objects beside a large live set (every open
    case): at the default thresholds the collector rescans that set thousands of times."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def replay(app: Berkas, office: str, scripts: Iterable[Script], on_day: Callable[[date, int], None]) -> int:
    """Run every script to its end; returns the number of events written."""
    with _fewer_collections():
        return _replay(app, office, scripts, on_day)


def _replay(app: Berkas, office: str, scripts: Iterable[Script], on_day: Callable[[date, int], None]) -> int:
    queue: list[tuple[float, int, Step, Script]] = []
    for order, script in enumerate(scripts):
        step = next(script)
        queue.append((step.recorded.timestamp(), order, step, script))
    heapq.heapify(queue)
    # A case is saved once, with all its events, when its script ends: saving it day by
    # day would cost the library's per-aggregate overhead several times over.
    touched: dict[int, dict[Any, Aggregate]] = {}
    finished: list[Aggregate] = []
    written = 0
    today: date | None = None
    while queue:
        _, order, step, script = heapq.heappop(queue)
        recorded = step.recorded
        if recorded.date() != today:
            written += app.bulk_save(finished, batch_size=BATCH_SIZE) if finished else 0
            finished = []
            if today is not None:
                on_day(today, written)
            today = recorded.date()
        with recorded_at(recorded):
            result = step.command(Provenance(step.by.id, step.by.role, office, step.at))
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
    written += app.bulk_save(finished, batch_size=BATCH_SIZE) if finished else 0
    if today is not None:
        on_day(today, written)
    return written
