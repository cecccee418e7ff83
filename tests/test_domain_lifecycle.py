"""The lifecycle tables: complete, consistent with the aggregates, every state reachable by
real commands, and everything derived from them (views, docs) kept in step."""

from __future__ import annotations

import uuid
from collections import deque
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain import CASE_KINDS, LIFECYCLES
from domain.case import Case
from domain.errors import IllegalTransition, NotPermitted
from domain.lifecycle import Lifecycle, Transition
from domain.values import (
    AdministrativeAction,
    Collector,
    ObjectionOutcome,
    PostponementReason,
    RefusalReason,
    Role,
    StayTerm,
    ZeroTariffGroup,
)
from projections.catalog import all_projections
from tests.builders import (
    LEGAL_BASIS,
    Clock,
    enforcement_case,
    foreigner,
    joint_operation,
    passport,
    prov,
    stay_permit,
    unchanged,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "lifecycles.md"
START = {
    "PassportApplication": passport,
    "StayPermit": stay_permit,
    "EnforcementCase": enforcement_case,
    "JointOperation": joint_operation,
}
# One valid set of arguments per command (besides provenance).
VALID: dict[str, dict[str, Any]] = {
    "PassportApplication.pay": {"billing_code": "8201"},
    "PassportApplication.grant_zero_tariff": {"basis": ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER},
    "PassportApplication.capture_biometrics": {},
    "PassportApplication.interview": {"stated_purpose": "tourism", "indicators": (), "assessment": "credible"},
    "PassportApplication.postpone": {"reason_code": PostponementReason.SUPPORTING_DOCUMENTS, "referral": None},
    "PassportApplication.lift_postponement": {"evidence": "letter"},
    "PassportApplication.refuse": {
        "reason_code": RefusalReason.UNCLEAR_PURPOSE,
        "legal_basis": LEGAL_BASIS,
        "referral": None,
    },
    "PassportApplication.approve": {"legal_basis": LEGAL_BASIS},
    "PassportApplication.issue": {"passport_number": "E7654321"},
    "PassportApplication.hand_over": {"collector": Collector.SELF},
    "PassportApplication.withdraw": {"reason": "changed plans"},
    "PassportApplication.cancel_uncollected": {"legal_basis": LEGAL_BASIS},
    "StayPermit.pay": {"billing_code": "8202"},
    "StayPermit.refuse": {"reason_code": "SPONSOR_UNVERIFIED", "legal_basis": LEGAL_BASIS},
    "StayPermit.issue": {
        "permit_number": "2C11",
        "valid_from": date(2024, 4, 1),
        "valid_until": date(2025, 3, 31),
        "legal_basis": LEGAL_BASIS,
    },
    "StayPermit.extend": {"billing_code": "8203", "term": StayTerm.YEARS_1, "new_end": date(2026, 3, 31)},
    "StayPermit.transfer": {"successor_id": uuid.UUID(int=1), "legal_basis": LEGAL_BASIS},
    "StayPermit.cancel": {"enforcement_case_id": uuid.UUID(int=2), "legal_basis": LEGAL_BASIS},
    "StayPermit.end": {"reason": "departed"},
    "EnforcementCase.examine": {"report_number": "BAP-1"},
    "EnforcementCase.impose_action": {
        "action": AdministrativeAction.DEPORTATION,
        "decision_number": "KEP-1",
        "reason_code": "OVERSTAY",
        "legal_basis": LEGAL_BASIS,
    },
    "EnforcementCase.assess_charge": {"amount": Decimal(1000)},
    "EnforcementCase.pay_charge": {"billing_code": "8204", "amount": Decimal(1000)},
    "EnforcementCase.detain": {"place": "Rudenim", "ground": "flight risk"},
    "EnforcementCase.release": {"reason": "guarantee"},
    "EnforcementCase.file_objection": {"grounds": "permit valid"},
    "EnforcementCase.decide_objection": {"outcome": ObjectionOutcome.REJECTED, "legal_basis": LEGAL_BASIS},
    "EnforcementCase.deport": {"port": "Juanda"},
    "EnforcementCase.close": {"outcome": "done"},
    "JointOperation.execute": {"locations": ("Batu",), "persons_checked": 3},
    "JointOperation.record_finding": {
        "enforcement_case_id": uuid.UUID(int=3),
        "summary": "overstay",
        "subject": foreigner(),
    },
    "JointOperation.close": {"report": "done"},
}
TABLES = [LIFECYCLES[kind] for kind in START]


def event_classes(kind: type[Case]) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(kind).items()
        if isinstance(value, type) and issubclass(value, kind.Event) and "TOPIC" in vars(value)
    }


