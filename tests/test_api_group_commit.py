"""Group commit (projections/eventstore/group_commit.py): commands saving at once share one
durable commit on PostgreSQL, and each keeps the outcome it would have had alone: on one
case exactly one wins and the others are 409; on different cases all succeed; a save the
database refuses fails alone; a process killed in the middle of a batch leaves none of it.

To make a batch for certain, the test holds the events table's lock while the saves
queue behind the first one, then lets them go."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.app import create_app
from projections.eventstore.group_commit import GroupCommitRecorder
from tests.api_support import auth, key, passport_body, token_for
from tests.stores import fresh_system

CONCURRENT = 8
PAY = {"billing_code": "820300000001"}


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


@contextmanager
def queued_behind_the_lock(system: System, waiting: int) -> Iterator[None]:
    """On PostgreSQL, hold the events table's lock until ``waiting`` saves queue behind the
    first (blocked on the lock): they are then written as one batch. On SQLite, nothing."""
    recorder = system.app.recorder
    if not isinstance(recorder, GroupCommitRecorder):
        yield
        return
    with psycopg.connect(system.settings.database_url) as conn:
        conn.execute("LOCK TABLE berkas_events IN EXCLUSIVE MODE")
        yield
        deadline = time.monotonic() + 3  # well within the recorder's lock timeout (5 s)
        while len(recorder._queue) < waiting and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(recorder._queue) >= waiting, "the saves did not queue behind the first"


def in_threads(calls: list, before=None) -> list:
    """Run ``calls`` at once; ``before`` (a context manager) is entered first and left while they run."""
    with ThreadPoolExecutor(len(calls)) as pool:
        if before is None:
            return [f.result() for f in [pool.submit(call) for call in calls]]
        with before:
            futures = [pool.submit(call) for call in calls]
            time.sleep(0.2)  # the first blocks on the lock, the others queue
        return [f.result() for f in futures]


def submitted(client: TestClient, token: str) -> str:
    created = client.post("/passport-applications", json=passport_body(), headers=auth(token))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def batches(system: System) -> int:
    return getattr(system.app.recorder, "batches", 0)


def test_concurrent_commands_on_one_case_one_wins_and_the_others_are_409(client, system):
    officer, auditor = token_for(system, "OFFICER"), token_for(system, "AUDITOR")
    case_id = submitted(client, officer)
    headers = auth(officer, **{"If-Match": '"1"'})

    def pay():
        return client.post(f"/passport-applications/{case_id}/payment", json=PAY, headers=headers)

    before = batches(system)
    answers = in_threads([pay] * CONCURRENT, queued_behind_the_lock(system, CONCURRENT - 1))
    assert sorted(a.status_code for a in answers) == [200] + [409] * (CONCURRENT - 1), [a.text for a in answers]
    assert all(
        a.headers["content-type"].startswith("application/problem+json") for a in answers[1:] if a.status_code == 409
    )
    history = client.get(f"/cases/{case_id}/history", headers=auth(auditor))
    assert [e["version"] for e in history.json()["data"]] == [1, 2]
    if isinstance(system.app.recorder, GroupCommitRecorder):
        assert batches(system) - before <= 2  # the first alone, the rest together


def test_concurrent_commands_on_different_cases_all_succeed(client, system):
    officer = token_for(system, "OFFICER")
    cases = [submitted(client, officer) for _ in range(CONCURRENT)]
    calls = [
        lambda case_id=case_id: client.post(
            f"/passport-applications/{case_id}/payment", json=PAY, headers=auth(officer)
        )
        for case_id in cases
    ]
    before = batches(system)
    answers = in_threads(calls, queued_behind_the_lock(system, CONCURRENT - 1))
    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text for a in answers]
    assert [a.json()["id"] for a in answers] == cases
    assert all(a.json()["status"] == "PAID" and a.headers["ETag"] == '"2"' for a in answers)
    if isinstance(system.app.recorder, GroupCommitRecorder):
        assert batches(system) - before == 2


def test_one_idempotency_key_sent_concurrently_runs_once_and_answers_alike(client, system):
    officer = token_for(system, "OFFICER")
    case_id = submitted(client, officer)
    headers = auth(officer, **{"Idempotency-Key": key()})

    def pay():
        return client.post(f"/passport-applications/{case_id}/payment", json=PAY, headers=headers)

    answers = in_threads([pay] * CONCURRENT, queued_behind_the_lock(system, CONCURRENT - 1))
    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert {a.headers["ETag"] for a in answers} == {'"2"'}


# --- the recorder itself, on a database of its own (it writes events no projection reads) ---


@pytest.fixture
def own_system(pg_admin_url: str, tmp_path: Path) -> Iterator[System]:
    with fresh_system("postgres", pg_admin_url, tmp_path) as built:
        yield built


def event(originator: uuid.UUID, version: int = 1, topic: str = "test:event") -> StoredEvent:
    return StoredEvent(originator_id=originator, originator_version=version, topic=topic, state=b"{}")


@contextmanager
def trigger(url: str, body: str) -> Iterator[None]:
    """A BEFORE INSERT trigger on the events table for the test's own topics."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION test_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + body
            + " RETURN NEW; END $$; CREATE TRIGGER test_trigger BEFORE INSERT ON berkas_events "
            "FOR EACH ROW EXECUTE FUNCTION test_trigger()"
        )
        try:
            yield
        finally:
            conn.execute("DROP TRIGGER test_trigger ON berkas_events; DROP FUNCTION test_trigger()")


