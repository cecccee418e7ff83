"""Use cases of izin tinggal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.case import Case, check_text
from domain.enforcement import EnforcementCase, EnforcementStatus
from domain.errors import InvalidCommand
from domain.reservation import Reservation, Rule, open_application_key
from domain.stay_permit import StayPermit
from domain.usecases.base import Actor, BerkasBase, CommandOptions, CreationOptions, as_enum, extends
from domain.values import (
    AdministrativeAction,
    PermitBasis,
    PermitKind,
    PersonalData,
    Provenance,
    StayRefusalReason,
    StayTerm,
    recorded_text,
)

SP = StayPermit
# An application is open until a supervisor decides it: refuses it, or issues the permit (which
# lives on as a document, extended, transferred or ended, but its application is decided).
DECISIONS = ("refuse", "issue")
OPEN = frozenset(state for command in DECISIONS for state in SP.LIFECYCLE.command(command).sources)
# A permit is cancelled on an enforcement case that decided on it (Pasal 75 ayat (2) UU 6/2011).
CITABLE_FOR_CANCELLATION = (EnforcementStatus.ACTION_IMPOSED, EnforcementStatus.DEPORTED, EnforcementStatus.CLOSED)
PERMIT_ACTIONS = {AdministrativeAction.PERMIT_RESTRICTED_OR_CANCELLED, AdministrativeAction.DEPORTATION}


class StayPermitUseCases(BerkasBase):
    """Each command is a row of ``StayPermit.LIFECYCLE`` run by ``act``."""

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
        **opts: Unpack[CreationOptions],
    ) -> UUID:
        return self.create(
            SP,
            actor,
            kind=as_enum(PermitKind, kind, "kind"),
            basis=as_enum(PermitBasis, basis, "basis"),
            foreigner=foreigner,
            nationality=nationality,
            passport_number=passport_number,
            sponsor=sponsor,
            requested_term=as_enum(StayTerm, requested_term, "requested_term"),
            **opts,
        ).id

    def open_stay_permit(self, permit: StayPermit) -> str:
        """The key of "one open application per foreigner and permit kind", on the data subject."""
        return open_application_key(self.subject_key(permit.foreigner), permit.kind)

    def _claim_open_stay_permit(self, permit: StayPermit, provenance: Provenance) -> Reservation:
        def rival(other: Case) -> bool:
            return isinstance(other, SP) and other.kind is permit.kind and other.status in OPEN

        key = self.open_stay_permit(permit)
        return self.claim_open(Rule.OPEN_STAY_PERMIT, key, permit, provenance, permit.foreigner, rival)

    def _give_back_open_stay_permit(self, permit: StayPermit, provenance: Provenance, command: str) -> list[Aggregate]:
        return list(self.give_back(Rule.OPEN_STAY_PERMIT, self.open_stay_permit(permit), permit, provenance, command))

    @extends(SP, "apply_for")
    def _apply_for(self, case_id: UUID, provenance: Provenance, **arguments: Any) -> Sequence[Aggregate]:
        """One open application per foreigner and permit kind: the application claims it."""
        permit = SP.apply_for(case_id, provenance, **arguments)
        return [permit, self._claim_open_stay_permit(permit, provenance)]

    def pay_stay_permit_fee(
        self, actor: Actor, case_id: UUID, billing_code: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.act(SP, case_id, actor, "pay", billing_code=billing_code, **opts).version

    def refuse_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        reason_code: str | StayRefusalReason,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        reason = as_enum(StayRefusalReason, reason_code, "reason_code")
        return self.act(SP, case_id, actor, "refuse", reason_code=reason, legal_basis=legal_basis, **opts).version

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
        arguments = {
            "permit_number": permit_number,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "legal_basis": legal_basis,
        }
        return self.act(SP, case_id, actor, "issue", **arguments, **opts).version

    @extends(SP, "refuse")
    def _refuse(self, permit: StayPermit, provenance: Provenance, **arguments: Any) -> list[Aggregate]:
        """A refused application gives its foreigner's open application back, atomically."""
        permit.refuse(provenance, **arguments)
        return self._give_back_open_stay_permit(permit, provenance, "refuse")

    @extends(SP, "issue")
    def _issue(
        self, permit: StayPermit, provenance: Provenance, permit_number: str, **arguments: Any
    ) -> list[Aggregate]:
        """A permit number is issued once: the issuance claims it. The application is decided:
        it gives its foreigner's open application back (the permit's extensions are commands
        on it, not applications)."""
        permit.check_can("issue", provenance)
        check_text("permit_number", permit_number)
        reservation = self.claim_key(Rule.PERMIT_NUMBER, permit_number, permit, provenance)
        permit.issue(provenance, permit_number, **arguments)
        return [reservation, *self._give_back_open_stay_permit(permit, provenance, "issue")]

    def extend_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        billing_code: str,
        term: str | StayTerm,
        new_end: date,
        **opts: Unpack[CommandOptions],
    ) -> int:
        arguments = {"billing_code": billing_code, "term": as_enum(StayTerm, term, "term"), "new_end": new_end}
        return self.act(SP, case_id, actor, "extend", **arguments, **opts).version

    def transfer_stay_permit(
        self,
        actor: Actor,
        case_id: UUID,
        requested_term: str | StayTerm,
        legal_basis: str,
        **opts: Unpack[CommandOptions],
    ) -> UUID:
        """Alih status: returns the successor application, created with the transfer."""
        term = as_enum(StayTerm, requested_term, "requested_term")
        permit = self.act(SP, case_id, actor, "transfer", requested_term=term, legal_basis=legal_basis, **opts)
        return permit.successor_id

    @extends(SP, "transfer")
    def _transfer(
        self, permit: StayPermit, provenance: Provenance, requested_term: StayTerm, legal_basis: str
    ) -> Sequence[Aggregate]:
        """The successor application is created with the transfer, atomically, and claims its
        foreigner's open application of its kind (KeyTaken if one is open already)."""
        successor_id = self.new_case_id(SP.KIND, provenance.office, provenance.command_id)
        permit.transfer(provenance, successor_id, legal_basis)
        successor = SP.apply_for(
            successor_id,
            provenance,
            kind=permit.successor_kind,
            basis=PermitBasis.STATUS_TRANSFER,
            foreigner=permit.foreigner,
            nationality=permit.nationality,
            passport_number=recorded_text(permit.passport_number),
            sponsor=recorded_text(permit.sponsor),
            requested_term=requested_term,
        )
        return [successor, self._claim_open_stay_permit(successor, provenance)]

    def cancel_stay_permit(
        self, actor: Actor, case_id: UUID, enforcement_case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]
    ) -> int:
        arguments = {"enforcement_case_id": enforcement_case_id, "legal_basis": legal_basis}
        return self.act(SP, case_id, actor, "cancel", **arguments, **opts).version

    @extends(SP, "cancel")
    def _cancel(self, permit: StayPermit, provenance: Provenance, enforcement_case_id: UUID, legal_basis: str) -> None:
        """The cited enforcement case must exist, be of this office and have decided on the permit."""
        permit.check_can("cancel", provenance)  # who may act, and the permit's state, come first
        reference = self.check_reference(
            "enforcement_case_id", enforcement_case_id, EnforcementCase, permit.office, CITABLE_FOR_CANCELLATION
        )
        assert isinstance(reference, EnforcementCase)
        if not PERMIT_ACTIONS & set(reference.actions):
            raise InvalidCommand(
                "enforcement_case_id",
                f"enforcement case {enforcement_case_id} has imposed no action on the permit "
                f"({' or '.join(sorted(a.value for a in PERMIT_ACTIONS))})",
            )
        permit.cancel(provenance, enforcement_case_id, legal_basis)

    def end_stay_permit(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(SP, case_id, actor, "end", reason=reason, **opts).version
