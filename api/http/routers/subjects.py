"""/subjects: data subjects (subjek data pribadi): legal hold, approved erasure, subject
access; /cases/search, which finds cases by NIK, document number or name; and a case's
legal hold (/cases/{id}/legal-hold), which blocks erasing anyone in it.

Personal data travels in request bodies only, never in a URL (URLs reach access logs): a
search written as `GET /cases?nik=…` is refused by that list (``routers.case_list``), and
`GET /cases/search` is a 405 saying where the value goes (it is no case id either)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, StringConstraints

from api import privacy
from api.http import access
from api.http.deps import ActorDep, CommandIdDep, SystemDep, bound
from api.http.listing import MAX_PAGE, summary
from api.http.schemas.cases import CaseSummaryPublic
from api.http.schemas.common import Code, DocumentBasis, OfficeCode, Text, errors, examples
from domain.errors import NotPermitted
from domain.subject import HOLDERS, CaseHold, DataSubject, ErasureReason, HoldReason
from domain.values import Role
from projections.views import case_index

router = APIRouter(tags=["data subjects"])


class SubjectPublic(BaseModel):
    """What is decided about a subject's data; never the data itself."""

    id: str
    version: int
    legal_hold: HoldReason | None
    erasure_approved_by: str | None
    erased: bool


class HoldCreate(BaseModel):
    model_config = examples({"reason_code": "AUDIT", "legal_basis": "Pasal 43 ayat (2) UU 27/2022"})

    reason_code: HoldReason
    legal_basis: DocumentBasis


class HoldRelease(BaseModel):
    model_config = examples({"legal_basis": "audit closed, LHP 12/2025"})

    legal_basis: DocumentBasis


class ErasureCreate(BaseModel):
    model_config = examples({"reason_code": "SUBJECT_REQUEST", "legal_basis": "Pasal 8 UU 27/2022"})

    reason_code: ErasureReason
    legal_basis: DocumentBasis


class SearchCreate(BaseModel):
    """Exact values, normalised (a name's case, accents and spacing do not count)."""

    model_config = examples({"nik": "3573014512900001"}, {"passport_number": "E1234567"}, {"name": "siti rahayu"})

    nik: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")] | None = None
    passport_number: Code | None = Field(None, description="A passport or stay-permit number")
    name: Text | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class FoundCasePublic(CaseSummaryPublic):
    subject_ids: list[str] = Field(description="The data subjects found in this case (what /subjects/{id} takes)")


class FoundCasesPublic(BaseModel):
    data: list[FoundCasePublic]
    count: int


class SubjectsDuePublic(BaseModel):
    class Due(BaseModel):
        subject_id: str
        cases: int
        last_closed_at: datetime

    data: list[Due]
    count: int
    retention_days: int


class SubjectExportPublic(BaseModel):
    subject_id: str
    exported_at: datetime
    exported_by: str
    erased: bool
    legal_hold: str | None
    cases: list[dict[str, Any]]


class CaseHoldPublic(BaseModel):
    """A case's legal hold (penahanan perkara): who may be erased depends on it; nothing
    about the people in the case."""

    case_id: UUID
    version: int = Field(description="The hold record's version, one more per hold or release")
    legal_hold: HoldReason | None


def _case_hold_public(hold: CaseHold) -> CaseHoldPublic:
    return CaseHoldPublic(case_id=hold.case_id, version=hold.version, legal_hold=hold.hold)


def _public(subject: DataSubject) -> SubjectPublic:
    return SubjectPublic(
        id=subject.id.hex,
        version=subject.version,
        legal_hold=subject.hold,
        erasure_approved_by=subject.approval,
        erased=subject.erased,
    )


def _saved(system, subject_id: UUID, version: int) -> SubjectPublic:
    """The subject's record as the command left it (a retry's answer is the first one's)."""
    return _public(system.app.repository.get(subject_id, version=version))


@router.post("/cases/search", response_model=FoundCasesPublic, responses=errors(401, 403, 422))
def search_cases(body: SearchCreate, system: SystemDep, actor: ActorDep) -> FoundCasesPublic:
    """Cases of the subjects that every given value finds, through blind indexes (HMAC) only;
    within the caller's office (auditors: every office), each with the ids of the subjects
    found in it. Erased subjects are not found."""
    scope = access.list_scope(actor, None)
    subjects, cases = privacy.search(system, body.nik, body.passport_number, body.name)
    rows = case_index.list_cases(system.store, office=scope, case_ids=sorted(cases), limit=body.limit) if cases else []
    found = [
        FoundCasePublic(
            **summary(row).model_dump(),
            subject_ids=sorted(set(system.vault.subjects_of(UUID(row["case_id"]))) & subjects),
        )
        for row in rows
    ]
    return FoundCasesPublic(data=found, count=len(found))


SEARCH_BY_POST = "search with POST /cases/search, the value in the body"


# Not in the schema: a GET here is a mistake (a search written as a link), answered before
# ``/cases/{case_id}`` takes ``search`` for a case id. The query is never read: what it
# carries (a NIK) is not echoed, and the access log names this route's template only.
@router.get("/cases/search", include_in_schema=False)
async def search_by_get() -> None:
    raise HTTPException(405, SEARCH_BY_POST, headers={"Allow": "POST"})


