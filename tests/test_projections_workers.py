"""Two ``berkas projections run`` workers on one PostgreSQL database: one owns the
projection at a time, no event is counted twice, and when the owner dies the other
takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from api.bootstrap import bootstrap
from api.settings import Settings
from projections.catalog import by_name
from projections.reports import annual_report
from projections.runner import lag
from tests.builders import Clock, passport

pytestmark = pytest.mark.postgres

OWNER = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.objid::bigint = (hashtext('berkas:projection-worker:annual_report')::bigint & 4294967295)
"""


def wait_until(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll for an outcome; the limit only keeps a broken build from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def database(pg_admin_url: str):
    name = f"berkas_workers_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_admin_url.rpartition('/')[0]}/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_worker(url: str, name: str) -> subprocess.Popen:
    env = os.environ | {"BERKAS_DATABASE_URL": url, "PGAPPNAME": name}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "projections",
            "run",
            "annual_report",
            "--poll",
            "0.1",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
    )


def test_two_workers_count_each_event_once_and_the_survivor_takes_over(database, tmp_path):
    system = bootstrap(Settings(database_url=database, sqlite_path=tmp_path / "unused.db"))
    view, clock = [by_name("annual_report")], Clock(now=datetime(2024, 5, 1, 1, tzinfo=UTC))
    workers = {name: start_worker(database, name) for name in ("worker-a", "worker-b")}
    try:
        for _ in range(4):
            system.app.bulk_save([passport(clock, "ISSUED") for _ in range(10)], batch_size=5)

        def owners() -> list[str]:
            with psycopg.connect(database) as conn:
                return [row[0] for row in conn.execute(OWNER)]

        wait_until(lambda: lag(system.store, view)["annual_report"] == 0 and len(owners()) == 1, "the first catch-up")
        owner = owners()[0]
        assert annual_report(system.store, 2024, "MLG", current=False).total("passports_issued") == 40

        os.kill(workers[owner].pid, signal.SIGKILL)
        workers[owner].wait()
        system.app.bulk_save([passport(clock, "ISSUED") for _ in range(15)], batch_size=5)
        survivor = "worker-b" if owner == "worker-a" else "worker-a"
        wait_until(lambda: owners() == [survivor] and lag(system.store, view)["annual_report"] == 0, "the takeover")
        assert annual_report(system.store, 2024, "MLG", current=False).total("passports_issued") == 55
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
        system.close()
