"""Lists come from the case index projection (never from loading aggregates): typed filters
(an unknown status or reason is a 422, as is a cursor this API did not hand out), pages
linked by an absolute ``Link: <…>; rel="next"``."""

# No ``from __future__ import annotations`` here: the filter dependency is built per case
# kind, and FastAPI must see its parameters' real types, not strings.

import base64
import binascii
import re
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator, PlainValidator, TypeAdapter, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from api.bootstrap import System
from api.http import access, days
from api.http.present import local
from api.http.schemas.cases import CasesPublic, CaseSummaryPublic
from api.http.schemas.common import BusinessInstant, Day, OfficeCode
from domain.case import Case
from domain.reference import OFFICES
from domain.usecases.base import Actor
from domain.values import REASON_CODES
from projections.views import audit_trail, case_index

MAX_PAGE = 200
# A position in the log (a cursor of the audit trail): both databases keep a signed 64-bit integer.
MAX_POSITION = 2**63 - 1
# Filters and cursors are codes: printable ASCII without spaces, so nothing a database
# would refuse (NUL) ever reaches one.
WORD = r"^[!-~]+$"
REGENCIES = frozenset(j.regency_code for office in OFFICES.values() for j in office.jurisdiction)
_PASTED_OFFSET = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


def _plus_restored(value: Any) -> Any:
    """``…T00:00:00+07:00`` pasted into a URL unencoded arrives as ``…T00:00:00 07:00``
    (a ``+`` in a query string means a space): read it as the offset it was."""
    return _PASTED_OFFSET.sub(r"\1+\2", value) if isinstance(value, str) else value


Instant = Annotated[BusinessInstant, BeforeValidator(_plus_restored)]
INSTANT_HELP = (
    "RFC 3339 with an offset, e.g. 2024-06-30T00:00:00+07:00 (encode `+` as %2B; an unencoded one is accepted)"
)
_PLAIN_DAY = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*")
_AS_DAY, _AS_INSTANT = TypeAdapter(Day), TypeAdapter(Instant)


def _day_or_instant(value: Any) -> date | datetime:
    """A plain date (2025-12-01) stays a day, the office's (``api.http.days``); anything
    else is an instant, its offset required. A refusal is one error of the field's own."""
    adapter = _AS_DAY if isinstance(value, str) and _PLAIN_DAY.fullmatch(value) else _AS_INSTANT
    try:
        return adapter.validate_python(value)
    except ValidationError as refused:
        first = refused.errors()[0]
        raise PydanticCustomError(first["type"], first["msg"].replace("{", "{{").replace("}", "}}")) from None


DayOrInstant = Annotated[
    date | datetime,
    PlainValidator(_day_or_instant),
    WithJsonSchema({"type": "string", "examples": ["2025-12-01", "2025-12-01T08:00:00+08:00"]}),
]
DAY_OR_INSTANT_HELP = (
    "A date (2025-12-01: the office's calendar day, from its start or through its end; in a list of "
    "every office each row's own office's day), or " + INSTANT_HELP
)


def invalid_query(field: str, rule: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", field), "msg": rule, "type": kind}])


def check_reason(
    system: System, reason: str | None, rows: list[Any], after: object, listed: frozenset[str] = REASON_CODES
) -> None:
    """A reason code filtering to an empty first page is a 422 unless the domain lists it
    (``listed``: by default every decision's codes) or a decision has recorded it (a code
    recorded by an older version, before its list was closed): a misspelt code is never
    answered "nothing found"."""
    if reason is None or rows or after is not None or reason in listed:
        return
    if not audit_trail.has_reason(system.store, reason):
        raise invalid_query("reason", "is not the reason code of any recorded decision")


def page_link(request: Request, response: Response, cursor: str | None) -> None:
    """The next page's absolute URL: this request's, with ``after`` set to the cursor."""
    if cursor is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(after=cursor)}>; rel="next"'


BY_ACTIVITY, BY_OPENING = case_index.ORDERS


