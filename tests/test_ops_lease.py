"""Workers' leases: a worker that hangs (SIGSTOP) without dying loses its projections to
another worker once its lease runs out, and no event is counted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.settings import Settings
from projections.catalog import by_name
from projections.eventstore.dialects import PostgreSQL
from projections.eventstore.store import Store
from projections.reports import annual_report
from projections.runner import TRACKING, lag, lease
from projections.runner.pages import register
from tests.builders import Clock, passport
from tests.test_projections_workers import OWNER, database, start_worker, wait_until

__all__ = ["database"]
pytestmark = pytest.mark.postgres
LEASE = 3.0

_SESSIONS = """
SELECT pid, application_name, state, wait_event_type, wait_event, backend_xid, xact_start, left(query, 160)
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid
"""
_LOCKS = """
SELECT l.pid, a.application_name, l.granted, l.locktype, l.mode, l.relation::regclass, l.objid, l.transactionid
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.pid <> pg_backend_pid() AND (l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  OR (l.database IS NULL AND a.datname = current_database()))
ORDER BY l.granted, l.pid
"""


def sessions_and_locks(url: str) -> str:
    """This database's sessions (what each waits for) and locks, the not granted first: what a
    failed wait in these tests shows, so that a lock wait names its holder."""
    with psycopg.connect(url, autocommit=True) as conn:
        sessions = conn.execute(_SESSIONS).fetchall()
        locks = conn.execute(_LOCKS).fetchall()
    return "\n".join(
        ["sessions (pid, application, state, wait type, wait, xid, transaction start, query):"]
        + [f"  {row}" for row in sessions]
        + ["locks (pid, application, granted, type, mode, relation, objid, xid):"]
        + [f"  {row}" for row in locks]
    )


def owners(url: str) -> list[str]:
    """The application names of the sessions holding the annual report's worker lock."""
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(OWNER)]


def waits_for_the_lock(url: str) -> bool:
    """Whether a session of worker-a waits for an advisory lock (a projection's page lock)."""
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'worker-a' "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()
    return found is not None


def waiting(url: str, condition, what: str, limit: float = 60.0) -> None:
    """``wait_until``, its failure naming every session of the database and its locks."""
    try:
        wait_until(condition, what, limit)
    except pytest.fail.Exception as failed:
        pytest.fail(f"{failed}\n{sessions_and_locks(url)}")


@pytest.mark.slow
def test_a_stopped_worker_loses_its_view_to_another_within_the_lease(database, tmp_path, monkeypatch):
    """The owner is stopped wherever it happens to be: asleep, or in the middle of a page or
    of registering its view (holding their locks). The other worker, started beside it and
    perhaps still starting up, takes the view over; the old owner, resumed, finds its
    session ended and stops, having written nothing more."""
    monkeypatch.setenv("BERKAS_WORKER_LEASE_SECONDS", str(LEASE))
    system = bootstrap(Settings(database_url=database, sqlite_path=tmp_path / "unused.db"))
    view, clock = [by_name("annual_report")], Clock(now=datetime(2024, 5, 1, 1, tzinfo=UTC))
    workers = {name: start_worker(database, name) for name in ("worker-a", "worker-b")}

    def issued() -> int:
        return annual_report(system.store, 2024, "MLG", current=False).total("passports_issued")

    try:
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(10)], batch_size=5)
        waiting(
            database,
            lambda: lag(system.store, view)["annual_report"] == 0 and len(owners(database)) == 1,
            "the first owner",
        )
        owner = owners(database)[0]
        assert lease.alive(system.store, LEASE)

        os.kill(workers[owner].pid, signal.SIGSTOP)
        stopped = time.monotonic()
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(15)], batch_size=5)
        survivor = "worker-b" if owner == "worker-a" else "worker-a"
        waiting(database, lambda: owners(database) == [survivor], "the take-over", limit=LEASE + 30)
        took = time.monotonic() - stopped
        waiting(database, lambda: lag(system.store, view)["annual_report"] == 0, "the survivor's catch-up")
        assert issued() == 25
        # Not before the lease ran out (its last beat came at most a third of it before the
        # stop): a slow worker is not a hung one.
        assert took >= LEASE * 2 / 3

        os.kill(workers[owner].pid, signal.SIGCONT)
        try:
            assert workers[owner].wait(timeout=30) == 1
        except subprocess.TimeoutExpired:
            pytest.fail(f"the resumed owner went on\n{sessions_and_locks(database)}")
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(5)], batch_size=5)
        waiting(database, lambda: lag(system.store, view)["annual_report"] == 0, "the survivor's next catch-up")
        assert issued() == 30 and owners(database) == [survivor]
    finally:
        stuck = []
        for name, worker in workers.items():
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGCONT)
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    stuck.append(f"{name} did not stop on SIGTERM\n{sessions_and_locks(database)}")
                    worker.kill()
                    worker.wait()
        system.close()
        if stuck:
            pytest.fail("\n".join(stuck))


