"""EnforcementCase: penindakan keimigrasian, Pasal 75 UU 6/2011."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Case, check_enum, check_text, enum_code, whole_rupiah
from domain.errors import IllegalTransition, InvalidCommand
from domain.lifecycle import SUPERVISORS, Lifecycle, Transition
from domain.plain_text import check_citation, check_number, check_place, check_port
from domain.reference import office as lookup_office
from domain.values import (
    AdministrativeAction,
    CaseSource,
    EnforcementReason,
    ObjectionOutcome,
    PersonalData,
    PersonalNote,
    Provenance,
)


class EnforcementStatus(Enum):
    OPENED = "OPENED"
    EXAMINED = "EXAMINED"
    ACTION_IMPOSED = "ACTION_IMPOSED"
    DEPORTED = "DEPORTED"
    CLOSED = "CLOSED"


S = EnforcementStatus
_T = "berkas:EnforcementCase."
_ACTIVE = (S.OPENED, S.EXAMINED, S.ACTION_IMPOSED)
T = Transition

LIFECYCLE = Lifecycle(
    "EnforcementCase",
    EnforcementStatus,
    (
        T("open", "Opened", (), S.OPENED),
        T("examine", "Examined", (S.OPENED,), S.EXAMINED),
        T(
            "impose_action",
            "ActionImposed",
            (S.EXAMINED, S.ACTION_IMPOSED),
            S.ACTION_IMPOSED,
            SUPERVISORS,
            decision=True,
            reason="reason_code",
            basis="legal_basis",
        ),
        T("assess_charge", "ChargeAssessed", (S.ACTION_IMPOSED,), None),
        T("pay_charge", "ChargePaid", (S.ACTION_IMPOSED, S.DEPORTED), None),
        T("detain", "Detained", _ACTIVE, None),
        T("release", "Released", _ACTIVE, None),
        T("file_objection", "ObjectionFiled", (S.ACTION_IMPOSED,), None),
        T(
            "decide_objection",
            "ObjectionDecided",
            (S.ACTION_IMPOSED,),
            None,
            SUPERVISORS,
            decision=True,
            reason="reason_code",
            basis="legal_basis",
            when=("outcome", "UPHELD", S.EXAMINED),  # an upheld objection lifts the actions
        ),
        T("deport", "Deported", (S.ACTION_IMPOSED,), S.DEPORTED),
        T("close", "Closed", (S.EXAMINED, S.ACTION_IMPOSED, S.DEPORTED), S.CLOSED),
    ),
)


class EnforcementCase(Case):
    """Perkara penindakan keimigrasian terhadap orang asing."""

    TOPIC = "berkas:EnforcementCase"
    KIND = "EnforcementCase"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def open(
        cls,
        case_id: UUID,
        provenance: Provenance,
        source: CaseSource,
        operation_id: UUID | None,
        subject: PersonalData,
        nationality: str,
        alleged_violation: str,
        article: str,
    ) -> EnforcementCase:
        cls.check_creation(provenance)
        check_enum("source", source, CaseSource)
        if not isinstance(subject, PersonalData):
            raise InvalidCommand("subject", "must be personal data")
        if (source is CaseSource.JOINT_OPERATION) != (operation_id is not None):
            raise InvalidCommand("operation_id", "is required for, and only for, a joint-operation finding")
        if not (isinstance(nationality, str) and len(nationality) == 3 and nationality.isupper()):
            raise InvalidCommand("nationality", "must be an ISO 3166 alpha-3 code, e.g. CHN")
        check_text("alleged_violation", alleged_violation)
        check_citation("article", article)
        return cls._create(
            cls.Opened,
            id=case_id,
            provenance=provenance,
            source=source,
            operation_id=operation_id,
            subject=subject,
            nationality=nationality,
            alleged_violation=PersonalNote.about(subject, "alleged_violation", alleged_violation),
            article=article,
        )

    @event("Opened", topic=_T + "Opened")
    def __init__(
        self,
        provenance: Provenance,
        source: CaseSource,
        operation_id: UUID | None,
        subject: PersonalData,
        nationality: str,
        alleged_violation: PersonalNote | str,
        article: str,
    ):
        self.source = source
        self.operation_id = operation_id
        self.subject = subject
        self.nationality = nationality
        self.alleged_violation = alleged_violation
        self.article = article
        self.actions: list[AdministrativeAction] = []
        self.charge_due = Decimal(0)
        self.charge_paid = Decimal(0)
        self.detained = False
        self.objection_pending = False
        self.deported_on: date | None = None

    @property
    def person(self) -> PersonalData:
        return self.subject

    def examine(self, provenance: Provenance, report_number: str) -> None:
        """Berita acara pemeriksaan (BAP)."""
        self.check_can("examine", provenance)
        check_number("report_number", report_number)
        self._examined(provenance=provenance, report_number=report_number)

    @event("Examined", topic=_T + "Examined")
    def _examined(self, provenance: Provenance, report_number: str) -> None:
        self.report_number = report_number

    def impose_action(
        self,
        provenance: Provenance,
        action: AdministrativeAction,
        decision_number: str,
        reason_code: EnforcementReason | str,
        legal_basis: str,
    ) -> None:
        """Tindakan administratif keimigrasian (TAK): a supervisor's decision, for a listed
        reason. The event keeps the code as a string, as it always has: events recorded
        before the list (any capitalised code) replay as they are."""
        self.check_can("impose_action", provenance)
        check_enum("action", action, AdministrativeAction)
        if action in self.actions:
            raise InvalidCommand("action", f"{action.value} is already imposed on this case")
        check_number("decision_number", decision_number)
        code = enum_code("reason_code", reason_code, EnforcementReason)
        check_citation("legal_basis", legal_basis)
        self._action_imposed(
            provenance=provenance,
            action=action,
            decision_number=decision_number,
            reason_code=code,
            legal_basis=legal_basis,
        )

    @event("ActionImposed", topic=_T + "ActionImposed")
    def _action_imposed(
        self,
        provenance: Provenance,
        action: AdministrativeAction,
        decision_number: str,
        reason_code: str,
        legal_basis: str,
    ) -> None:
        self.actions = [*self.actions, action]

    def assess_charge(self, provenance: Provenance, amount: Decimal) -> None:
        """Biaya beban (e.g. overstay charge)."""
        self.check_can("assess_charge", provenance)
        if AdministrativeAction.CHARGE not in self.actions:
            raise InvalidCommand("action", "a charge needs the CHARGE action imposed first")
        amount = whole_rupiah("amount", amount)
        self._charge_assessed(provenance=provenance, amount=amount)

    @event("ChargeAssessed", topic=_T + "ChargeAssessed")
    def _charge_assessed(self, provenance: Provenance, amount: Decimal) -> None:
        self.charge_due += amount

    def pay_charge(self, provenance: Provenance, billing_code: str, amount: Decimal) -> None:
        self.check_can("pay_charge", provenance)
        check_number("billing_code", billing_code)
        amount = whole_rupiah("amount", amount)
        if amount > self.charge_due - self.charge_paid:
            raise InvalidCommand("amount", "must be at most the charge outstanding")
        self._charge_paid(provenance=provenance, billing_code=billing_code, amount=amount)

    @event("ChargePaid", topic=_T + "ChargePaid")
    def _charge_paid(self, provenance: Provenance, billing_code: str, amount: Decimal) -> None:
        self.charge_paid += amount

    def detain(self, provenance: Provenance, place: str, ground: str) -> None:
        """Pendetensian di ruang detensi / Rudenim."""
        self.check_can("detain", provenance)
        if self.detained:
            raise IllegalTransition(self.KIND, self.id, "DETAINED", "detain")
        check_place("place", place)
        # The place is a facility's name; why this person is held is about them: sealed.
        self._detained(provenance=provenance, place=place, ground=self.note("ground", ground))

    @event("Detained", topic=_T + "Detained")
    def _detained(self, provenance: Provenance, place: str, ground: PersonalNote | str) -> None:
        self.detained = True

    def release(self, provenance: Provenance, reason: str) -> None:
        self.check_can("release", provenance)
        if not self.detained:
            raise IllegalTransition(self.KIND, self.id, "NOT_DETAINED", "release")
        self._released(provenance=provenance, reason=self.note("reason", reason))

    @event("Released", topic=_T + "Released")
    def _released(self, provenance: Provenance, reason: PersonalNote | str) -> None:
        self.detained = False

    def file_objection(self, provenance: Provenance, grounds: str) -> None:
        """Keberatan atas TAK."""
        self.check_can("file_objection", provenance)
        if self.objection_pending:
            raise IllegalTransition(self.KIND, self.id, "OBJECTION_PENDING", "file an objection")
        self._objection_filed(provenance=provenance, grounds=self.note("grounds", grounds))

    @event("ObjectionFiled", topic=_T + "ObjectionFiled")
    def _objection_filed(self, provenance: Provenance, grounds: PersonalNote | str) -> None:
        self.objection_pending = True

    def decide_objection(self, provenance: Provenance, outcome: ObjectionOutcome, legal_basis: str) -> None:
        self.check_can("decide_objection", provenance)
        if not self.objection_pending:
            raise IllegalTransition(self.KIND, self.id, "NO_OBJECTION", "decide an objection")
        check_enum("outcome", outcome, ObjectionOutcome)
        check_citation("legal_basis", legal_basis)
        self._objection_decided(
            provenance=provenance, outcome=outcome, reason_code=outcome.value, legal_basis=legal_basis
        )

    @event("ObjectionDecided", topic=_T + "ObjectionDecided")
    def _objection_decided(
        self, provenance: Provenance, outcome: ObjectionOutcome, reason_code: str, legal_basis: str
    ) -> None:
        self.objection_pending = False
        if outcome is ObjectionOutcome.UPHELD:
            self.actions = []
            self.status = S.EXAMINED

    def deport(self, provenance: Provenance, port: str) -> None:
        """Pendeportasian: only after a DEPORTATION action, never with an objection open."""
        self.check_can("deport", provenance)
        if AdministrativeAction.DEPORTATION not in self.actions:
            raise IllegalTransition(self.KIND, self.id, "NO_DEPORTATION_DECISION", "deport")
        if self.objection_pending:
            raise IllegalTransition(self.KIND, self.id, "OBJECTION_PENDING", "deport")
        check_port("port", port)
        self._deported(provenance=provenance, port=port)

    @event("Deported", topic=_T + "Deported")
    def _deported(self, provenance: Provenance, port: str) -> None:
        self.detained = False
        self.deported_on = lookup_office(self.office).local_date(provenance.occurred_at)
        self.port = port

    def close(self, provenance: Provenance, outcome: str) -> None:
        self.check_can("close", provenance)
        if self.detained:
            raise IllegalTransition(self.KIND, self.id, "DETAINED", "close")
        if self.objection_pending:
            raise IllegalTransition(self.KIND, self.id, "OBJECTION_PENDING", "close")
        self._closed(provenance=provenance, outcome=self.note("outcome", outcome))

    @event("Closed", topic=_T + "Closed")
    def _closed(self, provenance: Provenance, outcome: PersonalNote | str) -> None:
        self.outcome = outcome