def stored(url: str, originators: list[uuid.UUID]) -> dict[uuid.UUID, list[int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version FROM berkas_events WHERE originator_id = ANY(%s) "
            "ORDER BY notification_id",
            (originators,),
        ).fetchall()
    found: dict[uuid.UUID, list[int]] = {}
    for originator, version in rows:
        found.setdefault(originator, []).append(version)
    return found


def outcome(recorder: GroupCommitRecorder, events: list[StoredEvent]):
    try:
        return recorder.insert_events(events)
    except PersistenceError as error:
        return error


def test_a_save_the_database_refuses_fails_alone_and_the_batch_goes_in(own_system):
    url = own_system.settings.database_url
    recorder = own_system.app.recorder
    first, good, refused, also_good = (uuid.uuid4() for _ in range(4))
    saves = [
        [event(first)],
        [event(good), event(good, 2)],
        [event(refused, topic="test:refused")],
        [event(also_good)],
        [event(good)],  # the version the second save takes: a conflict, within the batch
    ]
    with trigger(url, "IF NEW.topic = 'test:refused' THEN RAISE EXCEPTION 'refused by the test'; END IF;"):
        calls = [lambda events=events: outcome(recorder, events) for events in saves]
        results = in_threads(calls, queued_behind_the_lock(own_system, len(saves) - 1))

    assert isinstance(results[0], list) and isinstance(results[1], list) and isinstance(results[3], list)
    assert len(results[1]) == 2
    assert isinstance(results[2], PersistenceError) and "refused by the test" in str(results[2])
    assert isinstance(results[4], IntegrityError)
    assert stored(url, [first, good, refused, also_good]) == {first: [1], good: [1, 2], also_good: [1]}


def test_a_conflict_in_a_batch_refuses_only_that_save(own_system):
    url = own_system.settings.database_url
    recorder = own_system.app.recorder
    taken = uuid.uuid4()
    recorder.insert_events([event(taken)])
    others = [uuid.uuid4() for _ in range(4)]
    saves = [[event(others[0])], [event(taken)], [event(others[1])], [event(taken, 2)], [event(others[2])]]
    before = recorder.batches
    results = in_threads(
        [lambda events=events: outcome(recorder, events) for events in saves],
        queued_behind_the_lock(own_system, len(saves) - 1),
    )
    assert isinstance(results[1], IntegrityError)
    assert [isinstance(r, list) for r in results] == [True, False, True, True, True]
    assert recorder.batches - before == 2
    assert stored(url, [taken, *others[:3]]) == {taken: [1, 2], others[0]: [1], others[1]: [1], others[2]: [1]}
    # the ids given back are the rows' own, one per event, in order
    with psycopg.connect(url) as conn:
        for events, ids in zip(saves, results, strict=True):
            if isinstance(ids, list):
                found = conn.execute(
                    "SELECT notification_id FROM berkas_events WHERE originator_id = %s AND originator_version = %s",
                    (events[0].originator_id, events[0].originator_version),
                ).fetchone()
                assert ids == [found[0]]


def test_a_save_alone_that_is_not_new_is_refused_and_leaves_its_connection_clean(own_system):
    """A batch of one save skips the look-up of the latest versions: the primary key refuses a
    version taken already, the batch's transaction is rolled back, and the save gets the
    library's IntegrityError; nothing of it is written, and the connections go on working."""
    url = own_system.settings.database_url
    recorder = own_system.app.recorder
    taken = uuid.uuid4()
    assert isinstance(outcome(recorder, [event(taken)]), list)
    for _ in range(recorder.datastore.pool.max_size + 2):  # every pooled connection, more than once
        refused = outcome(recorder, [event(taken, 2), event(taken, 1, topic="test:stale")])
        assert isinstance(refused, IntegrityError)
        stale = outcome(recorder, [event(taken)])
        assert isinstance(stale, IntegrityError)
    assert stored(url, [taken]) == {taken: [1]}
    later = [uuid.uuid4() for _ in range(3)]
    assert all(isinstance(outcome(recorder, [event(one)]), list) for one in later)
    assert isinstance(outcome(recorder, [event(taken, 2)]), list)
    assert stored(url, [taken, *later]) == {taken: [1, 2], **{one: [1] for one in later}}


def test_a_batch_whose_lock_times_out_is_rolled_back_here_and_written_once_the_lock_is_free(own_system, caplog):
    """The batch's BEGIN and LOCK go in one round trip: a lock wait that times out leaves
    the transaction failed, and it is rolled back before its connection goes back to the
    pool (which would warn), then the save is written alone once the lock is free."""
    url = own_system.settings.database_url
    recorder = own_system.app.recorder
    timeout = recorder.datastore.lock_timeout
    originator = uuid.uuid4()
    with psycopg.connect(url) as holder, ThreadPoolExecutor(1) as pool:
        holder.execute("LOCK TABLE berkas_events IN EXCLUSIVE MODE")
        with caplog.at_level(logging.WARNING, logger="psycopg.pool"):
            saving = pool.submit(outcome, recorder, [event(originator)])
            time.sleep(timeout + 0.5)  # the batch's lock wait has timed out; its retry waits
            holder.rollback()  # frees the lock
            ids = saving.result(timeout=30)
    assert isinstance(ids, list) and len(ids) == 1
    assert not [record for record in caplog.records if "rolling back" in record.getMessage()]
    assert stored(url, [originator]) == {originator: [1]}


KILLED_WRITER = """
import sys, threading, time, uuid
from pathlib import Path
from eventsourcing.persistence import StoredEvent
from api.bootstrap import bootstrap
from api.settings import Settings

system = bootstrap(Settings(database_url=sys.argv[1], sqlite_path=Path(sys.argv[2])))
recorder = system.app.recorder
originators = [uuid.UUID(o) for o in sys.argv[3:]]
print("ready", flush=True)
sys.stdin.readline()  # the test holds the table's lock now
def save(originator):
    recorder.insert_events([StoredEvent(originator, 1, "test:slow", b"{}")])
threads = [threading.Thread(target=save, args=(o,)) for o in originators]
threads[0].start()  # the first leads: it waits for the table's lock with a batch of itself
while not (recorder._writing and not recorder._queue):
    time.sleep(0.01)
for thread in threads[1:]:
    thread.start()
while len(recorder._queue) < len(originators) - 1:
    time.sleep(0.01)
print("queued", flush=True)
for thread in threads:
    thread.join()
print("written", flush=True)
"""


def test_a_writer_killed_in_the_middle_of_a_batch_leaves_none_of_it(own_system, tmp_path):
    url = own_system.settings.database_url
    originators = [uuid.uuid4() for _ in range(4)]
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(KILLED_WRITER))
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    # Every row of the batch waits a second before it goes in: the kill comes after some have.
    with trigger(url, "IF NEW.topic = 'test:slow' THEN PERFORM pg_sleep(1); END IF;"):
        writer = subprocess.Popen(
            [sys.executable, str(script), url, str(tmp_path / "unused"), *map(str, originators)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout.readline().strip() == "ready"
        with psycopg.connect(url) as lock:
            lock.execute("LOCK TABLE berkas_events IN EXCLUSIVE MODE")
            writer.stdin.write("go\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "queued"
        # The first save's batch (itself) is written; then the batch of the other three.
        with psycopg.connect(url, autocommit=True) as watch:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                rows_in = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event = 'PgSleep' AND datname = current_database()"
                ).fetchone()[0]
                if rows_in and stored(url, originators[:1]):
                    break
                time.sleep(0.05)
            time.sleep(1.5)  # the second batch: its first row in, the second sleeping
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
    assert stored(url, originators) == {originators[0]: [1]}
    # Restarted, the same saves go in: nothing was left half-written.
    recorder = own_system.app.recorder
    for originator in originators[1:]:
        recorder.insert_events([event(originator)])
    assert stored(url, originators) == {o: [1] for o in originators}
