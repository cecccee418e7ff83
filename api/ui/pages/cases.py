"""Cases: search (daftar berkas), a case's page with its timeline, and its commands."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response

from api import privacy
from api.http import access, days
from api.http.listing import BY_ACTIVITY, MAX_PAGE, list_page, summary
from api.http.present import case_public, event_public
from api.http.routers import case_list
from api.http.schemas.cases import CASE_MODELS
from api.ui import i18n, refusals
from api.ui.forms import body, form_of, forms
from api.ui.web import FormDep, Viewer, ViewerDep, check_csrf, page, state_of
from domain.case import Case
from domain.errors import CaseNotFound, ConflictError, DomainError, InvalidCommand, NotPermitted
from domain.reference import OFFICES
from domain.reference import office as lookup_office
from domain.transcodings import marking_unreadable
from projections.views import case_index

router = APIRouter()
# The kinds and statuses ``GET /cases`` lists (a revenue target is no case page's).
KINDS = tuple(case_list.KINDS)
STATUSES = sorted(frozenset().union(*case_list.STATUSES.values()))
PAGE = 25
VERSION = re.compile(r"[0-9]{1,7}")
# A command form's nonce: the page's random part (secrets.token_urlsafe(12): 16 URL-safe
# characters), a dash and the command's path; ``command_id`` takes nothing else.
NONCE_BYTES = 12
NONCE = re.compile(r"[A-Za-z0-9_-]{16}")


def new_nonce() -> str:
    """The random part of the nonces of one case page's command forms."""
    return secrets.token_urlsafe(NONCE_BYTES)


def command_id(actor_id: str, nonce: str, command: str) -> str:
    """The form's nonce makes a double submit one command, as an Idempotency-Key does."""
    random_part, dash, path = nonce[:16], nonce[16:17], nonce[17:]
    if not (NONCE.fullmatch(random_part) and dash == "-" and path == command):
        raise InvalidCommand("nonce", "must be the one the case page gave this command's form: reload the page")
    return f"{actor_id}:ui:{nonce}"


# A list filter's label on the search form (what a refusal names it by, with its parameter).
FILTERS = {name: f"cases.{name}" for name in case_list.PARAMETERS}


