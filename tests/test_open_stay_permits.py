"""One open stay-permit application per foreigner and permit kind (Uniqueness.OPEN_STAY_PERMIT):
claimed with the application, given back when a supervisor decides it (issue or refusal), keyed
on the foreigner's data subject. Over the use cases and HTTP, on an SQLite file and PostgreSQL,
under concurrency; applications from before the rule still block a second one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from domain.errors import KeyTaken
from domain.stay_permit import StayPermit
from domain.values import PermitBasis, PermitKind, Provenance, StayTerm, Uniqueness
from tests.api_on_both import client
from tests.api_support import auth, key, person, token_for
from tests.builders import FOREIGNER_NAME, LEGAL_BASIS, fresh_foreigner, stay_application, validity
from tests.test_domain_integrity import nothing_appended

__all__ = ["client"]  # a fixture, on both backends

RULE = "a foreigner has one open application per stay permit kind"
ITAS = {"kind": "ITAS", "basis": "VISA", "requested_term": "YEARS_1"}
THREADS = 8


def apply(app, who, foreigner, **overrides: Any) -> UUID:
    return app.apply_for_stay_permit(who, **stay_application(foreigner=foreigner, **ITAS | overrides))


def issue(app, officer, supervisor, permit_id: UUID) -> None:
    app.pay_stay_permit_fee(officer, permit_id, "820240300101")
    number = f"2C{uuid4().hex[:8].upper()}"
    term = app.get_case(permit_id).requested_term
    app.issue_stay_permit(supervisor, permit_id, number, *validity(term), LEGAL_BASIS)


def held_by(app, permit_id: UUID) -> UUID | None:
    reservation = app.reservation(Uniqueness.OPEN_STAY_PERMIT, app.open_stay_permit(app.get_case(permit_id)))
    return None if reservation is None else reservation.holder_id


def events_of(app, case_id: UUID) -> list[str]:
    return [type(event).__name__ for event in app.history(case_id)]


# --- the use cases, on both databases ----------------------------------------------------------


def test_a_second_open_application_of_one_kind_names_the_rule_and_the_holder_and_writes_nothing(
    system, officer, supervisor
):
    app, foreigner = system.app, fresh_foreigner()
    first = apply(app, officer, foreigner)
    assert held_by(app, first) == first
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        apply(app, officer, foreigner, basis="MIXED_MARRIAGE", requested_term="YEARS_2")
    assert (taken.value.rule, taken.value.holder_kind, taken.value.holder_id) == (RULE, "StayPermit", first)
    assert foreigner.nik not in str(taken.value) and foreigner.name not in str(taken.value)
    # Paid, it is still open: still refused.
    app.pay_stay_permit_fee(officer, first, "820240300101")
    with nothing_appended(app), pytest.raises(KeyTaken):
        apply(app, officer, foreigner)


def test_an_issued_permit_gives_the_key_back_in_its_own_transaction(system, officer, supervisor):
    app, foreigner = system.app, fresh_foreigner()
    first = apply(app, officer, foreigner)
    before = app.recorder.max_notification_id()
    issue(app, officer, supervisor, first)
    issued = [n.topic for n in app.recorder.select_notifications(before + 1, 10)]
    assert issued[:1] == ["berkas:StayPermit.FeePaid"]
    # The issuance's transaction: the permit, its number's claim, the open application given back.
    assert sorted(issued[1:]) == sorted(
        ["berkas:StayPermit.Issued", "berkas:Reservation.Claimed", "berkas:Reservation.Released"]
    )
    assert held_by(app, first) is None
    # An extension is a command on the issued permit, not an application: the key stays free.
    new_end = StayTerm.YEARS_1.end(app.get_case(first).valid_until)
    app.extend_stay_permit(officer, first, "820240300102", "YEARS_1", new_end)
    second = apply(app, officer, foreigner)
    assert held_by(app, second) == second
    reservation = app.reservation(Uniqueness.OPEN_STAY_PERMIT, app.open_stay_permit(app.get_case(second)))
    assert events_of(app, reservation.id) == ["Claimed", "Released", "Reclaimed"]


def test_a_refused_application_gives_the_key_back_with_the_refusal(system, officer, supervisor):
    app, foreigner = system.app, fresh_foreigner()
    first = apply(app, officer, foreigner)
    before = app.recorder.max_notification_id()
    app.refuse_stay_permit(supervisor, first, "SPONSOR_UNVERIFIED", LEGAL_BASIS)
    refused = [n.topic for n in app.recorder.select_notifications(before + 1, 10)]
    assert refused == ["berkas:StayPermit.Refused", "berkas:Reservation.Released"]
    again = apply(app, officer, foreigner)
    assert held_by(app, again) == again and app.get_case(first).status.value == "REFUSED"


def test_other_kinds_and_other_foreigners_apply_at_once(system, officer):
    app, foreigner = system.app, fresh_foreigner()
    itas = apply(app, officer, foreigner)
    itap = apply(app, officer, foreigner, kind="ITAP", basis="MIXED_MARRIAGE", requested_term="YEARS_5")
    itk = apply(app, officer, foreigner, kind="ITK", basis="VISA_ON_ARRIVAL", requested_term="DAYS_30")
    someone_else = apply(app, officer, fresh_foreigner())
    assert [held_by(app, c) for c in (itas, itap, itk, someone_else)] == [itas, itap, itk, someone_else]


def test_the_key_is_the_foreigners_data_subject_never_their_nik(system, officer):
    app, foreigner = system.app, fresh_foreigner()
    permit = app.get_case(apply(app, officer, foreigner))
    subject_id = permit.foreigner.subject_id
    assert subject_id and foreigner.nik not in subject_id
    assert app.open_stay_permit(permit) == f"{subject_id}:ITAS"
    nik_derived = uuid5(NAMESPACE_URL, f"berkas:reservation:OPEN_STAY_PERMIT:{foreigner.nik}:ITAS")
    assert not app.exists(nik_derived)


def test_a_transfer_whose_successor_kind_is_open_already_is_refused_and_writes_nothing(system, officer, supervisor):
    app, foreigner = system.app, fresh_foreigner()
    itk = apply(app, officer, foreigner, kind="ITK", basis="VISA", requested_term="DAYS_60")
    issue(app, officer, supervisor, itk)
    itas = apply(app, officer, foreigner)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.transfer_stay_permit(supervisor, itk, "YEARS_1", LEGAL_BASIS)
    assert (taken.value.rule, taken.value.holder_id) == (RULE, itas)
    assert app.get_case(itk).status.value == "ISSUED"
    # Once the ITAS application is decided, the transfer opens the successor, which holds the key.
    app.refuse_stay_permit(supervisor, itas, "PURPOSE_MISMATCH", LEGAL_BASIS)
    successor = app.transfer_stay_permit(supervisor, itk, "YEARS_1", LEGAL_BASIS)
    assert held_by(app, successor) == successor
    with pytest.raises(KeyTaken) as taken:
        apply(app, officer, foreigner)
    assert taken.value.holder_id == successor


def test_eight_officers_applying_for_one_foreigners_itas_at_once_yield_one_application(system, officer):
    """A foreigner the store has never seen: the reservation's version conflict lets exactly
    one application win, on both databases."""
    app, foreigner = system.app, fresh_foreigner()
    barrier = threading.Barrier(THREADS)

    def attempt(_):
        barrier.wait()
        try:
            return apply(app, officer, foreigner)
        except KeyTaken as taken:
            return taken

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(attempt, range(THREADS)))
    winners = [o for o in outcomes if isinstance(o, UUID)]
    assert len(winners) == 1
    assert all(o.holder_id == winners[0] and o.rule == RULE for o in outcomes if isinstance(o, KeyTaken))
    subject_id = app.get_case(winners[0]).foreigner.subject_id
    permits = [c for c in system.vault.cases_of(subject_id) if app.exists(c)]
    assert permits == [winners[0]]


# --- applications from before the rule: no reservation, still counted ------------------------


def unreserved(app, who, foreigner, kind: PermitKind = PermitKind.ITAS) -> StayPermit:
    """An application saved as the demo and imports do, and as every one was before the rule."""
    provenance = Provenance(who.id, who.role, who.office, datetime.now(UTC))
    term = StayTerm.YEARS_5 if kind is PermitKind.ITAP else StayTerm.YEARS_1
    permit = StayPermit.apply_for(
        uuid4(), provenance, kind, PermitBasis.VISA, foreigner, "AUS", "PA7654321", "PT Sponsor Malang", term
    )
    app.save(permit)
    return permit


def test_an_application_without_a_reservation_blocks_a_second_one_until_it_is_decided(system, officer, supervisor):
    app, foreigner = system.app, fresh_foreigner()
    legacy = unreserved(app, officer, foreigner)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        apply(app, officer, foreigner)
    assert (taken.value.rule, taken.value.holder_id) == (RULE, legacy.id)
    itap = apply(app, officer, foreigner, kind="ITAP", basis="MIXED_MARRIAGE", requested_term="YEARS_5")
    issue(app, officer, supervisor, legacy.id)  # it had nothing to give back
    assert app.reservation(Uniqueness.OPEN_STAY_PERMIT, app.open_stay_permit(app.get_case(legacy.id))) is None
    again = apply(app, officer, foreigner)
    assert held_by(app, again) == again and held_by(app, itap) == itap


def test_decided_applications_without_a_reservation_block_nothing(system, officer, supervisor):
    app, foreigner = system.app, fresh_foreigner()
    refused, issued = unreserved(app, officer, foreigner), unreserved(app, officer, foreigner)
    app.refuse_stay_permit(supervisor, refused.id, "NO_SPONSOR", LEGAL_BASIS)
    issue(app, officer, supervisor, issued.id)
    assert held_by(app, apply(app, officer, foreigner)) is not None


# --- over HTTP, on both databases --------------------------------------------------------------


@pytest.fixture
def clerk(system: System) -> str:
    """An officer's token."""
    return token_for(system, "OFFICER")


