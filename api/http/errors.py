"""One place where domain errors become HTTP answers.

Messages come from the domain, which names cases, fields and rules but never personal
data; validation errors drop the offending input for the same reason.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from domain.errors import CaseNotFound, ConflictError, DomainError, IllegalTransition, InvalidCommand, NotPermitted

log = logging.getLogger("berkas.http")

_STATUS: dict[type[DomainError], tuple[int, str]] = {
    InvalidCommand: (422, "invalid_command"),
    CaseNotFound: (404, "not_found"),
    IllegalTransition: (409, "illegal_transition"),
    ConflictError: (409, "conflict"),
    NotPermitted: (403, "not_permitted"),
}


def domain_error(_: Request, error: Exception) -> JSONResponse:
    if isinstance(error, InvalidCommand):
        item = {"loc": [error.field], "msg": error.rule, "type": "invalid_command"}
        return JSONResponse({"detail": [item]}, status_code=422)
    status, name = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), (422, "domain_error"))
    body: dict[str, object] = {"detail": str(error), "error": name}
    headers = {}
    if isinstance(error, IllegalTransition):
        body["status"] = error.status
    if isinstance(error, ConflictError):
        body["current_version"] = error.current_version
        headers["ETag"] = f'"{error.current_version}"'
    return JSONResponse(body, status_code=status, headers=headers)


def validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    items = [
        {
            "loc": [str(part) if not isinstance(part, int) else part for part in item["loc"]],
            "msg": item["msg"],
            "type": item["type"],
        }
        for item in error.errors()
    ]
    return JSONResponse({"detail": items}, status_code=422)


def unexpected(_: Request, error: Exception) -> JSONResponse:
    # The type only: an exception's text may quote the data it choked on.
    log.error("unexpected %s while serving a request", type(error).__name__)
    return JSONResponse({"detail": "internal error", "error": "internal"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
