"""A stay permit's validity is bounded by its term (outside review, finding 2).

Issued: ``valid_until`` at most ``valid_from`` plus the granted (requested) term. Extended:
``new_end`` at most the current end plus the extension's term. An ITK's terms are days; the
others' calendar months and years, to the anniversary (the last day allowed), or to the
month's last day when it has no such day: 29 February plus a year is 28 February.
``valid_from`` lies within 90 days of the day of the decision, in the office's calendar.
An ITK recorded at the office bills nothing (its visa's fee was paid at entry), so the
revenue by tariff code counts the extensions the documents count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from domain.errors import InvalidCommand
from domain.reference import office
from domain.stay_permit import StayPermit
from domain.values import PermitKind, Role, StayTerm
from projections.reports import annual_report
from projections.runner import catch_up
from tests.api_on_both import client
from tests.api_support import auth, person, token_for
from tests.builders import (
    FOREIGNER_NAME,
    LEGAL_BASIS,
    Clock,
    actor,
    officer_of,
    stay_application,
    stay_permit,
    supervisor_of,
    unchanged,
    validity,
)
from tests.ui_support import command_form, seed_office, sign_in

__all__ = ["client"]  # a fixture, on both backends

D = timedelta(days=1)
KIND = {
    StayTerm.DAYS_30: PermitKind.ITK,
    StayTerm.DAYS_60: PermitKind.ITK,
    StayTerm.MONTHS_6: PermitKind.ITAS,
    StayTerm.YEARS_1: PermitKind.ITAS,
    StayTerm.YEARS_2: PermitKind.ITAS,
    StayTerm.YEARS_5: PermitKind.ITAP,
}
# (term, first day, the furthest end): every term, leap days, months without the day.
TERM_ENDS = [
    (StayTerm.DAYS_30, date(2024, 2, 1), date(2024, 3, 2)),  # a leap February's 29th is a day
    (StayTerm.DAYS_30, date(2025, 2, 1), date(2025, 3, 3)),
    (StayTerm.DAYS_60, date(2024, 12, 15), date(2025, 2, 13)),
    (StayTerm.MONTHS_6, date(2024, 8, 31), date(2025, 2, 28)),
    (StayTerm.MONTHS_6, date(2023, 8, 31), date(2024, 2, 29)),
    (StayTerm.MONTHS_6, date(2024, 3, 31), date(2024, 9, 30)),
    (StayTerm.YEARS_1, date(2024, 4, 1), date(2025, 4, 1)),
    (StayTerm.YEARS_1, date(2024, 2, 29), date(2025, 2, 28)),
    (StayTerm.YEARS_1, date(2023, 2, 28), date(2024, 2, 28)),
    (StayTerm.YEARS_2, date(2024, 2, 29), date(2026, 2, 28)),
    (StayTerm.YEARS_5, date(2024, 2, 29), date(2029, 2, 28)),
    (StayTerm.YEARS_5, date(2024, 3, 1), date(2029, 3, 1)),
]
IDS = [f"{term.value}-{start}" for term, start, _ in TERM_ENDS]


def _near(day: date) -> Clock:
    """Business time on ``day`` (morning in Malang), one hour a command."""
    return Clock(now=datetime.combine(day, time(1), UTC))


def _issued(term: StayTerm, valid_until: date) -> tuple[StayPermit, Clock]:
    """An issued permit of ``term``'s kind that ends on ``valid_until``, decided 30 days before."""
    clock = _near(valid_until - 30 * D)
    permit = stay_permit(clock, "PAID", KIND[term], term)
    permit.issue(supervisor_of(clock), "2C1", valid_until - 30 * D, valid_until, LEGAL_BASIS)
    return permit, clock


def _refused(permit: StayPermit, command: Any) -> InvalidCommand:
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        command()
    return raised.value


# --- the domain ---------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "start", "end"), TERM_ENDS, ids=IDS)
def test_a_terms_end_is_its_days_or_its_calendar_months_on(term, start, end):
    assert term.end(start) == end


