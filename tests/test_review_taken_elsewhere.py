"""A uniqueness refusal (409 taken) names the case that holds the key only to the office
that may read it. A Surabaya officer who types a NIK with an open application in Denpasar,
or a number Denpasar issued, learns that the rule is taken in another office, never which
case holds it: the holder's id would be a pointer from a NIK to another office's case.
Domain (every path that raises it), HTTP and the web pages; both backends."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.ui import refusals
from domain.errors import KeyTaken
from domain.passport import PassportApplication
from domain.values import Role
from tests.api_on_both import client  # noqa: F401
from tests.api_support import auth, passport_body, person, token_for
from tests.builders import (
    LEGAL_BASIS,
    actor,
    fresh_applicant,
    fresh_foreigner,
    passport_arguments,
    stay_application,
    submission,
    validity,
)
from tests.test_domain_integrity import nothing_appended
from tests.test_reservations import unreserved_application
from tests.ui_support import command_form, seed_office, sign_in

DPS, SBY = "DPS", "SBY"
REGENCY = {DPS: "5171", SBY: "3578"}  # Kota Denpasar, Kota Surabaya


def officers() -> tuple[Any, Any]:
    return actor(Role.OFFICER, DPS), actor(Role.OFFICER, SBY)


def submitted(app, who, applicant) -> UUID:
    return app.submit_passport_application(who, **submission(applicant=applicant, regency_code=REGENCY[who.office]))


def assert_unnamed(taken: KeyTaken, holder: UUID, rule: str) -> None:
    assert taken.holder_id is None and rule in taken.rule
    assert str(holder) not in str(taken) and "in another office" in str(taken), str(taken)


def test_another_offices_open_application_is_taken_in_another_office_without_its_id(system):
    app, applicant = system.app, fresh_applicant()
    dps, sby = officers()
    holder = submitted(app, dps, applicant)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        submitted(app, sby, applicant)
    assert_unnamed(taken.value, holder, "open application")
    # The holder's own office is told which case it is.
    with nothing_appended(app), pytest.raises(KeyTaken) as again:
        submitted(app, actor(Role.OFFICER, DPS), applicant)
    assert again.value.holder_id == holder and str(holder) in str(again.value)


def test_an_unreserved_application_of_another_office_is_not_named_either(system):
    """Found among the subject's cases (an application from before reservations)."""
    app, applicant = system.app, fresh_applicant()
    legacy = unreserved_application(app, actor(Role.OFFICER, "MLG"), applicant)  # a Malang case
    _, sby = officers()
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        submitted(app, sby, applicant)
    assert_unnamed(taken.value, legacy.id, "open application")


def test_another_offices_open_stay_permit_application_is_not_named(system):
    app, foreigner = system.app, fresh_foreigner()
    dps, sby = officers()
    holder = app.apply_for_stay_permit(dps, **stay_application(foreigner=foreigner))
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.apply_for_stay_permit(sby, **stay_application(foreigner=foreigner))
    assert_unnamed(taken.value, holder, "stay permit kind")
    with pytest.raises(KeyTaken) as own:
        app.apply_for_stay_permit(actor(Role.OFFICER, DPS), **stay_application(foreigner=foreigner))
    assert own.value.holder_id == holder


def approved(app, office: str) -> UUID:
    officer, supervisor = actor(Role.OFFICER, office), actor(Role.SUPERVISOR, office)
    case_id = submitted(app, officer, fresh_applicant())
    app.pay_passport_fee(officer, case_id, "820240300001")
    app.capture_biometrics(officer, case_id)
    app.interview(officer, case_id, "tourism", (), "credible")
    app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    return case_id


def test_a_passport_number_issued_by_another_office_is_not_named(system):
    app, number = system.app, f"E{uuid4().hex[:7].upper()}"
    holder, mine, again = approved(app, DPS), approved(app, SBY), approved(app, DPS)
    app.issue_passport(actor(Role.OFFICER, DPS), holder, number)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_passport(actor(Role.OFFICER, SBY), mine, number)
    assert_unnamed(taken.value, holder, "passport number")
    with pytest.raises(KeyTaken) as own:
        app.issue_passport(actor(Role.OFFICER, DPS), again, number)
    assert own.value.holder_id == holder


def paid_permit(app, office: str) -> UUID:
    officer = actor(Role.OFFICER, office)
    permit_id = app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    app.pay_stay_permit_fee(officer, permit_id, "820240300101")
    return permit_id


