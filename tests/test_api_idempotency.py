"""An Idempotency-Key is bound to the one request it was first sent with (method, path with
its query, body), across every case and resource of its user: sent again with another
request it is 422 and nothing is written, on an SQLite file and on PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http import idempotency
from api.http.idempotency import KEYS
from domain.case import KEY_REUSED_RULE as REUSED
from projections.eventstore import sql
from tests.api_on_both import client
from tests.api_support import auth, key, passport_body, token_for
from tests.builders import fresh_nik

__all__ = ["client"]  # a fixture, on both backends


@pytest.fixture
def supervisor(system: System) -> str:
    return token_for(system, "SUPERVISOR")


def events(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def refused(response) -> bool:
    problem = response.json()
    return (
        response.status_code == 422
        and response.headers["content-type"].startswith("application/problem+json")
        and problem["errors"][0]["field"] == "Idempotency-Key"
        and problem["errors"][0]["detail"] == REUSED
    )


def open_case(client: TestClient, token: str, **headers: str) -> str:
    created = client.post("/passport-applications", json=passport_body(), headers=auth(token, **headers))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_a_key_used_on_one_case_is_refused_on_another_case(client, supervisor, system):
    first, second = open_case(client, supervisor), open_case(client, supervisor)
    headers = auth(supervisor, **{"Idempotency-Key": key()})
    paid = client.post(f"/passport-applications/{first}/payment", json={"billing_code": "8201"}, headers=headers)
    assert paid.status_code == 200
    before = events(system)
    other = client.post(f"/passport-applications/{second}/payment", json={"billing_code": "8201"}, headers=headers)
    assert refused(other), other.text
    assert events(system) == before
    assert client.get(f"/passport-applications/{second}", headers=auth(supervisor)).json()["status"] == "SUBMITTED"


def test_a_creation_key_is_refused_on_a_command_of_the_case_it_created(client, supervisor, system):
    shared = key()
    case_id = open_case(client, supervisor, **{"Idempotency-Key": shared})
    before = events(system)
    command = client.post(
        f"/passport-applications/{case_id}/payment",
        json={"billing_code": "8201"},
        headers=auth(supervisor, **{"Idempotency-Key": shared}),
    )
    assert refused(command), command.text
    assert events(system) == before


def test_a_key_is_refused_on_another_resource_and_another_method(client, supervisor, system):
    shared = key()
    open_case(client, supervisor, **{"Idempotency-Key": shared})
    target = {"amount": 1_000_000, "legal_basis": "DIPA 2031"}
    headers = auth(supervisor, **{"Idempotency-Key": shared})
    before = events(system)
    assert refused(client.post("/revenue-targets", json={"year": 2031, **target}, headers=headers))
    assert refused(client.put("/revenue-targets/2031", json=target, headers=headers))
    assert events(system) == before

    other = auth(supervisor, **{"Idempotency-Key": key()})
    assert client.post("/revenue-targets", json={"year": 2032, **target}, headers=other).status_code == 201
    assert refused(client.put("/revenue-targets/2033", json=target, headers=other))
    assert client.get("/revenue-targets/2033", headers=auth(supervisor)).status_code == 404


def test_the_query_string_is_part_of_the_request(client, supervisor, system):
    shared, body = key(), passport_body()
    headers = auth(supervisor, **{"Idempotency-Key": shared})
    first = client.post("/passport-applications", json=body, headers=headers)
    assert first.status_code == 201
    assert refused(client.post("/passport-applications?office=SBY", json=body, headers=headers))
    again = client.post("/passport-applications", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()


def test_one_key_sent_at_once_with_two_requests_runs_one_of_them(client, supervisor, system):
    before = events(system)
    open_case(client, supervisor)
    one_creation = events(system) - before
    headers = auth(supervisor, **{"Idempotency-Key": key()})
    bodies = [passport_body() for _ in range(6)]
    before = events(system)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda body: client.post("/passport-applications", json=body, headers=headers), bodies))
    assert sorted(a.status_code for a in answers) == [201] + [422] * 5, [a.text for a in answers]
    assert all(refused(a) for a in answers if a.status_code == 422)
    assert events(system) - before == one_creation


def test_keys_of_two_users_never_meet(client, supervisor, system):
    other = token_for(system, "SUPERVISOR")
    shared = key()
    mine = open_case(client, supervisor, **{"Idempotency-Key": shared})
    theirs = open_case(client, other, **{"Idempotency-Key": shared})
    assert mine != theirs


def age_binding(system: System, idempotency_key: str, days: int = 3) -> None:
    """Make the binding of ``idempotency_key`` as old as ``days`` (older than the 48 h default)."""
    stamp = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with system.store.connect() as conn:
        sql.execute(conn, f"UPDATE {KEYS} SET created_at = ? WHERE key LIKE ?", [stamp, f"%:{idempotency_key}"])


def test_an_expired_key_runs_afresh_while_a_fresh_one_is_replayed(client, supervisor, system):
    fresh, expired = key(), key()
    fresh_body, expired_body = passport_body(), passport_body()
    first = client.post(
        "/passport-applications", json=fresh_body, headers=auth(supervisor, **{"Idempotency-Key": fresh})
    )
    old = client.post(
        "/passport-applications", json=expired_body, headers=auth(supervisor, **{"Idempotency-Key": expired})
    )
    assert first.status_code == old.status_code == 201
    age_binding(system, expired)
    before = events(system)
    replayed = client.post(
        "/passport-applications", json=fresh_body, headers=auth(supervisor, **{"Idempotency-Key": fresh})
    )
    assert replayed.status_code == 201 and replayed.json() == first.json() and events(system) == before
    expired_body["applicant"]["nik"] = fresh_nik()  # another person: the first application is still open
    anew = client.post(
        "/passport-applications", json=expired_body, headers=auth(supervisor, **{"Idempotency-Key": expired})
    )
    assert anew.status_code == 201 and anew.json()["id"] != old.json()["id"] and events(system) > before


def test_an_expired_key_on_a_case_is_not_answered_from_the_case_memory(client, supervisor, system):
    case_id = open_case(client, supervisor)
    pay = {"billing_code": "820300000001"}
    once = key()
    paid = client.post(
        f"/passport-applications/{case_id}/payment", json=pay, headers=auth(supervisor, **{"Idempotency-Key": once})
    )
    assert paid.status_code == 200
    again = client.post(
        f"/passport-applications/{case_id}/payment", json=pay, headers=auth(supervisor, **{"Idempotency-Key": once})
    )
    assert again.status_code == 200 and again.json() == paid.json()  # within its time: the first outcome
    age_binding(system, once)
    before = events(system)
    late = client.post(
        f"/passport-applications/{case_id}/payment", json=pay, headers=auth(supervisor, **{"Idempotency-Key": once})
    )
    # Run afresh: a paid application cannot be paid again (409), and nothing is written.
    assert late.status_code == 409, late.text
    assert late.headers["content-type"].startswith("application/problem+json") and events(system) == before


def test_expired_keys_are_pruned_and_fresh_ones_kept(client, supervisor, system):
    fresh, expired = key(), key()
    open_case(client, supervisor, **{"Idempotency-Key": fresh})
    open_case(client, supervisor, **{"Idempotency-Key": expired})
    age_binding(system, expired)
    assert idempotency.prune(system.store, timedelta(hours=system.settings.idempotency_ttl_hours)) >= 1
    with system.store.connect() as conn:
        left = {k.rpartition(":")[2] for (k,) in sql.fetchall(conn, f"SELECT key FROM {KEYS}")}
    assert fresh in left and expired not in left


# A refused request wrote nothing: its key is free again, for the corrected request
# (draft-ietf-httpapi-idempotency-key-header: a client corrects a failed request before
# retrying it), while a request that ran keeps its key and its first answer.


def test_a_key_refused_by_the_domain_serves_the_corrected_request(client, supervisor, system):
    shared = key()
    headers = auth(supervisor, **{"Idempotency-Key": shared})
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    wrong = client.post("/passport-applications", json=passport_body(occurred_at=future), headers=headers)
    assert wrong.status_code == 422 and not refused(wrong), wrong.text
    body = passport_body()
    fixed = client.post("/passport-applications", json=body, headers=headers)
    assert fixed.status_code == 201, fixed.text
    before = events(system)
    again = client.post("/passport-applications", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == fixed.json() and events(system) == before
    assert refused(client.post("/passport-applications", json=passport_body(), headers=headers))


def test_a_key_refused_as_not_found_or_not_permitted_is_free_again(client, supervisor, system):
    officer = token_for(system, "OFFICER")
    shared = key()
    headers = auth(officer, **{"Idempotency-Key": shared})
    target = {"amount": 1_000_000, "legal_basis": "DIPA 2031"}
    assert client.put("/revenue-targets/2031", json=target, headers=headers).status_code == 403
    missing = client.post(
        "/passport-applications/0190f0c4-0000-7000-8000-000000000000/payment",
        json={"billing_code": "8201"},
        headers=headers,
    )
    assert missing.status_code == 404, missing.text
    created = client.post("/passport-applications", json=passport_body(), headers=headers)
    assert created.status_code == 201, created.text


def test_a_conflict_frees_the_key_and_the_same_request_then_runs_once(client, supervisor, system):
    case_id = open_case(client, supervisor)
    shared = key()
    pay = {"billing_code": "820300000001"}
    path = f"/passport-applications/{case_id}/payment"
    stale = client.post(path, json=pay, headers=auth(supervisor, **{"Idempotency-Key": shared, "If-Match": '"7"'}))
    assert stale.status_code == 409, stale.text
    paid = client.post(path, json=pay, headers=auth(supervisor, **{"Idempotency-Key": shared, "If-Match": '"1"'}))
    assert paid.status_code == 200, paid.text
    before = events(system)
    again = client.post(path, json=pay, headers=auth(supervisor, **{"Idempotency-Key": shared}))
    assert again.status_code == 200 and again.json() == paid.json() and events(system) == before


def test_an_illegal_transition_frees_the_key_for_another_case(client, supervisor, system):
    first, second = open_case(client, supervisor), open_case(client, supervisor)
    pay = {"billing_code": "820300000001"}
    assert client.post(f"/passport-applications/{first}/payment", json=pay, headers=auth(supervisor)).status_code == 200
    headers = auth(supervisor, **{"Idempotency-Key": key()})
    twice = client.post(f"/passport-applications/{first}/payment", json=pay, headers=headers)
    assert twice.status_code == 409, twice.text
    other = client.post(f"/passport-applications/{second}/payment", json=pay, headers=headers)
    assert other.status_code == 200, other.text
    # Now bound to the payment that ran: the first request is another request.
    assert refused(client.post(f"/passport-applications/{first}/payment", json=pay, headers=headers))
