"""Use cases of penindakan keimigrasian and operasi gabungan TIMPORA."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.usecases.base import Actor, BerkasBase, CommandOptions, CreationOptions, as_enum, extends
from domain.values import (
    AdministrativeAction,
    CaseSource,
    EnforcementReason,
    ObjectionOutcome,
    PersonalData,
    Provenance,
)

EC = EnforcementCase
JO = JointOperation


class EnforcementUseCases(BerkasBase):
    def open_enforcement_case(
        self,
        actor: Actor,
        *,
        source: str | CaseSource,
        subject: PersonalData,
        nationality: str,
        alleged_violation: str,
        article: str,
        **opts: Unpack[CreationOptions],
    ) -> UUID:
        src = as_enum(CaseSource, source, "source")

        def build(case_id, provenance):
            return [EC.open(case_id, provenance, src, None, subject, nationality, alleged_violation, article)]

        return self.open_case(EC, actor, build, **opts)

    @extends(EC, "open")
    def _open(self, case_id: UUID, provenance: Provenance, **arguments: Any) -> Sequence[Aggregate]:
        """Cases opened directly never come from a joint operation (findings do)."""
        return [EC.open(case_id, provenance, operation_id=None, **arguments)]

    def examine(self, actor: Actor, case_id: UUID, report_number: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "examine", report_number=report_number, **opts).version

    def impose_action(
        self,
        actor: Actor,
        case_id: UUID,
        action: str | AdministrativeAction,
        decision_number: str,
        reason_code: str | EnforcementReason,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        arguments = {
            "action": as_enum(AdministrativeAction, action, "action"),
            "decision_number": decision_number,
            "reason_code": as_enum(EnforcementReason, reason_code, "reason_code"),
            "legal_basis": legal_basis,
        }
        return self.act(EC, case_id, actor, "impose_action", **arguments, **opts).version

    def assess_charge(self, actor: Actor, case_id: UUID, amount: Decimal, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "assess_charge", amount=amount, **opts).version

    def pay_charge(
        self, actor: Actor, case_id: UUID, billing_code: str, amount: Decimal, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.act(EC, case_id, actor, "pay_charge", billing_code=billing_code, amount=amount, **opts).version

    def detain(self, actor: Actor, case_id: UUID, place: str, ground: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "detain", place=place, ground=ground, **opts).version

    def release(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "release", reason=reason, **opts).version

    def file_objection(self, actor: Actor, case_id: UUID, grounds: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "file_objection", grounds=grounds, **opts).version

    def decide_objection(
        self,
        actor: Actor,
        case_id: UUID,
        outcome: str | ObjectionOutcome,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        result = as_enum(ObjectionOutcome, outcome, "outcome")
        return self.act(EC, case_id, actor, "decide_objection", outcome=result, legal_basis=legal_basis, **opts).version

    def deport(self, actor: Actor, case_id: UUID, port: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "deport", port=port, **opts).version

    def close_enforcement_case(self, actor: Actor, case_id: UUID, outcome: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(EC, case_id, actor, "close", outcome=outcome, **opts).version

    # --- TIMPORA ----------------------------------------------------------------------

    def plan_joint_operation(
        self,
        actor: Actor,
        *,
        agencies: tuple[str, ...],
        area: str,
        **opts: Unpack[CreationOptions],
    ) -> UUID:
        def build(case_id, provenance):
            return [JO.plan(case_id, provenance, tuple(agencies), area)]

        return self.open_case(JO, actor, build, **opts)

    def execute_joint_operation(
        self,
        actor: Actor,
        case_id: UUID,
        locations: tuple[str, ...],
        persons_checked: int,
        **opts: Unpack[CommandOptions],
    ) -> int:
        arguments = {"locations": tuple(locations), "persons_checked": persons_checked}
        return self.act(JO, case_id, actor, "execute", **arguments, **opts).version

    def record_finding(
        self,
        actor: Actor,
        operation_id: UUID,
        *,
        subject: PersonalData,
        nationality: str,
        alleged_violation: str,
        article: str,
        summary: str,
        **opts: Unpack[CommandOptions],
    ) -> UUID:
        """Returns the enforcement case the finding opens."""
        arguments = {
            "subject": subject,
            "nationality": nationality,
            "alleged_violation": alleged_violation,
            "article": article,
            "summary": summary,
        }
        return self.act(JO, operation_id, actor, "record_finding", **arguments, **opts).findings[-1]

    @extends(JO, "record_finding")
    def _record_finding(
        self,
        operation: JointOperation,
        provenance: Provenance,
        subject: PersonalData,
        nationality: str,
        alleged_violation: str,
        article: str,
        summary: str,
    ) -> Sequence[Aggregate]:
        """A finding and the enforcement case it opens are saved in one transaction."""
        case_id = self.new_case_id(EC.KIND, provenance.office, provenance.command_id)
        case = EC.open(
            case_id,
            provenance,
            CaseSource.JOINT_OPERATION,
            operation.id,
            subject,
            nationality,
            alleged_violation,
            article,
        )
        operation.record_finding(provenance, case_id, summary, subject)
        return [case]

    def close_joint_operation(self, actor: Actor, case_id: UUID, report: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(JO, case_id, actor, "close", report=report, **opts).version