@pytest.mark.parametrize(("term", "start", "end"), TERM_ENDS, ids=IDS)
def test_an_issuance_reaches_the_end_of_the_granted_term_and_not_a_day_beyond(term, start, end):
    clock = _near(start)
    permit = stay_permit(clock, "PAID", KIND[term], term)
    refused = _refused(permit, lambda: permit.issue(supervisor_of(clock), "2C1", start, end + D, LEGAL_BASIS))
    assert refused.field == "valid_until"
    assert refused.rule == f"must be on or before {end}: valid_from plus the granted term {term.value}"
    permit.issue(supervisor_of(clock), "2C1", start, end, LEGAL_BASIS)
    assert (permit.status.value, permit.valid_from, permit.valid_until) == ("ISSUED", start, end)


@pytest.mark.parametrize(("term", "start", "end"), TERM_ENDS, ids=IDS)
def test_an_extension_reaches_the_current_end_plus_its_term_and_not_a_day_beyond(term, start, end):
    permit, clock = _issued(term, start)
    refused = _refused(permit, lambda: permit.extend(officer_of(clock), "8202", term, end + D))
    assert refused.field == "new_end"
    assert refused.rule == f"must be on or before {end}: the current end plus the extension term {term.value}"
    permit.extend(officer_of(clock), "8202", term, end)
    assert (permit.valid_until, permit.extensions) == (end, 1)


def test_an_extension_is_bounded_by_its_own_term_not_the_permits():
    permit, clock = _issued(StayTerm.DAYS_30, date(2024, 5, 1))  # an ITK of 30 days
    refused = _refused(permit, lambda: permit.extend(officer_of(clock), "8202", StayTerm.DAYS_30, date(2024, 6, 30)))
    assert (refused.field, refused.rule.partition(":")[0]) == ("new_end", "must be on or before 2024-05-31")
    permit.extend(officer_of(clock), "8202", StayTerm.DAYS_60, date(2024, 6, 30))
    # Each extension runs from the end the previous one gave.
    permit.extend(officer_of(clock), "8202", StayTerm.DAYS_30, date(2024, 7, 30))
    assert (permit.valid_until, permit.extensions) == (date(2024, 7, 30), 2)


def test_the_reviewers_permit_to_2099_and_extension_to_2040_are_refused():
    """Its dates a year earlier: business time is never in the future."""
    clock = _near(date(2025, 12, 3))
    permit = stay_permit(clock, "PAID", PermitKind.ITAS, StayTerm.YEARS_1)
    to_2099 = _refused(
        permit, lambda: permit.issue(supervisor_of(clock), "2C1", date(2025, 12, 3), date(2099, 12, 1), LEGAL_BASIS)
    )
    assert (to_2099.field, to_2099.rule.partition(":")[0]) == ("valid_until", "must be on or before 2026-12-03")
    permit.issue(supervisor_of(clock), "2C1", date(2025, 12, 3), date(2026, 12, 2), LEGAL_BASIS)
    permit.extend(officer_of(clock), "8202", StayTerm.YEARS_1, date(2027, 12, 2))
    to_2040 = _refused(permit, lambda: permit.extend(officer_of(clock), "8202", StayTerm.YEARS_1, date(2040, 12, 2)))
    assert (to_2040.field, to_2040.rule.partition(":")[0]) == ("new_end", "must be on or before 2028-12-02")


# The decision at 20:00 UTC on 2 June is on 3 June in Malang (WIB): the office's day counts.
DECIDED_AT, DECIDED_ON = datetime(2024, 6, 2, 20, tzinfo=UTC), date(2024, 6, 3)


@pytest.mark.parametrize(("days", "accepted"), [(-90, True), (-91, False), (0, True), (90, True), (91, False)])
def test_valid_from_lies_within_90_days_of_the_day_of_the_decision(days, accepted):
    clock = Clock(now=DECIDED_AT - timedelta(hours=8))
    permit = stay_permit(clock, "PAID", PermitKind.ITAS, StayTerm.YEARS_1)
    start, decision = DECIDED_ON + days * D, supervisor_of(clock, at=DECIDED_AT)
    if accepted:
        permit.issue(decision, "2C1", start, start + 30 * D, LEGAL_BASIS)
        assert permit.valid_from == start
        return
    refused = _refused(permit, lambda: permit.issue(decision, "2C1", start, start + 30 * D, LEGAL_BASIS))
    assert refused.field == "valid_from"
    assert refused.rule == (
        "must be between 2024-03-05 and 2024-09-01: within 90 days of the day of the decision (2024-06-03)"
    )