def test_a_permit_number_issued_by_another_office_is_not_named(system):
    app, number = system.app, f"2C{uuid4().hex[:8]}"
    holder, mine = paid_permit(app, DPS), paid_permit(app, SBY)
    period = (*validity("YEARS_1"), LEGAL_BASIS)
    app.issue_stay_permit(actor(Role.SUPERVISOR, DPS), holder, number, *period)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_stay_permit(actor(Role.SUPERVISOR, SBY), mine, number, *period)
    assert_unnamed(taken.value, holder, "stay permit number")


def test_a_race_lost_to_another_office_does_not_name_the_winner(system):
    """Both offices find the key free; the other office saves first, so this save fails on
    the reservation's version and the refusal is explained from what won."""
    app, applicant = system.app, fresh_applicant()
    dps, sby = officers()
    won: list[UUID] = []

    def build(case_id, provenance):
        built = app._submit(case_id, provenance, **passport_arguments(applicant, regency_code=REGENCY[SBY]))
        won.append(submitted(app, dps, applicant))  # the other office, in between
        return built

    with pytest.raises(KeyTaken) as taken:
        app.establish(PassportApplication, sby, build)
    assert len(won) == 1
    assert_unnamed(taken.value, won[0], "open application")


# --- over HTTP and on the web pages ---------------------------------------------------------


def test_the_409_names_no_case_of_another_office(client, system):  # noqa: F811
    applicant = person()
    denpasar, surabaya = token_for(system, "OFFICER", DPS), token_for(system, "OFFICER", SBY)
    first = client.post(
        "/passport-applications", json=passport_body(applicant=applicant, regency_code="5171"), headers=auth(denpasar)
    )
    assert first.status_code == 201, first.text
    holder = first.json()["id"]
    body = passport_body(applicant=applicant, regency_code="3578")
    refused = client.post("/passport-applications", json=body, headers=auth(surabaya))
    assert refused.status_code == 409 and refused.json()["type"].endswith(":taken"), refused.text
    problem = refused.json()
    assert "held_by" not in problem and holder not in refused.text
    assert "open application" in problem["rule"] and "in another office" in problem["detail"]
    assert applicant["nik"] not in refused.text and applicant["name"] not in refused.text
    # Denpasar's own second application is told the case, which it may read.
    own = client.post(
        "/passport-applications", json=passport_body(applicant=applicant, regency_code="5171"), headers=auth(denpasar)
    )
    assert own.status_code == 409 and own.json()["held_by"] == holder
    assert client.get(f"/cases/{holder}", headers=auth(denpasar)).status_code == 200


def test_the_web_pages_say_another_office_in_both_languages():
    unnamed = KeyTaken("a passport number is issued once", "PassportApplication", None)
    assert refusals.refusal("id", unnamed) == (
        "nomor paspor hanya diterbitkan sekali: sudah dipegang oleh PassportApplication di kantor lain"
    )
    assert refusals.refusal("en", unnamed) == (
        "a passport number is issued once: already held by a PassportApplication in another office"
    )
    holder = uuid4()
    named = KeyTaken("a passport number is issued once", "PassportApplication", holder)
    assert str(holder) in refusals.refusal("id", named) and str(holder) in refusals.refusal("en", named)


def test_a_case_page_refusal_names_no_case_of_another_office(system):
    surabaya = seed_office(system, SBY, regency_code=REGENCY[SBY])
    app, number = system.app, f"E{uuid4().hex[:7].upper()}"
    holder = approved(app, DPS)
    app.issue_passport(actor(Role.OFFICER, DPS), holder, number)
    app.approve_passport(actor(Role.SUPERVISOR, SBY), surabaya.interviewed, LEGAL_BASIS)
    with TestClient(create_app(system), raise_server_exceptions=False) as browser:
        sign_in(browser, surabaya.tokens["OFFICER"])
        url = f"/ui/cases/{surabaya.interviewed}"
        form = command_form(browser, url, "issuance", 5, {"passport_number": number})
        refused = browser.post(f"{url}/commands/issuance", data=form)
    assert refused.status_code == 409, refused.text[:300]
    assert "di kantor lain" in refused.text and str(holder) not in refused.text
    assert app.get_case(surabaya.interviewed).status.value == "APPROVED"
