"""PassportApplication (permohonan paspor): every transition, legal and illegal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.passport import PassportApplication, PassportStatus
from domain.values import (
    ApplicationType,
    Collector,
    PersonalNote,
    PostponementReason,
    Product,
    Referral,
    RefusalReason,
    Role,
    ZeroTariffGroup,
)
from tests.builders import (
    APPLICANT_NAME,
    APPLICANT_NIK,
    LEGAL_BASIS,
    Clock,
    officer_of,
    passport,
    prov,
    supervisor_of,
    unchanged,
)

S = PassportStatus
CPMI = ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER


# --- the happy path, one transition at a time -------------------------------------------


def test_submission_opens_a_case_in_submitted_with_one_pending_event():
    case = passport(Clock())
    assert case.status is S.SUBMITTED
    assert case.version == 1
    assert [type(e).__name__ for e in case.pending_events] == ["Submitted"]
    assert case.office == "MLG"
    assert case.fee_paid == 0


@pytest.mark.parametrize(
    ("until", "status", "last_event"),
    [
        ("PAID", S.PAID, "FeePaid"),
        ("BIOMETRICS", S.BIOMETRICS, "BiometricsCaptured"),
        ("INTERVIEWED", S.INTERVIEWED, "Interviewed"),
        ("POSTPONED", S.POSTPONED, "Postponed"),
        ("REFUSED", S.REFUSED, "Refused"),
        ("APPROVED", S.APPROVED, "Approved"),
        ("ISSUED", S.ISSUED, "Issued"),
        ("HANDED_OVER", S.HANDED_OVER, "HandedOver"),
    ],
)
def test_each_step_of_the_path_records_its_event(until, status, last_event):
    case = passport(Clock(), until)
    assert case.status is status
    assert type(case.pending_events[-1]).__name__ == last_event
    assert case.version == len(case.pending_events)


def test_every_event_has_an_explicit_berkas_topic_and_provenance():
    case = passport(Clock(), "HANDED_OVER")
    for event in case.pending_events:
        assert get_topic(type(event)).startswith("berkas:PassportApplication.")
        assert event.provenance.office == "MLG"


def test_zero_tariff_moves_to_paid_without_a_fee_and_records_its_legal_basis():
    clock = Clock()
    case = passport(clock)
    case.grant_zero_tariff(officer_of(clock), ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER)
    assert case.status is S.PAID
    assert case.fee_paid == 0
    assert case.zero_tariff_basis is ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER
    assert "PP 28/2019" in case.pending_events[-1].legal_basis


@pytest.mark.parametrize(
    ("group", "overrides", "rule"),
    [
        (
            ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER,
            {"application_type": ApplicationType.REPLACE_LOST},
            "covers only NEW applications, not REPLACE_LOST",
        ),
        (
            ZeroTariffGroup.DISASTER_VICTIM,
            {"application_type": ApplicationType.REPLACE_LOST, "expedited": True},
            "expedited service is never free",
        ),
        (ZeroTariffGroup.DISASTER_VICTIM, {}, "covers only REPLACE_DAMAGED, REPLACE_LOST applications, not NEW"),
        ("CPMI first passport", {}, "must be one of"),
    ],
)
def test_the_zero_tariff_is_only_for_the_groups_and_applications_the_regulation_names(group, overrides, rule):
    """A lost-passport, electronic, expedited replacement for tourism is not a migrant worker's first passport."""
    clock = Clock()
    case = passport(clock, **overrides)
    with unchanged(case), pytest.raises(InvalidCommand, match=rule) as refused:
        case.grant_zero_tariff(officer_of(clock), group)
    assert refused.value.field == "basis"


def test_a_disaster_victim_replacing_a_lost_passport_gets_the_zero_tariff():
    clock = Clock()
    case = passport(clock, application_type=ApplicationType.REPLACE_LOST)
    case.grant_zero_tariff(officer_of(clock), ZeroTariffGroup.DISASTER_VICTIM)
    assert case.status is S.PAID and case.fee_paid == 0


def test_lifting_a_postponement_returns_to_interviewed():
    clock = Clock()
    case = passport(clock, "POSTPONED")
    case.lift_postponement(officer_of(clock), "employer letter from Disnaker")
    assert case.status is S.INTERVIEWED
    case.approve(supervisor_of(clock), LEGAL_BASIS)
    assert case.status is S.APPROVED