@pytest.mark.slow
def test_a_worker_started_while_the_owner_hangs_mid_transaction_takes_the_view_over(database, tmp_path, monkeypatch):
    """A hung owner keeps whatever its page or its registration held when it stopped: the
    projection's worker lock, the lock serialising the views' DDL, the projection's page
    lock and its position row. A worker started meanwhile (a supervisor's restart) waits
    on none of them: it takes the view over within the lease, and the hung session can
    no longer write."""
    monkeypatch.setenv("BERKAS_WORKER_LEASE_SECONDS", str(LEASE))
    system = bootstrap(Settings(database_url=database, sqlite_path=tmp_path / "unused.db"))
    view, clock = [by_name("annual_report")], Clock(now=datetime(2024, 5, 1, 1, tzinfo=UTC))
    system.app.bulk_save([passport(clock, "ISSUED") for _ in range(10)], batch_size=5)
    with system.store.session() as conn:
        register(conn, view)
        with conn.transaction():
            lease.ensure_table(conn)
    hung = psycopg.connect(database, autocommit=True, application_name="hung-worker")
    worker = None
    try:
        hung.execute("SELECT pg_advisory_lock(hashtext('berkas:projection-worker:annual_report'))")
        hung.execute(f"INSERT INTO {lease.WORKERS} VALUES ('elsewhere:1', pg_backend_pid(), now())")
        hung.autocommit = False
        hung.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:projection-ddl'))")
        hung.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:projection:annual_report'))")
        hung.execute(f"UPDATE {TRACKING} SET position = position WHERE name = 'annual_report'")

        worker = start_worker(database, "worker-b")
        waiting(database, lambda: owners(database) == ["worker-b"], "the take-over", limit=LEASE + 30)
        waiting(database, lambda: lag(system.store, view)["annual_report"] == 0, "the new owner's catch-up")
        assert annual_report(system.store, 2024, "MLG", current=False).total("passports_issued") == 10
        with pytest.raises(psycopg.OperationalError):
            hung.execute(f"UPDATE {TRACKING} SET position = 0")
    finally:
        hung.close()
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                report = sessions_and_locks(database)
                worker.kill()
                worker.wait()
                pytest.fail(f"the worker did not stop on SIGTERM\n{report}")
        system.close()


