"""Lists come from the case index projection (never from loading aggregates)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import AwareDatetime

from api.bootstrap import System
from api.http import access
from api.http.schemas.common import CasesPublic
from domain.usecases.base import Actor
from projections.views import case_index

MAX_PAGE = 200
# Filters and cursors are codes: printable ASCII without spaces, so nothing a database
# would refuse (NUL) ever reaches one.
WORD = r"^[!-~]+$"


class CaseFilters:
    def __init__(
        self,
        office: Annotated[str | None, Query(max_length=8, pattern=WORD, description="Office code, e.g. MLG")] = None,
        status: Annotated[str | None, Query(max_length=40, pattern=WORD, description="e.g. REFUSED")] = None,
        reason: Annotated[
            str | None, Query(max_length=64, pattern=WORD, description="Reason code, e.g. PMI_NONPROCEDURAL")
        ] = None,
        regency: Annotated[str | None, Query(max_length=8, pattern=WORD, description="Regency code, e.g. 3573")] = None,
        occurred_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
        occurred_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
        after: Annotated[
            str | None, Query(max_length=200, pattern=WORD, description="The `next` of the previous page")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ):
        self.office = office
        self.status = status
        self.reason = reason
        self.regency = regency
        self.occurred_from = occurred_from
        self.occurred_to = occurred_to
        self.after = after
        self.limit = limit


CaseFiltersDep = Annotated[CaseFilters, Depends()]


def next_cursor(rows: list[dict[str, Any]], limit: int, key: str) -> str | None:
    """A full page may have a successor: its cursor is the last row's key."""
    return str(rows[-1][key]) if rows and len(rows) >= limit else None


def list_kind(system: System, actor: Actor, kind: str, filters: CaseFilters) -> CasesPublic:
    rows = case_index.list_cases(
        system.store,
        office=access.list_scope(actor, filters.office),
        status=filters.status,
        kind=kind,
        reason=filters.reason,
        regency=filters.regency,
        occurred_from=filters.occurred_from,
        occurred_to=filters.occurred_to,
        after=filters.after,
        limit=filters.limit,
    )
    return CasesPublic(data=rows, count=len(rows), next=next_cursor(rows, filters.limit, "sort_key"))
