"""Use cases of permohonan paspor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.case import Case, check_calendar, check_text
from domain.errors import InvalidCommand
from domain.passport import PassportApplication
from domain.plain_text import is_blank
from domain.reservation import Rule, open_application_key
from domain.usecases.base import Actor, BerkasBase, CommandOptions, CreationOptions, as_enum, extends
from domain.values import (
    ApplicationType,
    Channel,
    Collector,
    PersonalData,
    PostponementReason,
    Product,
    Provenance,
    Referral,
    RefusalReason,
    ZeroTariffGroup,
)

P = PassportApplication
# The commands after which an application is no longer open, and the states they leave.
ENDINGS = ("withdraw", "refuse", "hand_over", "cancel_uncollected")
ENDED = frozenset(P.LIFECYCLE.command(command).target for command in ENDINGS)


def personal_data(name: str, nik: str, birth_date: date, address: str) -> PersonalData:
    if not isinstance(nik, str) or len(nik) != 16 or not nik.isdigit():
        raise InvalidCommand("nik", "must be 16 digits")
    if not isinstance(birth_date, date):
        raise InvalidCommand("birth_date", "must be a date")
    check_calendar("birth_date", birth_date)
    check_text("name", name)
    check_text("address", address)
    return PersonalData(name=name, nik=nik, birth_date=birth_date, address=address)


def referral(agency: str | None, instructions: str | None) -> Referral | None:
    if agency is None:
        return None
    if is_blank(agency) or is_blank(instructions or ""):
        raise InvalidCommand("referral", "needs both an agency and instructions")
    return Referral(agency=agency, instructions=instructions or "")


class PassportUseCases(BerkasBase):
    """Each command is a row of ``PassportApplication.LIFECYCLE`` run by ``act``; these
    methods are its Python spelling (plain values accepted, the new version returned)."""

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
        **opts: Unpack[CreationOptions],
    ) -> UUID:
        return self.create(
            P,
            actor,
            channel=as_enum(Channel, channel, "channel"),
            applicant=applicant,
            application_type=as_enum(ApplicationType, application_type, "application_type"),
            product=as_enum(Product, product, "product"),
            validity_years=validity_years,
            expedited=expedited,
            purpose=purpose,
            destination=destination,
            regency_code=regency_code,
            **opts,
        ).id

    def open_application(self, case: PassportApplication) -> str:
        """The key of "one open application per person and product", on the data subject."""
        return open_application_key(self.subject_key(case.applicant), case.product)

    @extends(P, "submit")
    def _submit(self, case_id: UUID, provenance: Provenance, **arguments: Any) -> Sequence[Aggregate]:
        """One open application per person and product: the submission claims it."""
        case = P.submit(case_id, provenance, **arguments)

        def rival(other: Case) -> bool:
            return isinstance(other, P) and other.product is case.product and other.status not in ENDED

        key = self.open_application(case)
        return [case, self.claim_open(Rule.OPEN_APPLICATION, key, case, provenance, case.applicant, rival)]

    @extends(P, "issue")
    def _issue(self, case: PassportApplication, provenance: Provenance, passport_number: str) -> Sequence[Aggregate]:
        """A passport number is issued once: the issuance claims it."""
        case.check_can("issue", provenance)
        check_text("passport_number", passport_number)
        reservation = self.claim_key(Rule.PASSPORT_NUMBER, passport_number, case, provenance)
        case.issue(provenance, passport_number)
        return [reservation]

    def pay_passport_fee(self, actor: Actor, case_id: UUID, billing_code: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "pay", billing_code=billing_code, **opts).version

    def grant_zero_tariff(
        self, actor: Actor, case_id: UUID, basis: str | ZeroTariffGroup, **opts: Unpack[CommandOptions]
    ) -> int:
        group = as_enum(ZeroTariffGroup, basis, "basis")
        return self.act(P, case_id, actor, "grant_zero_tariff", basis=group, **opts).version

    def capture_biometrics(self, actor: Actor, case_id: UUID, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "capture_biometrics", **opts).version

    def interview(
        self,
        actor: Actor,
        case_id: UUID,
        stated_purpose: str,
        indicators: tuple[str, ...],
        assessment: str,
        **opts: Unpack[CommandOptions],
    ) -> int:
        arguments = {"stated_purpose": stated_purpose, "indicators": tuple(indicators), "assessment": assessment}
        return self.act(P, case_id, actor, "interview", **arguments, **opts).version

    def postpone(
        self,
        actor: Actor,
        case_id: UUID,
        reason_code: str | PostponementReason,
        referral_agency: str | None = None,
        referral_instructions: str | None = None,
        note: str | None = None,
        **opts: Unpack[CommandOptions],
    ) -> int:
        reason = as_enum(PostponementReason, reason_code, "reason_code")
        ref = referral(referral_agency, referral_instructions)
        return self.act(P, case_id, actor, "postpone", reason_code=reason, referral=ref, note=note, **opts).version

    def lift_postponement(self, actor: Actor, case_id: UUID, evidence: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "lift_postponement", evidence=evidence, **opts).version

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
        arguments = {
            "reason_code": as_enum(RefusalReason, reason_code, "reason_code"),
            "legal_basis": legal_basis,
            "referral": referral(referral_agency, referral_instructions),
        }
        return self.act(P, case_id, actor, "refuse", **arguments, **opts).version

    def approve_passport(self, actor: Actor, case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "approve", legal_basis=legal_basis, **opts).version

    def issue_passport(self, actor: Actor, case_id: UUID, passport_number: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "issue", passport_number=passport_number, **opts).version

    def hand_over_passport(
        self, actor: Actor, case_id: UUID, collector: str | Collector, **opts: Unpack[CommandOptions]
    ) -> int:
        who = as_enum(Collector, collector, "collector")
        return self.act(P, case_id, actor, "hand_over", collector=who, **opts).version

    def withdraw_passport(self, actor: Actor, case_id: UUID, reason: str, **opts: Unpack[CommandOptions]) -> int:
        return self.act(P, case_id, actor, "withdraw", reason=reason, **opts).version

    def cancel_uncollected_passport(
        self, actor: Actor, case_id: UUID, legal_basis: str, **opts: Unpack[CommandOptions]
    ) -> int:
        return self.act(P, case_id, actor, "cancel_uncollected", legal_basis=legal_basis, **opts).version


def _gives_back_the_open_application(command: str) -> None:
    """An application that ends gives its person's open-application key back, atomically."""

    def end(
        app: PassportUseCases, case: PassportApplication, provenance: Provenance, **arguments: Any
    ) -> list[Aggregate]:
        getattr(case, command)(provenance, **arguments)
        return list(app.give_back(Rule.OPEN_APPLICATION, app.open_application(case), case, provenance, command))

    extends(P, command)(end)


for _ending in ENDINGS:
    _gives_back_the_open_application(_ending)
