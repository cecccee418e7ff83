"""Workers' leases: a worker that hangs (SIGSTOP) without dying loses its projections to
another worker once its lease runs out, and no event is counted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.settings import Settings
from projections.catalog import by_name
from projections.reports import annual_report
from projections.runner import lag, lease
from tests.builders import Clock, passport
from tests.test_projections_workers import OWNER, database, start_worker, wait_until

__all__ = ["database"]
pytestmark = pytest.mark.postgres
LEASE = 3.0


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="known flake since the 2026-12-01 integration: run after the rest of the suite, the "
    "survivor sometimes never takes the view over and the resumed owner does not stop on SIGTERM "
    "(a lock wait between the two workers is suspected); under investigation, see the issue notes",
)
def test_a_stopped_worker_loses_its_view_to_another_within_the_lease(database, tmp_path, monkeypatch):
    monkeypatch.setenv("BERKAS_WORKER_LEASE_SECONDS", str(LEASE))
    system = bootstrap(Settings(database_url=database, sqlite_path=tmp_path / "unused.db"))
    view, clock = [by_name("annual_report")], Clock(now=datetime(2024, 5, 1, 1, tzinfo=UTC))
    workers = {name: start_worker(database, name) for name in ("worker-a", "worker-b")}

    def owners() -> list[str]:
        with psycopg.connect(database) as conn:
            return [row[0] for row in conn.execute(OWNER)]

    try:
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(10)], batch_size=5)
        wait_until(lambda: lag(system.store, view)["annual_report"] == 0 and len(owners()) == 1, "the first owner")
        owner = owners()[0]
        assert lease.alive(system.store, LEASE)

        os.kill(workers[owner].pid, signal.SIGSTOP)
        stopped = time.monotonic()
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(15)], batch_size=5)
        survivor = "worker-b" if owner == "worker-a" else "worker-a"
        wait_until(lambda: owners() == [survivor], "the take-over", limit=LEASE + 30)
        took = time.monotonic() - stopped
        wait_until(lambda: lag(system.store, view)["annual_report"] == 0, "the survivor's catch-up")
        assert annual_report(system.store, 2024, "MLG", current=False).total("passports_issued") == 25
        # Not before the lease ran out (its last beat came at most a third of it before the
        # stop): a slow worker is not a hung one.
        assert took >= LEASE * 2 / 3
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGCONT)
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        system.close()


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
