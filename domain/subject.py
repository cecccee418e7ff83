"""DataSubject: subjek data pribadi, what is decided about a person's data (UU 27/2022).

Its events carry ids, codes and legal bases, never the personal data itself: the data
lives sealed in the cases' events, and erasing it destroys the subject's key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.case import FINGERPRINT_MARK, Case, check_enum, check_occurred_at, check_text
from domain.errors import DomainError, NotPermitted
from domain.plain_text import check_document
from domain.reference import office as lookup_office
from domain.values import Provenance, Role

_T = "berkas:DataSubject."


class ErasureReason(Enum):
    """Dasar penghapusan data pribadi."""

    SUBJECT_REQUEST = "SUBJECT_REQUEST"  # the subject asked (Pasal 8 UU 27/2022)
    RETENTION_ENDED = "RETENTION_ENDED"  # the retention period is over (Pasal 43)
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    UNLAWFUL_PROCESSING = "UNLAWFUL_PROCESSING"
    COURT_ORDER = "COURT_ORDER"


class HoldReason(Enum):
    """Alasan penahanan data (legal hold)."""

    LITIGATION = "LITIGATION"
    AUDIT = "AUDIT"
    INVESTIGATION = "INVESTIGATION"
    COURT_ORDER = "COURT_ORDER"


# Who may place or release a legal hold: an auditor, or a supervisor (of an office the
# subject's cases are in, or of the held case's office: the use cases check the office).
HOLDERS = (Role.AUDITOR, Role.SUPERVISOR)


class ErasureRefused(DomainError):
    """Erasure is not allowed (yet): names the rule, never the person."""


class ErasedNotHeld(ErasureRefused):
    """A legal hold asked for about a data subject already erased: nothing more is held about
    them (their key is destroyed; UU 27/2022). A refusal of its own, not an erasure's."""


def _check_actor(provenance: Provenance, roles: tuple[Role, ...], what: str) -> None:
    if provenance.actor_role not in roles:
        allowed = " or ".join(role.value.lower() for role in roles)
        raise NotPermitted(f"only an {allowed} may {what}" if allowed[0] in "aeiou" else f"only a {allowed} may {what}")
    check_text("actor_id", provenance.actor_id)
    lookup_office(provenance.office)
    check_occurred_at(provenance.occurred_at)


class _Subject(Aggregate):
    """A base without the library's generic ``Created`` event, which has no explicit topic.
    Like a case, it remembers the commands (idempotency keys) it applied."""

    class Event(Aggregate.Event):
        create_timestamp = Case.Event.create_timestamp

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            commands = aggregate.__dict__.setdefault("commands", {})
            command_id = self.provenance.command_id  # type: ignore[attr-defined]
            if command_id:
                key, _, fingerprint = command_id.partition(FINGERPRINT_MARK)
                commands[key] = (self.originator_version, fingerprint)

    outcome_of = Case.outcome_of


del _Subject.Created


class _Holdable(_Subject):
    """A record a legal hold is placed on: a data subject, or one case. The rules are the
    same; each record keeps its own events (topics) and says how it is named in errors."""

    @property
    def held_as(self) -> str:
        raise NotImplementedError

    def check_holdable(self) -> None:
        """What else must hold before a hold is placed (nothing, unless a record says so)."""

    def place_hold(self, provenance: Provenance, reason_code: HoldReason, legal_basis: str) -> None:
        """Penahanan (legal hold): nothing the record covers may be erased while it stands."""
        _check_actor(provenance, HOLDERS, "place a legal hold")
        check_enum("reason_code", reason_code, HoldReason)
        check_document("legal_basis", legal_basis)
        self.check_holdable()
        if self.hold is not None:
            raise ErasureRefused(f"{self.held_as} is already under a legal hold")
        self._hold_placed(provenance=provenance, reason_code=reason_code, legal_basis=legal_basis)

    def release_hold(self, provenance: Provenance, legal_basis: str) -> None:
        _check_actor(provenance, HOLDERS, "release a legal hold")
        check_document("legal_basis", legal_basis)
        if self.hold is None:
            raise ErasureRefused(f"{self.held_as} is not under a legal hold")
        self._hold_released(provenance=provenance, legal_basis=legal_basis)

    def _hold_placed(self, provenance: Provenance, reason_code: HoldReason, legal_basis: str) -> None:
        raise NotImplementedError  # each record's own event

    def _hold_released(self, provenance: Provenance, legal_basis: str) -> None:
        raise NotImplementedError  # each record's own event


del _Holdable.Created


