"""The lean command route (``api.http.commands.LeanCommand``) answers exactly as the FastAPI
route it stands in front of, and hands that route everything it does not take itself."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.http import commands
from tests.api_on_both import client, officer
from tests.api_support import auth, key, passport_body, token_for

__all__ = ["client", "officer"]  # fixtures, on both backends
pytestmark = pytest.mark.postgres
PAY = {"billing_code": "8201"}
PLUS_JSON = {"Content-Type": "application/vnd.berkas+json"}


@pytest.fixture
def handed_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the lean route handed to the FastAPI route."""
    seen: list[str] = []
    original = commands.LeanCommand._fall_back

    async def spy(self, scope, body, send):  # type: ignore[no-untyped-def]
        seen.append(scope["path"])
        await original(self, scope, body, send)

    monkeypatch.setattr(commands.LeanCommand, "_fall_back", spy)
    return seen


def submitted(client: TestClient, token: str) -> str:
    response = client.post("/passport-applications", json=passport_body(), headers=auth(token))
    assert response.status_code == 201, response.text
    return f"/passport-applications/{response.json()['id']}"


def test_the_lean_route_answers_as_the_fastapi_route(client, officer, handed_on):
    lean_path, full_path = submitted(client, officer), submitted(client, officer)
    lean = client.post(f"{lean_path}/payment", json=PAY, headers=auth(officer, **{"If-Match": '"1"'}))
    assert handed_on == []
    # The lean route takes application/json only; FastAPI parses any +json type as JSON all the same.
    full = client.post(
        f"{full_path}/payment",
        content=json.dumps(PAY).encode(),
        headers=auth(officer, **{"If-Match": '"1"', **PLUS_JSON}),
    )
    assert handed_on == [f"{full_path}/payment"]
    assert lean.status_code == full.status_code == 200
    assert lean.headers["ETag"] == full.headers["ETag"] == '"2"'
    assert lean.headers["content-type"] == full.headers["content-type"] == "application/json"
    lean_body, full_body = lean.json(), full.json()
    assert list(lean_body) == list(full_body)  # the response model's fields, in its order
    assert lean_body["status"] == full_body["status"] == "PAID"
    assert client.get(lean_path, headers=auth(officer)).json() == lean_body


def test_a_key_replays_the_same_bytes_whichever_route_ran_first(client, officer, handed_on):
    path = submitted(client, officer)
    idempotency = key()
    first = client.post(f"{path}/payment", json=PAY, headers=auth(officer, **{"Idempotency-Key": idempotency}))
    again = client.post(
        f"{path}/payment",
        content=json.dumps(PAY).encode(),
        headers=auth(officer, **{"Idempotency-Key": idempotency, **PLUS_JSON}),
    )
    assert handed_on == [f"{path}/payment"]
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and again.headers["ETag"] == '"2"'
    other = client.post(
        f"{path}/payment", json={"billing_code": "9999"}, headers=auth(officer, **{"Idempotency-Key": idempotency})
    )
    assert other.status_code in (409, 422) and other.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        (b'{"billing_code": ', {"Content-Type": "application/json"}, None),
        (b'{"billing_code": 12}', {"Content-Type": "application/json"}, "billing_code"),
        (b"[]", {"Content-Type": "application/json"}, None),
        (json.dumps(PAY).encode(), {"Content-Type": "application/json", "If-Match": "yesterday"}, "If-Match"),
        (json.dumps(PAY).encode(), {"Content-Type": "application/json", "Idempotency-Key": "a b"}, "Idempotency-Key"),
    ],
)
def test_what_the_lean_route_declines_gets_the_fastapi_problem(client, officer, handed_on, body, headers, field):
    path = submitted(client, officer)
    response = client.post(f"{path}/payment", content=body, headers=auth(officer, **headers))
    assert handed_on == [f"{path}/payment"]
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    if field:
        assert field in [error["field"] for error in response.json()["errors"]]
    assert client.get(path, headers=auth(officer)).json()["version"] == 1


