"""Following the log: catch up, then sleep until events are written (or a poll interval passes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.runner.lease import DEFAULT_LEASE_SECONDS, Lease
from projections.runner.pages import catch_up_on
from projections.runner.tracking import Projection

# How often a sleeping follower looks at its stop flag.
_STOP_CHECK = 0.1


def _sleep(waiter: Any, stop: threading.Event, poll_interval: float) -> None:
    """Until an append wakes us, the poll interval ends or we are told to stop."""
    deadline = time.monotonic() + poll_interval
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or waiter.wait(min(left, _STOP_CHECK)):
            return


def run_forever(
    store: Store,
    projections: Iterable[Projection],
    poll_interval: float = 0.5,
    stop: threading.Event | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> None:
    """Follow the log until ``stop`` is set, waking on every append (PostgreSQL: LISTEN to
    the library's NOTIFY; SQLite: appends made by this process) and polling only as a
    fallback. Each projection is owned by one worker at a time (on PostgreSQL a session
    advisory lock); a dead worker's connection drops its locks, and a worker silent for
    longer than ``lease_seconds`` loses them (``lease``); another worker takes the
    projection over at its next wake or poll."""
    stop = stop or threading.Event()
    wanted = list(projections)
    with sql.connection(store) as conn:
        waiter = conn.dialect.waiter(conn, store)
        lease = Lease(store, lease_seconds)
        lease.start(conn)
        owned: set[str] = set()
        try:
            while not stop.is_set():
                for projection in wanted:
                    key = f"berkas:projection-worker:{projection.name}"
                    if projection.name not in owned and (conn.dialect.try_own(conn, key) or lease.take_over(conn, key)):
                        owned.add(projection.name)
                catch_up_on(conn, [p for p in wanted if p.name in owned])
                _sleep(waiter, stop, poll_interval)
        finally:
            lease.close()
