"""Every refusal is one RFC 9457 problem+json shape; the gate refuses large bodies and
strangers before a byte of the body is read; nothing leaks into the logs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.http.schemas.problems import ProblemPublic
from api.settings import Settings
from tests.api_support import auth, client, passport_body, token_for
from tests.builders import APPLICANT_NAME, APPLICANT_NIK

__all__ = ["client"]
pytestmark = pytest.mark.postgres
PROBLEM = "application/problem+json"


def assert_problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = ProblemPublic.model_validate(response.json())
    assert (body.status, body.type) == (status, f"urn:berkas:problem:{kind}")
    assert body.title and body.detail and body.instance.startswith("/")
    return response.json()


@pytest.fixture
def small(pg_system: System, database_url: str, tmp_path) -> Iterator[tuple[TestClient, str]]:
    """An app whose body limit is 4 KB, so that the tests send little."""
    settings = Settings(database_url=database_url, sqlite_path=tmp_path / "x.db", max_body_bytes=4096)
    system = bootstrap(settings)
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client, token_for(system, "OFFICER")
    system.close()


def test_every_kind_of_refusal_is_a_problem(client: TestClient, pg_system: System):
    officer, auditor = token_for(pg_system, "OFFICER"), token_for(pg_system, "AUDITOR")
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer)).json()
    path = f"/passport-applications/{case['id']}"

    unauthenticated = assert_problem(client.get(path), 401, "unauthenticated")
    assert "Bearer" in unauthenticated["detail"]
    assert_problem(client.get(path, headers=auth("bk_unknown")), 401, "unauthenticated")
    assert_problem(
        client.post(f"{path}/approval", json={"legal_basis": "x"}, headers=auth(auditor)), 403, "not-permitted"
    )
    assert_problem(
        client.get("/passport-applications/00000000-0000-4000-8000-000000000000", headers=auth(officer)),
        404,
        "not-found",
    )
    assert_problem(client.get("/no-such-thing", headers=auth(officer)), 404, "not-found")
    not_allowed = client.delete(path, headers=auth(officer))
    assert_problem(not_allowed, 405, "method-not-allowed")
    assert "GET" in not_allowed.headers["allow"]
    illegal = assert_problem(
        client.post(f"{path}/issuance", json={"passport_number": "E1"}, headers=auth(officer)),
        409,
        "illegal-transition",
    )
    assert illegal["case_status"] == "SUBMITTED"
    stale = client.post(f"{path}/biometrics", json={}, headers=auth(officer, **{"If-Match": '"7"'}))
    assert assert_problem(stale, 409, "conflict")["current_version"] == 1 and stale.headers["ETag"] == '"1"'
    domain = assert_problem(
        client.post("/passport-applications", json=passport_body(regency_code="3578"), headers=auth(officer)),
        422,
        "invalid-request",
    )
    # A rule the domain checks on the whole command has no location: the member is absent, not null.
    assert [(e.get("location", "absent"), e["field"]) for e in domain["errors"]] == [("absent", "regency_code")]
    assert "null" not in json.dumps(domain)
    no_key = client.get(f"/cases/{case['id']}/bundle", headers=auth(auditor))
    assert_problem(no_key, 503, "not-configured")


def test_a_validation_error_lists_every_field_by_location_without_echoing_values(client, pg_system):
    officer = token_for(pg_system, "OFFICER")
    body = passport_body(validity_years=7, applicant={"name": APPLICANT_NAME, "nik": APPLICANT_NIK[:-1] + "X"})
    response = client.post("/passport-applications", json=body, headers=auth(officer))
    problem = assert_problem(response, 422, "invalid-request")
    fields = {(e["location"], e["field"]) for e in problem["errors"]}
    assert fields == {
        ("body", "validity_years"),
        ("body", "applicant.nik"),
        ("body", "applicant.birth_date"),
        ("body", "applicant.address"),
    }
    assert problem["detail"] == "4 fields break a rule"
    assert APPLICANT_NAME not in response.text and APPLICANT_NIK[:-1] not in response.text
    missing = next(e for e in problem["errors"] if e["field"] == "applicant.address")
    assert missing["detail"] == "is required"

    query = client.get("/passport-applications", params={"limit": 0}, headers=auth(officer))
    assert [(e["location"], e["field"]) for e in assert_problem(query, 422, "invalid-request")["errors"]] == [
        ("query", "limit")
    ]
    not_json = client.post(
        "/passport-applications", content=b"{", headers=auth(officer, **{"Content-Type": "application/json"})
    )
    assert assert_problem(not_json, 422, "invalid-request")["errors"][0]["location"] == "body"


def test_a_request_id_is_carried_into_the_problem(client: TestClient):
    response = client.get("/passport-applications", headers={"X-Request-ID": "req-42"})
    assert assert_problem(response, 401, "unauthenticated")["request_id"] == "req-42"


def test_a_body_over_the_limit_is_refused_before_it_is_read(small):
    client, officer = small
    big = b'{"purpose": "' + b"x" * 8000 + b'"}'
    response = client.post(
        "/passport-applications", content=big, headers=auth(officer, **{"Content-Type": "application/json"})
    )
    assert_problem(response, 413, "body-too-large")

    def chunks():  # no Content-Length: the gate counts what arrives
        for _ in range(10):
            yield b"x" * 1000

    chunked = client.post("/passport-applications", content=chunks(), headers=auth(officer))
    assert_problem(chunked, 413, "body-too-large")
    assert client.post("/passport-applications", json=passport_body(), headers=auth(officer)).status_code == 201


def _asgi_post(app, headers: list[tuple[bytes, bytes]]) -> tuple[list[dict], bool]:
    """One POST straight through ASGI, noting whether the app ever asked for the body."""
    read = False
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read = True
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/passport-applications",
        "raw_path": b"/passport-applications",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent, read


def test_a_stranger_is_refused_before_the_body_is_read(pg_system: System):
    app = create_app(pg_system)
    for headers in ([], [(b"authorization", b"Bearer bk_not-a-token")], [(b"content-length", b"900000")]):
        sent, read = _asgi_post(app, headers)
        assert sent[0]["status"] == 401 and not read
    sent, read = _asgi_post(app, [(b"content-length", b"99999999")])
    assert sent[0]["status"] == 413 and not read


def test_an_unexpected_failure_is_a_bare_500_and_its_text_never_reaches_a_log(pg_system: System, caplog):
    app = create_app(pg_system)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError(f"choked on {APPLICANT_NAME} {APPLICANT_NIK}")

    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as local:
        response = local.get("/boom")
    problem = assert_problem(response, 500, "internal")
    assert APPLICANT_NAME not in response.text
    assert APPLICANT_NAME not in caplog.text and APPLICANT_NIK not in caplog.text
    assert "RuntimeError" in caplog.text
    assert problem["detail"] == "the server failed; the error has been logged"
