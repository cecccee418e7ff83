"""Use cases of the target PNBP: an office's revenue target for a budget year."""

from __future__ import annotations

from decimal import Decimal
from typing import Unpack
from uuid import UUID

from domain.errors import AlreadyExists, ConflictError
from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.usecases.base import Actor, BerkasBase, CommandOptions


class RevenueTargetUseCases(BerkasBase):
    def set_revenue_target(
        self,
        actor: Actor,
        year: int,
        amount: Decimal,
        legal_basis: str,
        create_only: bool = False,
        **opts: Unpack[CommandOptions],
    ) -> int:
        """Set or revise the office's PNBP target for a year; returns the target's version.
        ``expected_version`` (the version the caller read) refuses a stale revision, and a
        revision of a target that does not exist yet; ``create_only`` refuses any revision
        (``AlreadyExists``), except a retry of the very command that created it."""
        target_id: UUID = revenue_target_id(actor.office, year)
        if create_only and self.exists(target_id):
            existing = self.get_case(target_id)
            if existing.outcome_of(opts.get("command_id")) is None:
                raise AlreadyExists(
                    target_id, existing.version, f"the revenue target of office {actor.office} for {year}"
                )
        if not self.exists(target_id):
            if opts.get("expected_version") is not None:
                raise ConflictError(target_id, 0, opts.get("expected_version"))
            provenance = self.provenance(
                actor, opts.get("occurred_at"), opts.get("command_id"), opts.get("late_entry_reason")
            )
            target = RevenueTarget.set_for(provenance, year, amount, legal_basis)
            self.save(target)
            return target.version
        return self.command(RevenueTarget, target_id, actor, lambda t, p: t.revise(p, amount, legal_basis), **opts)