@router.post(
    "/subjects/{subject_id}/legal-hold", response_model=SubjectPublic, responses=errors(401, 403, 404, 409, 422)
)
def place_hold(
    subject_id: UUID, body: HoldCreate, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> SubjectPublic:
    """Auditors, or a supervisor of an office with one of the subject's cases: blocks erasure;
    409 if already held. A retry with the same `Idempotency-Key` is answered as the first was."""
    with bound(key) as command_id:
        access.require_role(actor, *HOLDERS)
        subject = system.app.place_legal_hold(actor, subject_id, body.reason_code, body.legal_basis, command_id)
    return _public(subject)


@router.post(
    "/subjects/{subject_id}/legal-hold/release",
    response_model=SubjectPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def release_hold(
    subject_id: UUID, body: HoldRelease, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> SubjectPublic:
    """Release the subject's hold (409 if it is not held); `Idempotency-Key` honoured."""
    with bound(key) as command_id:
        access.require_role(actor, *HOLDERS)
        subject = system.app.release_legal_hold(actor, subject_id, body.legal_basis, command_id)
    return _public(subject)


@router.post("/cases/{case_id}/legal-hold", response_model=CaseHoldPublic, responses=errors(401, 403, 404, 409, 422))
def place_case_hold(
    case_id: UUID, body: HoldCreate, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> CaseHoldPublic:
    """Auditors, or the supervisor of the case's office: nobody whose data the case holds may
    be erased until the hold is released (the case itself goes on); 409 if already held."""
    with bound(key) as command_id:
        access.require_role(actor, *HOLDERS)
        hold = system.app.place_case_hold(actor, case_id, body.reason_code, body.legal_basis, command_id)
    return _case_hold_public(hold)


@router.post(
    "/cases/{case_id}/legal-hold/release",
    response_model=CaseHoldPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def release_case_hold(
    case_id: UUID, body: HoldRelease, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> CaseHoldPublic:
    """Release the case's hold (409 if it is not held)."""
    with bound(key) as command_id:
        access.require_role(actor, *HOLDERS)
        hold = system.app.release_case_hold(actor, case_id, body.legal_basis, command_id)
    return _case_hold_public(hold)


@router.post(
    "/subjects/{subject_id}/erasure-approval", response_model=SubjectPublic, responses=errors(401, 403, 404, 409, 422)
)
def approve_erasure(
    subject_id: UUID, body: ErasureCreate, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> SubjectPublic:
    """A supervisor of an office with one of the subject's cases approves; an admin erases.
    A retry with the same `Idempotency-Key` records no second approval."""
    with bound(key) as command_id:
        access.require_role(actor, Role.SUPERVISOR)
        version = system.app.approve_erasure(actor, subject_id, body.reason_code, body.legal_basis, command_id)
    return _saved(system, subject_id, version)


@router.post("/subjects/{subject_id}/erasure", response_model=SubjectPublic, responses=errors(401, 403, 404, 409, 422))
def erase(
    subject_id: UUID, body: ErasureCreate, system: SystemDep, actor: ActorDep, key: CommandIdDep
) -> SubjectPublic:
    """Crypto-shredding by an admin, after a supervisor's approval: refused (409) under a legal
    hold, while a case is open, or within the retention period after the last one closed.
    A retry with the same `Idempotency-Key` is answered as the erasure was (200), not refused
    as erasing twice is."""
    with bound(key) as command_id:
        access.require_role(actor, Role.ADMIN)
        retention = privacy.retention(system)
        version = system.app.erase_subject(actor, subject_id, body.reason_code, body.legal_basis, retention, command_id)
    return _saved(system, subject_id, version)


@router.get("/subjects/due", response_model=SubjectsDuePublic, responses=errors(401, 403))
def due(
    system: SystemDep,
    actor: ActorDep,
    office: Annotated[OfficeCode | None, Query(description="Office code, e.g. MLG")] = None,
) -> SubjectsDuePublic:
    """Subjects whose retention has ended, per the case index: an admin's are those with a
    case in their own office (those they may erase); an auditor's every office's, or
    ``office``'s."""
    access.require_role(actor, Role.ADMIN, Role.AUDITOR)
    if office is not None:
        access.lookup_office(office)
    if actor.role is Role.ADMIN:
        if office is not None and office != actor.office:
            raise NotPermitted(f"an admin of office {actor.office} erases only that office's subjects")
        office = actor.office
    found = privacy.due(system, office=office)
    return SubjectsDuePublic(
        data=[SubjectsDuePublic.Due(**row) for row in found],
        count=len(found),
        retention_days=system.settings.retention_days,
    )


@router.get("/subjects/{subject_id}/export", response_model=SubjectExportPublic, responses=errors(401, 403, 404))
def export(subject_id: UUID, system: SystemDep, actor: ActorDep) -> SubjectExportPublic:
    """Subject access (hak akses): every case and event about the subject, opened; recorded."""
    access.require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    return SubjectExportPublic(**privacy.export_document(system, actor, subject_id))
