"""The decisions browser (jejak audit): who decided what, when, on which legal basis."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http import access, days
from api.http.listing import MAX_PAGE, MAX_POSITION
from api.ui.web import CODE, ViewerDep, optional_date, page, state_of
from domain.reference import OFFICES
from projections.views import audit_trail

router = APIRouter()
PAGE = 50


@router.get("/audit")
def decisions(
    request: Request,
    viewer: ViewerDep,
    officer: Annotated[str | None, Query(max_length=100, pattern=CODE)] = None,
    reason: Annotated[str | None, Query(max_length=64, pattern=CODE)] = None,
    office: Annotated[str | None, Query(max_length=8, pattern=CODE)] = None,
    since: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    until: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
) -> Response:
    """Auditors see every office; supervisors their own; each row links to its case."""
    assert viewer.actor is not None
    scope = access.report_scope(viewer.actor, office or None)
    occurred_from, occurred_to = optional_date("from", since), optional_date("to", until)
    # A day is the office's: one office's own, or in a national list each row's office's.
    first, last = days.bounds(occurred_from, occurred_to, scope)
    fetched = audit_trail.decisions(
        state_of(request).system.store,
        officer=officer or None,
        reason=reason or None,
        office=scope,
        occurred_from=first,
        occurred_to=last,
        after=after,
        limit=limit,
    )
    rows = days.within(fetched, "occurred_at", occurred_from, occurred_to) if scope is None else fetched
    filters = {
        "officer": officer or "",
        "reason": reason or "",
        "office": scope or "",
        "from": occurred_from.isoformat() if occurred_from else "",
        "to": occurred_to.isoformat() if occurred_to else "",
        "limit": limit if limit != PAGE else "",
    }
    following = fetched[-1]["notification_id"] if len(fetched) >= limit else None
    return page(
        request,
        viewer,
        "audit.html",
        rows=rows,
        filters=filters,
        following=following,
        offices=sorted(OFFICES),
        scope=scope,
        zone=days.zone_name(scope) if scope else None,
    )
