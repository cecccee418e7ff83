"""EnforcementCase (penindakan keimigrasian): every transition, legal and illegal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.enforcement import EnforcementCase, EnforcementStatus
from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.values import AdministrativeAction, CaseSource, EnforcementReason, ObjectionOutcome
from tests.builders import (
    DEPORTATION_BASIS,
    FOREIGNER_NAME,
    FOREIGNER_NIK,
    Clock,
    enforcement_case,
    foreigner,
    new_id,
    officer_of,
    supervisor_of,
    unchanged,
)

S = EnforcementStatus
A = AdministrativeAction


def _impose(case: EnforcementCase, clock: Clock, action: AdministrativeAction) -> None:
    case.impose_action(supervisor_of(clock), action, f"KEP-1/{action.value}", "OVERSTAY", DEPORTATION_BASIS)


# --- enforcement: the paths ---------------------------------------------------------------


def test_a_counter_case_opens_without_an_operation():
    case = enforcement_case(Clock())
    assert case.status is S.OPENED
    assert case.operation_id is None
    assert case.actions == []


def test_from_examination_to_deportation_and_closing():
    clock = Clock()
    case = enforcement_case(clock, "EXAMINED")
    assert case.report_number == "BAP-001/2024"
    _impose(case, clock, A.DEPORTATION)
    case.detain(officer_of(clock), "Rudenim Surabaya", "awaiting deportation")
    moment = datetime(2024, 3, 9, 20, 0, tzinfo=UTC)  # already 10 March in Malang (WIB)
    case.deport(officer_of(clock, at=moment), "Juanda International Airport")
    assert case.status is S.DEPORTED
    assert case.detained is False
    assert case.deported_on == date(2024, 3, 10)
    case.close(officer_of(clock, at=moment + timedelta(hours=1)), "deported")
    assert case.status is S.CLOSED
    assert [type(e).__name__ for e in case.pending_events] == [
        "Opened",
        "Examined",
        "ActionImposed",
        "Detained",
        "Deported",
        "Closed",
    ]


def test_several_different_actions_can_be_imposed():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.CHARGE)
    _impose(case, clock, A.LISTED_PREVENTION_DETERRENCE)
    assert case.actions == [A.CHARGE, A.LISTED_PREVENTION_DETERRENCE]


def test_a_charge_is_assessed_and_paid_in_parts():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.CHARGE)
    case.assess_charge(officer_of(clock), Decimal(3_000_000))
    case.pay_charge(officer_of(clock), "8203", Decimal(1_000_000))
    case.pay_charge(officer_of(clock), "8204", Decimal(2_000_000))
    assert (case.charge_due, case.charge_paid) == (Decimal(3_000_000), Decimal(3_000_000))


def test_detention_and_release_toggle():
    clock = Clock()
    case = enforcement_case(clock)
    case.detain(officer_of(clock), "ruang detensi", "no documents")
    case.release(officer_of(clock), "documents produced")
    assert case.detained is False
    assert case.status is S.OPENED


def test_an_upheld_objection_lifts_the_actions():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    case.file_objection(officer_of(clock), "valid permit was pending")
    assert case.objection_pending
    case.decide_objection(supervisor_of(clock), ObjectionOutcome.UPHELD, DEPORTATION_BASIS)
    assert case.status is S.EXAMINED
    assert case.actions == []
    assert case.pending_events[-1].reason_code == "UPHELD"


def test_a_rejected_objection_keeps_the_actions():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    case.file_objection(officer_of(clock), "family ties")
    case.decide_objection(supervisor_of(clock), ObjectionOutcome.REJECTED, DEPORTATION_BASIS)
    assert case.status is S.ACTION_IMPOSED
    assert case.actions == [A.DEPORTATION]
    assert not case.objection_pending


# --- enforcement: illegal transitions -------------------------------------------------------


def test_deporting_before_a_deportation_action_is_illegal():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.CHARGE)
    with unchanged(case), pytest.raises(IllegalTransition, match="NO_DEPORTATION_DECISION"):
        case.deport(officer_of(clock), "Juanda")


@pytest.mark.parametrize("until", ["OPENED", "EXAMINED"])
def test_deporting_before_any_action_is_illegal(until):
    clock = Clock()
    case = enforcement_case(clock, until)
    with unchanged(case), pytest.raises(IllegalTransition):
        case.deport(officer_of(clock), "Juanda")


def test_no_deportation_while_an_objection_is_pending():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    case.file_objection(officer_of(clock), "grounds")
    with unchanged(case), pytest.raises(IllegalTransition, match="OBJECTION_PENDING"):
        case.deport(officer_of(clock), "Juanda")
    with unchanged(case), pytest.raises(IllegalTransition, match="OBJECTION_PENDING"):
        case.file_objection(officer_of(clock), "again")
    with unchanged(case), pytest.raises(IllegalTransition, match="OBJECTION_PENDING"):
        case.close(officer_of(clock), "done")


def test_a_detained_subject_blocks_closing_and_a_second_detention():
    clock = Clock()
    case = enforcement_case(clock, "EXAMINED")
    case.detain(officer_of(clock), "ruang detensi", "flight risk")
    with unchanged(case), pytest.raises(IllegalTransition, match="DETAINED"):
        case.close(officer_of(clock), "done")
    with unchanged(case), pytest.raises(IllegalTransition, match="DETAINED"):
        case.detain(officer_of(clock), "Rudenim", "again")


def test_release_needs_a_detention_and_a_decision_needs_an_objection():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.CHARGE)
    with unchanged(case), pytest.raises(IllegalTransition, match="NOT_DETAINED"):
        case.release(officer_of(clock), "nothing")
    with unchanged(case), pytest.raises(IllegalTransition, match="NO_OBJECTION"):
        case.decide_objection(supervisor_of(clock), ObjectionOutcome.UPHELD, DEPORTATION_BASIS)


def test_the_same_action_twice_is_rejected():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    with unchanged(case), pytest.raises(InvalidCommand, match="already imposed"):
        _impose(case, clock, A.DEPORTATION)


def test_a_charge_needs_the_charge_action_and_cannot_be_overpaid():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    with unchanged(case), pytest.raises(InvalidCommand, match="CHARGE action"):
        case.assess_charge(officer_of(clock), Decimal(1))
    _impose(case, clock, A.CHARGE)
    case.assess_charge(officer_of(clock), Decimal(1_000_000))
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.pay_charge(officer_of(clock), "8205", Decimal(1_000_001))
    assert raised.value.field == "amount"


def test_imposing_an_action_needs_a_supervisor_a_reason_and_a_basis():
    clock = Clock()
    case = enforcement_case(clock, "EXAMINED")
    with unchanged(case), pytest.raises(NotPermitted, match="only a supervisor"):
        case.impose_action(officer_of(clock), A.DEPORTATION, "KEP-1", "OVERSTAY", DEPORTATION_BASIS)
    for code in ("", "OVERSTAY_KADEK", "overstay", None):
        with unchanged(case), pytest.raises(InvalidCommand) as raised:
            case.impose_action(supervisor_of(clock), A.DEPORTATION, "KEP-1", code, DEPORTATION_BASIS)
        assert raised.value.field == "reason_code"
        assert raised.value.rule == "must be one of " + ", ".join(reason.value for reason in EnforcementReason)
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.impose_action(supervisor_of(clock), A.DEPORTATION, "KEP-1", "OVERSTAY", " ")
    assert raised.value.field == "legal_basis"


def test_an_objection_is_decided_by_a_supervisor():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
    case.file_objection(officer_of(clock), "grounds")
    with unchanged(case), pytest.raises(NotPermitted):
        case.decide_objection(officer_of(clock), ObjectionOutcome.UPHELD, DEPORTATION_BASIS)


ENFORCEMENT_COMMANDS: dict[str, tuple[Callable[[EnforcementCase, Clock], Any], set[S]]] = {
    "examine": (lambda c, k: c.examine(officer_of(k), "BAP-2"), {S.OPENED}),
    "impose_action": (lambda c, k: _impose(c, k, A.BANNED_FROM_PLACE), {S.EXAMINED, S.ACTION_IMPOSED}),
    "detain": (lambda c, k: c.detain(officer_of(k), "Rudenim", "ground"), {S.OPENED, S.EXAMINED, S.ACTION_IMPOSED}),
    "assess_charge": (lambda c, k: c.assess_charge(officer_of(k), Decimal(1)), {S.ACTION_IMPOSED}),
    "pay_charge": (lambda c, k: c.pay_charge(officer_of(k), "8206", Decimal(1)), {S.ACTION_IMPOSED, S.DEPORTED}),
    "release": (lambda c, k: c.release(officer_of(k), "bail"), {S.OPENED, S.EXAMINED, S.ACTION_IMPOSED}),
    "file_objection": (lambda c, k: c.file_objection(officer_of(k), "grounds"), {S.ACTION_IMPOSED}),
    "decide_objection": (
        lambda c, k: c.decide_objection(supervisor_of(k), ObjectionOutcome.REJECTED, DEPORTATION_BASIS),
        {S.ACTION_IMPOSED},
    ),
    "deport": (lambda c, k: c.deport(officer_of(k), "Juanda"), {S.ACTION_IMPOSED}),
    "close": (lambda c, k: c.close(officer_of(k), "done"), {S.EXAMINED, S.ACTION_IMPOSED, S.DEPORTED}),
}


def _case_in(status: S, clock: Clock) -> EnforcementCase:
    if status in (S.DEPORTED, S.CLOSED):
        case = enforcement_case(clock, "ACTION_IMPOSED", A.DEPORTATION)
        case.deport(officer_of(clock), "Juanda")
        if status is S.CLOSED:
            case.close(officer_of(clock), "deported")
        return case
    return enforcement_case(clock, status.value)


ILLEGAL = [(n, s) for n, (_, allowed) in ENFORCEMENT_COMMANDS.items() for s in S if s not in allowed]


@pytest.mark.parametrize(("command", "status"), ILLEGAL, ids=[f"{c}-from-{s.value}" for c, s in ILLEGAL])
def test_an_enforcement_command_from_a_wrong_state_is_refused_and_changes_nothing(command, status):
    clock = Clock()
    case = _case_in(status, clock)
    run, _ = ENFORCEMENT_COMMANDS[command]
    with unchanged(case), pytest.raises(IllegalTransition) as raised:
        run(case, clock)
    assert raised.value.status == status.value


def test_acting_on_another_office_case_is_not_permitted():
    clock = Clock()
    case = enforcement_case(clock)
    with unchanged(case), pytest.raises(NotPermitted, match="belongs to office MLG"):
        case.examine(officer_of(clock, office="SBY"), "BAP-9")


@pytest.mark.parametrize(
    "at",
    [datetime(2024, 3, 5, 10, 0), datetime.now(UTC) + timedelta(hours=2), datetime(2023, 1, 1, tzinfo=UTC)],
    ids=["naive", "future", "before-previous"],
)
def test_enforcement_business_time_is_checked(at):
    clock = Clock()
    case = enforcement_case(clock)
    with unchanged(case), pytest.raises(InvalidCommand) as raised:
        case.examine(officer_of(clock, at=at), "BAP-3")
    assert raised.value.field == "occurred_at"


@pytest.mark.parametrize(
    ("source", "operation_id"),
    [(CaseSource.JOINT_OPERATION, None), (CaseSource.COUNTER, new_id())],
    ids=["finding-without-operation", "counter-with-operation"],
)
def test_an_operation_id_is_required_for_and_only_for_findings(source, operation_id):
    with pytest.raises(InvalidCommand) as raised:
        EnforcementCase.open(
            new_id(), officer_of(Clock()), source, operation_id, foreigner(), "CHN", "overstay", "Pasal 78"
        )
    assert raised.value.field == "operation_id"


def test_repr_never_shows_the_subject():
    clock = Clock()
    case = enforcement_case(clock, "ACTION_IMPOSED")
    for text in [repr(case), str(case), *map(repr, case.pending_events), *map(str, case.pending_events)]:
        assert FOREIGNER_NAME not in text
        assert FOREIGNER_NIK not in text
