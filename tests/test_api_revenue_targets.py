"""PUT /revenue-targets/{year} sets the office's target for the year whether or not it had one
(RFC 9110 §9.3.4): 201 Created with its Location when it had none, 200 when it replaces it, and
the OpenAPI says both (an adversarial review: a missing year was created silently, as a 200)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.revenue_target import revenue_target_id
from tests.api_support import auth, key, token_for

TARGET = {"amount": "1500000000", "legal_basis": "DIPA 2026"}


def test_a_put_creates_a_missing_year_with_201_and_replaces_an_existing_one_with_200(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    headers = auth(supervisor, **{"Idempotency-Key": key()})
    created = client.put("/revenue-targets/2026", json=TARGET, headers=headers)
    assert created.status_code == 201, created.text[:300]
    assert created.json() == {"office": "DPS", "year": 2026, "amount": 1500000000, "version": 1}
    location = created.headers["Location"]
    assert location == "/revenue-targets/2026?office=DPS"
    assert client.get(location, headers=auth(supervisor)).json() == created.json()
    # A retry with the same key is the first answer, Created and all.
    again = client.put("/revenue-targets/2026", json=TARGET, headers=headers)
    assert (again.status_code, again.json(), again.headers["Location"]) == (201, created.json(), location)
    # The auditor reads it by the same Location.
    assert client.get(location, headers=auth(token_for(system, "AUDITOR"))).json()["amount"] == 1500000000

    replaced = client.put("/revenue-targets/2026", json={**TARGET, "amount": "1600000000"}, headers=auth(supervisor))
    assert replaced.status_code == 200 and "Location" not in replaced.headers
    assert replaced.json()["version"] == 2 and replaced.headers["ETag"] == '"2"'


def test_the_contract_documents_both_answers_of_a_put(client: TestClient):
    responses = client.get("/openapi.json").json()["paths"]["/revenue-targets/{year}"]["put"]["responses"]
    assert {"200", "201"} <= set(responses)
    assert "Location" in responses["201"]["headers"] and "Location" not in responses["200"].get("headers", {})
    for code in ("200", "201"):
        assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith("/RevenueTargetPublic")


def test_a_put_with_a_stale_if_match_is_a_409_and_changes_nothing(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "SBY")
    assert client.put("/revenue-targets/2030", json=TARGET, headers=auth(supervisor)).status_code == 201
    stale = client.put(
        "/revenue-targets/2030", json={**TARGET, "amount": "7"}, headers=auth(supervisor, **{"If-Match": '"7"'})
    )
    assert stale.status_code == 409 and stale.headers["ETag"] == '"1"', stale.text[:300]
    current = client.get("/revenue-targets/2030", headers=auth(supervisor)).json()
    assert (current["amount"], current["version"]) == (1500000000, 1)
    fresh = client.put(
        "/revenue-targets/2030", json={**TARGET, "amount": "7"}, headers=auth(supervisor, **{"If-Match": '"1"'})
    )
    assert fresh.status_code == 200 and fresh.json()["version"] == 2
    missing = client.put("/revenue-targets/2035", json=TARGET, headers=auth(supervisor, **{"If-Match": '"1"'}))
    assert missing.status_code == 409
    assert client.get("/revenue-targets/2035", headers=auth(supervisor)).status_code == 404


def test_a_post_with_a_stale_if_match_is_a_409_too(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "SBY")
    body = {**TARGET, "year": 2036}
    assert client.post("/revenue-targets", json=body, headers=auth(supervisor)).json()["version"] == 1
    stale = client.post(
        "/revenue-targets", json={**body, "amount": "9"}, headers=auth(supervisor, **{"If-Match": '"4"'})
    )
    assert stale.status_code == 409 and stale.headers["ETag"] == '"1"', stale.text[:300]
    assert client.get("/revenue-targets/2036", headers=auth(supervisor)).json()["amount"] == 1500000000


def test_a_post_that_creates_is_a_201_with_location_and_one_that_revises_a_200(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "JYP")
    body = {**TARGET, "year": 2037}
    created = client.post("/revenue-targets", json=body, headers=auth(supervisor))
    assert created.status_code == 201, created.text[:300]
    assert created.headers["Location"] == "/revenue-targets/2037?office=JYP"
    assert client.get(created.headers["Location"], headers=auth(supervisor)).json()["version"] == 1
    revised = client.post("/revenue-targets", json={**body, "amount": "1600000000"}, headers=auth(supervisor))
    assert revised.status_code == 200 and "Location" not in revised.headers, revised.text[:300]
    assert revised.json()["version"] == 2
    responses = client.get("/openapi.json").json()["paths"]["/revenue-targets"]["post"]["responses"]
    assert {"200", "201"} <= responses.keys()


def test_a_put_with_if_none_match_star_creates_only_and_is_a_412_when_the_year_has_a_target(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "JYP")
    create_only = auth(supervisor, **{"If-None-Match": "*", "Idempotency-Key": key()})
    created = client.put("/revenue-targets/2044", json=TARGET, headers=create_only)
    assert created.status_code == 201 and created.json()["version"] == 1, created.text[:300]
    # A retry of that very create is answered as it was, not refused.
    again = client.put("/revenue-targets/2044", json=TARGET, headers=create_only)
    assert again.status_code == 201 and again.json() == created.json()
    other = client.put(
        "/revenue-targets/2044",
        json={**TARGET, "amount": "7"},
        headers=auth(supervisor, **{"If-None-Match": "*", "Idempotency-Key": key()}),
    )
    assert other.status_code == 412, other.text[:300]
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["status"] == 412 and other.headers["ETag"] == '"1"'
    current = client.get("/revenue-targets/2044", headers=auth(supervisor)).json()
    assert (current["amount"], current["version"]) == (1500000000, 1)
    # Without a key too; and any other If-None-Match value is a 422, not ignored.
    bare = client.put("/revenue-targets/2044", json=TARGET, headers=auth(supervisor, **{"If-None-Match": "*"}))
    assert bare.status_code == 412
    odd = client.put("/revenue-targets/2044", json=TARGET, headers=auth(supervisor, **{"If-None-Match": '"1"'}))
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "If-None-Match"
    plain = client.put("/revenue-targets/2044", json={**TARGET, "amount": "9"}, headers=auth(supervisor))
    assert plain.status_code == 200 and plain.json()["version"] == 2


def test_the_contract_documents_if_none_match_and_the_412(client: TestClient):
    put = client.get("/openapi.json").json()["paths"]["/revenue-targets/{year}"]["put"]
    assert "412" in put["responses"]
    assert "If-None-Match" in [p["name"] for p in put["parameters"]]


def test_a_412_names_the_target_and_the_rule_not_a_case_id(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "BDA")
    assert client.put("/revenue-targets/2045", json=TARGET, headers=auth(supervisor)).status_code == 201
    refused = client.put("/revenue-targets/2045", json=TARGET, headers=auth(supervisor, **{"If-None-Match": "*"}))
    assert refused.status_code == 412, refused.text[:300]
    detail = refused.json()["detail"]
    assert "revenue target of office BDA for 2045" in detail and "create-only" in detail, detail
    assert str(revenue_target_id("BDA", 2045)) not in detail and "case" not in detail, detail
