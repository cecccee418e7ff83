"""/healthz (the process is up) and /readyz (the database answers; projection lag)."""

from __future__ import annotations

import sqlite3

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import SystemDep
from api.http.schemas.admin import HealthPublic, ReadyPublic
from projections import runner

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic)
def healthz() -> HealthPublic:
    return HealthPublic(status="ok")


@router.get("/readyz", response_model=ReadyPublic, responses={503: {"model": ReadyPublic}})
def readyz(system: SystemDep) -> JSONResponse:
    store = system.store
    database = store.dialect.name
    try:
        with store.connect() as conn:
            conn.execute("SELECT 1")
        lag = runner.lag(store, system.projections())
    except (psycopg.Error, sqlite3.Error, OSError):
        body = ReadyPublic(status="unavailable", database=database, lag=None)
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(ReadyPublic(status="ready", database=database, lag=lag).model_dump())
