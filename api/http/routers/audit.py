"""/audit/decisions: who decided what, when, on which legal basis (from the audit trail)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.http import access, days
from api.http.deps import ActorDep, SystemDep
from api.http.listing import (
    DAY_OR_INSTANT_HELP,
    MAX_PAGE,
    MAX_POSITION,
    WORD,
    DayOrInstant,
    check_reason,
    next_cursor,
    page_link,
)
from api.http.present import local
from api.http.schemas.admin import DecisionPublic, DecisionsPublic
from api.http.schemas.common import OfficeCode, errors
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
    office: Annotated[OfficeCode | None, Query(description="Office code, e.g. MLG")] = None,
    occurred_from: Annotated[
        DayOrInstant | None, Query(alias="from", description="At or after. " + DAY_OR_INSTANT_HELP)
    ] = None,
    occurred_to: Annotated[
        DayOrInstant | None, Query(alias="to", description="At or before. " + DAY_OR_INSTANT_HELP)
    ] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_POSITION, description="The `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> DecisionsPublic:
    """Decisions in the order they were recorded. Auditors see every office (all when `office`
    is omitted); supervisors their own. Filters combine (AND), each matching exactly; `from`
    and `to` bound the business time, inclusive: a date is a whole calendar day of the office
    (in a national list, of each decision's own office), as in the web interface. The next
    page: the `Link` header (rel="next"); a national page filtered by days may hold fewer rows."""
    scope = access.report_scope(actor, office)
    first, last = days.span(occurred_from, occurred_to, scope)
    fetched = audit_trail.decisions(
        system.store,
        officer=officer,
        reason=reason,
        office=scope,
        occurred_from=first,
        occurred_to=last,
        after=after,
        limit=limit,
    )
    since, until = days.day_of(occurred_from), days.day_of(occurred_to)
    rows = days.within(fetched, "occurred_at", since, until) if scope is None else fetched
    check_reason(system, reason, fetched, after)
    cursor = next_cursor(fetched, limit, "notification_id")
    page_link(request, response, cursor)
    return DecisionsPublic(data=[_decision(row) for row in rows], count=len(rows), next=cursor)


def _decision(row: dict[str, Any]) -> DecisionPublic:
    office = row["office"]
    times = {name: local(row[name], office) for name in ("occurred_at", "recorded_at")}
    return DecisionPublic(id=row["notification_id"], **{k: v for k, v in row.items() if k != "notification_id"} | times)
