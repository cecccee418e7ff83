"""One place where every refusal becomes an RFC 9457 ``application/problem+json`` answer.

Messages come from the domain, which names cases, fields and rules but never personal
data; validation errors drop the offending input for the same reason. Nothing that goes
wrong leaves the app as a traceback: uvicorn's own error log never sees an exception's
text, which may quote the data it choked on.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import msgspec
import psycopg
from eventsourcing import persistence
from eventsourcing.utils import TopicError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.schemas.problems import MEDIA_TYPE, TITLES, FieldProblem, ProblemPublic, problem_type
from berkas_verify.merkle import ProofError
from domain.errors import (
    AlreadyExists,
    CaseNotFound,
    ConflictError,
    DomainError,
    IllegalTransition,
    InvalidCommand,
    KeyTaken,
    NotPermitted,
)
from domain.privacy import PersonalDataUnreadable
from domain.subject import ErasedNotHeld, ErasureRefused

log = logging.getLogger("berkas.http")

# How long a client should wait before retrying after the database went away: about
# the time the connection pools take to notice it is back.
RETRY_AFTER_SECONDS = 2

_DOMAIN: dict[type[DomainError], tuple[int, str]] = {
    InvalidCommand: (422, "invalid-request"),
    CaseNotFound: (404, "not-found"),
    IllegalTransition: (409, "illegal-transition"),
    AlreadyExists: (412, "precondition-failed"),  # before ConflictError, its base: the first match wins
    ConflictError: (409, "conflict"),
    KeyTaken: (409, "taken"),
    NotPermitted: (403, "not-permitted"),
    ErasedNotHeld: (409, "subject-erased"),  # before ErasureRefused, its base: the first match wins
    ErasureRefused: (409, "erasure-refused"),
    # Sealed bytes or key rows changed in the store (a store with another key file does not start).
    PersonalDataUnreadable: (409, "personal-data-unreadable"),
}
_BY_STATUS = {
    400: "invalid-request",
    401: "unauthenticated",
    403: "not-permitted",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "busy",
    412: "precondition-failed",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    503: "not-configured",
}
# Pydantic's messages, reworded where they would puzzle a reader of an API answer.
_RULES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "uuid_parsing": "must be a UUID",
    "uuid_type": "must be a UUID",
    "json_invalid": "is not valid JSON",
    "model_attributes_type": "must be a JSON object",
    "timezone_aware": "must carry a time zone, e.g. 2024-06-30T00:00:00+07:00",
}
# Outages of the database: connection refused or lost, pool exhausted, timeouts.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
    ConnectionError,
)


def request_id(request: Request) -> str | None:
    """The id the request-log middleware gave the request, or the one the client sent."""
    given = getattr(request.state, "request_id", None) or request.headers.get("x-request-id")
    return given if given and len(given) <= 128 and given.isprintable() else None


def problem(
    request: Request,
    status: int,
    name: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = ProblemPublic(
        type=problem_type(name),
        title=TITLES[name],
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id(request),
        **extensions,
    )
    return JSONResponse(body.body(), status_code=status, headers=headers, media_type=MEDIA_TYPE)


def domain_error(request: Request, error: Exception) -> JSONResponse:
    status, name = next((code for kind, code in _DOMAIN.items() if isinstance(error, kind)), (422, "invalid-request"))
    if isinstance(error, InvalidCommand):
        field = FieldProblem(field=error.field, detail=error.rule, type="domain_rule")
        return problem(request, 422, name, f"{error.field} {error.rule}", errors=[field])
    if isinstance(error, IllegalTransition):
        return problem(request, status, name, str(error), case_status=error.status)
    if isinstance(error, KeyTaken):
        held_by = None if error.holder_id is None else str(error.holder_id)  # another office's: unnamed
        return problem(request, status, name, str(error), rule=error.rule, held_by=held_by)
    if isinstance(error, ConflictError):
        version = error.current_version
        return problem(request, status, name, str(error), {"ETag": f'"{version}"'}, current_version=version)
    return problem(request, status, name, str(error))


def _field(item: dict[str, Any]) -> FieldProblem:
    where, *path = [str(part) for part in item["loc"]] or ["body"]
    location = where if where in ("body", "query", "path", "header") else None
    if location is None:
        path = [where, *path]
    # FastAPI names a body that is a single model "body" alone: the field is then the body.
    # A rule of ours (a ValueError in a validator) reads as written, without pydantic's prefix.
    message = item["msg"].removeprefix("Value error, ")
    rule = _RULES.get(item["type"], message[:1].lower() + message[1:])
    return FieldProblem(location=location, field=".".join(path) or "body", detail=rule, type=item["type"])


def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    fields = [_field(item) for item in error.errors()]
    count = "1 field breaks a rule" if len(fields) == 1 else f"{len(fields)} fields break a rule"
    return problem(request, 422, "invalid-request", count, errors=fields)


def http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's and our own ``HTTPException``: unknown routes, 401, 405, 413, …"""
    assert isinstance(error, HTTPException)
    status = error.status_code
    name = _BY_STATUS.get(status, "invalid-request" if status < 500 else "internal")
    detail = error.detail if isinstance(error.detail, str) else TITLES[name]
    if status == 404 and detail == "Not Found":
        detail = f"there is no resource at {request.url.path}"
    elif status == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(request, status, name, detail, dict(error.headers or {}))


# A stored event that no longer decodes, or no longer matches the ledger's proofs when a bundle
# is built (its bytes or topic changed behind the application's back: a superuser past the
# append-only triggers). Not the request's fault, nor a passing outage: a 409 naming the way
# to find what changed; the exceptions' text may quote the event.
UNDECODABLE: tuple[type[Exception], ...] = (persistence.MapperDeserialisationError, TopicError, ProofError)
_CHANGED = "the event log was changed outside Berkas; `berkas ledger verify` names the first altered event"
LOG_ALTERED = f"a stored event of this case does not decode: {_CHANGED}"
# The views read the log as data (``projections.views.decode``): an altered row stops them all
# before it, in a rebuild as in a follower, until the row is mended.
VIEWS_UNDECODABLE: tuple[type[Exception], ...] = (msgspec.DecodeError,)
VIEWS_STOPPED = f"the views stop at a stored event that does not decode: {_CHANGED}"


def log_altered(request: Request, error: Exception) -> JSONResponse:
    log.error("a stored event does not decode (%s) while serving a request", type(error).__name__)
    if isinstance(error.__cause__, PersonalDataUnreadable):  # its message names a random subject id only
        return domain_error(request, error.__cause__)
    return problem(request, 409, "log-altered", LOG_ALTERED)


def unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable (%s) while serving a request", type(error).__name__)
    return problem(
        request,
        503,
        "database-unavailable",
        "the database did not answer in time; the request was not carried out",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    return isinstance(error, UNAVAILABLE)


class LastResort:
    """Answers what no handler took: 503 for an outage raised through another exception,
    500 otherwise; the type is logged, never the text, and nothing reaches uvicorn."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started:  # too late for an answer: the client sees a cut-off response
                log.error("unexpected %s after the response started", type(error).__name__)
                return
            causes = [error, error.__cause__, error.__context__]
            request = Request(scope)
            if any(cause is not None and _is_outage(cause) for cause in causes):
                response = unavailable(request, error)
            else:
                log.error("unexpected %s while serving a request", type(error).__name__)
                response = problem(request, 500, "internal", "the server failed; the error has been logged")
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)
    for kind in UNDECODABLE:
        app.add_exception_handler(kind, log_altered)
    app.add_middleware(LastResort)