@pytest.mark.slow
def test_a_worker_waiting_for_a_lock_held_elsewhere_still_stops_on_sigterm(database, tmp_path, monkeypatch):
    """A page lock held by someone else (a rebuild's swap, a hung session) keeps the owner
    waiting a third of the lease at most: it tries again at its next poll, catches up once
    the lock is free, and stops on SIGTERM while the lock is still held."""
    monkeypatch.setenv("BERKAS_WORKER_LEASE_SECONDS", str(LEASE))
    system = bootstrap(Settings(database_url=database, sqlite_path=tmp_path / "unused.db"))
    view, clock = [by_name("annual_report")], Clock(now=datetime(2024, 5, 1, 1, tzinfo=UTC))
    worker = start_worker(database, "worker-a")
    holder = psycopg.connect(database, application_name="lock-holder")
    try:
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(5)], batch_size=5)
        waiting(database, lambda: lag(system.store, view)["annual_report"] == 0, "the first catch-up")
        holder.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:projection:annual_report'))")
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(5)], batch_size=5)
        waiting(database, lambda: waits_for_the_lock(database), "the worker waiting for the page lock")
        time.sleep(LEASE)  # three of its waits given up
        assert worker.poll() is None
        holder.rollback()
        waiting(database, lambda: lag(system.store, view)["annual_report"] == 0, "the catch-up after the lock")
        assert annual_report(system.store, 2024, "MLG", current=False).total("passports_issued") == 10

        holder.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:projection:annual_report'))")
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(5)], batch_size=5)
        waiting(database, lambda: waits_for_the_lock(database), "the worker waiting for the page lock")
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker did not stop on SIGTERM\n{sessions_and_locks(database)}")
    finally:
        holder.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        system.close()


def test_a_start_up_hung_holding_the_set_up_lock_does_not_hold_up_the_next(database, tmp_path, monkeypatch):
    """Start-ups take turns (a lock on a session of their own). One whose process stopped
    half-way loses its turn once idle for ``SETUP_IDLE_SECONDS``: a worker restarted
    meanwhile starts, and the hung one, should it wake, fails."""
    monkeypatch.setattr(PostgreSQL, "SETUP_IDLE_SECONDS", 2)
    settings = Settings(database_url=database, sqlite_path=tmp_path / "unused.db")
    hung = Store(database, tmp_path / "unused.db")
    started = threading.Event()
    restart = threading.Thread(target=lambda: (bootstrap(settings).close(), started.set()), daemon=True)
    with pytest.raises(psycopg.OperationalError), hung.setup_lock():
        monkeypatch.undo()  # the restarted worker's own start-up keeps the usual limit
        restart.start()
        restart.join(timeout=60)
        assert started.is_set(), sessions_and_locks(database)


def test_alive_answers_for_this_machines_worker_only_while_it_beats(database, tmp_path, monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", database)
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(tmp_path / "personal-data.key"))
    monkeypatch.setenv("BERKAS_WORKER_LEASE_SECONDS", "2")
    system = bootstrap(
        Settings(
            database_url=database,
            sqlite_path=tmp_path / "unused.db",
            personal_data_key_path=tmp_path / "personal-data.key",
        )
    )
    try:
        assert CliRunner().invoke(cli, ["projections", "alive"]).exit_code == 1
        with system.store.connect() as conn:
            lease.ensure_table(conn)
            conn.execute(f"INSERT INTO {lease.WORKERS} VALUES (%s, 1, now())", (lease.worker_id(),))
        assert CliRunner().invoke(cli, ["projections", "alive"]).exit_code == 0
        with system.store.connect() as conn:
            conn.execute(f"UPDATE {lease.WORKERS} SET beat_at = now() - interval '10 seconds'")
        stale = CliRunner().invoke(cli, ["projections", "alive"])
        assert stale.exit_code == 1 and "within 2 s" in stale.output
        assert not lease.alive(system.store, 2, host="another-machine")
    finally:
        system.close()


def test_a_worker_lock_held_in_another_database_is_not_this_databases_owner(database):
    """Advisory locks belong to one database: several Berkas databases on one server (an office
    each, or a test's) each have their own workers, and one's owner is never another's."""
    key = "berkas:projection-worker:annual_report"
    neighbour = psycopg.conninfo.make_conninfo(database, dbname="postgres")
    with psycopg.connect(neighbour, autocommit=True) as other, psycopg.connect(database, autocommit=True) as here:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        assert here.execute(lease._HOLDER, (key,)).fetchall() == []
        assert here.execute(OWNER).fetchall() == []
        assert here.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]
