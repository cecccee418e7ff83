"""GET /cases: the cases of every kind in one list (daftar berkas), a supervisor's work queue
across kinds or an auditor's sample of a day. It keeps the per-kind lists' contract
(``api.http.listing``: the case index only, the same scope per role, cursors, ``Link``) and
adds a ``kind`` filter; a status or reason code is checked against the kinds it can belong to.

Given personal data in the URL (a search written as a GET), it answers the 422 that says
where search is, naming the field and never its value: URLs reach access logs.

The web interface's list (``api.ui.pages.cases``) is this list, read from its search form's
text by ``read_filters``: the same parameters, types and rules, the same 422 naming the
parameter, never a page that ignored a filter it could not read.
"""

# No ``from __future__ import annotations``: FastAPI must see the filters' real types,
# built here from the lifecycles.

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

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


PERSONAL = ("nik", "passport_number", "name")


def check_no_personal_data(given: Mapping[str, str | None]) -> None:
    """Search by NIK, passport or permit number, or name is ``POST /cases/search``: a value
    here is refused before any filter is read, naming the field, never the value."""
    found = [field for field in PERSONAL if given.get(field)]
    if found:
        raise InvalidCommand(found[0], _IN_A_URL)


async def refuse_personal_data(
    nik: Annotated[str | None, _HIDDEN] = None,
    passport_number: Annotated[str | None, _HIDDEN] = None,
    name: Annotated[str | None, _HIDDEN] = None,
) -> None:
    check_no_personal_data({"nik": nik, "passport_number": passport_number, "name": name})


class AllCasesFilters(CaseFilters):
    """The list filters with ``kind``: every listed kind when it is omitted. Ordered by opening
    (``/cases``) unless told (the web interface's list: by latest activity)."""

    def __init__(
        self, request: Request, response: Response, kind: str | None, order: str = BY_OPENING, **values: object
    ):
        super().__init__(request, response, order, **values)
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


KindFilter = Annotated[Kind | None, Query(description="The case's kind; every kind when omitted")]
StatusFilter = Annotated[
    Status | None, Query(description="The case's current status: one its kind has (any kind's without `kind`)")
]
ReasonFilter = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=WORD,
        description="Reason code, exact: one a case of the kind keeps (a refusal's, a postponement's, "
        "an action's, an objection's); another kind's, or one no case keeps, is a 422",
    ),
]
PAGE = 50


async def all_cases_filters(
    request: Request,
    response: Response,
    office: Office = None,
    kind: KindFilter = None,
    status: StatusFilter = None,
    reason: ReasonFilter = None,
    regency: Regency = None,
    occurred_from: From = None,
    occurred_to: To = None,
    after: After = None,
    limit: Limit = PAGE,
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


# The parameters above by their names in a URL, each read by its declared type (constraints
# and all) from text: what ``read_filters`` takes.
PARAMETERS: dict[str, Any] = {
    "office": Office,
    "kind": KindFilter,
    "status": StatusFilter,
    "reason": ReasonFilter,
    "regency": Regency,
    "from": From,
    "to": To,
    "after": After,
    "limit": Limit,
}
_READERS = {name: TypeAdapter(declared) for name, declared in PARAMETERS.items()}
_ARGUMENTS = {"from": "occurred_from", "to": "occurred_to"}


def read_filters(
    request: Request, given: Mapping[str, str], *, order: str = BY_OPENING, limit: int = PAGE
) -> AllCasesFilters:
    """The filters of ``PARAMETERS`` as text, as a browser's search form sends them (an empty
    field means "any"), read by their declared types and checked by the rules above: what
    they refuse is the 422 ``GET /cases`` answers, naming each parameter (never its value).
    In ``order`` (the web interface's: ``BY_ACTIVITY``, its cursors the per-kind lists')."""
    values: dict[str, Any] = {name: None for name in PARAMETERS} | {"limit": limit}
    refused = []
    for name, reader in _READERS.items():
        text = given.get(name)
        if not text:
            continue
        try:
            values[name] = reader.validate_python(text)
        except ValidationError as error:
            refused += [{"loc": ("query", name), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    if refused:
        raise RequestValidationError(refused)
    kind = values.pop("kind")
    arguments = {_ARGUMENTS.get(name, name): value for name, value in values.items()}
    return AllCasesFilters(request, Response(), kind, order, **arguments)


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