def test_domain_refusals_on_the_lean_route_are_problems(client, officer, handed_on, system):
    path = submitted(client, officer)
    assert client.post(f"{path}/payment", json=PAY, headers=auth(officer)).status_code == 200
    twice = client.post(f"{path}/payment", json=PAY, headers=auth(officer))
    assert twice.status_code == 409 and twice.headers["content-type"] == "application/problem+json"
    missing = client.post(
        "/passport-applications/00000000-0000-4000-8000-000000000000/payment", json=PAY, headers=auth(officer)
    )
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    stranger = client.post(f"{path}/payment", json=PAY)
    assert stranger.status_code == 401
    other_office = client.post(f"{path}/payment", json=PAY, headers=auth(token_for(system, "OFFICER", "SBY")))
    assert other_office.status_code in (403, 404)
    assert handed_on == []


def test_the_lean_routes_match_only_their_own_paths_and_name_their_template(client, officer, handed_on, caplog):
    """The lean routes are one entry looked up by prefix and command: a lookalike path, a
    malformed id, another method or an unknown command are FastAPI's, answered as before;
    the access log names the FastAPI route's template, the path's id never."""
    path = submitted(client, officer)
    case_id = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="berkas.access"):
        assert client.post(f"{path}/payment", json=PAY, headers=auth(officer)).status_code == 200
    assert handed_on == []
    routes = [record.route for record in caplog.records if record.name == "berkas.access"]
    assert routes == ["/passport-applications/{case_id}/payment"]
    assert all(case_id not in record.getMessage() for record in caplog.records)

    wrong_method = client.get(f"{path}/payment", headers=auth(officer))
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    malformed = client.post("/passport-applications/not-an-id/payment", json=PAY, headers=auth(officer))
    assert malformed.status_code == 422 and malformed.headers["content-type"] == "application/problem+json"
    unknown = client.post(f"{path}/no-such-command", json=PAY, headers=auth(officer))
    assert unknown.status_code in (404, 405)
    deeper = client.post(f"/v1{path}/payment", json=PAY, headers=auth(officer))
    assert deeper.status_code in (401, 404)
    # A command of another kind's prefix is not this kind's.
    assert client.post(f"/stay-permits/{case_id}/payment", json=PAY, headers=auth(officer)).status_code in (404, 405)
    assert handed_on == []  # none of these reached the lean route
    assert client.get(path, headers=auth(officer)).json()["status"] == "PAID"
    # The app's router still answers url_for for every route, past the lean entry.
    router = client.app.router
    assert str(router.url_path_for("pay", case_id=case_id)).endswith(f"/{case_id}/payment")


def test_the_lean_reads_match_only_their_own_paths_and_name_their_template(client, officer, caplog):
    """The lean reads are one entry looked up by prefix: the access log and the metrics name
    the FastAPI route's template (never the id); a malformed id, another method, another
    kind's prefix and a stranger are answered as before."""
    path = submitted(client, officer)
    case_id = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="berkas.access"):
        read = client.get(path, headers=auth(officer))
        stranger = client.get(path)
    assert read.status_code == 200 and read.json()["id"] == case_id
    assert stranger.status_code == 401 and stranger.headers["content-type"] == "application/problem+json"
    routes = [record.route for record in caplog.records if record.name == "berkas.access"]
    assert routes == ["/passport-applications/{case_id}"] * 2
    assert all(case_id not in record.getMessage() for record in caplog.records)
    metrics = client.get("/metrics").text
    assert 'route="/passport-applications/{case_id}",status="200"' in metrics
    assert case_id not in metrics

    malformed = client.get("/passport-applications/not-an-id", headers=auth(officer))
    assert malformed.status_code == 422 and malformed.headers["content-type"] == "application/problem+json"
    wrong_method = client.put(path, json=PAY, headers=auth(officer))
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["allow"]
    assert client.get(f"/stay-permits/{case_id}", headers=auth(officer)).status_code == 404
    assert client.get(f"/v1{path}", headers=auth(officer)).status_code in (401, 404)
    assert client.head(path, headers=auth(officer)).status_code == 200