def encode_cursor(sort_key: str, order: str = BY_ACTIVITY) -> str:
    """The case index's sort key, opaque; one of another order than the latest activity
    names its order, so that a list never takes the cursor of a list ordered otherwise."""
    text = sort_key if order == BY_ACTIVITY else f"{order}|{sort_key}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str = BY_ACTIVITY) -> str:
    """The case index's sort key inside a cursor of ours, of this list's order; anything
    else is a 422."""
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if order != BY_ACTIVITY:
            named, _, key = key.partition("|")
            if named != order:
                raise ValueError(named)
        at, _, case_id = key.partition("|")
        datetime.fromisoformat(at)
        UUID(case_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_query("after", "is not a cursor of this list: pass the `next` of the previous page") from None
    return key


def _code(value: Enum | str | None) -> str | None:
    return value.value if isinstance(value, Enum) else value


class CaseFilters:
    """A case list's filters, checked: codes as plain strings, ``after`` as the sort key in
    the list's ``order``, ``from`` and ``to`` each a day (the office's) or an instant."""

    def __init__(self, request: Request, response: Response, order: str = BY_ACTIVITY, **values: Any):
        self.request = request
        self.response = response
        self.order = order
        self.office: str | None = values["office"]
        self.status: str | None = _code(values["status"])
        self.reason: str | None = _code(values["reason"])
        self.regency: str | None = values["regency"]
        self.occurred_from: date | datetime | None = values["occurred_from"]
        self.occurred_to: date | datetime | None = values["occurred_to"]
        self.after: str | None = decode_cursor(values["after"], order) if values["after"] else None
        self.limit: int = values["limit"]
        if self.regency is not None and self.regency not in REGENCIES:
            raise invalid_query("regency", "is not a regency code any office serves")


# The filters every case list takes (a kind's own statuses and reasons apart).
Office = Annotated[
    OfficeCode | None,
    Query(description="Office code; auditors: all when omitted, others: their own"),
]
Regency = Annotated[
    str | None, Query(max_length=8, pattern=WORD, description="Kode kabupaten/kota of residence, e.g. 3573")
]
From = Annotated[
    DayOrInstant | None, Query(alias="from", description="Latest activity at or after. " + DAY_OR_INSTANT_HELP)
]
To = Annotated[
    DayOrInstant | None, Query(alias="to", description="Latest activity at or before. " + DAY_OR_INSTANT_HELP)
]
After = Annotated[str | None, Query(max_length=200, pattern=WORD, description="The `next` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page")]


def filters_for(kind: type[Case], reasons: type[Enum] | None = None) -> Any:
    """The list filters of a case kind: its own statuses (and reason codes, where the
    domain has a closed list) as enums, so that a misspelt value is a 422, never an
    empty 200."""
    statuses = kind.LIFECYCLE.states
    Reason = (
        Annotated[reasons | None, Query(description="Reason code")]
        if reasons
        else Annotated[str | None, Query(max_length=64, pattern=WORD, description="Reason code, exact")]
    )

    # ``async``: it neither blocks nor touches the database, and a sync dependency would
    # cost a hop to the thread pool on every list request.
    async def case_filters(
        request: Request,
        response: Response,
        office: Office = None,
        status: Annotated[statuses | None, Query(description="The case's current status")] = None,
        reason: Reason = None,
        regency: Regency = None,
        occurred_from: From = None,
        occurred_to: To = None,
        after: After = None,
        limit: Limit = 50,
    ) -> CaseFilters:
        return CaseFilters(
            request,
            response,
            office=office,
            status=status,
            reason=reason,
            regency=regency,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            after=after,
            limit=limit,
        )

    return Annotated[CaseFilters, Depends(case_filters)]


DAYS_HELP = (
    "`from` and `to` bound the case's latest business time, inclusive: an instant, or a date, the "
    "office's calendar day (in a list of every office, each row's own office's: such a page may hold "
    "fewer rows than `limit`, its `next` still leads on)."
)
LIST_HELP = (
    "Filters combine (AND), each matching exactly; " + DAYS_HELP + " Most recently active first. "
    'The next page: the `Link` header (rel="next").'
)


def summary(row: dict[str, Any]) -> CaseSummaryPublic:
    """A case index row as every list answers it (its times in its office's zone)."""
    office = row["office"]
    return CaseSummaryPublic(
        id=row["case_id"],
        kind=row["kind"],
        office=office,
        status=row["status"],
        subtype=row["subtype"],
        reason_code=row["reason_code"],
        regency=row["regency"],
        opened_at=local(row["opened_at"], office),
        last_occurred_at=local(row["last_occurred_at"], office),
        version=row["version"],
    )


def next_cursor(rows: list[dict[str, Any]], limit: int, key: str) -> str | None:
    """A full page may have a successor: its cursor is the last row's key."""
    return str(rows[-1][key]) if rows and len(rows) >= limit else None


def list_kind(system: System, actor: Actor, kind: str, filters: CaseFilters) -> CasesPublic:
    return list_page(system, actor, filters, (kind,))


def list_page(
    system: System, actor: Actor, filters: CaseFilters, kinds: tuple[str, ...], listed: frozenset[str] = REASON_CODES
) -> CasesPublic:
    """A page of the cases of ``kinds`` the actor may list. A day bounds the office's own
    calendar day; in a list of every office each row's own office's (``api.http.days``):
    such a page may hold fewer rows than ``limit``, and its ``next`` still leads on."""
    scope = access.list_scope(actor, filters.office)
    first, last = days.span(filters.occurred_from, filters.occurred_to, scope)
    kind, many = (kinds[0], None) if len(kinds) == 1 else (None, kinds)
    fetched = case_index.list_cases(
        system.store,
        office=scope,
        status=filters.status,
        kind=kind,
        kinds=many,
        reason=filters.reason,
        regency=filters.regency,
        occurred_from=first,
        occurred_to=last,
        after=filters.after,
        limit=filters.limit,
        order=filters.order,
    )
    since, until = days.day_of(filters.occurred_from), days.day_of(filters.occurred_to)
    rows = days.within(fetched, "last_occurred_at", since, until) if scope is None else fetched
    check_reason(system, filters.reason, fetched, filters.after, listed)
    last_key = next_cursor(fetched, filters.limit, "sort_key")
    cursor = encode_cursor(last_key, filters.order) if last_key else None
    page_link(filters.request, filters.response, cursor)
    return CasesPublic(data=[summary(row) for row in rows], count=len(rows), next=cursor)