def test_refusal_forfeits_the_fee_and_keeps_reason_basis_and_referral():
    clock = Clock()
    case = passport(clock, "INTERVIEWED")
    referral = Referral("Kementerian Ketenagakerjaan / BP3MI", "prepare placement documents")
    case.refuse(supervisor_of(clock), RefusalReason.PMI_NONPROCEDURAL, LEGAL_BASIS, referral)
    refused = case.pending_events[-1]
    assert refused.fee_forfeited == Decimal(650_000)
    assert refused.reason_code is RefusalReason.PMI_NONPROCEDURAL
    assert refused.legal_basis == LEGAL_BASIS
    assert case.referral.agency == referral.agency
    assert case.referral.instructions == PersonalNote("prepare placement documents", case.applicant.nik)


def test_approval_records_the_adjudicator():
    clock = Clock()
    case = passport(clock, "INTERVIEWED")
    decider = supervisor_of(clock)
    case.approve(decider, LEGAL_BASIS)
    assert case.adjudicator == decider.actor_id


def test_issue_dates_follow_the_office_calendar_and_the_validity():
    clock = Clock()
    case = passport(clock, "APPROVED", validity_years=5)
    # 20:00 UTC on 1 May is already 2 May in Malang (WIB, UTC+7).
    case.issue(officer_of(clock, at=datetime(2024, 5, 1, 20, 0, tzinfo=UTC)), "E7654321")
    assert case.issue_date == date(2024, 5, 2)
    assert case.expiry_date == date(2029, 5, 2)


def test_a_passport_issued_on_29_february_expires_on_28_february():
    clock = Clock(now=datetime(2024, 2, 20, tzinfo=UTC))
    case = passport(clock, "APPROVED")
    case.issue(officer_of(clock, at=datetime(2024, 2, 29, 3, 0, tzinfo=UTC)), "E1111111")
    assert case.expiry_date == date(2034, 2, 28)


@pytest.mark.parametrize("until", ["SUBMITTED", "PAID", "BIOMETRICS", "INTERVIEWED", "POSTPONED"])
def test_an_open_application_can_be_withdrawn(until):
    clock = Clock()
    case = passport(clock, until)
    case.withdraw(officer_of(clock), "applicant no longer travels")
    assert case.status is S.WITHDRAWN


def test_an_uncollected_passport_is_cancelled_by_a_supervisor():
    clock = Clock()
    case = passport(clock, "ISSUED")
    case.cancel_uncollected(supervisor_of(clock), "Pasal 45 Permenkumham 18/2022")
    assert case.status is S.CANCELLED_UNCOLLECTED


# --- illegal transitions: named error, nothing changes ----------------------------------

COMMANDS: dict[str, tuple[Callable[[PassportApplication, Clock], Any], set[S]]] = {
    "pay": (lambda c, k: c.pay(officer_of(k), "8201"), {S.SUBMITTED}),
    "grant_zero_tariff": (lambda c, k: c.grant_zero_tariff(officer_of(k), CPMI), {S.SUBMITTED}),
    "capture_biometrics": (lambda c, k: c.capture_biometrics(officer_of(k)), {S.PAID}),
    "interview": (lambda c, k: c.interview(officer_of(k), "work", (), "doubtful"), {S.BIOMETRICS}),
    "postpone": (lambda c, k: c.postpone(officer_of(k), PostponementReason.OTHER, None), {S.INTERVIEWED}),
    "lift_postponement": (lambda c, k: c.lift_postponement(officer_of(k), "letter"), {S.POSTPONED}),
    "refuse": (
        lambda c, k: c.refuse(supervisor_of(k), RefusalReason.UNCLEAR_PURPOSE, LEGAL_BASIS, None),
        {S.PAID, S.BIOMETRICS, S.INTERVIEWED, S.POSTPONED},
    ),
    "approve": (lambda c, k: c.approve(supervisor_of(k), LEGAL_BASIS), {S.INTERVIEWED}),
    "issue": (lambda c, k: c.issue(officer_of(k), "E0000001"), {S.APPROVED}),
    "hand_over": (lambda c, k: c.hand_over(officer_of(k), Collector.SELF), {S.ISSUED}),
    "withdraw": (
        lambda c, k: c.withdraw(officer_of(k), "changed plans"),
        {S.SUBMITTED, S.PAID, S.BIOMETRICS, S.INTERVIEWED, S.POSTPONED},
    ),
    "cancel_uncollected": (lambda c, k: c.cancel_uncollected(supervisor_of(k), LEGAL_BASIS), {S.ISSUED}),
}


