"""Rebuild jobs live in the database: a job started by one process is followed from
another, and one view is never rebuilt by two jobs at once, whichever process they ran in."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.jobs import CLAIMS, JOBS
from projections.eventstore import sql
from tests.api_support import api_process, auth, client, token_for

__all__ = ["client"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def other_process(database_url: str, tmp_path) -> Iterator[httpx.Client]:
    """The same API in a uvicorn process of its own, on the same database."""
    env = {
        "BERKAS_DATABASE_URL": database_url,
        "BERKAS_FOLLOW_PROJECTIONS": "false",
        "BERKAS_SQLITE_PATH": str(tmp_path / "unused.db"),
    }
    with api_process(env) as http:
        yield http


def _until_done(get, url: str, headers: dict) -> dict:
    deadline = time.monotonic() + 60
    while True:
        job = get(url, headers=headers).json()
        if job["state"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_job_started_in_one_process_is_followed_from_another(client: TestClient, pg_system: System, other_process):
    admin = auth(token_for(pg_system, "ADMIN"))
    started = other_process.post("/reports/rebuild", json={"projection": "audit_trail"}, headers=admin)
    assert started.status_code == 202, started.text
    job = _until_done(client.get, started.headers["Location"], admin)  # asked of this process
    assert job["state"] == "succeeded" and job["id"] == started.json()["id"]
    assert job["projections"] == ["audit_trail"] and job["done"] == job["total"]
    assert other_process.get(started.headers["Location"], headers=admin).json() == job


def test_two_processes_never_rebuild_one_view_at_once(client: TestClient, pg_system: System, other_process):
    admin = auth(token_for(pg_system, "ADMIN"))
    body = {"projection": "case_index"}
    accepted = []
    for _ in range(3):
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda post: post("/reports/rebuild", json=body, headers=admin), (client.post, other_process.post)
                )
            )
        assert {answer.status_code for answer in answers} <= {202, 409}
        for answer in answers:
            if answer.status_code == 409:
                assert "case_index" in answer.json()["detail"]
            else:
                accepted.append(_until_done(client.get, answer.headers["Location"], admin))
    assert accepted and all(job["state"] == "succeeded" for job in accepted)
    spans = sorted((job["started_at"], job["finished_at"]) for job in accepted)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert datetime.fromisoformat(start) >= datetime.fromisoformat(end), spans


def test_a_running_job_of_any_process_makes_a_second_a_409_until_its_process_is_gone(
    client: TestClient, pg_system: System
):
    admin = auth(token_for(pg_system, "ADMIN"))
    elsewhere = uuid.uuid4().hex  # a job another process is running, as its rows say
    now = datetime.now(UTC)
    with pg_system.store.connect() as conn:
        sql.execute(
            conn,
            f"INSERT INTO {JOBS} VALUES (?, 'annual_report', 'running', 5, 10, 0, NULL, 'x', 'MLG', ?, ?, NULL)",
            [elsewhere, now.isoformat(), now.isoformat()],
        )
        sql.execute(conn, f"INSERT INTO {CLAIMS} VALUES ('annual_report', ?)", [elsewhere])
    busy = client.post("/reports/rebuild", json={"projection": "annual_report"}, headers=admin)
    assert busy.status_code == 409 and elsewhere in busy.json()["detail"]
    assert client.get(f"/reports/rebuild/{elsewhere}", headers=admin).json()["state"] == "running"

    silent = (now - timedelta(minutes=5)).isoformat()
    with pg_system.store.connect() as conn:
        sql.execute(conn, f"UPDATE {JOBS} SET heartbeat_at = ? WHERE id = ?", [silent, elsewhere])
    abandoned = client.get(f"/reports/rebuild/{elsewhere}", headers=admin).json()
    assert abandoned["state"] == "failed" and abandoned["error"].startswith("abandoned")
    taken_over = client.post("/reports/rebuild", json={"projection": "annual_report"}, headers=admin)
    assert taken_over.status_code == 202
    assert _until_done(client.get, taken_over.headers["Location"], admin)["state"] == "succeeded"
