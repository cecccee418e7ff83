"""JointOperation (operasi gabungan TIMPORA) and RevenueTarget (target PNBP): every transition."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.joint_operation import JointOperation, OperationStatus
from domain.revenue_target import RevenueTarget, revenue_target_id
from tests.builders import (
    Clock,
    foreigner,
    joint_operation,
    new_id,
    officer_of,
    supervisor_of,
    unchanged,
)

# --- joint operations (TIMPORA) --------------------------------------------------------------


def test_an_operation_is_planned_executed_records_findings_and_closes():
    clock = Clock()
    operation = joint_operation(clock, "EXECUTED")
    assert operation.status is OperationStatus.EXECUTED
    assert operation.persons_checked == 40
    first, second = new_id(), new_id()
    operation.record_finding(officer_of(clock), first, "working without a permit", foreigner())
    operation.record_finding(officer_of(clock), second, "overstay", foreigner())
    operation.close(officer_of(clock), "2 findings out of 40 persons checked")
    assert operation.findings == [first, second]
    assert operation.status is OperationStatus.CLOSED


@pytest.mark.parametrize(
    ("status", "command"),
    [
        ("PLANNED", lambda o, k: o.record_finding(officer_of(k), new_id(), "x", foreigner())),
        ("PLANNED", lambda o, k: o.close(officer_of(k), "report")),
        ("EXECUTED", lambda o, k: o.execute(officer_of(k), ("Batu",), 1)),
        ("CLOSED", lambda o, k: o.execute(officer_of(k), ("Batu",), 1)),
        ("CLOSED", lambda o, k: o.record_finding(officer_of(k), new_id(), "x", foreigner())),
        ("CLOSED", lambda o, k: o.close(officer_of(k), "report")),
    ],
    ids=[
        "finding-before-execution",
        "close-before-execution",
        "execute-twice",
        "execute-after-close",
        "finding-after-close",
        "close-twice",
    ],
)
def test_an_operation_command_out_of_order_is_refused(status, command):
    clock = Clock()
    operation = joint_operation(clock, "PLANNED" if status == "PLANNED" else "EXECUTED")
    if status == "CLOSED":
        operation.close(officer_of(clock), "report")
    with unchanged(operation), pytest.raises(IllegalTransition):
        command(operation, clock)


@pytest.mark.parametrize(("field", "locations", "persons"), [("locations", (), 3), ("persons_checked", ("Batu",), -1)])
def test_an_execution_checks_its_fields(field, locations, persons):
    clock = Clock()
    operation = joint_operation(clock)
    with unchanged(operation), pytest.raises(InvalidCommand) as raised:
        operation.execute(officer_of(clock), locations, persons)
    assert raised.value.field == field


def test_an_operation_needs_an_agency():
    with pytest.raises(InvalidCommand) as raised:
        JointOperation.plan(new_id(), officer_of(Clock()), (), "Kota Batu")
    assert raised.value.field == "agencies"


# --- revenue target ----------------------------------------------------------------------------


def test_a_supervisor_sets_and_revises_the_office_target():
    clock = Clock()
    target = RevenueTarget.set_for(supervisor_of(clock), 2024, Decimal("10132000000"), "DIPA 2024")
    assert target.id == revenue_target_id("MLG", 2024)
    target.revise(supervisor_of(clock), Decimal("10500000000"), "DIPA revisi 2024")
    assert target.amount == Decimal("10500000000")
    assert target.version == 2
    assert target.pending_events[-1].legal_basis == "DIPA revisi 2024"


def test_the_target_id_is_one_per_office_and_year():
    assert revenue_target_id("MLG", 2024) == revenue_target_id("MLG", 2024)
    assert revenue_target_id("MLG", 2024) != revenue_target_id("MLG", 2025)
    assert revenue_target_id("MLG", 2024) != revenue_target_id("SBY", 2024)


def test_an_officer_cannot_set_or_revise_a_target():
    clock = Clock()
    with pytest.raises(NotPermitted):
        RevenueTarget.set_for(officer_of(clock), 2024, Decimal(1), "DIPA")
    target = RevenueTarget.set_for(supervisor_of(clock), 2024, Decimal(1), "DIPA")
    with unchanged(target), pytest.raises(NotPermitted):
        target.revise(officer_of(clock), Decimal(2), "DIPA revisi")


@pytest.mark.parametrize(("year", "amount", "field"), [(1999, Decimal(1), "year"), (2024, Decimal(0), "amount")])
def test_a_target_needs_a_plausible_year_and_a_positive_amount(year, amount, field):
    with pytest.raises(InvalidCommand) as raised:
        RevenueTarget.set_for(supervisor_of(Clock()), year, amount, "DIPA")
    assert raised.value.field == field


def test_a_revision_must_stay_positive():
    clock = Clock()
    target = RevenueTarget.set_for(supervisor_of(clock), 2024, Decimal(5), "DIPA")
    with unchanged(target), pytest.raises(InvalidCommand):
        target.revise(supervisor_of(clock), Decimal(-5), "DIPA revisi")
