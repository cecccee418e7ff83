"""PassportApplication: permohonan paspor, from submission to hand-over."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Case, check_enum, check_text
from domain.errors import InvalidCommand
from domain.lifecycle import SUPERVISORS, Lifecycle, Transition
from domain.plain_text import check_citation, check_country, check_number
from domain.reference import office as lookup_office
from domain.reference import passport_fee, zero_tariff_basis
from domain.values import (
    ApplicationType,
    Channel,
    Collector,
    Fee,
    PersonalData,
    PersonalNote,
    PostponementReason,
    Product,
    Provenance,
    Referral,
    RefusalReason,
    ZeroTariffGroup,
)


class PassportStatus(Enum):
    SUBMITTED = "SUBMITTED"
    PAID = "PAID"
    BIOMETRICS = "BIOMETRICS"
    INTERVIEWED = "INTERVIEWED"
    POSTPONED = "POSTPONED"
    REFUSED = "REFUSED"
    APPROVED = "APPROVED"
    ISSUED = "ISSUED"
    HANDED_OVER = "HANDED_OVER"
    WITHDRAWN = "WITHDRAWN"
    CANCELLED_UNCOLLECTED = "CANCELLED_UNCOLLECTED"


S = PassportStatus
_OPEN = (S.SUBMITTED, S.PAID, S.BIOMETRICS, S.INTERVIEWED, S.POSTPONED)
_T = "berkas:PassportApplication."
T = Transition

LIFECYCLE = Lifecycle(
    "PassportApplication",
    PassportStatus,
    (
        T("submit", "Submitted", (), S.SUBMITTED),
        T("pay", "FeePaid", (S.SUBMITTED,), S.PAID),
        T(
            "grant_zero_tariff",
            "ZeroTariffGranted",
            (S.SUBMITTED,),
            S.PAID,
            decision=True,
            reason="basis",
            basis="legal_basis",
        ),
        T("capture_biometrics", "BiometricsCaptured", (S.PAID,), S.BIOMETRICS),
        T("interview", "Interviewed", (S.BIOMETRICS,), S.INTERVIEWED),
        T("postpone", "Postponed", (S.INTERVIEWED,), S.POSTPONED, decision=True, reason="reason_code"),
        T("lift_postponement", "PostponementLifted", (S.POSTPONED,), S.INTERVIEWED),
        T(
            "refuse",
            "Refused",
            (S.PAID, S.BIOMETRICS, S.INTERVIEWED, S.POSTPONED),
            S.REFUSED,
            SUPERVISORS,
            decision=True,
            reason="reason_code",
            basis="legal_basis",
        ),
        T("approve", "Approved", (S.INTERVIEWED,), S.APPROVED, SUPERVISORS, decision=True, basis="legal_basis"),
        T("issue", "Issued", (S.APPROVED,), S.ISSUED),
        T("hand_over", "HandedOver", (S.ISSUED,), S.HANDED_OVER),
        T("withdraw", "Withdrawn", _OPEN, S.WITHDRAWN),
        T(
            "cancel_uncollected",
            "CancelledUncollected",
            (S.ISSUED,),
            S.CANCELLED_UNCOLLECTED,
            SUPERVISORS,
            decision=True,
            basis="legal_basis",
        ),
    ),
)


class PassportApplication(Case):
    """Permohonan paspor RI."""

    TOPIC = "berkas:PassportApplication"
    KIND = "PassportApplication"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def submit(
        cls,
        case_id: UUID,
        provenance: Provenance,
        channel: Channel,
        applicant: PersonalData,
        application_type: ApplicationType,
        product: Product,
        validity_years: int,
        expedited: bool,
        purpose: str,
        destination: str,
        regency_code: str,
    ) -> PassportApplication:
        cls.check_creation(provenance)
        check_enum("channel", channel, Channel)
        check_enum("application_type", application_type, ApplicationType)
        check_enum("product", product, Product)
        if not isinstance(applicant, PersonalData):
            raise InvalidCommand("applicant", "must be personal data")
        if validity_years not in (5, 10):
            raise InvalidCommand("validity_years", "must be 5 or 10")
        check_text("purpose", purpose)
        check_country("destination", destination)
        office = lookup_office(provenance.office)
        if not office.serves(regency_code, office.local_date(provenance.occurred_at)):
            raise InvalidCommand("regency_code", f"{regency_code} is not in the jurisdiction of {office.code}")
        return cls._create(
            cls.Submitted,
            id=case_id,
            provenance=provenance,
            channel=channel,
            applicant=applicant,
            application_type=application_type,
            product=product,
            validity_years=validity_years,
            expedited=bool(expedited),
            purpose=PersonalNote.about(applicant, "purpose", purpose),
            destination=destination,
            regency_code=regency_code,
        )

    @event("Submitted", topic=_T + "Submitted")
    def __init__(
        self,
        provenance: Provenance,
        channel: Channel,
        applicant: PersonalData,
        application_type: ApplicationType,
        product: Product,
        validity_years: int,
        expedited: bool,
        purpose: PersonalNote | str,
        destination: str,
        regency_code: str,
    ):
        self.channel = channel
        self.applicant = applicant
        self.application_type = application_type
        self.product = product
        self.validity_years = validity_years
        self.expedited = expedited
        self.purpose = purpose
        self.destination = destination
        self.regency_code = regency_code
        self.fee_paid = Decimal(0)
        self.zero_tariff_basis: ZeroTariffGroup | None = None
        self.reason_code: RefusalReason | None = None
        self.passport_number: PersonalNote | str | None = None  # sealed with the applicant's key

    @property
    def person(self) -> PersonalData:
        return self.applicant

    # --- payment -----------------------------------------------------------------

    def pay(self, provenance: Provenance, billing_code: str) -> None:
        """Pembayaran PNBP: the fee comes from the tariff in force on the payment day."""
        self.check_can("pay", provenance)
        check_number("billing_code", billing_code)
        day = lookup_office(self.office).local_date(provenance.occurred_at)
        fee = passport_fee(billing_code, day, self.product, self.validity_years, self.expedited, self.application_type)
        self._fee_paid(provenance=provenance, fee=fee, total=fee.total)

    @event("FeePaid", topic=_T + "FeePaid")
    def _fee_paid(self, provenance: Provenance, fee: Fee, total: Decimal) -> None:
        self.fee_paid = total

    def grant_zero_tariff(self, provenance: Provenance, basis: ZeroTariffGroup) -> None:
        """Tarif nol rupiah: only for the groups the tariff regulation names, each on its own terms."""
        self.check_can("grant_zero_tariff", provenance)
        check_enum("basis", basis, ZeroTariffGroup)
        legal_basis = zero_tariff_basis(basis, self.application_type, self.expedited)
        self._zero_tariff_granted(provenance=provenance, basis=basis, legal_basis=legal_basis)

    @event("ZeroTariffGranted", topic=_T + "ZeroTariffGranted")
    def _zero_tariff_granted(self, provenance: Provenance, basis: ZeroTariffGroup, legal_basis: str) -> None:
        self.zero_tariff_basis = basis

    # --- processing --------------------------------------------------------------

    def capture_biometrics(self, provenance: Provenance) -> None:
        """Pengambilan foto dan sidik jari."""
        self.check_can("capture_biometrics", provenance)
        self._biometrics_captured(provenance=provenance)

    @event("BiometricsCaptured", topic=_T + "BiometricsCaptured")
    def _biometrics_captured(self, provenance: Provenance) -> None:
        pass  # the lifecycle table sets the status

    def interview(
        self, provenance: Provenance, stated_purpose: str, indicators: tuple[str, ...], assessment: str
    ) -> None:
        """Wawancara: every applicant is interviewed."""
        self.check_can("interview", provenance)
        check_text("stated_purpose", stated_purpose)
        check_text("assessment", assessment)
        # What the applicant said and what the officer made of it (the risk indicators noted
        # too: free text, an officer may write a name into it) are about the applicant:
        # sealed with their key (stores written before hold them as plain text).
        self._interviewed(
            provenance=provenance,
            officer=provenance.actor_id,
            stated_purpose=PersonalNote.about(self.applicant, "stated_purpose", stated_purpose),
            indicators=tuple(PersonalNote.about(self.applicant, "indicators", text) for text in indicators),
            assessment=PersonalNote.about(self.applicant, "assessment", assessment),
        )

    @event("Interviewed", topic=_T + "Interviewed")
    def _interviewed(
        self,
        provenance: Provenance,
        officer: str,
        stated_purpose: PersonalNote | str,
        indicators: tuple[PersonalNote | str, ...],
        assessment: PersonalNote | str,
    ) -> None:
        self.interviewed_by = officer
        self.indicators = tuple(indicators)

    def postpone(
        self,
        provenance: Provenance,
        reason_code: PostponementReason,
        referral: Referral | None,
        note: str | None = None,
    ) -> None:
        """Penundaan: the applicant must bring more evidence, often from another agency.
        The reason is a code; the officer's note is about the applicant, so it is sealed
        with the applicant's personal data (and erased with it)."""
        self.check_can("postpone", provenance)
        check_enum("reason_code", reason_code, PostponementReason)
        if note is not None:
            check_text("note", note)
        sealed = PersonalNote.about(self.applicant, "note", note) if note is not None else None
        recorded = referral.about(self.applicant) if referral is not None else None
        self._postponed(provenance=provenance, reason_code=reason_code, referral=recorded, note=sealed)

    @event("Postponed", topic=_T + "Postponed")
    def _postponed(
        self,
        provenance: Provenance,
        reason_code: PostponementReason,
        referral: Referral | None,
        note: PersonalNote | None,
    ) -> None:
        self.postponement_reason = reason_code

    def lift_postponement(self, provenance: Provenance, evidence: str) -> None:
        self.check_can("lift_postponement", provenance)
        self._postponement_lifted(provenance=provenance, evidence=self.note("evidence", evidence))

    @event("PostponementLifted", topic=_T + "PostponementLifted")
    def _postponement_lifted(self, provenance: Provenance, evidence: PersonalNote | str) -> None:
        pass  # the lifecycle table sets the status

    # --- decisions ---------------------------------------------------------------

    def refuse(
        self,
        provenance: Provenance,
        reason_code: RefusalReason,
        legal_basis: str,
        referral: Referral | None,
    ) -> None:
        """Penolakan. The fee already paid is forfeited (tidak dapat ditarik kembali)."""
        self.check_can("refuse", provenance)
        check_enum("reason_code", reason_code, RefusalReason)
        check_citation("legal_basis", legal_basis)
        self._refused(
            provenance=provenance,
            reason_code=reason_code,
            legal_basis=legal_basis,
            referral=referral.about(self.applicant) if referral is not None else None,
            fee_forfeited=self.fee_paid,
        )

    @event("Refused", topic=_T + "Refused")
    def _refused(
        self,
        provenance: Provenance,
        reason_code: RefusalReason,
        legal_basis: str,
        referral: Referral | None,
        fee_forfeited: Decimal,
    ) -> None:
        self.reason_code = reason_code
        self.legal_basis = legal_basis
        self.referral = referral

    def approve(self, provenance: Provenance, legal_basis: str) -> None:
        """Persetujuan (adjudikasi)."""
        self.check_can("approve", provenance)
        check_citation("legal_basis", legal_basis)
        self._approved(provenance=provenance, adjudicator=provenance.actor_id, legal_basis=legal_basis)

    @event("Approved", topic=_T + "Approved")
    def _approved(self, provenance: Provenance, adjudicator: str, legal_basis: str) -> None:
        self.adjudicator = adjudicator
        self.legal_basis = legal_basis

    def issue(self, provenance: Provenance, passport_number: str) -> None:
        """Penerbitan paspor: dates follow the office's calendar and the validity."""
        self.check_can("issue", provenance)
        issue_date = lookup_office(self.office).local_date(provenance.occurred_at)
        try:
            expiry_date = issue_date.replace(year=issue_date.year + self.validity_years)
        except ValueError:  # issued on 29 February
            expiry_date = issue_date.replace(year=issue_date.year + self.validity_years, day=28)
        self._issued(
            provenance=provenance,
            passport_number=self.note("passport_number", passport_number),
            product=self.product,
            issue_date=issue_date,
            expiry_date=expiry_date,
        )

    @event("Issued", topic=_T + "Issued")
    def _issued(
        self,
        provenance: Provenance,
        passport_number: PersonalNote | str,
        product: Product,
        issue_date: date,
        expiry_date: date,
    ) -> None:
        self.passport_number = passport_number
        self.issue_date = issue_date
        self.expiry_date = expiry_date

    def hand_over(self, provenance: Provenance, collector: Collector) -> None:
        """Penyerahan paspor."""
        self.check_can("hand_over", provenance)
        check_enum("collector", collector, Collector)
        self._handed_over(provenance=provenance, collector=collector)

    @event("HandedOver", topic=_T + "HandedOver")
    def _handed_over(self, provenance: Provenance, collector: Collector) -> None:
        self.collector = collector

    def withdraw(self, provenance: Provenance, reason: str) -> None:
        """Pembatalan oleh pemohon, before any decision."""
        self.check_can("withdraw", provenance)
        self._withdrawn(provenance=provenance, reason=self.note("reason", reason))

    @event("Withdrawn", topic=_T + "Withdrawn")
    def _withdrawn(self, provenance: Provenance, reason: PersonalNote | str) -> None:
        pass  # the lifecycle table sets the status

    def cancel_uncollected(self, provenance: Provenance, legal_basis: str) -> None:
        """Paspor tidak diambil: cancelled after the collection period."""
        self.check_can("cancel_uncollected", provenance)
        check_citation("legal_basis", legal_basis)
        self._cancelled_uncollected(provenance=provenance, legal_basis=legal_basis)

    @event("CancelledUncollected", topic=_T + "CancelledUncollected")
    def _cancelled_uncollected(self, provenance: Provenance, legal_basis: str) -> None:
        pass  # the lifecycle table sets the status


def _postponed_v1_to_v2(state: dict) -> None:
    """Version 1 of Postponed carried the officer's free text as its reason; it reads back
    as OTHER (that text was never a report key) without a note."""
    state.pop("reason", None)
    state["reason_code"] = PostponementReason.OTHER
    state["note"] = None


# Version 2 (a reason code and a sealed note). Set here because the library builds the
# event class from the decorated method.
PassportApplication.Postponed.class_version = 2
PassportApplication.Postponed.upcast_v1_v2 = staticmethod(_postponed_v1_to_v2)
