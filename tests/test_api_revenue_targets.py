"""PUT /revenue-targets/{year} sets the office's target for the year whether or not it had one
(RFC 9110 §9.3.4): 201 Created with its Location when it had none, 200 when it replaces it, and
the OpenAPI says both (an adversarial review: a missing year was created silently, as a 200)."""

from __future__ import annotations

from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from domain.revenue_target import revenue_target_id
from tests.api_support import all_at_once, auth, key, server_process, token_for

__all__ = ["server_process"]  # fixture
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


def _puts(http: httpx.Client, year: int, headers: list[dict[str, str]]) -> list[httpx.Response]:
    """One PUT of the year per headers, all sent at once."""
    return all_at_once([partial(http.put, f"/revenue-targets/{year}", json=TARGET, headers=sent) for sent in headers])


@pytest.mark.postgres
def test_concurrent_first_puts_of_a_year_create_it_once_and_never_fail(pg_system: System, server_process):
    """Several first PUTs of one office's year at once (an adversarial review: the losers of
    the creation were a raw IntegrityError, 500): one creates it (201), each other one is
    answered by the rules as if it came after: a plain PUT replaces it (200) or, raced by
    another replacement, is a 409; a create-only one is a 412 naming the target; a retry of
    the creating request (same Idempotency-Key) is the creation's own answer."""
    supervisor = token_for(pg_system, "SUPERVISOR", "PDG")
    for year in range(2070, 2076):  # the race is won by chance: several rounds
        plain = _puts(server_process, year, [auth(supervisor)] * 6)
        codes = sorted(answer.status_code for answer in plain)
        assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, [a.text[:200] for a in plain]
        created_only = _puts(server_process, year + 10, [auth(supervisor, **{"If-None-Match": "*"})] * 6)
        assert sorted(answer.status_code for answer in created_only) == [201] + [412] * 5, [
            a.text[:200] for a in created_only
        ]
        refusal = next(answer.json() for answer in created_only if answer.status_code == 412)
        assert f"revenue target of office PDG for {year + 10}" in refusal["detail"]
        same_key = auth(supervisor, **{"Idempotency-Key": key()})
        retried = _puts(server_process, year + 20, [same_key] * 4)
        assert [(a.status_code, a.json()) for a in retried] == [(201, retried[0].json())] * 4, retried[0].text[:200]
    for year in [*range(2080, 2086), *range(2090, 2096)]:
        assert pg_system.app.get_case(revenue_target_id("PDG", year)).version == 1


def test_a_year_without_a_target_is_a_404_naming_the_office_and_year(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    missing = client.get("/revenue-targets/2099", headers=auth(supervisor))
    assert missing.status_code == 404 and missing.json()["type"] == "urn:berkas:problem:not-found"
    assert missing.json()["detail"] == "office DPS has no revenue target for 2099", missing.text[:300]
    auditor = token_for(system, "AUDITOR", "MLG")
    elsewhere = client.get("/revenue-targets/2099", params={"office": "JYP"}, headers=auth(auditor))
    assert elsewhere.json()["detail"] == "office JYP has no revenue target for 2099"


def test_a_stale_or_premature_if_match_on_a_target_names_the_target_not_a_case_id(client: TestClient, system):
    supervisor = token_for(system, "SUPERVISOR", "JMB")
    early = client.put("/revenue-targets/2046", json=TARGET, headers=auth(supervisor, **{"If-Match": '"1"'}))
    assert early.status_code == 409 and early.headers["ETag"] == '"0"', early.text[:300]
    assert early.json()["detail"] == "the revenue target of office JMB for 2046 is at version 0, not 1"
    assert client.put("/revenue-targets/2046", json=TARGET, headers=auth(supervisor)).status_code == 201
    stale = client.put("/revenue-targets/2046", json=TARGET, headers=auth(supervisor, **{"If-Match": '"3"'}))
    assert stale.status_code == 409 and stale.headers["ETag"] == '"1"', stale.text[:300]
    assert stale.json()["detail"] == "the revenue target of office JMB for 2046 is at version 1, not 3"


def test_an_auditor_names_the_office_of_a_target_and_office_staff_read_their_own(client: TestClient, system):
    """An auditor reads every office: without `office` there is no one target to answer (it was
    the auditor's own account's office's, silently). Officers and supervisors read their own."""
    for office, amount in (("DPS", "2000000000"), ("MLG", "3000000000")):
        setter = auth(token_for(system, "SUPERVISOR", office))
        assert client.put("/revenue-targets/2027", json={**TARGET, "amount": amount}, headers=setter).status_code == 201
    auditor = auth(token_for(system, "AUDITOR", "MLG"))
    unnamed = client.get("/revenue-targets/2027", headers=auditor)
    assert unnamed.status_code == 422, unnamed.text[:300]
    assert [error["field"] for error in unnamed.json()["errors"]] == ["office"]
    assert unnamed.json()["detail"].startswith("office is required of an auditor")
    named = client.get("/revenue-targets/2027", params={"office": "DPS"}, headers=auditor)
    assert (named.status_code, named.json()["office"], named.json()["amount"]) == (200, "DPS", 2000000000)
    for role in ("OFFICER", "SUPERVISOR"):
        own = client.get("/revenue-targets/2027", headers=auth(token_for(system, role, "DPS")))
        assert (own.status_code, own.json()["office"], own.json()["amount"]) == (200, "DPS", 2000000000)
    other = client.get(
        "/revenue-targets/2027", params={"office": "MLG"}, headers=auth(token_for(system, "OFFICER", "DPS"))
    )
    assert other.status_code == 403
    documented = client.get("/openapi.json").json()["paths"]["/revenue-targets/{year}"]["get"]
    assert "Auditors read every office, so they name it" in documented["description"]
    [office] = [parameter for parameter in documented["parameters"] if parameter["name"] == "office"]
    assert "required of auditors" in office["description"]