class DataSubject(_Holdable):
    """Subjek data: holds, erasure approval and erasure, and access requests."""

    TOPIC = "berkas:DataSubject"

    @classmethod
    def start(cls, subject_id: UUID, provenance: Provenance) -> DataSubject:
        check_occurred_at(provenance.occurred_at)
        return cls._create(cls.Registered, id=subject_id, provenance=provenance)

    @event("Registered", topic=_T + "Registered")
    def __init__(self, provenance: Provenance):
        self.hold: HoldReason | None = None
        self.approval: str | None = None  # the approving supervisor's id
        self.erased = False

    @property
    def held_as(self) -> str:
        return f"data subject {self.id}"

    def check_not_erased(self) -> None:
        if self.erased:
            raise ErasureRefused(f"data subject {self.id} is already erased")

    # --- legal hold ----------------------------------------------------------------

    def check_holdable(self) -> None:
        if self.erased:  # nothing more is held about an erased subject
            raise ErasedNotHeld(f"data subject {self.id} is erased: nothing more is held about it")

    @event("LegalHoldPlaced", topic=_T + "LegalHoldPlaced")
    def _hold_placed(self, provenance: Provenance, reason_code: HoldReason, legal_basis: str) -> None:
        self.hold = reason_code

    @event("LegalHoldReleased", topic=_T + "LegalHoldReleased")
    def _hold_released(self, provenance: Provenance, legal_basis: str) -> None:
        self.hold = None

    # --- erasure -------------------------------------------------------------------

    def approve_erasure(self, provenance: Provenance, reason_code: ErasureReason, legal_basis: str) -> None:
        """A supervisor's approval, recorded before an admin may erase (four eyes)."""
        _check_actor(provenance, (Role.SUPERVISOR,), "approve an erasure")
        check_enum("reason_code", reason_code, ErasureReason)
        check_document("legal_basis", legal_basis)
        self.check_not_erased()
        self._erasure_approved(provenance=provenance, reason_code=reason_code, legal_basis=legal_basis)

    @event("ErasureApproved", topic=_T + "ErasureApproved")
    def _erasure_approved(self, provenance: Provenance, reason_code: ErasureReason, legal_basis: str) -> None:
        self.approval = provenance.actor_id

    def erase(
        self,
        provenance: Provenance,
        reason_code: ErasureReason,
        legal_basis: str,
        open_cases: int,
        last_closed_at: datetime | None,
        retention: timedelta,
        held_cases: int = 0,
    ) -> None:
        """Penghapusan (crypto-shredding): allowed once no case is open, no hold stands (on
        the subject or on any of their cases) and the retention period after the last
        closed case has run out."""
        _check_actor(provenance, (Role.ADMIN,), "erase a data subject")
        check_enum("reason_code", reason_code, ErasureReason)
        check_document("legal_basis", legal_basis)
        self.check_not_erased()
        if self.approval is None:
            raise ErasureRefused(f"erasure of data subject {self.id} needs a supervisor's recorded approval")
        if self.hold is not None:
            raise ErasureRefused(f"data subject {self.id} is under a legal hold ({self.hold.value})")
        if held_cases:
            raise ErasureRefused(f"data subject {self.id} has {held_cases} case(s) under a legal hold")
        if open_cases:
            raise ErasureRefused(f"data subject {self.id} has {open_cases} open case(s)")
        if last_closed_at is not None and provenance.occurred_at < last_closed_at + retention:
            until = (last_closed_at + retention).date().isoformat()
            raise ErasureRefused(f"data subject {self.id} is within its retention period (until {until})")
        self._erased(provenance=provenance, reason_code=reason_code, legal_basis=legal_basis, approved_by=self.approval)

    @event("SubjectErased", topic=_T + "SubjectErased")
    def _erased(self, provenance: Provenance, reason_code: ErasureReason, legal_basis: str, approved_by: str) -> None:
        self.erased = True

    # --- access --------------------------------------------------------------------

    def record_access(self, provenance: Provenance) -> None:
        """Permintaan akses subjek data: who exported the subject's data, and when."""
        _check_actor(provenance, (Role.SUPERVISOR, Role.ADMIN), "export a data subject's data")
        self._access_given(provenance=provenance)

    @event("AccessGiven", topic=_T + "AccessGiven")
    def _access_given(self, provenance: Provenance) -> None:
        pass


def case_hold_id(case_id: UUID) -> UUID:
    """A case's hold record: derived from the case's id (which holds no personal data)."""
    return uuid5(NAMESPACE_URL, f"berkas:case-hold:{case_id}")


class CaseHold(_Holdable):
    """Penahanan perkara: an auditor or the office's supervisor freezes one case's records,
    so no person in it may be erased while the hold stands (the case itself goes on)."""

    TOPIC = "berkas:CaseHold"

    @classmethod
    def start(cls, case_id: UUID, provenance: Provenance) -> CaseHold:
        check_occurred_at(provenance.occurred_at)
        return cls._create(cls.Registered, id=case_hold_id(case_id), provenance=provenance, case_id=case_id)

    @event("Registered", topic="berkas:CaseHold.Registered")
    def __init__(self, provenance: Provenance, case_id: UUID):
        self.case_id = case_id
        self.hold: HoldReason | None = None

    @property
    def held_as(self) -> str:
        return f"case {self.case_id}"

    @event("LegalHoldPlaced", topic="berkas:CaseHold.LegalHoldPlaced")
    def _hold_placed(self, provenance: Provenance, reason_code: HoldReason, legal_basis: str) -> None:
        self.hold = reason_code

    @event("LegalHoldReleased", topic="berkas:CaseHold.LegalHoldReleased")
    def _hold_released(self, provenance: Provenance, legal_basis: str) -> None:
        self.hold = None