def _case_in(status: S, clock: Clock) -> PassportApplication:
    if status is S.WITHDRAWN:
        case = passport(clock, "PAID")
        case.withdraw(officer_of(clock), "changed plans")
        return case
    if status is S.CANCELLED_UNCOLLECTED:
        case = passport(clock, "ISSUED")
        case.cancel_uncollected(supervisor_of(clock), LEGAL_BASIS)
        return case
    return passport(clock, status)


ILLEGAL = [(name, status) for name, (_, allowed) in COMMANDS.items() for status in S if status not in allowed]


@pytest.mark.parametrize(("command", "status"), ILLEGAL, ids=[f"{c}-from-{s.value}" for c, s in ILLEGAL])
def test_a_command_from_a_state_that_does_not_allow_it_is_refused_and_changes_nothing(command, status):
    clock = Clock()
    case = _case_in(status, clock)
    run, _ = COMMANDS[command]
    with unchanged(case), pytest.raises(IllegalTransition) as raised:
        run(case, clock)
    assert raised.value.status == status.value
    assert str(case.id) in str(raised.value)


def test_issuing_a_refused_application_is_an_illegal_transition():
    clock = Clock()
    case = passport(clock, "REFUSED")
    with unchanged(case), pytest.raises(IllegalTransition, match="is REFUSED: cannot issue"):
        case.issue(officer_of(clock), "E0000002")


@pytest.mark.parametrize("reason", [None, "PMI_NONPROCEDURAL", ""])
def test_refusal_requires_a_reason_code(reason):
    clock = Clock()
    case = passport(clock, "INTERVIEWED")
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.refuse(supervisor_of(clock), reason, LEGAL_BASIS, None)
    assert raised.value.field == "reason_code"


def test_refusal_requires_a_legal_basis():
    clock = Clock()
    case = passport(clock, "INTERVIEWED")
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.refuse(supervisor_of(clock), RefusalReason.DUPLICATE, " ", None)
    assert raised.value.field == "legal_basis"


@pytest.mark.parametrize(
    ("until", "decide"),
    [
        ("INTERVIEWED", lambda c, p: c.approve(p, LEGAL_BASIS)),
        ("INTERVIEWED", lambda c, p: c.refuse(p, RefusalReason.UNCLEAR_PURPOSE, LEGAL_BASIS, None)),
        ("ISSUED", lambda c, p: c.cancel_uncollected(p, LEGAL_BASIS)),
    ],
    ids=["approve", "refuse", "cancel_uncollected"],
)
def test_decisions_by_an_officer_are_not_permitted(until, decide):
    clock = Clock()
    case = passport(clock, until)
    with unchanged(case), pytest.raises(NotPermitted, match="only a supervisor"):
        decide(case, officer_of(clock))


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_cannot_act_on_cases(role):
    clock = Clock()
    case = passport(clock, "SUBMITTED")
    with unchanged(case), pytest.raises(NotPermitted):
        case.pay(prov(clock, role), "8201")


def test_acting_for_another_office_is_not_permitted():
    clock = Clock()
    case = passport(clock, "SUBMITTED")
    with unchanged(case), pytest.raises(NotPermitted, match="belongs to office MLG"):
        case.pay(officer_of(clock, office="SBY"), "8201")


def test_a_naive_occurred_at_is_rejected():
    clock = Clock()
    case = passport(clock, "SUBMITTED")
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.pay(officer_of(clock, at=datetime(2024, 3, 5, 10, 0)), "8201")
    assert raised.value.field == "occurred_at"
    assert "time zone" in raised.value.rule


def test_a_future_occurred_at_is_rejected():
    clock = Clock()
    case = passport(clock, "SUBMITTED")
    with unchanged(case), pytest.raises(InvalidCommand, match="future"):
        case.pay(officer_of(clock, at=datetime.now(UTC) + timedelta(hours=1)), "8201")


def test_an_occurred_at_before_the_previous_event_is_rejected():
    clock = Clock()
    case = passport(clock, "PAID")
    with unchanged(case), pytest.raises(InvalidCommand, match="before the case's previous event"):
        case.capture_biometrics(officer_of(clock, at=case.last_occurred_at - timedelta(seconds=1)))


