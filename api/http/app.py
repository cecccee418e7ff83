"""The FastAPI application, built from a ``System`` (never at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import logs
from api.bootstrap import System, bootstrap
from api.http import commands, errors, metrics, openapi, reading, tables
from api.http.commands import PATHS
from api.http.follower import Follower
from api.http.gate import Gate, GuardedRoutes, TokenCache
from api.http.jobs import Jobs
from api.http.observe import Observe
from api.http.reading import CaseReads
from api.http.routers import (
    audit,
    case_list,
    cases,
    enforcement,
    health,
    joint_operations,
    ledger,
    passports,
    reports,
    revenue_targets,
    stay_permits,
    subjects,
)
from api.http.routers import users as user_routes
from api.ui import install as install_ui
from domain import CASE_KINDS
from domain.usecases import users

DESCRIPTION = """Berkas: case files of a Kantor Imigrasi, every decision an immutable event.

Authenticate with `Authorization: Bearer <token>` (tokens come from `berkas users add`).
Reads answer with `ETag: "<version>"`; send it back as `If-Match` on a command and a stale
version answers 409 with the current one. Send an `Idempotency-Key` on every POST: a retry
returns the first answer and never a second case.

Every error is one shape, RFC 9457 `application/problem+json`: `type`, `title`, `status`,
`detail`, `instance`, and for 422 `errors`, one entry per field that breaks a rule. When the
database is unavailable the answer is 503 with `Retry-After`. Bodies above the server's limit
(1 MB unless configured) are refused with 413 before they are read, and so is any body sent
to a protected route without a valid token (401).
"""


def create_app(system: System, *, owns_system: bool = False, follow_projections: bool = False) -> FastAPI:
    """The app over ``system``; with ``owns_system`` it closes the system on shutdown, with
    ``follow_projections`` it keeps the views current in a background thread."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reads.start()
        follower = Follower(system.store, system.projections()) if follow_projections else None
        if follower:
            follower.start()
        yield
        reads.close()
        if follower:
            follower.close()
        if owns_system:
            system.close()

    settings = system.settings
    reads = CaseReads(system, settings.read_cache_seconds)
    app = FastAPI(
        # FastAPI's own OpenTelemetry spans and metrics would carry every request's path and
        # query out of the office to whatever provider the host has configured, outside the
        # access log's rules; Berkas exports its own figures at /metrics. Off, the check is
        # also skipped on every request (10-25 us of CPU each).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="Berkas",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.system = system
    app.state.reads = reads
    if settings.create_tables:
        tables.create(system.store)
    app.state.jobs = Jobs(system.store)
    app.state.tokens = TokenCache(lambda token: users.authenticate(system.app, token), settings.token_cache_seconds)
    app.state.metrics = metrics.Metrics(system)
    for module in (
        passports,
        stay_permits,
        enforcement,
        joint_operations,
        revenue_targets,
        subjects,
        case_list,
        cases,
        audit,
        ledger,
        reports,
        user_routes,
        health,
        metrics,
    ):
        app.include_router(module.router)
    app.include_router(user_routes.people)
    commands.serve_first(app, {kind: PATHS[kind.KIND] for kind in CASE_KINDS if kind.KIND in PATHS})
    reading.serve_first(app, {kind: PATHS[kind.KIND] for kind in CASE_KINDS if kind.KIND in PATHS})
    install_ui(app)
    app.openapi = lambda: openapi.schema(app)  # type: ignore[method-assign]
    openapi.serve_docs(app)
    app.add_middleware(Gate, max_body=settings.max_body_bytes, tokens=app.state.tokens, guarded=GuardedRoutes(app))
    errors.install(app)  # its safety net wraps the gate too
    # Outermost: every answer, the gate's and the safety net's too, gets its request id,
    # its log line and its metrics.
    app.add_middleware(Observe, metrics=app.state.metrics)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: settings from the environment, one system per process."""
    system = bootstrap()
    logs.configure(system.settings.log_format)
    return create_app(system, owns_system=True, follow_projections=system.settings.follow_projections)