def body(nik: str | None = None) -> dict[str, Any]:
    return {
        "foreigner": person(FOREIGNER_NAME, nik),
        "nationality": "AUS",
        "passport_number": "PA7654321",
        "sponsor": "PT Sponsor Malang",
        **ITAS,
    }


def post(client: TestClient, token: str, json: dict[str, Any], **headers: str):
    return client.post("/stay-permits", json=json, headers=auth(token, **headers))


def test_a_second_open_application_over_http_is_409_naming_the_rule_and_the_holder(client, clerk, system):
    supervisor = token_for(system, "SUPERVISOR")
    application = body()
    first = post(client, clerk, application)
    assert first.status_code == 201, first.text
    before = system.app.recorder.max_notification_id()
    second = post(client, clerk, application)
    assert second.status_code == 409, second.text
    problem = second.json()
    assert problem["type"].endswith(":taken") and problem["rule"] == RULE
    assert problem["held_by"] == first.json()["id"] and first.json()["id"] in problem["detail"]
    assert application["foreigner"]["nik"] not in second.text and FOREIGNER_NAME not in second.text
    assert system.app.recorder.max_notification_id() == before
    # Another kind is another key; a refusal gives the ITAS key back.
    itap = {**application, "kind": "ITAP", "basis": "MIXED_MARRIAGE", "requested_term": "YEARS_5"}
    assert post(client, clerk, itap).status_code == 201
    refusal = {"reason_code": "SPONSOR_UNVERIFIED", "legal_basis": LEGAL_BASIS}
    path = f"/stay-permits/{first.json()['id']}/refusal"
    assert client.post(path, json=refusal, headers=auth(supervisor)).status_code == 200
    assert post(client, clerk, application).status_code == 201


