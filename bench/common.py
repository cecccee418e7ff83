"""What several benchmarks measure alike: the raw keyset read of the log (the limit any
rebuild is set beside), a one-pass rebuild in a process of its own, and the CPU both
spend, in this process and in the PostgreSQL backend serving it.

The machines here are shared: wall-clock rates move with whatever else runs, so each
timing also carries its CPU seconds (client and server), which do not.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.append import peak_mb
from projections.eventstore.store import Store
from projections.runner import Projection, rebuild
from projections.runner.swap import REBUILD_PAGE

PAGE = 5_000  # the raw read's page (the limit); a rebuild reads REBUILD_PAGE rows at a time
_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float | None:
    """CPU seconds a PostgreSQL backend on this machine has spent (None if not readable)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass(frozen=True)
class Timing:
    rows: int
    wall: float
    cpu: float  # this process
    server_cpu: float | None  # the backends it used, when they are on this machine

    @property
    def rate(self) -> float:
        return self.rows / self.wall

    @property
    def cpu_rate(self) -> float | None:
        """Rows per CPU second, client and server together: what an idle machine would give."""
        return None if self.server_cpu is None else self.rows / (self.cpu + self.server_cpu)

    def describe(self) -> str:
        spent = f"{self.cpu:.1f} s CPU here" + (
            "" if self.server_cpu is None else f" + {self.server_cpu:.1f} s in PostgreSQL"
        )
        return f"{self.rows:,} rows in {self.wall:.1f} s ({self.rate:,.0f}/s; {spent})"


def ratio(ours: Timing, limit: Timing) -> str:
    """Ours beside the limit, by wall clock and (where known) by CPU spent."""
    text = f"{ours.rate / limit.rate:.2f} x wall"
    if ours.cpu_rate is not None and limit.cpu_rate is not None:
        text += f", {ours.cpu_rate / limit.cpu_rate:.2f} x CPU"
    return text


_RAW = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM berkas_events "
    "WHERE notification_id > %s {topics}ORDER BY notification_id LIMIT %s"
)


def raw_read(url: str, topics: Sequence[str] = (), page: int = PAGE) -> Timing:
    """The limit: keyset pages of the stored rows (of ``topics``, or every one), each
    state decoded by ``orjson``, nothing else; plain psycopg, nothing of ours."""
    statement = _RAW.format(topics="AND topic = ANY(%s) " if topics else "")
    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        server, started, cpu = backend_cpu(pid), time.perf_counter(), time.process_time()
        count, after = 0, 0
        with conn.cursor(binary=True) as cur:
            while True:
                cur.execute(statement, (after, list(topics), page) if topics else (after, page))
                rows = cur.fetchall()
                for row in rows:
                    orjson.loads(row[4])
                count += len(rows)
                if len(rows) < page:
                    break
                after = rows[-1][0]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        spent = backend_cpu(pid)
    return Timing(count, wall, cpu, None if server is None or spent is None else spent - server)


@dataclass(frozen=True)
class _Metered(Store):
    """A store that adds up the CPU of the backends its connections used."""

    spent: list[float | None] = field(default_factory=list, compare=False)

    @contextmanager
    def _metered(self, opened: Any) -> Iterator[Any]:
        with opened as conn:
            pid = conn.info.backend_pid
            before = backend_cpu(pid)
            try:
                yield conn
            finally:
                after = backend_cpu(pid)
                self.spent.append(None if before is None or after is None else after - before)

    @contextmanager
    def session(self) -> Iterator[Any]:
        with self._metered(super().session()) as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection outside a session (a reader of its own) counts too."""
        with self._metered(super().connect()) as conn:
            yield conn


def _rebuild_child(url: str, make: Callable[[], list[Projection]], page: int, results: Any) -> None:
    try:
        store = _Metered(url, Path("unused.db"))
        started, cpu = time.perf_counter(), time.process_time()
        applied = rebuild(store, make(), page_size=page)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        server = None if None in store.spent else sum(s for s in store.spent if s is not None)
    except BaseException as error:  # reported to the parent in one line, never as a traceback
        # The first line only: a database error's DETAIL line can carry a row's values.
        message = (str(error).strip().splitlines() or [""])[0]
        results.put(("failed", f"{type(error).__name__}: {message}" if message else type(error).__name__))
        raise SystemExit(1) from None
    results.put((applied, wall, cpu, server, peak_mb()))


class ChildFailed(SystemExit):
    """The rebuild in the child process raised or died: one line, and a non-zero exit."""


def rebuild_in_child(
    url: str, make: Callable[[], list[Projection]], rows: int, page: int = REBUILD_PAGE
) -> tuple[Timing, int, float]:
    """A one-pass rebuild of ``make()``'s projections in a fresh process (so its peak
    memory is its own): (its timing over ``rows`` log rows, rows applied, peak MB).

    If the child raises, or dies before it reports, this raises ``ChildFailed``: the
    benchmark stops with one line on stderr and exit status 1, instead of waiting for ever.
    """
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_rebuild_child, args=(url, make, page, results))
    child.start()
    try:
        while True:
            try:
                outcome = results.get(timeout=1.0)
                break
            except queue.Empty:
                if not child.is_alive():
                    try:  # it may have reported just before it ended
                        outcome = results.get(timeout=1.0)
                        break
                    except queue.Empty:
                        raise ChildFailed(
                            f"bench: the rebuild process ended (exit status {child.exitcode}) without a result"
                        ) from None
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome[0] == "failed":
        raise ChildFailed(f"bench: the rebuild failed: {outcome[1]}")
    applied, wall, cpu, server, peak = outcome
    return Timing(rows, wall, cpu, server), applied, peak
