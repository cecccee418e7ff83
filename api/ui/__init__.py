"""The web interface (antarmuka web) under /ui: server-rendered pages for officers,
supervisors, auditors and IT admins, Indonesian first, every asset served from here."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.ui.pages import accounts, audit, auth, cases, ops, reports
from api.ui.web import HANDLERS, build_state


def install(app: FastAPI) -> None:
    """Mount the interface on the API's app: the same system, the same rebuild jobs.

    A sub-application of its own, so its errors are pages, not problem documents,
    and its routes stay out of the API's OpenAPI description.
    """
    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    ui.state.ui = build_state(app.state.system, app.state.jobs, app.state.tokens)
    ui.state.api = app  # whose ledger verification jobs the operations page starts and shows
    for kind, handler in HANDLERS.items():
        ui.add_exception_handler(kind, handler)
    ui.mount("/static", StaticFiles(packages=[("api.ui", "static")]), name="static")
    for module in (auth, cases, reports, audit, ops, accounts):
        ui.include_router(module.router)
    app.mount("/ui", ui)
