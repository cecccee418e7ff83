"""Use cases of data subjects (subjek data pribadi): hold, approve and carry out erasure,
and give a subject access to everything held about them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.case import Case
from domain.errors import CaseNotFound, ConflictError, DomainError, NotPermitted
from domain.privacy import SubjectSeal
from domain.subject import CaseHold, DataSubject, ErasureReason, HoldReason, case_hold_id
from domain.usecases.base import Actor, BerkasBase, as_enum
from domain.values import Provenance, Role

H = TypeVar("H", DataSubject, CaseHold)  # a record a legal hold is placed on

# Statuses after which a case is closed for retention: nothing more happens to the person
# through it (a deported foreigner's case may still be closed as bookkeeping).
CLOSED_STATUSES = {
    "PassportApplication": {"REFUSED", "HANDED_OVER", "WITHDRAWN", "CANCELLED_UNCOLLECTED"},
    "StayPermit": {"REFUSED", "TRANSFERRED", "CANCELLED", "ENDED"},
    "EnforcementCase": {"DEPORTED", "CLOSED"},
    "JointOperation": {"CLOSED"},
}


class SubjectNotFound(CaseNotFound):
    def __init__(self, subject_id: UUID):
        self.case_id = subject_id
        DomainError.__init__(self, f"data subject {subject_id} not found")


@dataclass(frozen=True)
class SubjectCases:
    """Where a subject stands: their cases, how many are open, when the last one closed."""

    cases: list[Case]
    open: int
    last_closed_at: datetime | None

    @property
    def offices(self) -> set[str]:
        return {case.office for case in self.cases}


def is_closed(case: Case) -> bool:
    return case.status.value in CLOSED_STATUSES.get(case.KIND, ())


@dataclass(frozen=True)
class SubjectExport:
    """Everything held about a subject, as recorded (decrypted where the key lives)."""

    subject: DataSubject | None
    cases: list[Case]
    events: dict[UUID, list[Aggregate.Event]]


class SubjectUseCases(BerkasBase):
    @property
    def vault(self) -> SubjectSeal:
        if self.seal is None:
            raise NotPermitted("this application has no personal-data keys")
        return self.seal

    def subject_cases(self, subject_id: UUID) -> SubjectCases:
        if not self.vault.is_known(subject_id.hex):
            raise SubjectNotFound(subject_id)
        cases = [self.get_case(case_id) for case_id in self.vault.cases_of(subject_id.hex)]
        closed = [case for case in cases if is_closed(case)]
        last = max((case.last_occurred_at for case in closed), default=None)
        return SubjectCases(cases, len(cases) - len(closed), last)

    def get_subject(self, subject_id: UUID) -> DataSubject | None:
        try:
            return self.repository.get(subject_id)
        except AggregateNotFoundError:
            return None

    def _subject(
        self, actor: Actor, subject_id: UUID, occurred_at: datetime | None
    ) -> tuple[DataSubject, SubjectCases]:
        """The subject's record (started on first use) and cases, after the office check:
        a supervisor or an admin acts only on subjects with a case in their own office (as an
        admin manages only their own office's accounts); auditors are national."""
        where = self.subject_cases(subject_id)
        if actor.role in (Role.SUPERVISOR, Role.ADMIN) and actor.office not in where.offices:
            raise NotPermitted(f"data subject {subject_id} has no case in office {actor.office}")
        subject = self.get_subject(subject_id)
        if subject is None:
            subject = DataSubject.start(subject_id, self.provenance(actor, occurred_at, None))
        return subject, where

    def place_legal_hold(
        self,
        actor: Actor,
        subject_id: UUID,
        reason_code: str | HoldReason,
        legal_basis: str,
        command_id: str | None = None,
    ) -> DataSubject:
        """Penahanan data: the subject may not be erased until it is released. A retry of the
        same command (``command_id``) answers the subject's record as that command left it."""
        reason = as_enum(HoldReason, reason_code, "reason_code")
        subject, _ = self._subject(actor, subject_id, None)
        return self._on_hold(actor, subject, subject_id, command_id, lambda s, p: s.place_hold(p, reason, legal_basis))

    def release_legal_hold(
        self, actor: Actor, subject_id: UUID, legal_basis: str, command_id: str | None = None
    ) -> DataSubject:
        subject, _ = self._subject(actor, subject_id, None)
        return self._on_hold(actor, subject, subject_id, command_id, lambda s, p: s.release_hold(p, legal_basis))

    def get_case_hold(self, case_id: UUID) -> CaseHold | None:
        try:
            return self.repository.get(case_hold_id(case_id))
        except AggregateNotFoundError:
            return None

    def _case_hold(self, actor: Actor, case_id: UUID) -> CaseHold:
        """A case's hold record (started on first use), after the office check: a supervisor
        holds only their own office's cases. Data subjects and accounts share the log but
        are not cases: their ids are not found."""
        case = self.get_typed(case_id, Case)
        if actor.role is Role.SUPERVISOR and actor.office != case.office:
            raise NotPermitted(f"case {case_id} belongs to another office")
        return self.get_case_hold(case_id) or CaseHold.start(case_id, self.provenance(actor, None, None))

    def place_case_hold(
        self,
        actor: Actor,
        case_id: UUID,
        reason_code: str | HoldReason,
        legal_basis: str,
        command_id: str | None = None,
    ) -> CaseHold:
        """Penahanan perkara: nobody whose data the case holds may be erased until it is released.
        A retry of the same command (``command_id``) answers the hold as that command left it."""
        reason = as_enum(HoldReason, reason_code, "reason_code")
        hold = self._case_hold(actor, case_id)
        return self._on_hold(actor, hold, case_id, command_id, lambda h, p: h.place_hold(p, reason, legal_basis))

    def release_case_hold(
        self, actor: Actor, case_id: UUID, legal_basis: str, command_id: str | None = None
    ) -> CaseHold:
        hold = self._case_hold(actor, case_id)
        return self._on_hold(actor, hold, case_id, command_id, lambda h, p: h.release_hold(p, legal_basis))

    def _on_hold(
        self,
        actor: Actor,
        record: H,
        held: UUID,
        command_id: str | None,
        change: Callable[[H, Provenance], None],
    ) -> H:
        """Place or release the hold on ``record`` (a subject's or a case's, ``held``), once
        per command: a retry answers the record as the command left it."""
        done = record.outcome_of(command_id)
        if done is None:
            change(record, self.provenance(actor, None, command_id))
            done = self._save_once(record, held, command_id)
            if done == record.version:
                return record
        return self.repository.get(record.id, version=done)

    def held_cases(self, case_ids: list[UUID]) -> list[UUID]:
        """Which of these cases stand under a legal hold."""
        return [case_id for case_id in case_ids if (hold := self.get_case_hold(case_id)) and hold.hold is not None]

    def approve_erasure(
        self,
        actor: Actor,
        subject_id: UUID,
        reason_code: str | ErasureReason,
        legal_basis: str,
        command_id: str | None = None,
    ) -> int:
        """A retry of the same command (``command_id``) records no second approval: it
        answers the version the first one left."""
        reason = as_enum(ErasureReason, reason_code, "reason_code")
        subject, _ = self._subject(actor, subject_id, None)
        done = subject.outcome_of(command_id)
        if done is not None:
            return done
        subject.approve_erasure(self.provenance(actor, None, command_id), reason, legal_basis)
        return self._save_once(subject, subject_id, command_id)

    def erase_subject(
        self,
        actor: Actor,
        subject_id: UUID,
        reason_code: str | ErasureReason,
        legal_basis: str,
        retention: timedelta,
        command_id: str | None = None,
    ) -> int:
        """Record the erasure, then destroy the key. An erasure recorded but not carried
        out (a crash between the two) is finished by asking again; a retry of the same
        command (``command_id``) is answered with the version the erasure left."""
        reason = as_enum(ErasureReason, reason_code, "reason_code")
        subject, where = self._subject(actor, subject_id, None)
        if subject.erased:
            self.vault.shred(subject_id.hex)
        done = subject.outcome_of(command_id)
        if done is not None:
            return done
        held = len(self.held_cases([case.id for case in where.cases]))
        provenance = self.provenance(actor, None, command_id)
        subject.erase(provenance, reason, legal_basis, where.open, where.last_closed_at, retention, held)
        version = self._save_once(subject, subject_id, command_id)
        self.vault.shred(subject_id.hex)
        return version

    def _save_once(self, record: DataSubject | CaseHold, named: UUID, command_id: str | None) -> int:
        """Save a command on a subject's or a case's record (``named`` in a conflict); when
        another command saved first, a retry of this one racing it answers the version that
        one left, anything else is a conflict (409)."""
        loaded_version = record.version - len(record.pending_events)
        try:
            self.save(record)
        except IntegrityError:
            current = self.repository.get(record.id)
            done = current.outcome_of(command_id)
            if done is not None:
                return done
            raise ConflictError(named, current.version, loaded_version, current.held_as) from None
        return record.version

    def export_subject(self, actor: Actor, subject_id: UUID) -> SubjectExport:
        """Hak akses subjek data: every case and event about the subject; the request is recorded."""
        subject, where = self._subject(actor, subject_id, None)
        subject.record_access(self.provenance(actor, None, None))
        self.save(subject)
        events = {case.id: self.history(case.id) for case in where.cases}
        return SubjectExport(subject, where.cases, events)

    def retention_ended(self, subject_id: UUID, retention: timedelta, now: datetime) -> bool:
        """Whether erasure is due: every case closed, no hold, retention over, not erased."""
        where = self.subject_cases(subject_id)
        subject = self.get_subject(subject_id)
        if subject is not None and (subject.erased or subject.hold is not None):
            return False
        if self.held_cases([case.id for case in where.cases]):
            return False
        return not where.open and where.last_closed_at is not None and now >= where.last_closed_at + retention
