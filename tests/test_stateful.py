"""Random command sequences driven by the lifecycle tables (hypothesis stateful).

Each step draws any command of the case kind's table, a role, an office, a business
time and now and then a late-entry reason (a supervisor's only). The table predicts the
answer: a role or office that may not act (or an officer giving a late-entry reason) is
NotPermitted, a state the command is not allowed from is an IllegalTransition, and a refused command
changes nothing (state, version, pending events). An accepted command leaves the state
the table names. Whatever happens, the state replayed from the stored events equals the
live state.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain import LIFECYCLES
from domain.application import Berkas
from domain.case import Case
from domain.errors import DomainError, IllegalTransition, NotPermitted
from domain.lifecycle import Lifecycle
from domain.values import (
    AdministrativeAction,
    Collector,
    LateEntryReason,
    ObjectionOutcome,
    PermitKind,
    PostponementReason,
    RefusalReason,
    Role,
    StayTerm,
    ZeroTariffGroup,
)
from projections.eventstore.store import Store
from tests.builders import (
    LEGAL_BASIS,
    Clock,
    enforcement_case,
    foreigner,
    joint_operation,
    passport,
    prov,
    stay_permit,
)

# Weighted towards what can succeed, so that sequences reach the later states; the rest
# exercise the refusals (wrong role, wrong office, going back in time, empty text).
roles = st.sampled_from([Role.SUPERVISOR] * 6 + [Role.OFFICER] * 2 + [Role.AUDITOR, Role.ADMIN])
offices = st.sampled_from(["MLG"] * 9 + ["SBY"])
forward = st.integers(min_value=1, max_value=24 * 60)
steps = st.one_of(forward, forward, forward, st.integers(min_value=-120, max_value=-1)).map(
    lambda minutes: timedelta(minutes=minutes)
)
texts = st.sampled_from(["tourism"] * 5 + ["employer letter"] * 4 + [" "])
# Now and then a late-entry reason, which only a supervisor may give.
late_reasons = st.sampled_from([None] * 8 + list(LateEntryReason))
amounts = st.sampled_from([Decimal(-1), Decimal(5 * 10**5), Decimal(10**6)])

Draw = Callable[[st.SearchStrategy[Any]], Any]
# command -> its arguments (besides provenance), drawn for the case at hand
Arguments = dict[str, Callable[[Any, Draw], dict[str, Any]]]

PASSPORT_ARGUMENTS: Arguments = {
    "pay": lambda c, d: {"billing_code": "820240300001"},
    "grant_zero_tariff": lambda c, d: {"basis": d(st.sampled_from(list(ZeroTariffGroup)))},
    "capture_biometrics": lambda c, d: {},
    "interview": lambda c, d: {"stated_purpose": d(texts), "indicators": ("no return ticket",), "assessment": "ok"},
    "postpone": lambda c, d: {"reason_code": PostponementReason.OTHER, "referral": None, "note": d(texts)},
    "lift_postponement": lambda c, d: {"evidence": d(texts)},
    "refuse": lambda c, d: {
        "reason_code": d(st.sampled_from([None, *RefusalReason])),
        "legal_basis": LEGAL_BASIS,
        "referral": None,
    },
    "approve": lambda c, d: {"legal_basis": d(st.sampled_from([LEGAL_BASIS] * 4 + [""]))},
    "issue": lambda c, d: {"passport_number": "E9999999"},
    "hand_over": lambda c, d: {"collector": d(st.sampled_from(list(Collector)))},
    "withdraw": lambda c, d: {"reason": "changed plans"},
    "cancel_uncollected": lambda c, d: {"legal_basis": LEGAL_BASIS},
}
STAY_PERMIT_ARGUMENTS: Arguments = {
    "pay": lambda c, d: {"billing_code": "820240300101"},
    "refuse": lambda c, d: {"reason_code": "SPONSOR_UNVERIFIED", "legal_basis": LEGAL_BASIS},
    "issue": lambda c, d: {
        "permit_number": "2C11AB1234",
        "valid_from": date(2024, 4, 1),
        # The whole term, or a day beyond it (refused).
        "valid_until": c.requested_term.end(date(2024, 4, 1)) + timedelta(days=d(st.sampled_from([-1, -1, 0, 1]))),
        "legal_basis": LEGAL_BASIS,
    },
    "extend": lambda c, d: _extension(c, StayTerm.DAYS_30 if c.kind.value == "ITK" else StayTerm.YEARS_1, d),
    "transfer": lambda c, d: {"successor_id": uuid.uuid4(), "legal_basis": LEGAL_BASIS},
    "cancel": lambda c, d: {"enforcement_case_id": uuid.uuid4(), "legal_basis": LEGAL_BASIS},
    "end": lambda c, d: {"reason": "departed"},
}


def _extension(case: Any, term: StayTerm, draw: Draw) -> dict[str, Any]:
    """The whole term on from the current end; or a day beyond it, or before that end (refused)."""
    end = case.valid_until or date(2025, 3, 31)
    new_end = draw(st.sampled_from([term.end(end), term.end(end), term.end(end) + timedelta(days=1), end]))
    return {"billing_code": "820240300102", "term": term, "new_end": new_end}


ENFORCEMENT_ARGUMENTS: Arguments = {
    "examine": lambda c, d: {"report_number": "BAP-7"},
    "impose_action": lambda c, d: {
        "action": d(st.sampled_from([AdministrativeAction.DEPORTATION] * 3 + list(AdministrativeAction))),
        "decision_number": "KEP-7",
        "reason_code": "OVERSTAY",
        "legal_basis": LEGAL_BASIS,
    },
    "assess_charge": lambda c, d: {"amount": d(amounts)},
    "pay_charge": lambda c, d: {"billing_code": "8202", "amount": d(amounts)},
    "detain": lambda c, d: {"place": "Rudenim Surabaya", "ground": "flight risk"},
    "release": lambda c, d: {"reason": "sponsor guarantee"},
    "file_objection": lambda c, d: {"grounds": "grounds"},
    "decide_objection": lambda c, d: {
        "outcome": d(st.sampled_from(list(ObjectionOutcome))),
        "legal_basis": LEGAL_BASIS,
    },
    "deport": lambda c, d: {"port": "Juanda"},
    "close": lambda c, d: {"outcome": "done"},
}
OPERATION_ARGUMENTS: Arguments = {
    "execute": lambda c, d: {"locations": ("Jl. Panglima Sudirman",), "persons_checked": d(st.sampled_from([0, 40]))},
    "record_finding": lambda c, d: {"enforcement_case_id": uuid.uuid4(), "summary": d(texts), "subject": foreigner()},
    "close": lambda c, d: {"report": d(texts)},
}

STATE_MACHINE_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class TableMachine(RuleBasedStateMachine):
    """A real Berkas on an SQLite file; each step is any command of the table."""

    ARGUMENTS: ClassVar[Arguments]
    case: Case

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="berkas-stateful-"))
        self.app = Berkas(env=Store(None, self.directory / "berkas.db").library_env())
        self.clock = Clock()

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def table(self) -> Lifecycle:
        return type(self.case).LIFECYCLE

    @rule(data=st.data(), step=steps, role=roles, office=offices, late=late_reasons)
    def command(
        self, data: st.DataObject, step: timedelta, role: Role, office: str, late: LateEntryReason | None
    ) -> None:
        # Half the time the command is one the current state allows, so runs go deep.
        allowed = [t.command for t in self.table.allowed_in(self.case.status)]
        every = [t.command for t in self.table if not t.creation]
        name = data.draw(st.sampled_from(allowed or every) if data.draw(st.booleans()) else st.sampled_from(every))
        transition = self.table.command(name)
        arguments = self.ARGUMENTS[name](self.case, data.draw)
        self.clock.now += step
        provenance = replace(prov(self.clock, role, office, at=self.clock.now), late_entry_reason=late)

        status, version, pending = self.case.status, self.case.version, list(self.case.pending_events)
        before = {k: v for k, v in vars(self.case).items() if k != "_pending_events"}
        may_act = role in transition.roles and office == self.case.office
        may_act = may_act and (late is None or role is Role.SUPERVISOR)
        try:
            getattr(self.case, name)(provenance, **arguments)
        except DomainError as refusal:
            assert self.case.version == version and self.case.pending_events == pending
            assert {k: v for k, v in vars(self.case).items() if k != "_pending_events"} == before
            if not may_act:
                assert isinstance(refusal, NotPermitted), refusal
            elif status not in transition.sources:
                assert isinstance(refusal, IllegalTransition), refusal
            return
        assert may_act and status in transition.sources, f"{name} by {role} ({office}) from {status}"
        assert self.case.version == version + 1
        event = self.case.pending_events[-1]
        assert type(event).__name__ == transition.event
        expected = transition.target_of(lambda field: getattr(event, field)) or status
        assert self.case.status is expected

    @invariant()
    def replayed_state_equals_live_state(self) -> None:
        if not hasattr(self, "case"):
            return
        self.app.save(self.case)
        stored = self.app.repository.get(self.case.id)
        live = {k: v for k, v in vars(self.case).items() if k != "_pending_events"}
        assert {k: v for k, v in vars(stored).items() if k != "_pending_events"} == live
        assert stored.version == self.case.version


class PassportMachine(TableMachine):
    ARGUMENTS = PASSPORT_ARGUMENTS

    @initialize(expedited=st.booleans(), validity=st.sampled_from([5, 10]))
    def submit(self, expedited: bool, validity: int) -> None:
        self.case = passport(self.clock, expedited=expedited, validity_years=validity)


class StayPermitMachine(TableMachine):
    ARGUMENTS = STAY_PERMIT_ARGUMENTS

    @initialize(kind=st.sampled_from(["ITK", "ITAS", "ITAP"]))
    def apply(self, kind: str) -> None:
        term = {"ITK": StayTerm.DAYS_30, "ITAS": StayTerm.YEARS_1, "ITAP": StayTerm.YEARS_5}[kind]
        self.case = stay_permit(self.clock, kind=PermitKind(kind), term=term)


class EnforcementMachine(TableMachine):
    ARGUMENTS = ENFORCEMENT_ARGUMENTS

    @initialize()
    def open(self) -> None:
        self.case = enforcement_case(self.clock)

    @invariant()
    def charges_and_custody_stay_consistent(self) -> None:
        if hasattr(self, "case"):
            assert 0 <= self.case.charge_paid <= self.case.charge_due
            if self.case.status.value == "CLOSED":
                assert not self.case.detained and not self.case.objection_pending


class OperationMachine(TableMachine):
    ARGUMENTS = OPERATION_ARGUMENTS

    @initialize()
    def plan(self) -> None:
        self.case = joint_operation(self.clock)


for machine in (PassportMachine, StayPermitMachine, EnforcementMachine, OperationMachine):
    machine.TestCase.settings = STATE_MACHINE_SETTINGS
TestPassportFollowsItsTable = PassportMachine.TestCase
TestStayPermitFollowsItsTable = StayPermitMachine.TestCase
TestEnforcementFollowsItsTable = EnforcementMachine.TestCase
TestOperationFollowsItsTable = OperationMachine.TestCase


@pytest.mark.parametrize(
    ("kind", "arguments"),
    [
        ("PassportApplication", PASSPORT_ARGUMENTS),
        ("StayPermit", STAY_PERMIT_ARGUMENTS),
        ("EnforcementCase", ENFORCEMENT_ARGUMENTS),
        ("JointOperation", OPERATION_ARGUMENTS),
    ],
)
def test_the_machines_draw_every_command_of_the_table(kind, arguments):
    assert set(arguments) == {t.command for t in LIFECYCLES[kind] if not t.creation}