def test_an_itk_recorded_at_the_office_bills_nothing_and_its_extension_its_tariff():
    clock = Clock()
    permit = stay_permit(clock, "PAID", PermitKind.ITK, StayTerm.DAYS_30)
    paid = permit.pending_events[-1]
    assert (paid.fee.lines, paid.total, permit.fee_paid) == ((), Decimal(0), Decimal(0))
    permit.issue(supervisor_of(clock), "ITK-1", *validity(StayTerm.DAYS_30, date(2024, 2, 20)), LEGAL_BASIS)
    permit.extend(officer_of(clock), "8202", StayTerm.DAYS_30, date(2024, 4, 19))
    extended = permit.pending_events[-1]
    assert [(line.code, line.amount) for line in extended.fee.lines] == [("ITK_EXTENSION_30D", Decimal(500_000))]
    assert permit.fee_paid == Decimal(500_000)
    itas = stay_permit(clock, "PAID", PermitKind.ITAS, StayTerm.MONTHS_6)
    assert [line.code for line in itas.pending_events[-1].fee.lines] == ["ITAS_6M"]


# --- through the application and the API, on both backends --------------------------------


@pytest.fixture
def actors(system: System) -> tuple[dict[str, str], dict[str, str]]:
    return auth(token_for(system, "OFFICER")), auth(token_for(system, "SUPERVISOR"))


def _paid_permit(client: TestClient, officer: dict[str, str], kind: str, term: str) -> str:
    application = {
        "kind": kind,
        "basis": "VISA",
        "foreigner": person(FOREIGNER_NAME),  # of their own: one open application per kind
        "nationality": "AUS",
        "passport_number": "PA1234567",
        "sponsor": "PT Sponsor Malang",
        "requested_term": term,
    }
    made = client.post("/stay-permits", json=application, headers=officer)
    assert made.status_code == 201, made.text
    permit = made.json()["id"]
    assert client.post(f"/stay-permits/{permit}/payment", json={"billing_code": "8202601"}, headers=officer).is_success
    return permit


