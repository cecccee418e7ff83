"""Following the log: one pass feeds every view, appends wake the follower, and rows
written around the application (forged ids far ahead, ids at or below zero) can neither
make a follower skip real events nor pass unnoticed."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from api.bootstrap import System
from api.cli import app as cli
from projections.catalog import by_name
from projections.eventstore import log, sql
from projections.runner import catch_up, lag, positions, run_forever, status
from tests.builders import actor, submission
from tests.stores import fresh_system

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def system(request, pg_admin_url, tmp_path) -> Iterator[System]:
    with fresh_system(request.param, pg_admin_url, tmp_path) as built:
        yield built


def _submit(system: System) -> uuid.UUID:
    return system.app.submit_passport_application(actor(), **submission())


def _indexed_version(system: System, case_id: uuid.UUID) -> int | None:
    with system.store.read() as conn:
        if not sql.table_exists(conn, "case_index"):
            return None
        found = sql.fetchall(conn, "SELECT version FROM case_index WHERE case_id = ?", (str(case_id),))
    return found[0][0] if found else None


def _forge(system: System, notification_id: int) -> None:
    """As the database's superuser or file owner: a copy of the last event under a new
    case id, at a notification id of our choosing."""
    store = system.store
    with store.connect() as conn:
        table, column = conn.dialect.events_table, conn.dialect.id_column
        sql.execute(
            conn,
            f"INSERT INTO {table} ({column}, originator_id, originator_version, topic, state) "
            f"SELECT ?, ?, 1, topic, state FROM {table} WHERE {column} = (SELECT MAX({column}) FROM {table})",
            (notification_id, conn.dialect.case_key(uuid.uuid4())),
        )


def test_one_catch_up_feeds_every_view_from_one_read_and_each_keeps_its_own_position(system):
    views = [by_name(name) for name in ("case_index", "annual_report", "audit_trail")]
    first = _submit(system)
    catch_up(system.store, views[:1])  # the case index runs ahead of the others
    second = _submit(system)
    applied = catch_up(system.store, views)
    last = system.app.recorder.max_notification_id()
    assert _indexed_version(system, first) == 1 and _indexed_version(system, second) == 1
    assert {name: positions(system.store)[name] for name in ("case_index", "annual_report", "audit_trail")} == {
        "case_index": last,
        "annual_report": last,
        "audit_trail": last,
    }
    # The case index saw the first case once; the annual report counted both submissions.
    assert applied == 1 + 2
    assert lag(system.store, views) == {"case_index": 0, "annual_report": 0, "audit_trail": 0}


def test_a_row_forged_far_ahead_never_makes_the_followers_skip_later_events(system):
    view = [by_name("case_index")]
    _submit(system)
    catch_up(system.store, view)
    forged_at = system.app.recorder.max_notification_id() + 10**7
    _forge(system, forged_at)
    catch_up(system.store, view)
    later = _submit(system)
    catch_up(system.store, view)
    assert _indexed_version(system, later) == 1
    assert lag(system.store, view) == {"case_index": 0}
    found = status(system.store, view)
    if system.store.database_url:
        # PostgreSQL hands out ids from a sequence: the forged row is beyond it, never read, named.
        assert any(f"from notification id {forged_at} beyond the last id handed out" in a for a in found.anomalies)
        assert found.positions["case_index"] < forged_at
    else:
        # SQLite gives the next row the id after the highest: the later event comes after the forgery.
        with system.store.connect() as conn:
            assert log.readable_upto(conn) > forged_at


def test_a_row_at_id_zero_or_below_is_reported_not_silently_ignored(system, monkeypatch):
    view = [by_name("case_index")]
    _submit(system)
    _forge(system, -5)
    catch_up(system.store, view)
    found = status(system.store, view)
    assert found.anomalies == ["1 row(s) at notification id -5 or below 0: written around the application"]

    if system.store.database_url:
        monkeypatch.setenv("BERKAS_DATABASE_URL", system.store.database_url)
    else:
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        monkeypatch.setenv("BERKAS_SQLITE_PATH", str(system.store.sqlite_path))
    shown = CliRunner().invoke(cli, ["projections", "status"], terminal_width=200)
    assert shown.exit_code == 1
    assert "anomaly in the event log: 1 row(s) at notification id -5" in shown.output


def test_a_healthy_log_has_no_anomalies(system):
    _submit(system)
    assert status(system.store, [by_name("case_index")]).anomalies == []


@contextmanager
def _follower(system: System, poll_interval: float) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(system.store, [by_name("case_index")], poll_interval, stop), daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()


def _wait_for(system: System, case_id: uuid.UUID, limit: float) -> float:
    began = time.perf_counter()
    while _indexed_version(system, case_id) is None:
        if time.perf_counter() - began > limit:
            pytest.fail(f"the view did not show the case within {limit} s")
        time.sleep(0.002)
    return time.perf_counter() - began


def test_an_append_wakes_the_follower_long_before_its_poll_interval(system, capsys):
    with _follower(system, poll_interval=60.0):
        _wait_for(system, _submit(system), limit=30)  # the first catch-up creates the tables
        latencies = []
        for _ in range(15):
            began = time.perf_counter()
            case_id = _submit(system)
            # Well under the 60 s poll: only the wake-up can have brought it.
            latencies.append(time.perf_counter() - began + _wait_for(system, case_id, limit=30))
    with capsys.disabled():
        backend = system.store.dialect.name
        print(
            f"\n{backend}: write-to-view latency p50 {statistics.median(latencies) * 1000:.1f} ms "
            f"(max {max(latencies) * 1000:.1f} ms, 15 appends, poll interval 60 s)"
        )
