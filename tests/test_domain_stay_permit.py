"""StayPermit (izin tinggal ITK/ITAS/ITAP): every transition, legal and illegal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.stay_permit import PermitStatus, StayPermit
from domain.values import PermitBasis, PermitKind, StayRefusalReason, StayTerm
from tests.builders import (
    FOREIGNER_NAME,
    FOREIGNER_NIK,
    LEGAL_BASIS,
    Clock,
    foreigner,
    new_id,
    officer_of,
    stay_permit,
    supervisor_of,
    unchanged,
)

S = PermitStatus


# --- the happy path ----------------------------------------------------------------------


def test_an_application_starts_applied_with_no_fee_paid():
    permit = stay_permit(Clock())
    assert permit.status is S.APPLIED
    assert permit.version == 1
    assert permit.fee_paid == 0
    assert [type(e).__name__ for e in permit.pending_events] == ["Applied"]


def test_payment_takes_the_fee_of_the_kind_and_term():
    permit = stay_permit(Clock(), "PAID", PermitKind.ITAS, StayTerm.YEARS_2)
    assert permit.status is S.PAID
    assert permit.fee_paid == Decimal(2_000_000)
    assert [line.code for line in permit.pending_events[-1].fee.lines] == ["ITAS_2Y"]


def test_a_supervisor_issues_the_permit_with_its_dates():
    permit = stay_permit(Clock(), "ISSUED")
    assert permit.status is S.ISSUED
    assert permit.permit_number.text == "2C11AB1234"
    assert (permit.valid_from, permit.valid_until) == (date(2024, 4, 1), date(2025, 3, 31))


def test_an_itk_extension_moves_the_end_date_and_adds_its_fee():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED", PermitKind.ITK, StayTerm.DAYS_30)
    permit.extend(officer_of(clock), "820240300102", StayTerm.DAYS_60, date(2024, 6, 29))
    assert permit.status is S.ISSUED
    assert permit.valid_until == date(2024, 6, 29)
    assert permit.extensions == 1
    assert permit.fee_paid == Decimal(750_000)  # the ITK itself was paid for at entry, with its visa


@pytest.mark.parametrize(("kind", "term", "successor"), [("ITK", "DAYS_30", "ITAS"), ("ITAS", "YEARS_1", "ITAP")])
def test_a_transfer_names_the_successor_and_its_kind(kind, term, successor):
    clock = Clock()
    permit = stay_permit(clock, "ISSUED", PermitKind(kind), StayTerm(term))
    successor_id = new_id()
    permit.transfer(supervisor_of(clock), successor_id, LEGAL_BASIS)
    assert permit.status is S.TRANSFERRED
    assert permit.successor_id == successor_id
    assert permit.successor_kind is PermitKind(successor)


def test_cancellation_refers_to_the_enforcement_case():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED")
    enforcement_id = new_id()
    permit.cancel(supervisor_of(clock), enforcement_id, "Pasal 75 ayat (2) huruf b UU 6/2011")
    assert permit.status is S.CANCELLED
    assert permit.enforcement_case_id == enforcement_id


def test_an_issued_permit_ends():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED")
    permit.end(officer_of(clock), "left Indonesia")
    assert permit.status is S.ENDED


@pytest.mark.parametrize("until", ["APPLIED", "PAID"])
def test_a_supervisor_refuses_an_undecided_application(until):
    clock = Clock()
    permit = stay_permit(clock, until)
    permit.refuse(supervisor_of(clock), StayRefusalReason.SPONSOR_UNVERIFIED, LEGAL_BASIS)
    assert permit.status is S.REFUSED
    assert permit.reason_code == "SPONSOR_UNVERIFIED"  # the code, as the event keeps it


def test_every_event_has_an_explicit_stay_permit_topic():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED", PermitKind.ITK, StayTerm.DAYS_30)
    permit.extend(officer_of(clock), "8202", StayTerm.DAYS_30, date(2024, 5, 30))
    permit.end(officer_of(clock), "left Indonesia")
    assert all(get_topic(type(e)).startswith("berkas:StayPermit.") for e in permit.pending_events)


# --- illegal transitions -------------------------------------------------------------------

COMMANDS: dict[str, tuple[Callable[[StayPermit, Clock], Any], set[S]]] = {
    "pay": (lambda p, k: p.pay(officer_of(k), "8201"), {S.APPLIED}),
    "refuse": (lambda p, k: p.refuse(supervisor_of(k), "NO_SPONSOR", LEGAL_BASIS), {S.APPLIED, S.PAID}),
    "issue": (
        lambda p, k: p.issue(supervisor_of(k), "2C1", date(2024, 4, 1), date(2025, 3, 31), LEGAL_BASIS),
        {S.PAID},
    ),
    "extend": (lambda p, k: p.extend(officer_of(k), "8202", StayTerm.YEARS_1, date(2026, 3, 31)), {S.ISSUED}),
    "transfer": (lambda p, k: p.transfer(supervisor_of(k), new_id(), LEGAL_BASIS), {S.ISSUED}),
    "cancel": (lambda p, k: p.cancel(supervisor_of(k), new_id(), LEGAL_BASIS), {S.ISSUED}),
    "end": (lambda p, k: p.end(officer_of(k), "left"), {S.ISSUED}),
}

_INTO = {
    S.REFUSED: ("APPLIED", lambda p, k: p.refuse(supervisor_of(k), "NO_SPONSOR", LEGAL_BASIS)),
    S.TRANSFERRED: ("ISSUED", lambda p, k: p.transfer(supervisor_of(k), new_id(), LEGAL_BASIS)),
    S.CANCELLED: ("ISSUED", lambda p, k: p.cancel(supervisor_of(k), new_id(), LEGAL_BASIS)),
    S.ENDED: ("ISSUED", lambda p, k: p.end(officer_of(k), "left")),
}


def _permit_in(status: S, clock: Clock) -> StayPermit:
    if status in _INTO:
        until, step = _INTO[status]
        permit = stay_permit(clock, until)
        step(permit, clock)
        return permit
    return stay_permit(clock, status.value)


ILLEGAL = [(name, status) for name, (_, allowed) in COMMANDS.items() for status in S if status not in allowed]


@pytest.mark.parametrize(("command", "status"), ILLEGAL, ids=[f"{c}-from-{s.value}" for c, s in ILLEGAL])
def test_a_command_from_a_state_that_does_not_allow_it_is_refused_and_changes_nothing(command, status):
    clock = Clock()
    permit = _permit_in(status, clock)
    run, _ = COMMANDS[command]
    with unchanged(permit), pytest.raises(IllegalTransition) as raised:
        run(permit, clock)
    assert raised.value.status == status.value


@pytest.mark.parametrize("command", ["refuse", "issue", "transfer", "cancel"])
def test_stay_permit_decisions_by_an_officer_are_not_permitted(command):
    clock = Clock()
    permit = _permit_in(S.PAID if command in ("refuse", "issue") else S.ISSUED, clock)
    decide = {
        "refuse": lambda p: p.refuse(officer_of(clock), "NO_SPONSOR", LEGAL_BASIS),
        "issue": lambda p: p.issue(officer_of(clock), "2C1", date(2024, 4, 1), date(2025, 3, 31), LEGAL_BASIS),
        "transfer": lambda p: p.transfer(officer_of(clock), new_id(), LEGAL_BASIS),
        "cancel": lambda p: p.cancel(officer_of(clock), new_id(), LEGAL_BASIS),
    }[command]
    with unchanged(permit), pytest.raises(NotPermitted, match="only a supervisor"):
        decide(permit)


def test_an_itap_cannot_be_transferred():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED", PermitKind.ITAP, StayTerm.YEARS_5)
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        permit.transfer(supervisor_of(clock), new_id(), LEGAL_BASIS)
    assert raised.value.field == "kind"


def test_an_extension_must_end_after_the_current_end():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED")
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        permit.extend(officer_of(clock), "8202", StayTerm.YEARS_1, permit.valid_until)
    assert raised.value.field == "new_end"


def test_an_extension_term_must_fit_the_kind():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED", PermitKind.ITK, StayTerm.DAYS_30)
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        permit.extend(officer_of(clock), "8202", StayTerm.YEARS_5, date(2030, 1, 1))
    assert raised.value.field == "term"


def test_a_permit_must_end_after_it_starts():
    clock = Clock()
    permit = stay_permit(clock, "PAID")
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        permit.issue(supervisor_of(clock), "2C1", date(2024, 4, 1), date(2024, 4, 1), LEGAL_BASIS)
    assert raised.value.field == "valid_until"


@pytest.mark.parametrize("code", ["", "SPONSOR_NOT_VERIFIED", "BAGUS_PRAKOSO", None, 3])
def test_refusal_requires_a_listed_reason_code(code):
    clock = Clock()
    permit = stay_permit(clock, "PAID")
    with unchanged(permit), pytest.raises(InvalidCommand) as raised:
        permit.refuse(supervisor_of(clock), code, LEGAL_BASIS)
    assert raised.value.field == "reason_code"
    assert raised.value.rule == "must be one of " + ", ".join(reason.value for reason in StayRefusalReason)


def test_acting_for_another_office_is_not_permitted():
    clock = Clock()
    permit = stay_permit(clock, "APPLIED")
    with unchanged(permit), pytest.raises(NotPermitted, match="belongs to office MLG"):
        permit.pay(officer_of(clock, office="DPS"), "8201")


@pytest.mark.parametrize(
    ("at", "rule"),
    [
        (datetime(2024, 3, 5, 10, 0), "time zone"),
        (datetime.now(UTC) + timedelta(days=1), "future"),
        (datetime(2024, 1, 1, tzinfo=UTC), "previous event"),
    ],
    ids=["naive", "future", "before-previous"],
)
def test_business_time_must_be_aware_past_and_after_the_previous_event(at, rule):
    clock = Clock()
    permit = stay_permit(clock, "APPLIED")
    with unchanged(permit), pytest.raises(InvalidCommand, match=rule):
        permit.pay(officer_of(clock, at=at), "8201")


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("nationality", {"nationality": "Australia"}),
        ("foreigner", {"foreigner": "John"}),
        ("sponsor", {"sponsor": " "}),
        ("requested_term", {"requested_term": "DAYS_30"}),
        ("requested_term", {"requested_term": StayTerm.YEARS_5}),  # a term, but not an ITAS one
    ],
)
def test_an_application_checks_its_fields(field, change):
    args = {
        "kind": PermitKind.ITAS,
        "basis": PermitBasis.VISA,
        "foreigner": foreigner(),
        "nationality": "AUS",
        "passport_number": "PA1",
        "sponsor": "PT Sponsor",
        "requested_term": StayTerm.YEARS_1,
    } | change
    with pytest.raises(InvalidCommand) as raised:
        StayPermit.apply_for(new_id(), officer_of(Clock()), **args)
    assert raised.value.field == field


def test_repr_and_str_never_show_the_foreigner():
    clock = Clock()
    permit = stay_permit(clock, "ISSUED")
    for text in [repr(permit), str(permit), *map(repr, permit.pending_events), *map(str, permit.pending_events)]:
        assert FOREIGNER_NAME not in text
        assert FOREIGNER_NIK not in text