def test_a_retried_application_answers_its_first_result_not_409(client, clerk, system):
    application, retry = body(), key()
    first = post(client, clerk, application, **{"Idempotency-Key": retry})
    assert first.status_code == 201, first.text
    before = system.app.recorder.max_notification_id()
    again = post(client, clerk, application, **{"Idempotency-Key": retry})
    assert again.status_code == 201 and again.json() == first.json()
    assert system.app.recorder.max_notification_id() == before
    other = post(client, clerk, application, **{"Idempotency-Key": key()})
    assert other.status_code == 409 and other.json()["held_by"] == first.json()["id"]


def test_a_retried_application_whose_first_result_was_lost_is_not_refused_by_its_own_claim(system, officer):
    """The same command id reaching the use case again (a retry after a timeout, the HTTP
    key's record not written yet) lands on the same case: the first outcome, not KeyTaken."""
    app, foreigner, command_id = system.app, fresh_foreigner(), f"cmd-{uuid4().hex}"
    first = apply(app, officer, foreigner, command_id=command_id)
    with nothing_appended(app):
        assert apply(app, officer, foreigner, command_id=command_id) == first


def test_two_applications_sent_at_once_over_http_yield_one(client, clerk, system: System):
    application = body()
    barrier = threading.Barrier(2)

    def send(_):
        barrier.wait()
        return post(client, clerk, application)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    created = next(a for a in answers if a.status_code == 201).json()
    assert next(a for a in answers if a.status_code == 409).json()["held_by"] == created["id"]