def test_submission_outside_the_office_jurisdiction_is_rejected():
    with pytest.raises(InvalidCommand) as raised:
        passport(Clock(), regency_code="3578")  # Kota Surabaya
    assert raised.value.field == "regency_code"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("validity_years", {"validity_years": 7}),
        ("product", {"product": "ELECTRONIC"}),
        ("purpose", {"purpose": ""}),
        ("applicant", {"applicant": "Siti"}),
    ],
)
def test_submission_checks_its_fields(field, overrides):
    with pytest.raises(InvalidCommand) as raised:
        passport(Clock(), **overrides)
    assert raised.value.field == field


def test_submission_for_an_unknown_office_is_rejected():
    with pytest.raises(InvalidCommand) as raised:
        PassportApplication.submit(
            None, officer_of(Clock(), office="XXX"), None, None, None, None, 10, False, "x", "y", "3573"
        )
    assert raised.value.field == "office"


# --- fees: the tariff in force on the payment day, in the office's time zone -------------


def _fee_paid_at(moment: datetime, office: str = "MLG", regency: str = "3573", **overrides: Any) -> Decimal:
    clock = Clock(now=datetime(2024, 12, 1, tzinfo=UTC))
    case = passport(clock, office=office, regency_code=regency, **overrides)
    case.pay(officer_of(clock, office=office, at=moment), "820241200001")
    return case.fee_paid


def test_a_ten_year_electronic_passport_costs_650000_on_16_december_and_950000_on_17_december():
    assert _fee_paid_at(datetime(2024, 12, 16, 10, 0, tzinfo=UTC)) == 650_000
    assert _fee_paid_at(datetime(2024, 12, 17, 10, 0, tzinfo=UTC)) == 950_000


def test_the_payment_day_is_the_office_local_day():
    # 16:59 UTC is 23:59 on 16 December in Malang (WIB); 17:00 UTC is already the 17th.
    assert _fee_paid_at(datetime(2024, 12, 16, 16, 59, tzinfo=UTC)) == 650_000
    assert _fee_paid_at(datetime(2024, 12, 16, 17, 0, tzinfo=UTC)) == 950_000


def test_the_same_instant_is_a_different_tariff_day_in_jayapura():
    moment = datetime(2024, 12, 16, 15, 30, tzinfo=UTC)  # 22:30 WIB, 00:30 WIT on the 17th
    assert _fee_paid_at(moment, "MLG", "3573") == 650_000
    assert _fee_paid_at(moment, "JYP", "9471") == 950_000


@pytest.mark.parametrize(
    ("overrides", "before", "after"),
    [
        ({"product": Product.NON_ELECTRONIC, "validity_years": 5}, 350_000, 350_000),
        ({"product": Product.NON_ELECTRONIC, "validity_years": 10}, 350_000, 650_000),
        ({"product": Product.ELECTRONIC, "validity_years": 5}, 650_000, 650_000),
        ({"product": Product.ELECTRONIC, "validity_years": 10, "expedited": True}, 1_650_000, 1_950_000),
        ({"application_type": ApplicationType.REPLACE_LOST, "validity_years": 5}, 1_650_000, 1_650_000),
        ({"application_type": ApplicationType.REPLACE_DAMAGED, "validity_years": 5}, 1_150_000, 1_150_000),
    ],
)
def test_fee_lines_add_up_under_both_regulations(overrides, before, after):
    assert _fee_paid_at(datetime(2024, 12, 16, 3, 0, tzinfo=UTC), **overrides) == before
    assert _fee_paid_at(datetime(2024, 12, 17, 3, 0, tzinfo=UTC), **overrides) == after


def test_the_fee_paid_event_carries_the_billing_lines():
    clock = Clock(now=datetime(2024, 12, 1, tzinfo=UTC))
    case = passport(clock, expedited=True)
    case.pay(officer_of(clock), "820241200002")
    fee = case.pending_events[-1].fee
    assert fee.billing_code == "820241200002"
    assert [line.code for line in fee.lines] == ["PASSPORT_ELECTRONIC_10Y", "EXPEDITED_SAME_DAY"]
    assert case.pending_events[-1].total == fee.total == Decimal(1_650_000)


# --- personal data never printed ------------------------------------------------------


def test_repr_and_str_of_the_case_and_its_events_never_show_the_applicant():
    case = passport(Clock(), "HANDED_OVER")
    texts = [repr(case), str(case), *(repr(e) for e in case.pending_events), *(str(e) for e in case.pending_events)]
    for text in texts:
        assert APPLICANT_NAME not in text
        assert APPLICANT_NIK not in text
        assert "1990-12-05" not in text and "1990, 12, 5" not in text
