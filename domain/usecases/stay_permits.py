"""Use cases of izin tinggal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Unpack
from uuid import UUID

from domain.stay_permit import StayPermit
from domain.usecases.base import Actor, BerkasBase, CommandOptions, as_enum
from domain.values import PermitBasis, PermitKind, PersonalData, StayTerm

SP = StayPermit


class StayPermitUseCases(BerkasBase):
    def apply_for_stay_permit(
        self,
        actor: Actor,
        *,
        kind: str | PermitKind,
        basis: str | PermitBasis,
        foreigner: PersonalData,
        nationality: str,
        passport_number: str,
        sponsor: str,
        requested_term: str | StayTerm,
        occurred_at: datetime | None = None,
        command_id: str | None = None,
    ) -> UUID:
        def build(case_id, provenance):
            return [
                SP.apply_for(
                    case_id,
                    provenance,
                    kind=as_enum(PermitKind, kind, "kind"),
                    basis=as_enum(PermitBasis, basis, "basis"),
                    foreigner=foreigner,
                    nationality=nationality,
                    passport_number=passport_number,
                    sponsor=sponsor,
                    requested_term=as_enum(StayTerm, requested_term, "requested_term"),
                )
            ]

        return self.open_case(SP, actor, build, occurred_at, command_id)

    def pay_stay_permit_fee(
        self, actor: Actor, case_id: UUID, billing_code: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.command(SP, case_id, actor, lambda c, p: c.pay(p, billing_code), **opts)

    def refuse_stay_permit(
        self, actor: Actor, case_id: UUID, reason_code: str, legal_basis: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.command(SP, case_id, actor, lambda c, p: c.refuse(p, reason_code, legal_basis), **opts)

    def issue_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        permit_number: str,
        valid_from: date,
        valid_until: date,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        return self.command(
            SP, case_id, actor, lambda c, p: c.issue(p, permit_number, valid_from, valid_until, legal_basis), **opts
        )

    def extend_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        billing_code: str,
        term: str | StayTerm,
        new_end: date,
        **opts: Unpack[CommandOptions],
    ) -> int:
        stay_term = as_enum(StayTerm, term, "term")
        return self.command(SP, case_id, actor, lambda c, p: c.extend(p, billing_code, stay_term, new_end), **opts)

    def transfer_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        requested_term: str | StayTerm,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> UUID:
        """Alih status: the successor application is created with the transfer, atomically."""
        term = as_enum(StayTerm, requested_term, "requested_term")
        successor_id = self.new_case_id(SP.KIND, actor, opts.get("command_id"))

        def change(permit: StayPermit, provenance):
            permit.transfer(provenance, successor_id, legal_basis)
            successor = SP.apply_for(
                successor_id,
                provenance,
                kind=permit.successor_kind,
                basis=PermitBasis.STATUS_TRANSFER,
                foreigner=permit.foreigner,
                nationality=permit.nationality,
                passport_number=permit.passport_number,
                sponsor=permit.sponsor,
                requested_term=term,
            )
            return [successor]

        self.command(SP, case_id, actor, change, **opts)
        return self.get_typed(case_id, SP).successor_id

    def cancel_stay_permit(
        self, actor: Actor, case_id: UUID, enforcement_case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.command(SP, case_id, actor, lambda c, p: c.cancel(p, enforcement_case_id, legal_basis), **opts)

    def end_stay_permit(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(SP, case_id, actor, lambda c, p: c.end(p, reason), **opts)
