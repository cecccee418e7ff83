"""``berkas demo`` after an interruption: the run resumes, each event is written exactly
once, the figures are the seed's, and only a finished run says it is finished."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.demo import resume
from api.demo.engine import replay
from api.demo.run import OFFICE, office_year
from api.demo.site import malang
from api.settings import Settings
from projections.reports import annual_report
from tests.test_demo import SEED_FIGURES
from tests.test_projections_workers import database

__all__ = ["database"]
ROOT = Path(__file__).resolve().parent.parent
CASES = 400  # the revenue target and the first passport applications of the year


class Interrupted(Exception):
    pass


class CutOff:
    """The application whose event store is cut off after ``puts`` writes, as a kill would
    (mid-day included); the engine's save and bulk path both go through it."""

    def __init__(self, app, puts: int):
        self.app, self.left = app, puts
        self.events = self

    def __getattr__(self, name):
        return getattr(self.app, name)

    def put(self, events, **kwargs):
        self.left -= 1
        if self.left < 0:
            raise Interrupted
        return self.app.events.put(events, **kwargs)

    def save(self, *aggregates):
        return self.put([event for aggregate in aggregates for event in aggregate.collect_events()])


def stored(system) -> set[tuple]:
    with system.store.connect() as conn:
        rows = conn.execute(f"SELECT originator_id, originator_version, topic FROM {system.store.events_table}")
        return {(str(UUID(str(o))), v, t) for o, v, t in rows.fetchall()}


@pytest.fixture
def reference(tmp_path):
    """A store of its own, written in one uninterrupted run."""
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "reference.db"))
    yield system
    system.close()


def year():
    return islice(office_year(malang(7)), CASES)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh(request, tmp_path):
    """An empty store of this test's own on each backend (the shared test database holds
    other tests' demo cases)."""
    url = request.getfixturevalue("database") if request.param == "postgres" else None
    system = bootstrap(Settings(database_url=url, sqlite_path=tmp_path / "fresh.db"))
    yield system
    system.close()


def test_a_resumed_run_writes_each_event_once_and_the_same_year(fresh, reference):
    system = fresh
    replay(reference.app, year(), lambda day, written: None)
    expected = stored(reference)
    before = stored(system)

    with pytest.raises(Interrupted):
        replay(CutOff(system.app, puts=10), year(), lambda day, written: None)
    partial = stored(system) - before
    assert partial and partial < expected

    skipping = resume.SkipStored(system.app, resume.stored_versions(system.store))
    replay(skipping, year(), lambda day, written: None)
    assert stored(system) - before == expected
    assert annual_report(system.store, 2024, OFFICE).summary() == annual_report(reference.store, 2024, OFFICE).summary()


def test_the_marker_is_set_only_at_the_end_and_a_resume_keeps_its_seed(sqlite_system):
    store = sqlite_system.store
    assert resume.recorded_run(store, OFFICE, 2024) is None
    assert resume.begin(store, OFFICE, 2024, seed=7) is None
    assert resume.recorded_run(store, OFFICE, 2024) == resume.Run(7, completed=False)
    assert resume.begin(store, OFFICE, 2024, seed=7) == resume.Run(7, completed=False)
    with pytest.raises(resume.SeedMismatch, match="--seed 7"):
        resume.begin(store, OFFICE, 2024, seed=8)
    resume.complete(store, OFFICE, 2024)
    assert resume.recorded_run(store, OFFICE, 2024) == resume.Run(7, completed=True)


def test_the_cli_refuses_to_finish_another_seeds_year(tmp_path, monkeypatch):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "demo.db"))
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "demo.db"))
    resume.begin(system.store, OFFICE, 2024, seed=2024)
    system.close()
    refused = CliRunner().invoke(cli, ["demo", "--seed", "9"], terminal_width=200)
    assert refused.exit_code == 2 and "--seed 2024" in refused.output


@pytest.mark.slow
def test_a_demo_killed_while_generating_then_run_again_gives_the_seed_figures(tmp_path, monkeypatch):
    database = tmp_path / "demo.db"
    env = os.environ | {"BERKAS_DATABASE_URL": "", "BERKAS_SQLITE_PATH": str(database)}
    demo = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "demo"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while events_in(database) < 20_000:
            assert demo.poll() is None and time.monotonic() < deadline, "the demo ended before it was killed"
            time.sleep(0.2)
    finally:
        demo.send_signal(signal.SIGKILL)
        demo.wait()
    killed_at = events_in(database)
    assert 0 < killed_at < 500_000

    monkeypatch.setenv("BERKAS_DATABASE_URL", "")
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(database))
    again = CliRunner().invoke(cli, ["demo"], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert "interrupted demo is finished" in again.output and "333.68 %" in again.output
    system = bootstrap(Settings(database_url=None, sqlite_path=database))
    try:
        report = annual_report(system.store, 2024, office=OFFICE)
        assert {name: report.summary()[name] for name in SEED_FIGURES} == SEED_FIGURES
        events = system.app.recorder.max_notification_id()
    finally:
        system.close()
    third = CliRunner().invoke(cli, ["demo"], terminal_width=200)
    assert third.exit_code == 0 and "nothing generated" in third.output
    assert events_in(database) == events


def events_in(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0
