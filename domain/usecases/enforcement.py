"""Use cases of penindakan keimigrasian and operasi gabungan TIMPORA."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Unpack
from uuid import UUID

from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.usecases.base import Actor, BerkasBase, CommandOptions, as_enum
from domain.values import AdministrativeAction, CaseSource, ObjectionOutcome, PersonalData

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
        occurred_at: datetime | None = None,
        command_id: str | None = None,
    ) -> UUID:
        src = as_enum(CaseSource, source, "source")

        def build(case_id, provenance):
            return [EC.open(case_id, provenance, src, None, subject, nationality, alleged_violation, article)]

        return self.open_case(EC, actor, build, occurred_at, command_id)

    def examine(self, actor: Actor, case_id: UUID, report_number: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.examine(p, report_number), **opts)

    def impose_action(
        self,
        actor: Actor,
        case_id: UUID,
        action: str | AdministrativeAction,
        decision_number: str,
        reason_code: str,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        act = as_enum(AdministrativeAction, action, "action")
        return self.command(
            EC, case_id, actor, lambda c, p: c.impose_action(p, act, decision_number, reason_code, legal_basis), **opts
        )

    def assess_charge(self, actor: Actor, case_id: UUID, amount: Decimal, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.assess_charge(p, amount), **opts)

    def pay_charge(
        self, actor: Actor, case_id: UUID, billing_code: str, amount: Decimal, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.pay_charge(p, billing_code, amount), **opts)

    def detain(self, actor: Actor, case_id: UUID, place: str, ground: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.detain(p, place, ground), **opts)

    def release(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.release(p, reason), **opts)

    def file_objection(self, actor: Actor, case_id: UUID, grounds: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.file_objection(p, grounds), **opts)

    def decide_objection(
        self,
        actor: Actor,
        case_id: UUID,
        outcome: str | ObjectionOutcome,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        result = as_enum(ObjectionOutcome, outcome, "outcome")
        return self.command(EC, case_id, actor, lambda c, p: c.decide_objection(p, result, legal_basis), **opts)

    def deport(self, actor: Actor, case_id: UUID, port: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.deport(p, port), **opts)

    def close_enforcement_case(self, actor: Actor, case_id: UUID, outcome: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(EC, case_id, actor, lambda c, p: c.close(p, outcome), **opts)

    # --- TIMPORA ----------------------------------------------------------------------

    def plan_joint_operation(
        self,
        actor: Actor,
        *,
        agencies: tuple[str, ...],
        area: str,
        occurred_at: datetime | None = None,
        command_id: str | None = None,
    ) -> UUID:
        def build(case_id, provenance):
            return [JO.plan(case_id, provenance, tuple(agencies), area)]

        return self.open_case(JO, actor, build, occurred_at, command_id)

    def execute_joint_operation(
        self,
        actor: Actor,
        case_id: UUID,
        locations: tuple[str, ...],
        persons_checked: int,
        **opts: Unpack[CommandOptions],
    ) -> int:
        return self.command(JO, case_id, actor, lambda c, p: c.execute(p, tuple(locations), persons_checked), **opts)

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
        """A finding and the enforcement case it opens are saved in one transaction."""
        case_id = self.new_case_id(EC.KIND, actor, opts.get("command_id"))

        def change(operation: JointOperation, provenance):
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
            operation.record_finding(provenance, case_id, summary)
            return [case]

        self.command(JO, operation_id, actor, change, **opts)
        return case_id

    def close_joint_operation(self, actor: Actor, case_id: UUID, report: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(JO, case_id, actor, lambda c, p: c.close(p, report), **opts)
