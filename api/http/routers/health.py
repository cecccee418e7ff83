"""/healthz (the process is up: liveness) and /readyz (readiness: the database answers and
the views move; projection lag)."""

from __future__ import annotations

import sqlite3
from typing import Annotated

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.bootstrap import System
from api.http import readiness
from api.http.deps import SystemDep
from api.http.errors import VIEWS_STOPPED
from api.http.schemas.admin import HealthPublic, ReadyPublic
from projections import runner
from projections.ledger import keys

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic)
def healthz() -> HealthPublic:
    return HealthPublic(status="ok")


@router.get("/readyz", response_model=ReadyPublic, responses={503: {"model": ReadyPublic}})
def readyz(
    system: SystemDep,
    max_lag: Annotated[
        int | None,
        Query(ge=0, le=2**31, description="Not ready (503, `lagging`) while a view is more events behind than this"),
    ] = None,
) -> JSONResponse:
    """200 `ready`; 503 `unavailable` (the database does not answer), `halted` (the views are
    stopped before a stored event they cannot read: `halted_at` is its notification id) or
    `lagging` (a view is more than `max_lag` events behind) or `not_signing` (this instance's
    ledger key refuses to sign: the database no longer holds the checkpoint it signed last,
    or the key is not the ledger's). `/healthz` stays 200 for all."""
    store = system.store
    database = store.dialect.name
    projections = system.projections()
    try:
        with store.connect() as conn:
            conn.execute("SELECT 1")
        found = runner.status(store, projections)
        halted = readiness.halted_at(store, projections, found)
        refused = readiness.signing_refused(store, _key(system))
    except (psycopg.Error, sqlite3.Error, OSError):
        return _not_ready(ReadyPublic(status="unavailable", database=database, lag=None))
    if halted is not None:
        return _not_ready(
            ReadyPublic(status="halted", database=database, lag=found.lag, reason=VIEWS_STOPPED, halted_at=halted)
        )
    if refused is not None:
        return _not_ready(ReadyPublic(status="not_signing", database=database, lag=found.lag, reason=refused))
    behind = readiness.most_behind(found, max_lag)
    if behind is not None:
        name, events = behind
        reason = f"projection {name} is {events} events behind the log, more than max_lag {max_lag}"
        return _not_ready(ReadyPublic(status="lagging", database=database, lag=found.lag, reason=reason))
    return JSONResponse(ReadyPublic(status="ready", database=database, lag=found.lag).model_dump(exclude_unset=True))


def _not_ready(body: ReadyPublic) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_unset=True), status_code=503)


def _key(system: System) -> Ed25519PrivateKey | None:
    try:
        return system.ledger_key
    except keys.LedgerKeyError:  # ``serve`` refuses such a key before it starts
        return None
