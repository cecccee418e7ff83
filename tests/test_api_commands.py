"""Commands over HTTP: optimistic concurrency, idempotency, replay, and errors that say why."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from domain.case import KEY_REUSED_RULE
from domain.usecases import users
from tests.api_support import Clock, auth, client, key, passport_body, person, token_for
from tests.builders import APPLICANT_NAME

__all__ = ["client"]
pytestmark = pytest.mark.postgres


@pytest.fixture
def officer(pg_system: System) -> str:
    return token_for(pg_system, "OFFICER")


def submit(client: TestClient, token: str, body: dict | None = None, **headers: str) -> dict:
    response = client.post("/passport-applications", json=body or passport_body(), headers=auth(token, **headers))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_command_with_a_stale_if_match_is_refused_with_the_current_version(client, officer):
    case = submit(client, officer)
    path = f"/passport-applications/{case['id']}"
    etag = client.get(path, headers=auth(officer)).headers["ETag"]
    assert etag == '"1"'
    paid = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=auth(officer, **{"If-Match": etag}))
    assert paid.status_code == 200 and paid.headers["ETag"] == '"2"'

    stale = client.post(f"{path}/biometrics", json={}, headers=auth(officer, **{"If-Match": etag}))
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and stale.json()["type"] == "urn:berkas:problem:conflict"
    assert client.get(path, headers=auth(officer)).json()["version"] == 2


def test_a_malformed_if_match_names_the_header(client, officer):
    case = submit(client, officer)
    response = client.post(
        f"/passport-applications/{case['id']}/biometrics", json={}, headers=auth(officer, **{"If-Match": "yesterday"})
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "If-Match"


def test_a_retried_submission_returns_the_first_case_and_never_a_second(client, officer, pg_system):
    idempotency = key()
    body = passport_body()
    first = submit(client, officer, body, **{"Idempotency-Key": idempotency})
    path = f"/passport-applications/{first['id']}"
    client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=auth(officer))
    again = submit(client, officer, body, **{"Idempotency-Key": idempotency})
    assert again == first
    assert len(pg_system.app.history(first["id"])) == 2


def test_a_retried_command_returns_its_first_outcome(client, officer):
    case = submit(client, officer)
    path = f"/passport-applications/{case['id']}"
    headers = auth(officer, **{"Idempotency-Key": key()})
    first = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=headers)
    client.post(f"{path}/biometrics", json={}, headers=auth(officer))
    retry = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=headers)
    assert retry.status_code == 200 and retry.json() == first.json()
    assert retry.json()["version"] == 2
    assert client.get(path, headers=auth(officer)).json()["version"] == 3


def test_the_same_idempotency_key_from_two_users_makes_two_cases(client, officer, pg_system):
    other = token_for(pg_system, "OFFICER")
    shared = key()
    mine = submit(client, officer, **{"Idempotency-Key": shared})
    theirs = submit(client, other, **{"Idempotency-Key": shared})
    assert mine["id"] != theirs["id"]


def test_the_actor_is_the_token_holder_and_the_body_cannot_claim_another(client, officer, pg_system):
    claimed = client.post(
        "/passport-applications", json=passport_body() | {"actor_id": "someone-else"}, headers=auth(officer)
    )
    assert claimed.status_code == 422
    assert (claimed.json()["errors"][0]["location"], claimed.json()["errors"][0]["field"]) == ("body", "actor_id")
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer)).json()
    provenance = pg_system.app.history(case["id"])[0].provenance
    holder = users.authenticate(pg_system.app, officer)
    assert (provenance.actor_id, provenance.actor_role, provenance.office) == (holder.id, holder.role, "MLG")


def test_an_illegal_transition_answers_409_with_the_current_status(client, officer):
    case = submit(client, officer)
    response = client.post(
        f"/passport-applications/{case['id']}/issuance", json={"passport_number": "E1"}, headers=auth(officer)
    )
    assert response.status_code == 409
    assert response.json()["case_status"] == "SUBMITTED"
    assert response.json()["type"] == "urn:berkas:problem:illegal-transition"


def test_unknown_cases_are_404_and_malformed_ids_422(client, officer):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/passport-applications/{unknown}", headers=auth(officer)).status_code == 404
    assert (
        client.post(f"/passport-applications/{unknown}/biometrics", json={}, headers=auth(officer)).status_code == 404
    )
    assert client.get("/passport-applications/not-a-uuid", headers=auth(officer)).status_code == 422
    assert client.get("/cases/12345/history", headers=auth(officer)).status_code == 422


def test_a_case_of_another_kind_is_not_found_under_this_resource(client, officer):
    case = submit(client, officer)
    assert client.get(f"/stay-permits/{case['id']}", headers=auth(officer)).status_code == 404


def test_invalid_personal_data_is_refused_without_echoing_it(client, officer):
    body = passport_body(applicant=person(nik="35730145129000X1"))
    response = client.post("/passport-applications", json=body, headers=auth(officer))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "applicant.nik"
    assert "35730145129000X1" not in response.text and APPLICANT_NAME not in response.text


def test_a_domain_rule_names_its_field(client, officer):
    body = passport_body(regency_code="3578")
    response = client.post("/passport-applications", json=body, headers=auth(officer))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "regency_code"
    assert body["applicant"]["nik"] not in response.text


def test_an_auditor_replays_a_case_at_a_version_and_at_an_instant(client, officer, pg_system):
    clock = Clock()
    auditor = token_for(pg_system, "AUDITOR", "JYP")
    submitted_at = clock.next()
    case = client.post(
        "/passport-applications", json=passport_body(occurred_at=submitted_at), headers=auth(officer)
    ).json()
    between = clock.next()
    paid_at = clock.next()
    client.post(
        f"/passport-applications/{case['id']}/payment",
        json={"billing_code": "8201", "occurred_at": paid_at},
        headers=auth(officer),
    )

    at_one = client.get(f"/cases/{case['id']}", params={"version": 1}, headers=auth(auditor))
    assert at_one.json()["status"] == "SUBMITTED" and at_one.headers["ETag"] == '"1"'
    assert at_one.json()["applicant"] is None
    then = client.get(f"/cases/{case['id']}", params={"as_of": between}, headers=auth(auditor))
    assert (then.json()["status"], then.json()["version"]) == ("SUBMITTED", 1)
    now = client.get(f"/cases/{case['id']}", params={"as_of": paid_at}, headers=auth(auditor))
    assert now.json()["status"] == "PAID"
    assert client.get(f"/cases/{case['id']}", params={"version": 9}, headers=auth(auditor)).status_code == 422


def test_a_naive_as_of_is_refused(client, officer, pg_system):
    auditor = token_for(pg_system, "AUDITOR")
    case = submit(client, officer)
    response = client.get(f"/cases/{case['id']}", params={"as_of": "2024-06-30T00:00:00"}, headers=auth(auditor))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"
    aware = client.get(f"/cases/{case['id']}", params={"as_of": "2099-06-30T00:00:00+07:00"}, headers=auth(auditor))
    assert aware.status_code == 200


def test_a_backdated_command_keeps_its_business_time(client, officer, pg_system):
    auditor, supervisor = token_for(pg_system, "AUDITOR"), token_for(pg_system, "SUPERVISOR")
    response = client.post(
        "/passport-applications",
        json=passport_body(occurred_at="2024-06-03T09:15:00+07:00", late_entry_reason="DATA_MIGRATION"),
        headers=auth(supervisor),
    )
    history = client.get(f"/cases/{response.json()['id']}/history", headers=auth(auditor)).json()["data"]
    assert history[0]["occurred_at"] == "2024-06-03T09:15:00+07:00"
    assert history[0]["recorded_at"] > "2025"
    assert history[0]["late_entry_reason"] == "DATA_MIGRATION"


def test_a_command_loads_its_case_once_and_answers_from_what_it_saved(client, officer, pg_system, monkeypatch):
    case = submit(client, officer)
    repository = pg_system.app.repository
    loads: list[str] = []
    original = repository.get

    def counting_get(aggregate_id, *args, **kwargs):
        loads.append(str(aggregate_id))
        return original(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(repository, "get", counting_get)
    paid = client.post(
        f"/passport-applications/{case['id']}/payment", json={"billing_code": "8201"}, headers=auth(officer)
    )
    assert paid.status_code == 200 and paid.json()["status"] == "PAID" and paid.headers["ETag"] == '"2"'
    assert loads.count(case["id"]) == 1  # (the other load is the token holder's account)


def test_another_offices_officer_is_refused_before_the_state_is_revealed(client, officer, pg_system):
    case = submit(client, officer)
    stranger = token_for(pg_system, "SUPERVISOR", "SBY")
    response = client.post(
        f"/passport-applications/{case['id']}/approval", json={"legal_basis": "x"}, headers=auth(stranger)
    )
    assert response.status_code == 403 and "SUBMITTED" not in response.text
    officer_decides = client.post(
        f"/passport-applications/{case['id']}/approval", json={"legal_basis": "x"}, headers=auth(officer)
    )
    assert officer_decides.status_code == 403


def test_command_routes_are_described_by_the_lifecycle_table(client):
    from domain import LIFECYCLES

    paths = client.get("/openapi.json").json()["paths"]
    refusal = paths["/passport-applications/{case_id}/refusal"]["post"]
    assert refusal["description"] == LIFECYCLES["PassportApplication"].command("refuse").describe()
    assert refusal["summary"].endswith("(supervisor)")
    assert paths["/stay-permits/{case_id}/transfer"]["post"]["responses"].keys() >= {"201", "409"}


def test_a_second_open_application_of_one_person_is_409_naming_the_rule_and_the_holder(client, officer, pg_system):
    body = passport_body()
    first = client.post("/passport-applications", json=body, headers=auth(officer)).json()
    before = pg_system.app.recorder.max_notification_id()
    second = client.post("/passport-applications", json=body, headers=auth(officer))
    assert second.status_code == 409
    assert second.json()["type"].endswith(":taken") and second.json()["held_by"] == first["id"]
    assert "open application" in second.json()["rule"]
    assert body["applicant"]["nik"] not in second.text
    assert pg_system.app.recorder.max_notification_id() == before


# --- idempotency keys bind their request -----------------------------------------------------


def test_an_idempotency_key_reused_for_a_different_request_is_422_and_writes_nothing(client, officer, pg_system):
    case = submit(client, officer)
    path = f"/passport-applications/{case['id']}"
    headers = auth(officer, **{"Idempotency-Key": key()})
    first = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=headers)
    assert first.status_code == 200
    before = pg_system.app.recorder.max_notification_id()
    for url, body in ((f"{path}/payment", {"billing_code": "8202"}), (f"{path}/biometrics", {})):
        reused = client.post(url, json=body, headers=headers)
        assert reused.status_code == 422, reused.text
        assert reused.json()["errors"][0]["detail"] == KEY_REUSED_RULE
    assert pg_system.app.recorder.max_notification_id() == before
    spaced = b'{ "billing_code" :  "8201" }'  # the same request, written differently
    retry = client.post(f"{path}/payment", content=spaced, headers=headers | {"Content-Type": "application/json"})
    assert retry.status_code == 200 and retry.json() == first.json()


def test_a_creation_key_reused_for_another_application_is_422(client, officer, pg_system):
    shared = key()
    submit(client, officer, **{"Idempotency-Key": shared})
    before = pg_system.app.recorder.max_notification_id()
    other = client.post(
        "/passport-applications", json=passport_body(), headers=auth(officer, **{"Idempotency-Key": shared})
    )
    assert other.status_code == 422 and KEY_REUSED_RULE in other.text
    assert pg_system.app.recorder.max_notification_id() == before


# --- dates the office can mean: 1900 to 2100 -------------------------------------------------

FAR = ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-05:00", "1899-12-31T23:00:00+00:00"]


@pytest.mark.parametrize("at", FAR)
def test_instants_outside_1900_to_2100_are_422_in_bodies_and_queries_never_500(client, officer, pg_system, at):
    case = submit(client, officer)
    auditor, supervisor = token_for(pg_system, "AUDITOR"), token_for(pg_system, "SUPERVISOR")
    before = pg_system.app.recorder.max_notification_id()
    answers = [
        client.post(
            f"/passport-applications/{case['id']}/payment",
            json={"billing_code": "8201", "occurred_at": at},
            headers=auth(officer),
        ),
        client.post("/passport-applications", json=passport_body(occurred_at=at), headers=auth(officer)),
        client.get("/passport-applications", params={"to": at}, headers=auth(officer)),
        client.get("/passport-applications", params={"from": at}, headers=auth(officer)),
        client.get(f"/cases/{case['id']}", params={"as_of": at}, headers=auth(auditor)),
        client.get("/audit/decisions", params={"to": at}, headers=auth(supervisor)),
    ]
    assert [a.status_code for a in answers] == [422] * len(answers), [a.text for a in answers if a.status_code != 422]
    assert pg_system.app.recorder.max_notification_id() == before


def test_days_outside_1900_to_2100_are_422(client, officer, pg_system):
    supervisor = token_for(pg_system, "SUPERVISOR")
    born = client.post(
        "/passport-applications",
        json=passport_body(applicant=person() | {"birth_date": "0001-01-01"}),
        headers=auth(officer),
    )
    assert born.status_code == 422 and born.json()["errors"][0]["field"].endswith("birth_date")
    report = client.get("/reports/annual/2024", params={"as_known_at": "9999-12-31"}, headers=auth(supervisor))
    assert report.status_code == 422
