"""/audit/decisions: who decided what, when, on which legal basis (from the audit trail)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.listing import (
    INSTANT_HELP,
    MAX_PAGE,
    MAX_POSITION,
    WORD,
    Instant,
    check_reason,
    next_cursor,
    page_link,
)
from api.http.present import local
from api.http.schemas.admin import DecisionPublic, DecisionsPublic
from api.http.schemas.common import errors
from projections.views import audit_trail

router = APIRouter(prefix="/audit", tags=["replay (auditors)"])


@router.get("/decisions", response_model=DecisionsPublic, responses=errors(401, 403, 422))
def decisions(
    system: SystemDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    officer: Annotated[str | None, Query(max_length=100, pattern=WORD, description="The deciding user's id")] = None,
    reason: Annotated[str | None, Query(max_length=64, pattern=WORD)] = None,
    office: Annotated[str | None, Query(max_length=8, pattern=WORD)] = None,
    occurred_from: Annotated[Instant | None, Query(alias="from", description="At or after. " + INSTANT_HELP)] = None,
    occurred_to: Annotated[Instant | None, Query(alias="to", description="At or before. " + INSTANT_HELP)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_POSITION, description="The `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> DecisionsPublic:
    """Decisions in the order they were recorded. Auditors see every office (all when `office`
    is omitted); supervisors their own. Filters combine (AND), each matching exactly; `from`
    and `to` bound the business time. The next page: the `Link` header (rel="next")."""
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
    check_reason(system, reason, rows, after)
    cursor = next_cursor(rows, limit, "notification_id")
    page_link(request, response, cursor)
    return DecisionsPublic(data=[_decision(row) for row in rows], count=len(rows), next=cursor)


def _decision(row: dict[str, Any]) -> DecisionPublic:
    office = row["office"]
    times = {name: local(row[name], office) for name in ("occurred_at", "recorded_at")}
    return DecisionPublic(id=row["notification_id"], **{k: v for k, v in row.items() if k != "notification_id"} | times)
