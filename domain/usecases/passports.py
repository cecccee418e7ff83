"""Use cases of permohonan paspor."""

from __future__ import annotations

from datetime import date, datetime
from typing import Unpack
from uuid import UUID

from domain.errors import InvalidCommand
from domain.passport import PassportApplication
from domain.usecases.base import Actor, BerkasBase, CommandOptions, as_enum
from domain.values import (
    ApplicationType,
    Channel,
    Collector,
    PersonalData,
    Product,
    Referral,
    RefusalReason,
)

P = PassportApplication


def personal_data(name: str, nik: str, birth_date: date, address: str) -> PersonalData:
    if not isinstance(nik, str) or len(nik) != 16 or not nik.isdigit():
        raise InvalidCommand("nik", "must be 16 digits")
    if not isinstance(birth_date, date):
        raise InvalidCommand("birth_date", "must be a date")
    if not name or not address:
        raise InvalidCommand("name" if not name else "address", "must not be empty")
    return PersonalData(name=name, nik=nik, birth_date=birth_date, address=address)


def referral(agency: str | None, instructions: str | None) -> Referral | None:
    if agency is None:
        return None
    if not agency.strip() or not (instructions or "").strip():
        raise InvalidCommand("referral", "needs both an agency and instructions")
    return Referral(agency=agency, instructions=instructions or "")


class PassportUseCases(BerkasBase):
    def submit_passport_application(
        self,
        actor: Actor,
        *,
        channel: str | Channel,
        applicant: PersonalData,
        application_type: str | ApplicationType,
        product: str | Product,
        validity_years: int,
        expedited: bool,
        purpose: str,
        destination: str,
        regency_code: str,
        occurred_at: datetime | None = None,
        command_id: str | None = None,
    ) -> UUID:
        def build(case_id, provenance):
            return [
                P.submit(
                    case_id,
                    provenance,
                    channel=as_enum(Channel, channel, "channel"),
                    applicant=applicant,
                    application_type=as_enum(ApplicationType, application_type, "application_type"),
                    product=as_enum(Product, product, "product"),
                    validity_years=validity_years,
                    expedited=expedited,
                    purpose=purpose,
                    destination=destination,
                    regency_code=regency_code,
                )
            ]

        return self.open_case(P, actor, build, occurred_at, command_id)

    def pay_passport_fee(self, actor: Actor, case_id: UUID, billing_code: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.pay(p, billing_code), **opts)

    def grant_zero_tariff(self, actor: Actor, case_id: UUID, basis: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.grant_zero_tariff(p, basis), **opts)

    def capture_biometrics(self, actor: Actor, case_id: UUID, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.capture_biometrics(p), **opts)

    def interview(
        self,
        actor: Actor,
        case_id: UUID,
        stated_purpose: str,
        indicators: tuple[str, ...],
        assessment: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        return self.command(
            P, case_id, actor, lambda c, p: c.interview(p, stated_purpose, tuple(indicators), assessment), **opts
        )

    def postpone(
        self,
        actor: Actor,
        case_id: UUID,
        reason: str,
        referral_agency: str | None = None,
        referral_instructions: str | None = None,
        **opts: Unpack[CommandOptions],
    ) -> int:
        ref = referral(referral_agency, referral_instructions)
        return self.command(P, case_id, actor, lambda c, p: c.postpone(p, reason, ref), **opts)

    def lift_postponement(self, actor: Actor, case_id: UUID, evidence: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.lift_postponement(p, evidence), **opts)

    def refuse_passport(
        self,
        actor: Actor,
        case_id: UUID,
        reason_code: str | RefusalReason,
        legal_basis: str,
        referral_agency: str | None = None,
        referral_instructions: str | None = None,
        **opts: Unpack[CommandOptions],
    ) -> int:
        reason = as_enum(RefusalReason, reason_code, "reason_code")
        ref = referral(referral_agency, referral_instructions)
        return self.command(P, case_id, actor, lambda c, p: c.refuse(p, reason, legal_basis, ref), **opts)

    def approve_passport(self, actor: Actor, case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.approve(p, legal_basis), **opts)

    def issue_passport(self, actor: Actor, case_id: UUID, passport_number: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.issue(p, passport_number), **opts)

    def hand_over_passport(
        self, actor: Actor, case_id: UUID, collector: str | Collector, **opts: Unpack[CommandOptions]
    ) -> int:
        who = as_enum(Collector, collector, "collector")
        return self.command(P, case_id, actor, lambda c, p: c.hand_over(p, who), **opts)

    def withdraw_passport(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.withdraw(p, reason), **opts)

    def cancel_uncollected_passport(
        self, actor: Actor, case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.command(P, case_id, actor, lambda c, p: c.cancel_uncollected(p, legal_basis), **opts)
