"""A kind's read (`GET /passport-applications/{id}`, `/stay-permits/{id}`, `/enforcement-cases/{id}`,
`/joint-operations/{id}`) answers the case as it stands, its version the ETag a command sends
back: given `version` or `as_of` it answered the current case as if they were not there (the
review's `GET /joint-operations/{id}?as_of=…`). They, and any other query parameter, are now a 422
naming the parameter and pointing to `GET /cases/{id}`, the replay that honours them; the schema
says so. And `GET /cases/search?nik=…` (a search written as a link) is a 405 saying to POST,
`Allow: POST`, where it was "case_id must be a UUID": the NIK is neither in the answer nor in any
log record. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import pytest

from api.http.commands import PATHS
from api.http.reading import REPLAYED
from projections.runner import catch_up
from tests import builders
from tests.api_on_both import client
from tests.api_support import auth, token_for

__all__ = ["client"]  # fixture

NIK = "3573014512900001"
PROBLEM = "application/problem+json"


@pytest.fixture
def cases(system) -> dict[str, str]:
    """A case of each kind, at version 2 or more (an old version differs from the current one)."""
    clock = builders.Clock()
    made = [
        builders.passport(clock, until="PAID"),
        builders.stay_permit(clock, until="PAID"),
        builders.enforcement_case(clock, until="EXAMINED"),
        builders.joint_operation(clock, until="EXECUTED"),
    ]
    for case in made:
        system.app.save(case)
    catch_up(system.store, system.projections())
    return {case.KIND: str(case.id) for case in made}


def _refusal(answer, field: str) -> str:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    [error] = answer.json()["errors"]
    assert error["location"] == "query" and error["field"] == field, error
    return error["detail"]


@pytest.mark.parametrize("kind", list(PATHS))
def test_version_and_as_of_on_a_kinds_read_are_a_422_pointing_to_the_replay(client, system, cases, kind):
    case_id, reader = cases[kind], auth(token_for(system, "SUPERVISOR"))
    path = f"{PATHS[kind]}/{case_id}"
    current = client.get(path, headers=reader)
    assert current.status_code == 200 and current.json()["version"] >= 2
    queries = {
        "as_of": {"as_of": "2020-01-01T00:00:00+07:00"},
        "version": {"version": "1"},
    }
    for name, query in queries.items():
        detail = _refusal(client.get(path, params=query, headers=reader), name)
        assert f"GET /cases/{case_id}?{name}=" in detail, detail
        replayed = client.get(f"/cases/{case_id}", params=query, headers=reader)
        assert replayed.status_code in (200, 422), (
            replayed.text
        )  # honoured there (before its opening: a 422 of its own)
    # Either with another parameter: the replay's is named; nothing is echoed but names.
    both = client.get(path, params={"limit": "1", "version": "1"}, headers=reader)
    assert _refusal(both, "version")
    at_one = client.get(f"/cases/{case_id}", params={"version": "1"}, headers=reader)
    assert at_one.status_code == 200 and at_one.json()["version"] == 1


def test_any_other_parameter_is_named_and_a_value_never_echoed(client, system, cases):
    reader = auth(token_for(system, "OFFICER"))
    path = f"{PATHS['JointOperation']}/{cases['JointOperation']}"
    detail = _refusal(client.get(path, params={"fields": NIK}, headers=reader), "fields")
    assert "takes none" in detail
    # A name that is not a parameter's (here a NIK itself) is not repeated either.
    refused = client.get(f"{path}?{NIK}=1", headers=reader)
    assert _refusal(refused, "query") and NIK not in refused.text
    for bare in (f"{path}?", f"{path}?&"):  # no parameter at all: the case
        assert client.get(bare, headers=reader).status_code == 200


def test_the_refusal_comes_after_authentication_and_before_the_case_is_looked_up(client, system, cases):
    path = f"{PATHS['PassportApplication']}/{cases['PassportApplication']}?as_of=2020-01-01"
    assert client.get(path).status_code == 401
    stranger = auth(token_for(system, "OFFICER", "DPS"))  # a 422 tells nothing about the case
    assert _refusal(client.get(path, headers=stranger), "as_of")
    missing = f"{PATHS['PassportApplication']}/0190f0c4-0000-7000-8000-000000000000?version=1"
    assert _refusal(client.get(missing, headers=stranger), "version")


def test_an_etag_still_answers_304_without_a_query(client, system, cases):
    reader = auth(token_for(system, "SUPERVISOR"))
    path = f"{PATHS['StayPermit']}/{cases['StayPermit']}"
    etag = client.get(path, headers=reader).headers["ETag"]
    assert client.get(path, headers={**reader, "If-None-Match": etag}).status_code == 304
    assert client.get(path, params={"as_of": "x"}, headers={**reader, "If-None-Match": etag}).status_code == 422


def test_the_schema_says_each_kinds_read_takes_no_query_and_where_the_replay_is(client):
    paths = client.get("/openapi.json").json()["paths"]
    for prefix in PATHS.values():
        read = paths[f"{prefix}/{{case_id}}"]["get"]
        assert [p["name"] for p in read.get("parameters", ())] == ["case_id"]
        assert "No query parameters" in read["description"] and "GET /cases/{case_id}?version=" in read["description"]
        assert "query parameter" in read["responses"]["422"]["description"]
        assert "304" in read["responses"] and "409" in read["responses"]
    replay = {p["name"] for p in paths["/cases/{case_id}"]["get"]["parameters"]}
    assert set(REPLAYED) <= replay


def test_get_cases_search_is_a_405_saying_to_post_and_the_nik_reaches_no_log(client, system, caplog):
    reader = auth(token_for(system, "OFFICER"))
    with caplog.at_level(logging.DEBUG):
        answer = client.get("/cases/search", params={"nik": NIK}, headers=reader)
        head = client.head("/cases/search", params={"nik": NIK}, headers=reader)
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == "POST"
    assert answer.headers["content-type"].startswith(PROBLEM)
    problem = answer.json()
    assert problem["detail"] == "search with POST /cases/search, the value in the body"
    assert problem["type"] == "urn:berkas:problem:method-not-allowed"
    assert problem["instance"] == "/cases/search"
    assert NIK not in answer.text and "case_id" not in answer.text
    assert head.status_code == 405 and head.headers["allow"] == "POST"
    served = [record for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))]
    assert all(NIK not in record.getMessage() and NIK not in str(vars(record)) for record in served)
    access = [record for record in served if record.name == "berkas.access"]
    assert [(record.route, record.status) for record in access] == [("/cases/search", 405)] * 2
    # The search itself is still the POST, the value in the body.
    found = client.post("/cases/search", json={"nik": NIK}, headers=reader)
    assert found.status_code == 200, found.text
    assert client.put("/cases/search", json={}, headers=reader).status_code == 405
