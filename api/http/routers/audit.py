"""/audit/decisions: who decided what, when, on which legal basis (from the audit trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.listing import MAX_PAGE, WORD, next_cursor
from api.http.schemas.admin import DecisionsPublic
from api.http.schemas.common import errors
from projections.views import audit_trail

router = APIRouter(prefix="/audit", tags=["replay (auditors)"])


@router.get("/decisions", response_model=DecisionsPublic, responses=errors(401, 403, 422))
def decisions(
    system: SystemDep,
    actor: ActorDep,
    officer: Annotated[str | None, Query(max_length=100, pattern=WORD, description="The deciding user's id")] = None,
    reason: Annotated[str | None, Query(max_length=64, pattern=WORD)] = None,
    office: Annotated[str | None, Query(max_length=8, pattern=WORD)] = None,
    occurred_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    occurred_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    after: Annotated[int | None, Query(ge=0, description="The `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> DecisionsPublic:
    """Auditors see every office; supervisors their own."""
    rows = audit_trail.decisions(
        system.store,
        officer=officer,
        reason=reason,
        office=access.report_scope(actor, office),
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        after=after,
        limit=limit,
    )
    return DecisionsPublic(data=rows, count=len(rows), next=next_cursor(rows, limit, "notification_id"))
