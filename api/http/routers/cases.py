"""/cases/{id}: any case, replayed for auditors: its history, any version, any instant.

Replayed ``marking_unreadable``: personal data that does not open (a data subject's key row
altered) is null and flagged ``personal_data_unreadable`` where it is not shown (an auditor,
another office), and refused (409 personal-data-unreadable) where it would be
(``api.http.present``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.http import access
from api.http.commands import answer
from api.http.deps import ActorDep, SystemDep
from api.http.listing import INSTANT_HELP, Instant
from api.http.present import event_public
from api.http.reading import UNREADABLE_409
from api.http.schemas.cases import CASE_MODELS, CasePublic
from api.http.schemas.common import errors
from api.http.schemas.events import EventsPublic
from domain.case import Case
from domain.errors import CaseNotFound, InvalidCommand
from domain.transcodings import marking_unreadable

router = APIRouter(prefix="/cases", tags=["replay (auditors)"])


def _case(system, case_id: UUID, version: int | None = None) -> Case:
    with marking_unreadable():
        case = system.app.get_case(case_id, version=version)
    # Accounts share the log but are not cases; a revenue target is a record of its own
    # (``/revenue-targets``), with no case model to answer it in.
    if not isinstance(case, Case) or case.KIND not in CASE_MODELS:
        raise CaseNotFound(case_id)
    return case


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404, 422) | {409: UNREADABLE_409})
def get_case(
    case_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    response: Response,
    version: Annotated[int | None, Query(ge=1, le=1_000_000, description="The case as of this version")] = None,
    as_of: Annotated[
        Instant | None, Query(description="The case as it stood at this business instant. " + INSTANT_HELP)
    ] = None,
) -> CasePublic:
    """The case now, at a version, or as it stood at an instant (what was known of it then)."""
    if version is not None and as_of is not None:
        raise InvalidCommand("as_of", "give either version or as_of, not both")
    current = _case(system, case_id)
    access.require_case_reader(actor, current.office)
    if version is not None:
        return answer(system, actor, _case(system, case_id, version), response)
    if as_of is not None:
        with marking_unreadable():
            then = system.app.case_as_of(case_id, as_of)
        if then is None:
            raise InvalidCommand("as_of", "the case did not exist yet at that instant")
        return answer(system, actor, then, response)
    return answer(system, actor, current, response)


@router.get("/{case_id}/history", response_model=EventsPublic, responses=errors(401, 403, 404, 422))
def history(case_id: UUID, system: SystemDep, actor: ActorDep) -> EventsPublic:
    """Every event in order, with actor, role, office, occurred and recorded time, reason and legal basis."""
    # One read of the log: the case's office is its first event's (no replay of the case besides).
    with marking_unreadable():
        recorded = system.app.history(case_id)
    if not isinstance(recorded[0], Case.Event):  # accounts share the log but are not cases
        raise CaseNotFound(case_id)
    office = recorded[0].provenance.office
    access.require_case_reader(actor, office)
    reveal = access.reveals_personal_data(actor, office)
    events = [event_public(event, reveal) for event in recorded]
    return EventsPublic(data=events, count=len(events))
