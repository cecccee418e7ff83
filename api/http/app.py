"""The FastAPI application, built from a ``System`` (never at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.bootstrap import System, bootstrap
from api.http import errors
from api.http.follower import Follower
from api.http.jobs import Jobs
from api.http.routers import (
    audit,
    cases,
    enforcement,
    health,
    joint_operations,
    ledger,
    passports,
    reports,
    revenue_targets,
    stay_permits,
)
from api.http.routers import users as user_routes

DESCRIPTION = """Berkas: case files of a Kantor Imigrasi, every decision an immutable event.

Authenticate with `Authorization: Bearer <token>` (tokens come from `berkas users add`).
Reads answer with `ETag: "<version>"`; send it back as `If-Match` on a command and a stale
version answers 409 with the current one. Send an `Idempotency-Key` on every POST: a retry
returns the first answer and never a second case.
"""


def create_app(system: System, *, owns_system: bool = False, follow_projections: bool = False) -> FastAPI:
    """The app over ``system``; with ``owns_system`` it closes the system on shutdown, with
    ``follow_projections`` it keeps the views current in a background thread."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        follower = Follower(system.store, system.projections()) if follow_projections else None
        if follower:
            follower.start()
        yield
        if follower:
            follower.close()
        if owns_system:
            system.close()

    app = FastAPI(title="Berkas", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.system = system
    app.state.jobs = Jobs(system.store)
    errors.install(app)
    for module in (
        passports,
        stay_permits,
        enforcement,
        joint_operations,
        revenue_targets,
        cases,
        audit,
        ledger,
        reports,
        user_routes,
        health,
    ):
        app.include_router(module.router)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: settings from the environment, one system per process."""
    system = bootstrap()
    return create_app(system, owns_system=True, follow_projections=system.settings.follow_projections)
