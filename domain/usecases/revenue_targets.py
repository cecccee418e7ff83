"""Use cases of the target PNBP: an office's revenue target for a budget year."""

from __future__ import annotations

from decimal import Decimal
from typing import Unpack
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import AlreadyExists, CaseNotFound, ConflictError, DomainError
from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.usecases.base import Actor, BerkasBase, CommandOptions


class TargetNotFound(CaseNotFound):
    def __init__(self, target_id: UUID, office: str, year: int):
        self.case_id = target_id
        DomainError.__init__(self, f"office {office} has no revenue target for {year}")


class RevenueTargetUseCases(BerkasBase):
    def revenue_target(self, office: str, year: int) -> RevenueTarget:
        """The office's target for the year (its current version)."""
        target_id = revenue_target_id(office, year)
        try:
            return self.get_typed(target_id, RevenueTarget)
        except CaseNotFound:
            raise TargetNotFound(target_id, office, year) from None

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
        # Whether it exists is looked at once: a target created between two looks would
        # have a create-only set revise it.
        try:
            existing = self.get_case(target_id)
        except CaseNotFound:
            return self._create_target(actor, year, amount, legal_basis, create_only, **opts)
        if create_only and existing.outcome_of(opts.get("command_id")) is None:
            raise AlreadyExists(target_id, existing.version, _named(actor.office, year))
        try:
            return self.command(RevenueTarget, target_id, actor, lambda t, p: t.revise(p, amount, legal_basis), **opts)
        except ConflictError as stale:
            raise ConflictError(
                target_id, stale.current_version, stale.expected_version, _named(actor.office, year)
            ) from None

    def _create_target(
        self,
        actor: Actor,
        year: int,
        amount: Decimal,
        legal_basis: str,
        create_only: bool,
        **opts: Unpack[CommandOptions],
    ) -> int:
        if opts.get("expected_version") is not None:
            raise ConflictError(
                revenue_target_id(actor.office, year), 0, opts.get("expected_version"), _named(actor.office, year)
            )
        provenance = self.provenance(
            actor, opts.get("occurred_at"), opts.get("command_id"), opts.get("late_entry_reason")
        )
        target = RevenueTarget.set_for(provenance, year, amount, legal_basis)
        try:
            self.save(target)
        except IntegrityError:
            # Another command created it meanwhile: decide again on the stored target, as if
            # it had been there (a create-only set is then refused, a plain one revises it,
            # a retry of the very command that created it answers as it did).
            if not self.exists(target.id):
                raise
            return self.set_revenue_target(actor, year, amount, legal_basis, create_only, **opts)
        return target.version


def _named(office: str, year: int) -> str:
    """How a refusal names a target: by office and year, which the caller sent, not by its id."""
    return f"the revenue target of office {office} for {year}"
