"""Facts that cannot be wrong: what the use cases refuse before anything is written, on
SQLite and PostgreSQL. Every refusal is checked to append nothing to the log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidCommand, KeyTaken
from domain.usecases.base import Actor
from domain.values import PersonalNote, Role, Uniqueness
from tests.builders import (
    DEPORTATION_BASIS,
    LEGAL_BASIS,
    Clock,
    actor,
    enforcement_case,
    finding,
    fresh_applicant,
    interviewed_passport,
    officer_of,
    passport,
    stay_application,
    stay_permit,
    submission,
    unchanged,
    validity,
)


@contextmanager
def nothing_appended(app: Any) -> Iterator[None]:
    before = app.recorder.max_notification_id()
    yield
    assert app.recorder.max_notification_id() == before


def issued_permit(app: Any, officer: Actor, supervisor: Actor, number: str | None = None) -> UUID:
    permit_id = app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    app.pay_stay_permit_fee(officer, permit_id, "820240300101")
    app.issue_stay_permit(supervisor, permit_id, number or f"2C{uuid4().hex[:8]}", *validity("YEARS_1"), LEGAL_BASIS)
    return permit_id


def enforcement(
    app: Any, officer: Actor, supervisor: Actor, action: str | None = "PERMIT_RESTRICTED_OR_CANCELLED"
) -> UUID:
    case_id = app.open_enforcement_case(
        officer,
        source="COUNTER",
        subject=finding()["subject"],
        nationality="AUS",
        alleged_violation="overstay",
        article="Pasal 78 UU 6/2011",
    )
    if action is not None:
        app.examine(officer, case_id, "BAP-1")
        app.impose_action(supervisor, case_id, action, "KEP-1", "OVERSTAY", DEPORTATION_BASIS)
    return case_id


# --- references (rujukan) ---------------------------------------------------------------


def test_a_cancellation_citing_an_enforcement_case_that_decided_on_the_permit_is_accepted(system, officer, supervisor):
    app = system.app
    permit_id = issued_permit(app, officer, supervisor)
    case_id = enforcement(app, officer, supervisor)
    app.cancel_stay_permit(supervisor, permit_id, case_id, DEPORTATION_BASIS)
    permit = app.get_case(permit_id)
    assert permit.status.value == "CANCELLED" and permit.enforcement_case_id == case_id


def test_a_cancellation_citing_no_case_another_kind_or_an_undecided_case_is_refused(system, officer, supervisor):
    app = system.app
    permit_id = issued_permit(app, officer, supervisor)
    passport_id = app.submit_passport_application(officer, **submission())
    undecided = enforcement(app, officer, supervisor, action=None)
    charge_only = enforcement(app, officer, supervisor, action="CHARGE")
    for cited, rule in (
        (uuid4(), "no EnforcementCase"),
        (passport_id, "no EnforcementCase"),
        (undecided, "is OPENED"),
        (charge_only, "imposed no action on the permit"),
    ):
        with nothing_appended(app), pytest.raises(InvalidCommand, match=rule) as refused:
            app.cancel_stay_permit(supervisor, permit_id, cited, DEPORTATION_BASIS)
        assert refused.value.field == "enforcement_case_id"
    assert app.get_case(permit_id).status.value == "ISSUED"


def test_a_cancellation_citing_another_offices_enforcement_case_is_refused(system, officer, supervisor):
    app = system.app
    permit_id = issued_permit(app, officer, supervisor)
    elsewhere = enforcement(app, actor(Role.OFFICER, "SBY"), actor(Role.SUPERVISOR, "SBY"))
    with nothing_appended(app), pytest.raises(InvalidCommand, match="another office"):
        app.cancel_stay_permit(supervisor, permit_id, elsewhere, DEPORTATION_BASIS)


# --- uniqueness: reservations saved with the claiming event ------------------------------


def approved_passport(app: Any, officer: Actor, supervisor: Actor, **overrides: Any) -> UUID:
    case_id = interviewed_passport(app, officer, **overrides)
    app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    return case_id


def test_a_passport_number_is_issued_once(system, officer, supervisor):
    app = system.app
    first, second = approved_passport(app, officer, supervisor), approved_passport(app, officer, supervisor)
    number = f"E{uuid4().hex[:7].upper()}"
    app.issue_passport(officer, first, number)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_passport(officer, second, number.lower())  # the same number, however it is typed
    assert taken.value.holder_id == first and "passport number" in taken.value.rule
    assert app.get_case(second).status.value == "APPROVED"


def test_a_stay_permit_number_is_issued_once(system, officer, supervisor):
    app = system.app
    number = f"2C{uuid4().hex[:8]}"
    holder = issued_permit(app, officer, supervisor, number)
    other = app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    app.pay_stay_permit_fee(officer, other, "820240300101")
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_stay_permit(supervisor, other, number, *validity("YEARS_1"), LEGAL_BASIS)
    assert taken.value.holder_id == holder


def test_a_person_has_one_open_application_per_product_until_it_ends(system, officer, supervisor):
    app = system.app
    person = fresh_applicant()
    first = app.submit_passport_application(officer, **submission(applicant=person))
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.submit_passport_application(officer, **submission(applicant=person))
    assert taken.value.holder_id == first and person.nik not in str(taken.value)
    other_product = app.submit_passport_application(officer, **submission(applicant=person, product="NON_ELECTRONIC"))
    app.withdraw_passport(officer, first, "applied twice by mistake")
    again = app.submit_passport_application(officer, **submission(applicant=person))
    assert len({first, other_product, again}) == 3


@pytest.mark.parametrize("ending", ["refuse", "hand_over", "withdraw"])
def test_the_end_of_an_application_gives_the_person_back_their_open_application(system, officer, supervisor, ending):
    app = system.app
    person = fresh_applicant()
    case_id = approved_passport(app, officer, supervisor, applicant=person) if ending == "hand_over" else None
    if ending == "hand_over":
        app.issue_passport(officer, case_id, f"E{uuid4().hex[:7]}")
        app.hand_over_passport(officer, case_id, "SELF")
    elif ending == "refuse":
        case_id = interviewed_passport(app, officer, applicant=person)
        app.refuse_passport(supervisor, case_id, "UNCLEAR_PURPOSE", LEGAL_BASIS)
    else:
        case_id = app.submit_passport_application(officer, **submission(applicant=person))
        app.withdraw_passport(officer, case_id, "changed plans")
    released = [e for e in app.history(case_id)][-1]
    reservation = app.reservation(Uniqueness.OPEN_APPLICATION, app.open_application(app.get_case(case_id)))
    assert reservation is not None and reservation.holder_id is None
    assert [type(e).__name__ for e in app.history(reservation.id)] == ["Claimed", "Released"]
    assert app.history(reservation.id)[-1].provenance.occurred_at == released.provenance.occurred_at
    app.submit_passport_application(officer, **submission(applicant=person))


# --- money is whole rupiah ------------------------------------------------------------------

BAD_AMOUNTS = ["1000000.75", "NaN", "Infinity", "-Infinity", "-5", "0", "1e30", "1000000000000001"]


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_an_amount_with_sen_not_finite_not_positive_or_absurd_is_refused_naming_the_field(system, supervisor, text):
    app = system.app
    with nothing_appended(app), pytest.raises(InvalidCommand) as refused:
        app.set_revenue_target(supervisor, 2031, Decimal(text), "DIPA")
    assert refused.value.field == "amount"


def test_amounts_are_kept_as_whole_rupiah(system, officer, supervisor):
    app = system.app
    case_id = enforcement(app, officer, supervisor, action="CHARGE")
    app.assess_charge(officer, case_id, Decimal("3E+7"))
    with nothing_appended(app), pytest.raises(InvalidCommand, match="no sen"):
        app.pay_charge(officer, case_id, "8202", Decimal("0.5"))
    app.pay_charge(officer, case_id, "8202", Decimal("30000000.00"))
    case = app.get_case(case_id)
    assert (str(case.charge_due), str(case.charge_paid)) == ("30000000", "30000000")


# What an officer writes about the case's person: (case in the state the command needs, the
# command with the text, the event field that records it).
NOTES = {
    "detain": (
        lambda c: enforcement_case(c),
        lambda case, c, text: case.detain(officer_of(c), "Rudenim", text),
        "ground",
    ),
    "close": (
        lambda c: enforcement_case(c, "EXAMINED"),
        lambda case, c, text: case.close(officer_of(c), text),
        "outcome",
    ),
    "withdraw": (lambda c: passport(c), lambda case, c, text: case.withdraw(officer_of(c), text), "reason"),
    "lift_postponement": (
        lambda c: passport(c, "POSTPONED"),
        lambda case, c, text: case.lift_postponement(officer_of(c), text),
        "evidence",
    ),
    "issue": (
        lambda c: passport(c, "APPROVED"),
        lambda case, c, text: case.issue(officer_of(c), text),
        "passport_number",
    ),
    "end": (lambda c: stay_permit(c, "ISSUED"), lambda case, c, text: case.end(officer_of(c), text), "reason"),
}


@pytest.mark.parametrize("command", sorted(NOTES))
def test_a_note_about_the_cases_person_must_not_be_blank_and_is_sealed_as_about_them(command):
    make, act, field = NOTES[command]
    clock = Clock()
    case = make(clock)
    with pytest.raises(InvalidCommand) as refused, unchanged(case):
        act(case, clock, "  ")
    assert refused.value.field == field
    act(case, clock, "written by the officer")
    note = getattr(case.pending_events[-1], field)
    person = getattr(
        case, {"EnforcementCase": "subject", "PassportApplication": "applicant"}.get(case.KIND, "foreigner")
    )
    assert isinstance(note, PersonalNote) and (note.text, note.nik) == ("written by the officer", person.nik)
