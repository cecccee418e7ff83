"""Use cases of the target PNBP: an office's revenue target for a budget year."""

from __future__ import annotations

from decimal import Decimal
from typing import Unpack
from uuid import UUID

from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.usecases.base import Actor, BerkasBase, CreationOptions


class RevenueTargetUseCases(BerkasBase):
    def set_revenue_target(
        self,
        actor: Actor,
        year: int,
        amount: Decimal,
        legal_basis: str,
        **opts: Unpack[CreationOptions],
    ) -> int:
        """Set or revise the office's PNBP target for a year; returns the target's version."""
        target_id: UUID = revenue_target_id(actor.office, year)
        if not self.exists(target_id):
            provenance = self.provenance(
                actor, opts.get("occurred_at"), opts.get("command_id"), opts.get("late_entry_reason")
            )
            target = RevenueTarget.set_for(provenance, year, amount, legal_basis)
            self.save(target)
            return target.version
        return self.command(RevenueTarget, target_id, actor, lambda t, p: t.revise(p, amount, legal_basis), **opts)
