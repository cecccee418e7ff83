"""GET /cases: the cases of every kind in one list (daftar berkas), a supervisor's work queue
across kinds or an auditor's sample of a day. It keeps the per-kind lists' contract
(``api.http.listing``: the case index only, the same scope per role, cursors, ``Link``) and
adds a ``kind`` filter; a status or reason code is checked against the kinds it can belong to.

Given personal data in the URL (a search written as a GET), it answers the 422 that says
where search is, naming the field and never its value: URLs reach access logs.
"""

# No ``from __future__ import annotations``: FastAPI must see the filters' real types,
# built here from the lifecycles.

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.http.commands import PATHS
from api.http.deps import ActorDep, SystemDep
from api.http.listing import (
    BY_OPENING,
    DAYS_HELP,
    WORD,
    After,
    CaseFilters,
    From,
    Limit,
    Office,
    Regency,
    To,
    invalid_query,
    list_page,
)
from api.http.schemas.cases import CasesPublic
from api.http.schemas.common import errors
from domain import CASE_KINDS, EnforcementCase, JointOperation, PassportApplication, StayPermit
from domain.errors import InvalidCommand
from domain.values import (
    REASON_CODES,
    EnforcementReason,
    ObjectionOutcome,
    PostponementReason,
    RefusalReason,
    StayRefusalReason,
)

router = APIRouter(tags=["cases"])

# The kinds the API serves as cases (a revenue target shares the case index, not the list).
KINDS = {kind.KIND: kind for kind in CASE_KINDS if kind.KIND in PATHS}
STATUSES = {name: frozenset(status.value for status in kind.LIFECYCLE.states) for name, kind in KINDS.items()}
# The codes the case index keeps as a case's reason, per kind: those of its decisions whose
# event names the reason ``reason_code`` (a zero tariff's group is its ``basis`` instead).
_REASON_LISTS = {
    PassportApplication.KIND: (RefusalReason, PostponementReason),
    StayPermit.KIND: (StayRefusalReason,),
    EnforcementCase.KIND: (EnforcementReason, ObjectionOutcome),
    JointOperation.KIND: (),
}
REASONS = {kind: frozenset(code.value for codes in lists for code in codes) for kind, lists in _REASON_LISTS.items()}
KEPT_REASONS = frozenset().union(*REASONS.values())

Kind = Literal[tuple(KINDS)]
Status = Literal[tuple(sorted(frozenset().union(*STATUSES.values())))]

_IN_A_URL = (
    "is personal data, never taken in a URL (access logs, proxies and browser history keep URLs): "
    "search with POST /cases/search, the value in the body"
)
_HIDDEN = Query(include_in_schema=False)


async def refuse_personal_data(
    nik: Annotated[str | None, _HIDDEN] = None,
    passport_number: Annotated[str | None, _HIDDEN] = None,
    name: Annotated[str | None, _HIDDEN] = None,
) -> None:
    """Search by NIK, passport or permit number, or name is ``POST /cases/search``: a value
    here is refused before any filter is read, naming the field, never the value."""
    given = [field for field, value in (("nik", nik), ("passport_number", passport_number), ("name", name)) if value]
    if given:
        raise InvalidCommand(given[0], _IN_A_URL)


class AllCasesFilters(CaseFilters):
    """The list filters with ``kind``: every listed kind when it is omitted."""

    def __init__(self, request: Request, response: Response, kind: str | None, **values: object):
        super().__init__(request, response, BY_OPENING, **values)
        self.kinds: tuple[str, ...] = (kind,) if kind else tuple(KINDS)
        _check_status(kind, self.status)
        _check_reason(kind, self.reason)


def _check_status(kind: str | None, status: str | None) -> None:
    """Without ``kind`` a status is any kind's (the type has checked it); with it, that kind's."""
    if kind is not None and status is not None and status not in STATUSES[kind]:
        raise invalid_query("status", f"is not a status of {kind}: one of {', '.join(sorted(STATUSES[kind]))}")


def _check_reason(kind: str | None, reason: str | None) -> None:
    """A listed code must be one a case keeps as its reason, of the given kind. A code no
    list has may have been recorded before the lists were closed: ``check_reason`` asks
    the audit trail when such a filter finds nothing."""
    if reason is None:
        return
    holders = [name for name, codes in REASONS.items() if reason in codes]
    if holders and kind is not None and kind not in holders:
        raise invalid_query("reason", f"is a reason code of {' and '.join(holders)}, not of {kind}")
    if not holders and reason in REASON_CODES:
        raise invalid_query("reason", "is a decision's code that no case keeps as its reason code")


async def all_cases_filters(
    request: Request,
    response: Response,
    office: Office = None,
    kind: Annotated[Kind | None, Query(description="The case's kind; every kind when omitted")] = None,
    status: Annotated[
        Status | None, Query(description="The case's current status: one its kind has (any kind's without `kind`)")
    ] = None,
    reason: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=WORD,
            description="Reason code, exact: one a case of the kind keeps (a refusal's, a postponement's, "
            "an action's, an objection's); another kind's, or one no case keeps, is a 422",
        ),
    ] = None,
    regency: Regency = None,
    occurred_from: From = None,
    occurred_to: To = None,
    after: After = None,
    limit: Limit = 50,
) -> AllCasesFilters:
    return AllCasesFilters(
        request,
        response,
        kind,
        office=office,
        status=status,
        reason=reason,
        regency=regency,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        after=after,
        limit=limit,
    )


LIST_ALL_HELP = (
    "The cases of every kind (or of `kind`) the caller may list: their own office's for officers and "
    "supervisors, every office's or `office`'s for auditors. Filters combine (AND), each matching "
    "exactly; " + DAYS_HELP + " Most recently opened first: a case's opening never changes, so "
    "following `next` to the end answers each case once, while cases change or are added. The next "
    'page: the `Link` header (rel="next"). Search by NIK, passport number or name is `POST /cases/search`: '
    "any of them here is a 422 naming the field."
)


@router.get(
    "/cases",
    response_model=CasesPublic,
    responses=errors(401, 403, 422),
    dependencies=[Depends(refuse_personal_data)],
    description=LIST_ALL_HELP,
)
def list_all_cases(
    system: SystemDep, actor: ActorDep, filters: Annotated[AllCasesFilters, Depends(all_cases_filters)]
) -> CasesPublic:
    return list_page(system, actor, filters, filters.kinds, KEPT_REASONS)
