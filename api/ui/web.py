"""What every page shares: who is looking, in which language, rendering and errors."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.bootstrap import System
from api.http.errors import UNDECODABLE
from api.http.gate import TokenCache
from api.http.jobs import Jobs
from api.http.routers.case_list import PERSONAL
from api.ui import i18n, refusals
from api.ui import session as ui_sessions
from api.ui.session import COOKIE, Session, Sessions
from domain.case import check_calendar
from domain.errors import CaseNotFound, ConflictError, DomainError, IllegalTransition, InvalidCommand, NotPermitted
from domain.privacy import PersonalDataUnreadable
from domain.reference import office as lookup_office
from domain.usecases import users
from domain.usecases.base import Actor
from domain.values import Role
from projections.privacy import keyfile

log = logging.getLogger("berkas.ui")
LANG_COOKIE = "berkas_lang"


@dataclass
class UiState:
    system: System
    jobs: Jobs
    sessions: Sessions
    templates: Environment
    tokens: TokenCache | None = None  # the API's bearer-token cache, told of revocations made here


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("api.ui", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["office_time"] = office_time
    env.filters["soft"] = soft_breaks
    env.globals["field_label"] = i18n.field_label
    env.globals["attribute_label"] = i18n.attribute_label
    env.globals["number"] = i18n.number
    env.globals["command_label"] = i18n.command_label
    env.filters["querystring"] = lambda pairs: urlencode({k: v for k, v in pairs.items() if v})
    return env


def local_time(moment: datetime | str, zone: tzinfo | None) -> str:
    """An instant in the office's own time, with its zone (WIB, WITA, WIT), to the minute."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(zone or UTC).strftime("%Y-%m-%d %H:%M %Z")


_SOFT = re.compile(r"(?<=[_/])(?=.)|(?<=[a-z])(?=[A-Z])")


def soft_breaks(text: object) -> Markup:
    """A code as a narrow column may break it: after ``_`` and ``/``, between camel-case words
    (Passport·Application, FIELD_·SUPERVISION); the text itself is unchanged when copied."""
    return Markup("<wbr>").join(escape(part) for part in _SOFT.split(str(text if text is not None else "")))


def office_time(moment: datetime | str, office: str) -> str:
    """An instant in the time of the office whose record it is: a national list mixes zones."""
    return local_time(moment, lookup_office(office).tz)


def _derived_secret(system: System) -> bytes:
    """Without BERKAS_SESSION_SECRET: one derived from the personal-data key file, which every
    process over this store holds and the database does not (sessions are sealed against
    whoever may write their table)."""
    kek = keyfile.load(system.settings.personal_data_key_file).kek
    return hmac.new(kek, b"berkas:ui-sessions", hashlib.sha256).digest()


def build_state(system: System, jobs: Jobs, tokens: TokenCache | None = None) -> UiState:
    configured = system.settings.session_secret
    secret = configured.get_secret_value().encode() if configured else _derived_secret(system)
    # Like the rebuild jobs' tables: made at start unless the owner made them (``store init``).
    if system.settings.create_tables:
        with system.store.connect() as conn:
            ui_sessions.create_table(conn)
    sessions = Sessions(system.store, secret, system.settings.session_lifetime_seconds)
    return UiState(system, jobs, sessions, templates(), tokens)


def state_of(request: Request) -> UiState:
    return request.app.state.ui


class SignInRequired(Exception):
    """No valid session: the visitor is sent to the sign-in page."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: the account behind the session, and its language."""

    actor: Actor | None
    name: str | None
    lang: str
    session: Session
    csrf: str

    def t(self, key: str, **values: object) -> str:
        return i18n.text(self.lang, key, **values)

    @property
    def role(self) -> Role | None:
        return self.actor.role if self.actor else None


def _account(system: System, user_id: str | None) -> tuple[Actor, str] | None:
    if not user_id:
        return None
    try:
        user = users.get_user(system.app, UUID(user_id))
    except (CaseNotFound, ValueError):
        return None
    if user.revoked:
        return None
    return Actor(str(user.id), user.role, user.office), user.name


def visitor(request: Request) -> Viewer:
    """Whoever sent the request, signed in or not."""
    ui = state_of(request)
    session = ui.sessions.read(request.cookies.get(COOKIE))
    if session is None:
        session = ui.sessions.visitor()
        request.state.new_cookie = session.key
    found = _account(ui.system, session.user_id)
    lang = i18n.language(request.cookies.get(LANG_COOKIE))
    actor, name = found if found else (None, None)
    return Viewer(actor, name, lang, session, ui.sessions.csrf_token(session))


def signed_in(request: Request) -> Viewer:
    viewer = visitor(request)
    if viewer.actor is None:
        raise SignInRequired
    return viewer


VisitorDep = Annotated[Viewer, Depends(visitor)]
ViewerDep = Annotated[Viewer, Depends(signed_in)]


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's fields (text only: the interface uploads no files)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=state_of(request).sessions.lifetime_seconds,
        path="/ui",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )


# An answer to a form (a refused command, a personal-data search, an account made) is no page
# of its own: the language switch returns to the page the form was on, never to the form's
# address (a GET there is a 405 or a 422) and never with what was posted.
_FORM_PAGES = (
    (re.compile(r"(/ui/cases/[0-9a-fA-F-]{36})/commands/[^/]+"), r"\1"),
    (re.compile(r"/ui/cases/search"), "/ui/cases"),
    (re.compile(r"/ui/ops/.*"), "/ui/ops"),
    (re.compile(r"/ui/sign-in"), "/ui/sign-in"),
)


def here(request: Request) -> str:
    """The address the language switch returns to: never with personal data an address was
    given (``?nik=…``, refused, is not repeated in the page's links)."""
    path = request.url.path
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        if any(name in PERSONAL for name in request.query_params):
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in PERSONAL])
        return path + (f"?{query}" if query else "")
    for pattern, target in _FORM_PAGES:
        found = pattern.fullmatch(path)
        if found:
            return found.expand(target)
    return "/ui/"


def page(request: Request, viewer: Viewer, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = (
        state_of(request)
        .templates.get_template(template)
        .render(viewer=viewer, t=viewer.t, lang=viewer.lang, path=request.url.path, here=here(request), **context)
    )
    response = HTMLResponse(html, status_code=status)
    new_cookie = getattr(request.state, "new_cookie", None)
    if new_cookie:
        set_session_cookie(request, response, new_cookie)
    # Pages may show personal data: never kept by a shared cache, never framed by another site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
    return response


class CsrfRefused(Exception):
    pass


def check_csrf(request: Request, viewer: Viewer, form: dict[str, str]) -> None:
    if not state_of(request).sessions.csrf_valid(viewer.session, form.get("csrf")):
        raise CsrfRefused


def problem_page(request: Request, status: int, message: str, *, field_name: str | None = None) -> HTMLResponse:
    viewer = visitor(request)
    return page(request, viewer, "error.html", status, status_code=status, message=message, field_name=field_name)


def _domain_error(request: Request, error: Exception) -> Response:
    """A refusal in the page's language: a known rule in Indonesian, the field by its label."""
    assert isinstance(error, DomainError)
    viewer = visitor(request)
    said = refusals.refusal(viewer.lang, error)
    if isinstance(error, InvalidCommand):
        return problem_page(request, 422, refusals.rule(viewer.lang, error.rule), field_name=error.field)
    if isinstance(error, NotPermitted):
        return problem_page(request, 403, viewer.t("error.forbidden") + f" ({said})")
    if isinstance(error, CaseNotFound):
        return problem_page(request, 404, viewer.t("error.not_found"))
    if isinstance(error, ConflictError | IllegalTransition | PersonalDataUnreadable):
        return problem_page(request, 409, said)
    return problem_page(request, 422, said)


def _log_altered(request: Request, error: Exception) -> Response:
    """A stored event that no longer decodes: the API's 409 (``errors.log_altered``), as a page."""
    log.error("a stored event does not decode (%s) while serving a page", type(error).__name__)
    if isinstance(error.__cause__, PersonalDataUnreadable):  # its message names a random subject id only
        return _domain_error(request, error.__cause__)
    return problem_page(request, 409, visitor(request).t("error.log_altered"))


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {"loc": ["?"], "msg": "invalid"}
    name = str(first["loc"][-1])
    return problem_page(request, 422, refusals.rule(visitor(request).lang, str(first["msg"])), field_name=name)


def _sign_in(request: Request, _: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/sign-in?next={quote(target if safe_next(target) else '/ui/')}", status_code=303)


def _csrf(request: Request, _: Exception) -> Response:
    return problem_page(request, 403, visitor(request).t("csrf.bad"))


def _http_error(request: Request, error: Exception) -> Response:
    """An unknown page (404), a method a page does not take (405), a missing static file."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return problem_page(request, 404, visitor(request).t("error.not_found"))
    if error.status_code == 405:
        return problem_page(request, 405, visitor(request).t("error.method", method=request.method))
    detail = error.detail if isinstance(error.detail, str) else ""
    return problem_page(request, error.status_code, detail)


def _unexpected(request: Request, error: Exception) -> Response:
    log.error("unexpected %s while serving a page", type(error).__name__)
    return HTMLResponse("<h1>500</h1>", status_code=500)


HANDLERS = {
    DomainError: _domain_error,
    RequestValidationError: _validation_error,
    SignInRequired: _sign_in,
    CsrfRefused: _csrf,
    StarletteHTTPException: _http_error,
    **{kind: _log_altered for kind in UNDECODABLE},
    Exception: _unexpected,
}


# A browser's GET form sends its empty fields too: an empty filter means "any".
CODE = r"^[!-~]*$"


def optional_date(field_name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidCommand(field_name, "must be a date such as 2024-05-01") from None
    check_calendar(field_name, day)  # as the API's dates: 1900 to 2100
    return day


def safe_next(target: str | None) -> bool:
    """Only our own pages: never another host (an open redirect)."""
    return bool(target) and target.startswith("/ui/") and "//" not in target and "\\" not in target
