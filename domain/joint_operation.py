"""JointOperation: operasi gabungan TIMPORA (Tim Pengawasan Orang Asing).

An operation is about no single person, yet its area, the places it checked and its report
are free text that may name people or lead to them: they are sealed under a data key of the
operation's own (``PersonalNote.on_record``) and erased with it, once the operation is closed
and its retention is over. The agencies are institutions and stay plain."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Case, check_text
from domain.errors import InvalidCommand
from domain.lifecycle import Lifecycle, Transition
from domain.plain_text import check_agency
from domain.reference import office as lookup_office
from domain.values import PersonalData, PersonalNote, Provenance


class OperationStatus(Enum):
    PLANNED = "PLANNED"
    EXECUTED = "EXECUTED"
    CLOSED = "CLOSED"


S = OperationStatus
_T = "berkas:JointOperation."
T = Transition

LIFECYCLE = Lifecycle(
    "JointOperation",
    OperationStatus,
    (
        T("plan", "Planned", (), S.PLANNED),
        T("execute", "Executed", (S.PLANNED,), S.EXECUTED),
        T("record_finding", "FindingRecorded", (S.EXECUTED,), None),
        T("close", "Closed", (S.EXECUTED,), S.CLOSED),
    ),
)


class JointOperation(Case):
    """Operasi gabungan with the police, the army, Satpol PP, Disnaker and others."""

    TOPIC = "berkas:JointOperation"
    KIND = "JointOperation"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def plan(cls, case_id: UUID, provenance: Provenance, agencies: tuple[str, ...], area: str) -> JointOperation:
        cls.check_creation(provenance)
        if not agencies or not all(isinstance(a, str) and a.strip() for a in agencies):
            raise InvalidCommand("agencies", "must name at least one agency")
        for agency in agencies:
            check_agency("agencies", agency)
        check_text("area", area)
        sealed = PersonalNote.on_record(cls.KIND, case_id, area)
        return cls._create(cls.Planned, id=case_id, provenance=provenance, agencies=tuple(agencies), area=sealed)

    @event("Planned", topic=_T + "Planned")
    def __init__(self, provenance: Provenance, agencies: tuple[str, ...], area: PersonalNote | str):
        self.agencies = tuple(agencies)
        self.area = area
        self.findings: list[UUID] = []
        self.executed_on: date | None = None

    def _note(self, text: str) -> PersonalNote:
        return PersonalNote.on_record(self.KIND, self.id, text)

    def execute(self, provenance: Provenance, locations: tuple[str, ...], persons_checked: int) -> None:
        """Pelaksanaan operasi."""
        self.check_can("execute", provenance)
        if not locations:
            raise InvalidCommand("locations", "must name at least one location")
        for location in locations:
            check_text("locations", location)
        if not isinstance(persons_checked, int) or persons_checked < 0:
            raise InvalidCommand("persons_checked", "must be a whole number, zero or more")
        self._executed(
            provenance=provenance,
            executed_on=lookup_office(self.office).local_date(provenance.occurred_at),
            locations=tuple(self._note(location) for location in locations),
            persons_checked=persons_checked,
        )

    @event("Executed", topic=_T + "Executed")
    def _executed(
        self,
        provenance: Provenance,
        executed_on: date,
        locations: tuple[PersonalNote | str, ...],
        persons_checked: int,
    ) -> None:
        self.executed_on = executed_on
        self.persons_checked = persons_checked

    def record_finding(
        self, provenance: Provenance, enforcement_case_id: UUID, summary: str, subject: PersonalData
    ) -> None:
        """Temuan: each finding opens an enforcement case, saved in the same transaction. The
        summary is about the person found (``subject``): sealed with their key."""
        self.check_can("record_finding", provenance)
        check_text("summary", summary)
        sealed = PersonalNote.about(subject, "summary", summary)
        self._finding_recorded(provenance=provenance, enforcement_case_id=enforcement_case_id, summary=sealed)

    @event("FindingRecorded", topic=_T + "FindingRecorded")
    def _finding_recorded(self, provenance: Provenance, enforcement_case_id: UUID, summary: PersonalNote | str) -> None:
        self.findings = [*self.findings, enforcement_case_id]

    def close(self, provenance: Provenance, report: str) -> None:
        """Laporan hasil operasi."""
        self.check_can("close", provenance)
        check_text("report", report)
        self._closed(provenance=provenance, report=self._note(report))

    @event("Closed", topic=_T + "Closed")
    def _closed(self, provenance: Provenance, report: PersonalNote | str) -> None:
        pass  # the lifecycle table sets the status