@router.get("/cases")
def search(
    request: Request,
    viewer: ViewerDep,
    number: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Search by number (a case's id), or list the cases ``GET /cases`` lists, by the same
    filters read by the same rules (``case_list.read_filters``): a filter it refuses is a
    422 page naming it, never an empty list that ignored it. Newest activity first."""
    actor = viewer.actor
    assert actor is not None
    if number and number.strip():
        try:
            case_id = UUID(number.strip())
        except ValueError:
            raise InvalidCommand("number", "must be a case id such as 0b6e…-…") from None
        return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)
    given = {name: request.query_params.get(name, "") for name in case_list.PARAMETERS}
    system = state_of(request).system
    try:
        case_list.check_no_personal_data(request.query_params)
        filters = case_list.read_filters(request, given, order=BY_ACTIVITY, limit=PAGE)
        listed = list_page(system, actor, filters, filters.kinds, case_list.KEPT_REASONS)
    except (RequestValidationError, InvalidCommand) as refusal:
        return _refused(request, viewer, given, refusal)
    return _cases_page(
        request,
        viewer,
        rows=listed.data,
        filters=_shown(given),
        following=listed.next,
        first_page=filters.after is not None,
        scope=access.list_scope(actor, filters.office),
    )


def _shown(given: dict[str, str]) -> dict[str, str]:
    """The filters as the form and the pager links repeat them (the default page size apart)."""
    return {name: text for name, text in given.items() if name != "after"} | {
        "limit": given["limit"] if given["limit"] != str(PAGE) else ""
    }


def _refused(request: Request, viewer: Viewer, given: dict[str, str], refusal: Exception) -> Response:
    """The search page again, at 422: the filter it could not read named by its label and
    its parameter, with the rule, and no list (no "nothing matched" for a search never run)."""
    if isinstance(refusal, InvalidCommand):
        field, rule = refusal.field, refusal.rule
    else:
        assert isinstance(refusal, RequestValidationError)
        first = refusal.errors()[0]
        field, rule = str(first["loc"][-1]), str(first["msg"])
    personal = field in case_list.PERSONAL
    label = viewer.t(FILTERS[field]) if field in FILTERS else i18n.field_label(viewer.lang, field)
    said = viewer.t("cases.in_url") if personal else refusals.rule(viewer.lang, rule)
    actor = viewer.actor
    assert actor is not None
    return _cases_page(
        request,
        viewer,
        422,
        rows=None,
        filters=_shown(given),
        following=None,
        first_page=False,
        scope=access.list_scope(actor, None),
        refused=field,
        problem=viewer.t("cases.refused", filter=f"{label} ({field})", rule=said),
        personal_search=personal,
    )


def _cases_page(request: Request, viewer: Viewer, status: int = 200, **context: Any) -> Response:
    scope = context["scope"]
    return page(
        request,
        viewer,
        "cases.html",
        status,
        kinds=KINDS,
        statuses=STATUSES,
        offices=sorted(OFFICES),
        zone=days.zone_name(scope) if scope else None,
        **context,
    )


@router.get("/cases/search")
def search_by_get() -> Response:
    """The personal-data search's results have no address of their own (a value is never in
    one): a bookmarked or reloaded results page opens the search."""
    return RedirectResponse("/ui/cases", status_code=303)


@router.post("/cases/search")
def search_people(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    """By NIK, passport or permit number, or name: through the blind indexes only, and by
    POST, so that personal data never appears in a URL, a log line or the browser's history."""
    check_csrf(request, viewer, form)
    actor = viewer.actor
    assert actor is not None
    scope = access.list_scope(actor, None)
    system = state_of(request).system
    values = {name: (form.get(name) or "").strip() or None for name in case_list.PERSONAL}
    _subjects, found = privacy.search(system, values["nik"], values["passport_number"], values["name"])
    rows = case_index.list_cases(system.store, office=scope, case_ids=sorted(found), limit=MAX_PAGE) if found else []
    return _cases_page(
        request,
        viewer,
        rows=[summary(row) for row in rows],
        filters={},
        following=None,
        first_page=False,
        personal_search=True,
        scope=scope,
    )


def _case(request: Request, case_id: UUID, version: int | None = None) -> Case:
    """The case a command runs on: personal data that does not open refuses it loudly (409)."""
    return _typed(state_of(request).system.app.get_case(case_id, version=version), case_id)


def _read(request: Request, case_id: UUID, version: int | None = None) -> Case:
    """The case a page shows, replayed ``marking_unreadable`` as the API's reads replay it:
    personal data that does not open is null and flagged for a reader it is not shown to (an
    auditor), and refused (409) where it would be shown (``case_public``, ``event_public``)."""
    with marking_unreadable():
        return _typed(state_of(request).system.app.get_case(case_id, version=version), case_id)


def _typed(case: object, case_id: UUID) -> Case:
    # Accounts share the log but are not cases; a revenue target has no case page (its own is the report's).
    if not isinstance(case, Case) or case.KIND not in CASE_MODELS:
        raise CaseNotFound(case_id)
    return case


_HEADER = ("id", "kind", "version", "status", "office")
# Attributes in whole rupiah (the models' ``Rupiah``): shown as Rp 950.000, exactly.
MONEY = frozenset(
    name
    for model in CASE_MODELS.values()
    for name, field in model.model_fields.items()
    if field.description == "Whole rupiah (IDR)"
)


def _state(case: Case, reveal: bool) -> dict[str, Any]:
    """The case as the API shows it (personal data null unless revealed), header apart."""
    shown = case_public(case, reveal).model_dump(mode="json")
    return {name: shown.get(name) for name in _HEADER} | {
        "attributes": {k: v for k, v in shown.items() if k not in _HEADER}
    }


def _late(event: Any, office: str) -> bool:
    """Recorded on a later office day than it happened: a backfilled (late) entry."""
    where = lookup_office(office)
    return where.local_date(event.timestamp) > where.local_date(event.provenance.occurred_at)


def _local_instant(text: str, office: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidCommand("as_of", "must be a date and time such as 2024-05-01T10:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=lookup_office(office).tz)


def case_page(
    request: Request,
    viewer: Viewer,
    case_id: UUID,
    *,
    version: int | None = None,
    as_of: str | None = None,
    status: int = 200,
    notice: str | None = None,
    problem: str | None = None,
    stale: dict[str, int] | None = None,
) -> Response:
    actor = viewer.actor
    assert actor is not None
    app = state_of(request).system.app
    current = _read(request, case_id)
    access.require_case_reader(actor, current.office)
    reveal = access.reveals_personal_data(actor, current.office)
    shown: Case | None = current
    heading = viewer.t("case.now")
    if version is not None:
        shown = _read(request, case_id, version)
        heading = viewer.t("case.as_of_version", v=version)
    elif as_of:
        instant = _local_instant(as_of, current.office)
        with marking_unreadable():
            shown = app.case_as_of(case_id, instant)
        heading = viewer.t("case.as_of_instant", t=instant.strftime("%Y-%m-%d %H:%M %Z"))
    zone = lookup_office(current.office).tz
    with marking_unreadable():
        recorded = app.history(case_id)
    events = [
        event_public(event, reveal).model_dump(mode="json") | {"late": _late(event, current.office)}
        for event in recorded
    ]
    historical = shown is not current
    may_act = not historical and actor.role in access.CASE_WORKERS and actor.office == current.office
    state = _state(current, reveal)
    unreadable_events = any(event["personal_data_unreadable"] for event in events)  # an attribute since replaced
    return page(
        request,
        viewer,
        "case.html",
        status,
        case_id=case_id,
        current=state,
        shown=_state(shown, reveal) if shown is not None else None,
        unreadable=state["attributes"]["personal_data_unreadable"] or unreadable_events,
        shown_version=shown.version if shown is not None else 0,
        heading=heading,
        historical=historical,
        events=events,
        zone=zone,
        zone_name=days.zone_name(current.office),
        money=MONEY,  # a date and time typed here is the office's
        redacted=not reveal,
        commands=forms(current, actor) if may_act else [],
        nonce=new_nonce(),
        version=version,
        as_of=as_of or "",
        notice=notice,
        problem=problem,
        stale=stale,
    )


@router.get("/cases/{case_id}")
def show(
    request: Request,
    viewer: ViewerDep,
    case_id: UUID,
    version_text: Annotated[str | None, Query(alias="version", max_length=7)] = None,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
    done: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """The case now, at a version, or as it stood at an instant, with every event."""
    # The as-of form sends both fields, one of them empty (an empty field means "not this one").
    # ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses (a 500).
    if version_text and not (VERSION.fullmatch(version_text) and 1 <= int(version_text) <= 1_000_000):
        raise InvalidCommand("version", "must be a whole number from 1")
    version = int(version_text) if version_text else None
    if version is not None and as_of:
        raise InvalidCommand("as_of", "give either a version or an instant, not both")
    notice = viewer.t("case.done", v=done) if done else None
    return case_page(request, viewer, case_id, version=version, as_of=as_of, notice=notice)


@router.post("/cases/{case_id}/commands/{name}")
def run(request: Request, viewer: ViewerDep, case_id: UUID, name: str, form: FormDep) -> Response:
    """Run a command with the version the page showed (If-Match): a stale page is refused."""
    check_csrf(request, viewer, form)
    actor = viewer.actor
    assert actor is not None
    current = _case(request, case_id)
    access.require_worker(actor)
    access.require_own_office(actor, current.office)
    route = form_of(current, name)
    try:
        seen = int(form.get("version", ""))
    except ValueError:
        raise InvalidCommand("version", "the page's version is missing") from None
    once = command_id(actor.id, form.get("nonce", ""), name)
    try:
        posted = body(route, form, lookup_office(current.office).tz)
        case = state_of(request).system.app.act(
            type(current),
            case_id,
            actor,
            route.command,
            **posted.arguments(),
            occurred_at=posted.occurred_at,
            late_entry_reason=posted.late_entry_reason,
            expected_version=seen,
            command_id=once,
        )
    except ConflictError as error:
        stale = {"current": error.current_version, "seen": seen}
        return case_page(request, viewer, case_id, status=409, stale=stale)
    except DomainError as error:
        code = 422 if isinstance(error, InvalidCommand) else 403 if isinstance(error, NotPermitted) else 409
        detail = refusals.refusal(viewer.lang, error)
        return case_page(request, viewer, case_id, status=code, problem=detail)
    if route.opens is not None:
        return RedirectResponse(f"/ui/cases/{route.opens(case)}?done=1", status_code=303)
    return RedirectResponse(f"/ui/cases/{case_id}?done={case.version}", status_code=303)
