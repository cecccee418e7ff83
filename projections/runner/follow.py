"""Following the log: catch up, then sleep until events are written (or a poll interval passes)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.runner.lease import DEFAULT_LEASE_SECONDS, Lease, SessionLost, gave_up_waiting, session_ended
from projections.runner.pages import catch_up_registered, register
from projections.runner.tracking import Projection

log = logging.getLogger("berkas.projections.follow")

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
    projection over at its next wake or poll. A worker whose session was ended (taken
    over after it fell silent) raises ``SessionLost``: it has written nothing since."""
    stop = stop or threading.Event()
    wanted = list(projections)
    with sql.connection(store) as conn:
        waiter = conn.dialect.waiter(conn, store)
        lease = Lease(store, lease_seconds)
        owned: set[str] = set()
        registered: set[str] = set()
        try:
            lease.start(conn)
            while not stop.is_set():
                try:
                    mine = _claim(conn, lease, wanted, owned)
                    fresh = [p for p in mine if p.name not in registered]
                    if fresh:
                        register(conn, fresh)
                        registered.update(p.name for p in fresh)
                    catch_up_registered(conn, mine)
                except Exception as error:
                    if not gave_up_waiting(error):
                        raise
                    log.warning("a lock was held for over a third of the lease: trying again at the next poll")
                _sleep(waiter, stop, poll_interval)
        except Exception as error:
            if session_ended(conn, error):
                raise SessionLost from error
            raise
        finally:
            lease.close()


def _claim(conn: Any, lease: Lease, wanted: list[Projection], owned: set[str]) -> list[Projection]:
    """The projections this worker owns, once it has tried for the others (free ones, and
    those whose owner fell silent)."""
    for projection in wanted:
        key = f"berkas:projection-worker:{projection.name}"
        if projection.name not in owned and (conn.dialect.try_own(conn, key) or lease.take_over(conn, key)):
            owned.add(projection.name)
    return [p for p in wanted if p.name in owned]