@pytest.mark.parametrize("kind", CASE_KINDS, ids=lambda k: k.KIND)
def test_every_event_of_a_case_kind_is_a_row_of_its_table_and_every_row_a_real_event(kind):
    table = kind.LIFECYCLE
    assert table.kind == kind.KIND
    assert set(event_classes(kind)) == {t.event for t in table}
    for transition in table:
        assert get_topic(resolve_topic(table.topic(transition))) == table.topic(transition)
        method = getattr(kind, transition.command)
        assert callable(method), transition.command
        assert all(isinstance(state, table.states) for state in transition.sources)


@pytest.mark.parametrize("table", [*TABLES, LIFECYCLES["RevenueTarget"]], ids=lambda t: t.kind)
def test_every_state_can_be_reached_in_the_table(table: Lifecycle):
    assert table.reachable() == set(table.states)


def paths(table: Lifecycle) -> dict[Enum, list[Transition]]:
    """The shortest sequence of commands to each state (breadth first over the table)."""
    found: dict[Enum, list[Transition]] = {table.initial: []}
    queue = deque([table.initial])
    while queue:
        state = queue.popleft()
        for transition in table.allowed_in(state):
            target = transition.target or state
            if target not in found:
                found[target] = [*found[state], transition]
                queue.append(target)
    return found


def walk(case: Case, clock: Clock, path: list[Transition]) -> None:
    for step in path:
        getattr(case, step.command)(prov(clock, Role.SUPERVISOR), **VALID[f"{case.KIND}.{step.command}"])


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.kind)
def test_every_state_is_reached_by_real_commands_along_the_table(table: Lifecycle):
    assert set(paths(table)) == set(table.states)
    for state, path in paths(table).items():
        clock = Clock()
        case = START[table.kind](clock)
        walk(case, clock, path)
        assert case.status is state, [t.command for t in path]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.kind)
def test_every_command_refused_in_every_state_the_table_does_not_allow_and_nothing_changes(table: Lifecycle):
    for state, path in paths(table).items():
        for transition in table:
            if transition.creation or state in transition.sources:
                continue
            clock = Clock()
            case = START[table.kind](clock)
            walk(case, clock, path)
            arguments = VALID[f"{table.kind}.{transition.command}"]
            with unchanged(case), pytest.raises(IllegalTransition):
                getattr(case, transition.command)(prov(clock, Role.SUPERVISOR), **arguments)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.kind)
def test_who_may_act_is_checked_before_the_state_so_a_refusal_reveals_no_status(table: Lifecycle):
    """Another office's officer, an auditor, an officer on a supervisor's decision: 403 in any state."""
    for transition in table:
        if transition.creation:
            continue
        clock = Clock()
        case = START[table.kind](clock)
        arguments = VALID[f"{table.kind}.{transition.command}"]
        refused = [prov(clock, Role.SUPERVISOR, "SBY"), prov(clock, Role.AUDITOR), prov(clock, Role.ADMIN)]
        if transition.supervisor_only:
            refused.append(prov(clock, Role.OFFICER))
        for provenance in refused:
            with unchanged(case), pytest.raises(NotPermitted):
                getattr(case, transition.command)(provenance, **arguments)


def test_the_views_read_only_events_the_tables_declare():
    declared = {topic for table in LIFECYCLES.values() for topic in table.topics}
    for projection in all_projections():
        if projection.name.startswith("ledger") or projection.name == "seal":
            continue
        assert set(projection.topics) <= declared, projection.name


def test_the_lifecycle_page_in_docs_is_generated_from_the_tables():
    from api.cli.lifecycles import page

    assert DOCS.read_text(encoding="utf-8") == page(), "run: berkas lifecycles --write docs/lifecycles.md"


def test_each_transition_describes_itself_for_the_api():
    refuse = LIFECYCLES["PassportApplication"].command("refuse")
    assert refuse.describe().startswith("supervisor; from PAID, BIOMETRICS, INTERVIEWED, POSTPONED; leaves REFUSED")
    assert "Records `Refused`" in refuse.describe()
