"""Workers' leases: a worker that stops beating loses its projections within the lease.

A session advisory lock says which worker follows a projection, and a dead worker's
connection drops it. A hung worker (stopped, frozen, its machine paused) keeps its
connection open, and its locks with it, for ever. So every worker also beats: a thread
of its own renews the worker's row (``beat_at``, the database's clock) every third of the
lease. A worker that finds a projection's owner silent for longer than the lease ends the
owner's session (``pg_terminate_backend``; the same role may), which rolls back whatever
page it held and frees its locks, and takes the projection over. The hung worker, should it
wake, finds its session gone and fails; its supervisor (compose's restart) starts it anew.

A hung worker keeps whatever its transaction held when it stopped, so nothing on the way
to a take-over may wait for a lock: a worker starting beside a hung one takes no lock
at all once the workers' table exists, and every lock wait on a worker's session gives
up after a third of the lease (``bound_waits``; the follower tries again at its next
poll). A worker's session left idle inside a transaction for longer than the lease is
ended by the server itself, which frees what it held even with no other worker about.

PostgreSQL only: on SQLite one process follows the file and there is nothing to take over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

import psycopg
from psycopg.errors import LockNotAvailable

from projections.eventstore import sql
from projections.eventstore.store import Store

log = logging.getLogger("berkas.projections.lease")

WORKERS = "projection_workers"
DEFAULT_LEASE_SECONDS = 30.0

# The session that holds a projection's worker lock (an advisory lock on a hashed key).
_HOLDER = """
SELECT l.pid FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.objid::bigint = (hashtext(%s)::bigint & 4294967295) AND l.pid <> pg_backend_pid()
"""


def worker_id() -> str:
    """This process on this machine (in a container: the container's host name)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _on_postgresql(conn: Any) -> bool:
    return conn.dialect.name == "postgresql"


class SessionLost(Exception):
    """This worker's session ended under it: another worker took its projections over
    after it fell silent (or the server went away). Nothing more was written through it."""

    def __str__(self) -> str:
        return "this worker's database session was ended (taken over after it fell silent, or the server restarted)"


def gave_up_waiting(error: BaseException) -> bool:
    """Whether ``error`` is a lock wait cut short by ``bound_waits``."""
    return isinstance(error, LockNotAvailable)


def session_ended(conn: Any, error: BaseException) -> bool:
    """Whether ``error`` came of the worker's session being ended (``pg_terminate_backend``)."""
    return _on_postgresql(conn) and isinstance(error, psycopg.OperationalError) and conn.closed


def bound_waits(conn: Any, lease_seconds: float) -> None:
    """No lock wait on a worker's session outlasts a third of the lease (a beat), and a
    transaction left idle on it (its process stopped mid-page) ends with the lease."""
    if _on_postgresql(conn):
        conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{round(lease_seconds * 1000 / 3)}ms",))
        conn.execute(
            "SELECT set_config('idle_in_transaction_session_timeout', %s, false)", (f"{round(lease_seconds * 1000)}ms",)
        )


def ensure_table(conn: Any) -> None:
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {WORKERS} (worker_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, "
        "beat_at TIMESTAMPTZ NOT NULL)",
    )


class Lease:
    """This worker's beat, and the take-over of projections whose owner fell silent."""

    def __init__(self, store: Store, seconds: float = DEFAULT_LEASE_SECONDS):
        self.store = store
        self.seconds = seconds
        self.id = worker_id()
        self.active = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat_forever, name="berkas-lease", daemon=True)

    def start(self, conn: Any) -> None:
        """Record the follower's session (``conn``) as this worker's and start beating."""
        if not _on_postgresql(conn):
            return
        bound_waits(conn, self.seconds)
        if not sql.table_exists(conn, WORKERS):
            # The first worker ever. Later ones take no lock here: a hung worker may hold
            # the DDL lock (it was registering a view) until another one takes it over.
            with sql.transaction(conn):
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:projection-ddl'))")
                ensure_table(conn)
        with sql.transaction(conn):
            conn.execute(
                f"INSERT INTO {WORKERS} (worker_id, pid, beat_at) VALUES (%s, pg_backend_pid(), now()) "
                "ON CONFLICT (worker_id) DO UPDATE SET pid = excluded.pid, beat_at = excluded.beat_at",
                (self.id,),
            )
            # Rows of workers long gone (each start is a new id); those another start is
            # deleting are left to it rather than waited for.
            conn.execute(
                f"DELETE FROM {WORKERS} WHERE worker_id IN (SELECT worker_id FROM {WORKERS} "
                "WHERE beat_at < now() - interval '1 day' FOR UPDATE SKIP LOCKED)"
            )
        self.active = True
        self.thread.start()

    def _beat_forever(self) -> None:
        while not self.stop.wait(self.seconds / 3):
            try:
                # One statement committing itself: a beat stopped half-way leaves no
                # transaction open.
                with self.store.session() as conn:
                    bound_waits(conn, self.seconds)
                    conn.execute(f"UPDATE {WORKERS} SET beat_at = now() WHERE worker_id = %s", (self.id,))
            except Exception as error:  # a missed beat is retried; the lease allows two
                log.warning("worker beat failed (%s)", type(error).__name__)

    def take_over(self, conn: Any, key: str) -> bool:
        """If the session holding ``key`` belongs to a worker silent for longer than the
        lease, end it and take the lock; True once this session holds it."""
        if not self.active:
            return False
        with sql.transaction(conn):
            holders = [row[0] for row in conn.execute(_HOLDER, (key,)).fetchall()]
            silent = [
                pid
                for pid in holders
                if conn.execute(
                    f"SELECT 1 FROM {WORKERS} WHERE pid = %s AND beat_at < now() - make_interval(secs => %s)",
                    (pid, self.seconds),
                ).fetchone()
            ]
            for pid in silent:
                log.warning("a worker (session %s) fell silent for over %.0f s: taking %s over", pid, self.seconds, key)
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        if not silent:
            return False
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if conn.dialect.try_own(conn, key):
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def alive(store: Store, seconds: float, host: str | None = None) -> bool:
    """Whether a worker on ``host`` (this machine) has beaten within the lease."""
    host = host or socket.gethostname()
    with store.connect() as conn:
        if not _on_postgresql(conn):
            return True
        if not sql.table_exists(conn, WORKERS):
            return False
        found = conn.execute(
            f"SELECT 1 FROM {WORKERS} WHERE worker_id LIKE %s AND beat_at >= now() - make_interval(secs => %s)",
            (host.replace("%", r"\%").replace("_", r"\_") + ":%", seconds),
        ).fetchone()
    return found is not None
