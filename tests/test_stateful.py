"""Random command sequences (hypothesis stateful): whatever happens, the state replayed
from the stored events equals the live state, and a refused command changes nothing."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.application import Berkas
from domain.case import Case
from domain.enforcement import EnforcementStatus
from domain.errors import DomainError
from domain.passport import PassportStatus
from domain.values import AdministrativeAction, Collector, ObjectionOutcome, RefusalReason, Role
from projections.eventstore.store import Store
from tests.builders import LEGAL_BASIS, Clock, enforcement_case, passport, prov

# Weighted towards commands that can succeed, so that sequences reach the later states;
# the rest exercise the refusals (wrong role, wrong office, going back in time, empty text).
roles = st.sampled_from([Role.SUPERVISOR] * 6 + [Role.OFFICER, Role.AUDITOR])
offices = st.sampled_from(["MLG"] * 9 + ["SBY"])
forward = st.integers(min_value=1, max_value=24 * 60)
steps = st.one_of(forward, forward, forward, st.integers(min_value=-120, max_value=-1)).map(
    lambda minutes: timedelta(minutes=minutes)
)
texts = st.sampled_from(["tourism"] * 5 + ["employer letter"] * 4 + [" "])
reasons = st.one_of(st.none(), st.sampled_from(list(RefusalReason)))

Command = Callable[[Any, Any, Callable[[st.SearchStrategy[Any]], Any]], None]

STATE_MACHINE_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class ReplayMachine(RuleBasedStateMachine):
    """Shared machinery: a real Berkas on an SQLite file, save after each step, replay."""

    case: Case

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="berkas-stateful-"))
        store = Store(None, self.directory / "berkas.db")
        self.app = Berkas(env=store.library_env())
        self.clock = Clock()

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def act(self, command: Callable[[Any], None], step: timedelta, role: Role, office: str) -> bool:
        """Run one command; a refused one must leave version, state and pending events as they were."""
        self.clock.now += step
        provenance = prov(self.clock, role, office, at=self.clock.now)
        before = {k: v for k, v in vars(self.case).items() if k != "_pending_events"}
        version, pending = self.case.version, list(self.case.pending_events)
        try:
            command(provenance)
        except DomainError:
            assert self.case.version == version
            assert self.case.pending_events == pending
            assert {k: v for k, v in vars(self.case).items() if k != "_pending_events"} == before
            return False
        assert self.case.version == version + 1
        return True

    @invariant()
    def replayed_state_equals_live_state(self) -> None:
        if not hasattr(self, "case"):
            return
        self.app.save(self.case)
        stored = self.app.repository.get(self.case.id)
        live = {k: v for k, v in vars(self.case).items() if k != "_pending_events"}
        assert {k: v for k, v in vars(stored).items() if k != "_pending_events"} == live
        assert stored.version == self.case.version


P = PassportStatus
E = EnforcementStatus
A = AdministrativeAction

# name -> (command(case, provenance, draw), the status it leads to, or None if it keeps the status)
PASSPORT_COMMANDS: dict[str, tuple[Command, Enum | None]] = {
    "pay": (lambda c, p, d: c.pay(p, "820240300001"), P.PAID),
    "grant_zero_tariff": (lambda c, p, d: c.grant_zero_tariff(p, d(texts)), P.PAID),
    "capture_biometrics": (lambda c, p, d: c.capture_biometrics(p), P.BIOMETRICS),
    "interview": (lambda c, p, d: c.interview(p, d(texts), ("no return ticket",), "doubtful"), P.INTERVIEWED),
    "postpone": (lambda c, p, d: c.postpone(p, d(texts), None), P.POSTPONED),
    "lift_postponement": (lambda c, p, d: c.lift_postponement(p, d(texts)), P.INTERVIEWED),
    "refuse": (lambda c, p, d: c.refuse(p, d(reasons), LEGAL_BASIS, None), P.REFUSED),
    "approve": (lambda c, p, d: c.approve(p, LEGAL_BASIS), P.APPROVED),
    "issue": (lambda c, p, d: c.issue(p, "E9999999"), P.ISSUED),
    "hand_over": (lambda c, p, d: c.hand_over(p, d(st.sampled_from(list(Collector)))), P.HANDED_OVER),
    "withdraw": (lambda c, p, d: c.withdraw(p, "changed plans"), P.WITHDRAWN),
    "cancel_uncollected": (lambda c, p, d: c.cancel_uncollected(p, LEGAL_BASIS), P.CANCELLED_UNCOLLECTED),
}
PASSPORT_NEXT = {
    P.SUBMITTED: "pay",
    P.PAID: "capture_biometrics",
    P.BIOMETRICS: "interview",
    P.INTERVIEWED: "approve",
    P.POSTPONED: "lift_postponement",
    P.APPROVED: "issue",
    P.ISSUED: "hand_over",
}

ENFORCEMENT_COMMANDS: dict[str, tuple[Command, Enum | None]] = {
    "examine": (lambda c, p, d: c.examine(p, "BAP-7"), E.EXAMINED),
    "impose_action": (
        lambda c, p, d: c.impose_action(p, d(st.sampled_from(list(A))), "KEP-7", "OVERSTAY", LEGAL_BASIS),
        E.ACTION_IMPOSED,
    ),
    "impose_deportation": (
        lambda c, p, d: c.impose_action(p, A.DEPORTATION, "KEP-8", "OVERSTAY", LEGAL_BASIS),
        E.ACTION_IMPOSED,
    ),
    "assess_charge": (lambda c, p, d: c.assess_charge(p, d(st.sampled_from([Decimal(-1), Decimal(10**6)]))), None),
    "pay_charge": (
        lambda c, p, d: c.pay_charge(p, "8202", d(st.sampled_from([Decimal(5 * 10**5), Decimal(10**6)]))),
        None,
    ),
    "detain": (lambda c, p, d: c.detain(p, "Rudenim Surabaya", "flight risk"), None),
    "release": (lambda c, p, d: c.release(p, "sponsor guarantee"), None),
    "file_objection": (lambda c, p, d: c.file_objection(p, "grounds"), None),
    "decide_objection": (
        lambda c, p, d: c.decide_objection(p, d(st.sampled_from(list(ObjectionOutcome))), LEGAL_BASIS),
        None,
    ),
    "deport": (lambda c, p, d: c.deport(p, "Juanda"), E.DEPORTED),
    "close": (lambda c, p, d: c.close(p, "done"), E.CLOSED),
}
ENFORCEMENT_NEXT = {
    E.OPENED: "examine",
    E.EXAMINED: "impose_deportation",
    E.ACTION_IMPOSED: "deport",
    E.DEPORTED: "close",
}


class CommandMachine(ReplayMachine):
    """One rule: the next step of the usual path (often) or any command (otherwise)."""

    COMMANDS: ClassVar[dict[str, tuple[Command, Enum | None]]]
    NEXT: ClassVar[dict[Enum, str]]

    @rule(data=st.data(), step=steps, role=roles, office=offices)
    def command(self, data: st.DataObject, step: timedelta, role: Role, office: str) -> None:
        name = data.draw(st.sampled_from(["next"] * len(self.COMMANDS) + sorted(self.COMMANDS)), label="command")
        if name == "next":
            name = self.NEXT.get(self.case.status, "pay" if "pay" in self.COMMANDS else "close")
        run, leads_to = self.COMMANDS[name]
        before = self.case.status
        if self.act(lambda p: run(self.case, p, data.draw), step, role, office):
            self.check_success(name, role, leads_to or before)

    def check_success(self, name: str, role: Role, status: Enum) -> None:
        assert self.case.status is status or (name == "decide_objection" and self.case.status is E.EXAMINED)
        assert role is not Role.AUDITOR


class PassportMachine(CommandMachine):
    COMMANDS = PASSPORT_COMMANDS
    NEXT = PASSPORT_NEXT

    @initialize(expedited=st.booleans(), validity=st.sampled_from([5, 10]))
    def submit(self, expedited: bool, validity: int) -> None:
        self.case = passport(self.clock, expedited=expedited, validity_years=validity)

    def check_success(self, name: str, role: Role, status: Enum) -> None:
        super().check_success(name, role, status)
        if name in ("refuse", "approve", "cancel_uncollected"):
            assert role is Role.SUPERVISOR
        if name == "refuse":
            assert self.case.reason_code is not None


class EnforcementMachine(CommandMachine):
    COMMANDS = ENFORCEMENT_COMMANDS
    NEXT = ENFORCEMENT_NEXT

    @initialize()
    def open(self) -> None:
        self.case = enforcement_case(self.clock)

    def check_success(self, name: str, role: Role, status: Enum) -> None:
        super().check_success(name, role, status)
        assert 0 <= self.case.charge_paid <= self.case.charge_due
        if name == "deport":
            assert A.DEPORTATION in self.case.actions
        if name == "close":
            assert not self.case.detained and not self.case.objection_pending


PassportMachine.TestCase.settings = STATE_MACHINE_SETTINGS
EnforcementMachine.TestCase.settings = STATE_MACHINE_SETTINGS
TestPassportReplayEqualsLiveState = PassportMachine.TestCase
TestEnforcementReplayEqualsLiveState = EnforcementMachine.TestCase
