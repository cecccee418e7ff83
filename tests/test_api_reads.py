"""GET by id answers from memory only while that is the truth: a write made by another
process is seen, an unchanged version answers If-None-Match with 304."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from tests.api_support import auth, client, passport_body, token_for

__all__ = ["client"]
pytestmark = pytest.mark.postgres


@pytest.fixture
def other(database_url: str, tmp_path) -> Iterator[tuple[System, TestClient]]:
    """A second app on the same database, as another worker process would be."""
    system = bootstrap(Settings(database_url=database_url, sqlite_path=tmp_path / "x.db"))
    with TestClient(create_app(system), raise_server_exceptions=False) as second:
        yield system, second
    system.close()


def test_a_write_through_another_process_reaches_a_cached_read_at_once(client: TestClient, pg_system, other):
    _, second = other
    officer = auth(token_for(pg_system, "OFFICER"))
    case = client.post("/passport-applications", json=passport_body(), headers=officer).json()
    path = f"/passport-applications/{case['id']}"
    assert second.get(path, headers=officer).json()["version"] == 1  # now cached in the second app
    assert second.get(path, headers=officer).json()["version"] == 1
    paid = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=officer)
    assert paid.status_code == 200
    deadline = time.monotonic() + 2  # the second app's follower is woken by the append
    seen = second.get(path, headers=officer)
    while seen.json()["version"] == 1 and time.monotonic() < deadline:
        time.sleep(0.01)
        seen = second.get(path, headers=officer)
    assert (seen.json()["version"], seen.json()["status"], seen.headers["ETag"]) == (2, "PAID", '"2"')


def test_a_write_in_this_process_is_read_back_at_once(client: TestClient, pg_system):
    officer = auth(token_for(pg_system, "OFFICER"))
    case = client.post("/passport-applications", json=passport_body(), headers=officer).json()
    path = f"/passport-applications/{case['id']}"
    assert client.get(path, headers=officer).json()["version"] == 1
    client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=officer)
    assert client.get(path, headers=officer).json()["version"] == 2


def test_an_unchanged_case_answers_if_none_match_with_304(client: TestClient, pg_system):
    officer = auth(token_for(pg_system, "OFFICER"))
    case = client.post("/passport-applications", json=passport_body(), headers=officer).json()
    path = f"/passport-applications/{case['id']}"
    etag = client.get(path, headers=officer).headers["ETag"]
    unchanged = client.get(path, headers={**officer, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.content
    client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=officer)
    changed = client.get(path, headers={**officer, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'


def test_the_cached_answer_still_hides_personal_data_from_another_office(client: TestClient, pg_system):
    officer = auth(token_for(pg_system, "OFFICER"))
    auditor = auth(token_for(pg_system, "AUDITOR", "SBY"))
    case = client.post("/passport-applications", json=passport_body(), headers=officer).json()
    path = f"/passport-applications/{case['id']}"
    assert client.get(path, headers=officer).json()["applicant"] is not None  # the revealing answer is cached
    assert client.get(path, headers=auditor).json()["applicant"] is None
    stranger = auth(token_for(pg_system, "OFFICER", "SBY"))
    assert client.get(path, headers=stranger).status_code == 403
    assert client.get(f"/stay-permits/{case['id']}", headers=officer).status_code == 404
