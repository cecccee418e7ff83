"""StayPermit: izin tinggal kunjungan (ITK), terbatas (ITAS), tetap (ITAP)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Case, check_calendar, check_enum, check_text, enum_code
from domain.errors import InvalidCommand
from domain.lifecycle import SUPERVISORS, Lifecycle, Transition
from domain.plain_text import check_citation, check_number
from domain.reference import application_fee, permit_fee, permit_fee_code
from domain.reference import office as lookup_office
from domain.values import (
    Fee,
    PermitBasis,
    PermitKind,
    PersonalData,
    PersonalNote,
    Provenance,
    StayRefusalReason,
    StayTerm,
)


class PermitStatus(Enum):
    APPLIED = "APPLIED"
    PAID = "PAID"
    REFUSED = "REFUSED"
    ISSUED = "ISSUED"
    TRANSFERRED = "TRANSFERRED"
    CANCELLED = "CANCELLED"
    ENDED = "ENDED"


S = PermitStatus
_T = "berkas:StayPermit."
_SUCCESSOR = {PermitKind.ITK: PermitKind.ITAS, PermitKind.ITAS: PermitKind.ITAP}
T = Transition
_DECISION = {"roles": SUPERVISORS, "decision": True, "basis": "legal_basis"}
# How far a permit's first day may lie from the decision. Ahead: the 90 days a visa holder
# has to enter. Behind: an ITK recorded at the office began at entry, up to its 60-day term
# before, and an application may be decided after a holiday closure.
START_WINDOW = timedelta(days=90)

LIFECYCLE = Lifecycle(
    "StayPermit",
    PermitStatus,
    (
        T("apply_for", "Applied", (), S.APPLIED),
        T("pay", "FeePaid", (S.APPLIED,), S.PAID),
        T("refuse", "Refused", (S.APPLIED, S.PAID), S.REFUSED, reason="reason_code", **_DECISION),
        T("issue", "Issued", (S.PAID,), S.ISSUED, **_DECISION),
        T("extend", "Extended", (S.ISSUED,), None),
        T("transfer", "Transferred", (S.ISSUED,), S.TRANSFERRED, **_DECISION),
        T("cancel", "Cancelled", (S.ISSUED,), S.CANCELLED, **_DECISION),
        T("end", "Ended", (S.ISSUED,), S.ENDED),
    ),
)


class StayPermit(Case):
    """Izin tinggal orang asing."""

    TOPIC = "berkas:StayPermit"
    KIND = "StayPermit"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def apply_for(
        cls,
        case_id: UUID,
        provenance: Provenance,
        kind: PermitKind,
        basis: PermitBasis,
        foreigner: PersonalData,
        nationality: str,
        passport_number: str,
        sponsor: str,
        requested_term: StayTerm,
    ) -> StayPermit:
        cls.check_creation(provenance)
        check_enum("kind", kind, PermitKind)
        check_enum("basis", basis, PermitBasis)
        check_enum("requested_term", requested_term, StayTerm)
        if not isinstance(foreigner, PersonalData):
            raise InvalidCommand("foreigner", "must be personal data")
        if not (isinstance(nationality, str) and len(nationality) == 3 and nationality.isupper()):
            raise InvalidCommand("nationality", "must be an ISO 3166 alpha-3 code, e.g. AUS")
        check_text("passport_number", passport_number)
        check_text("sponsor", sponsor)
        permit_fee_code(kind, requested_term, "requested_term")
        return cls._create(
            cls.Applied,
            id=case_id,
            provenance=provenance,
            kind=kind,
            basis=basis,
            foreigner=foreigner,
            nationality=nationality,
            passport_number=PersonalNote.about(foreigner, "passport_number", passport_number),
            sponsor=PersonalNote.about(foreigner, "sponsor", sponsor),
            requested_term=requested_term,
        )

    @event("Applied", topic=_T + "Applied")
    def __init__(
        self,
        provenance: Provenance,
        kind: PermitKind,
        basis: PermitBasis,
        foreigner: PersonalData,
        nationality: str,
        passport_number: PersonalNote | str,
        sponsor: PersonalNote | str,
        requested_term: StayTerm,
    ):
        self.kind = kind
        self.basis = basis
        self.foreigner = foreigner
        self.nationality = nationality
        self.passport_number = passport_number
        self.sponsor = sponsor
        self.requested_term = requested_term
        self.fee_paid = Decimal(0)
        self.permit_number: PersonalNote | str | None = None  # sealed with the foreigner's key
        self.valid_until: date | None = None
        self.extensions = 0

    @property
    def person(self) -> PersonalData:
        return self.foreigner

    def _day(self, provenance: Provenance) -> date:
        return lookup_office(self.office).local_date(provenance.occurred_at)

    def pay(self, provenance: Provenance, billing_code: str) -> None:
        self.check_can("pay", provenance)
        check_number("billing_code", billing_code)
        fee = application_fee(billing_code, self._day(provenance), self.kind, self.requested_term)
        self._fee_paid(provenance=provenance, fee=fee, total=fee.total)

    @event("FeePaid", topic=_T + "FeePaid")
    def _fee_paid(self, provenance: Provenance, fee: Fee, total: Decimal) -> None:
        self.fee_paid += total

    def refuse(self, provenance: Provenance, reason_code: StayRefusalReason | str, legal_basis: str) -> None:
        """Penolakan: a supervisor's decision, for a listed reason. The event keeps the code as
        a string, as it always has: refusals recorded before the list replay as they are."""
        self.check_can("refuse", provenance)
        code = enum_code("reason_code", reason_code, StayRefusalReason)
        check_citation("legal_basis", legal_basis)
        self._refused(provenance=provenance, reason_code=code, legal_basis=legal_basis)

    @event("Refused", topic=_T + "Refused")
    def _refused(self, provenance: Provenance, reason_code: str, legal_basis: str) -> None:
        self.reason_code = reason_code  # the code as recorded, listed or (before the list) not

    def issue(
        self, provenance: Provenance, permit_number: str, valid_from: date, valid_until: date, legal_basis: str
    ) -> None:
        """Pemberian izin tinggal: a supervisor's decision."""
        self.check_can("issue", provenance)
        check_text("permit_number", permit_number)
        check_citation("legal_basis", legal_basis)
        if not (isinstance(valid_from, date) and isinstance(valid_until, date)) or valid_until <= valid_from:
            raise InvalidCommand("valid_until", "must be a date after valid_from")
        check_calendar("valid_from", valid_from)
        check_calendar("valid_until", valid_until)
        self._check_validity(self._day(provenance), valid_from, valid_until)
        self._issued(
            provenance=provenance,
            permit_number=PersonalNote.about(self.foreigner, "permit_number", permit_number),
            valid_from=valid_from,
            valid_until=valid_until,
            legal_basis=legal_basis,
        )

    def _check_validity(self, decided: date, valid_from: date, valid_until: date) -> None:
        """The validity a supervisor grants: within the requested term from its first day,
        which lies near the day of the decision (see ``START_WINDOW``)."""
        term = self.requested_term
        if valid_until > term.end(valid_from):
            rule = f"valid_from plus the granted term {term.value}"
            raise InvalidCommand("valid_until", f"must be on or before {term.end(valid_from)}: {rule}")
        if abs(valid_from - decided) > START_WINDOW:
            earliest, latest = decided - START_WINDOW, decided + START_WINDOW
            rule = f"within {START_WINDOW.days} days of the day of the decision ({decided})"
            raise InvalidCommand("valid_from", f"must be between {earliest} and {latest}: {rule}")

    @event("Issued", topic=_T + "Issued")
    def _issued(
        self,
        provenance: Provenance,
        permit_number: PersonalNote | str,
        valid_from: date,
        valid_until: date,
        legal_basis: str,
    ) -> None:
        self.permit_number = permit_number
        self.valid_from = valid_from
        self.valid_until = valid_until

    def extend(self, provenance: Provenance, billing_code: str, term: StayTerm, new_end: date) -> None:
        """Perpanjangan izin tinggal: paid, and a document of its own."""
        self.check_can("extend", provenance)
        check_number("billing_code", billing_code)
        check_enum("term", term, StayTerm)
        fee = permit_fee(billing_code, self._day(provenance), self.kind, term)
        if not isinstance(new_end, date) or self.valid_until is None or new_end <= self.valid_until:
            raise InvalidCommand("new_end", "must be a date after the current end of the permit")
        check_calendar("new_end", new_end)
        limit = term.end(self.valid_until)
        if new_end > limit:
            raise InvalidCommand(
                "new_end", f"must be on or before {limit}: the current end plus the extension term {term.value}"
            )
        self._extended(provenance=provenance, term=term, new_end=new_end, fee=fee, total=fee.total)

    @event("Extended", topic=_T + "Extended")
    def _extended(self, provenance: Provenance, term: StayTerm, new_end: date, fee: Fee, total: Decimal) -> None:
        self.valid_until = new_end
        self.extensions += 1
        self.fee_paid += total

    def transfer(self, provenance: Provenance, successor_id: UUID, legal_basis: str) -> None:
        """Alih status: ITK to ITAS, ITAS to ITAP."""
        self.check_can("transfer", provenance)
        check_citation("legal_basis", legal_basis)
        if self.kind not in _SUCCESSOR:
            raise InvalidCommand("kind", f"an {self.kind.value} cannot be transferred")
        self._transferred(
            provenance=provenance,
            successor_id=successor_id,
            successor_kind=_SUCCESSOR[self.kind],
            legal_basis=legal_basis,
        )

    @event("Transferred", topic=_T + "Transferred")
    def _transferred(
        self, provenance: Provenance, successor_id: UUID, successor_kind: PermitKind, legal_basis: str
    ) -> None:
        self.successor_id = successor_id
        self.successor_kind = successor_kind

    def cancel(self, provenance: Provenance, enforcement_case_id: UUID, legal_basis: str) -> None:
        """Pembatalan izin tinggal following an enforcement case."""
        self.check_can("cancel", provenance)
        check_citation("legal_basis", legal_basis)
        self._cancelled(provenance=provenance, enforcement_case_id=enforcement_case_id, legal_basis=legal_basis)

    @event("Cancelled", topic=_T + "Cancelled")
    def _cancelled(self, provenance: Provenance, enforcement_case_id: UUID, legal_basis: str) -> None:
        self.enforcement_case_id = enforcement_case_id

    def end(self, provenance: Provenance, reason: str) -> None:
        """Berakhirnya izin tinggal (expiry, departure, death)."""
        self.check_can("end", provenance)
        self._ended(provenance=provenance, reason=self.note("reason", reason))

    @event("Ended", topic=_T + "Ended")
    def _ended(self, provenance: Provenance, reason: PersonalNote | str) -> None:
        pass  # the lifecycle table sets the status