def _problem(answer: Any, field: str) -> str:
    """The 422 problem's one error, on ``field``: its rule."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["detail"] == f"{field} {body['errors'][0]['detail']}"
    return body["errors"][0]["detail"]


def test_an_issuance_beyond_the_term_is_a_422_naming_valid_until_and_writes_nothing(client, system, actors):
    officer, supervisor = actors
    permit = _paid_permit(client, officer, "ITAS", "YEARS_1")
    valid_from, _ = validity("YEARS_1")
    limit = StayTerm.YEARS_1.end(valid_from)
    number = f"2C{permit[:8]}"

    def issue(valid_from: date, valid_until: date) -> Any:
        issuance = {"permit_number": number, "legal_basis": LEGAL_BASIS}
        issuance |= {"valid_from": str(valid_from), "valid_until": str(valid_until)}
        return client.post(f"/stay-permits/{permit}/issuance", json=issuance, headers=supervisor)

    before = system.app.recorder.max_notification_id()
    for too_late in (limit + D, date(2099, 12, 1)):
        rule = f"must be on or before {limit}: valid_from plus the granted term YEARS_1"
        assert _problem(issue(valid_from, too_late), "valid_until") == rule
    far = issue(valid_from + 100 * D, valid_from + 120 * D)
    assert "within 90 days of the day of the decision" in _problem(far, "valid_from")
    assert system.app.recorder.max_notification_id() == before  # nor the number's claim
    shown = client.get(f"/stay-permits/{permit}", headers=officer).json()
    assert (shown["status"], shown["version"], shown["valid_until"]) == ("PAID", 2, None)
    # The same number, to the anniversary: issued (none of the refusals held it).
    done = issue(valid_from, limit)
    assert done.status_code == 200 and done.json()["valid_until"] == str(limit), done.text


def test_an_extension_beyond_its_term_is_a_422_naming_new_end_and_writes_nothing(client, system, actors):
    officer, supervisor = actors
    permit = _paid_permit(client, officer, "ITAS", "YEARS_1")
    valid_from, valid_until = validity("YEARS_1")
    issuance = {"permit_number": f"2C{permit[:8]}", "legal_basis": LEGAL_BASIS}
    issuance |= {"valid_from": str(valid_from), "valid_until": str(valid_until)}
    assert client.post(f"/stay-permits/{permit}/issuance", json=issuance, headers=supervisor).is_success
    limit = StayTerm.YEARS_1.end(valid_until)
    before = system.app.recorder.max_notification_id()
    for too_late in (limit + D, date(2040, 12, 2)):
        extension = {"billing_code": "8202602", "term": "YEARS_1", "new_end": str(too_late)}
        answer = client.post(f"/stay-permits/{permit}/extension", json=extension, headers=officer)
        rule = f"must be on or before {limit}: the current end plus the extension term YEARS_1"
        assert _problem(answer, "new_end") == rule
    assert system.app.recorder.max_notification_id() == before
    assert client.get(f"/stay-permits/{permit}", headers=officer).json()["valid_until"] == str(valid_until)
    extension = {"billing_code": "8202602", "term": "YEARS_1", "new_end": str(limit)}
    done = client.post(f"/stay-permits/{permit}/extension", json=extension, headers=officer)
    assert done.status_code == 200 and done.json()["valid_until"] == str(limit), done.text


def test_the_report_bills_an_itk_extension_once_as_it_counts_one_document(system):
    officer, supervisor = actor(), actor(Role.SUPERVISOR)
    year = office("MLG").local_date(datetime.now(UTC)).year
    before = annual_report(system.store, year, "MLG")
    app = system.app
    permit = app.apply_for_stay_permit(officer, **stay_application(basis="VISA_ON_ARRIVAL", requested_term="DAYS_30"))
    app.pay_stay_permit_fee(officer, permit, "820260100001")
    valid_from, valid_until = validity("DAYS_30")
    app.issue_stay_permit(supervisor, permit, f"ITK-{permit.hex[:8]}", valid_from, valid_until, LEGAL_BASIS)
    app.extend_stay_permit(officer, permit, "820260200001", "DAYS_30", valid_until + 30 * D)
    catch_up(system.store, system.projections())
    after = annual_report(system.store, year, "MLG")

    def added(metric: str) -> dict[str, int]:
        keys = set(after.figures.get(metric, {})) | set(before.figures.get(metric, {}))
        changes = {key: after.total(metric, key) - before.total(metric, key) for key in keys}
        return {key: change for key, change in changes.items() if change}

    assert added("stay_permit_documents") == {"ITK_EXTENSION": 1}
    assert added("stay_permit_revenue") == {"ITK_EXTENSION_30D": 500_000}


def test_the_web_form_shows_the_refusal_in_indonesian_naming_the_field(client, system):
    office = seed_office(system, "DPS", regency_code="5171")
    officer = actor(office="DPS")
    permit = system.app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    system.app.pay_stay_permit_fee(officer, permit, "820260300001")
    sign_in(client, office.tokens["SUPERVISOR"])
    url = f"/ui/cases/{permit}"
    valid_from, _ = validity("YEARS_1")
    limit = StayTerm.YEARS_1.end(valid_from)
    fields = {"permit_number": f"2C{permit.hex[:8]}", "legal_basis": LEGAL_BASIS, "valid_from": str(valid_from)}
    form = command_form(client, url, "issuance", 2, fields | {"valid_until": str(limit + D)})
    answer = client.post(f"{url}/commands/issuance", data=form)
    assert answer.status_code == 422
    said = f"Berlaku sampai (valid_until): paling lambat {limit}: Berlaku sejak (valid_from) ditambah jangka"
    assert said in answer.text, answer.text
    assert "must be" not in answer.text and "Traceback" not in answer.text
    assert system.app.get_case(permit).version == 2
