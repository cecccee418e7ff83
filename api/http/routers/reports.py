"""/reports: the annual report (JSON or CSV) and rebuilding projections from the log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.jobs import Jobs, projection_name
from api.http.listing import WORD
from api.http.schemas.admin import JobPublic, RebuildCreate
from api.http.schemas.common import errors
from api.http.schemas.problems import ProblemPublic
from domain.errors import InvalidCommand
from domain.values import Role
from projections import reports

router = APIRouter(prefix="/reports", tags=["reports"])


def _jobs(request: Request) -> Jobs:
    return request.app.state.jobs


@router.get(
    "/annual/{year}",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV on request"},
        **errors(401, 403, 422),
    },
)
def annual(
    year: Annotated[int, Path(ge=2000, le=2100)],
    system: SystemDep,
    actor: ActorDep,
    office: Annotated[
        str | None, Query(max_length=8, pattern=WORD, description="Office code; national when omitted")
    ] = None,
    as_known_at: Annotated[date | None, Query(description="The report as it could have been made on this day")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Laporan tahunan: the office's figures for a year. `Accept: text/csv` for CSV."""
    report = reports.annual_report(
        system.store, year, office=access.report_scope(actor, office), as_known_at=as_known_at
    )
    if accept and "text/csv" in accept:
        return Response(report.to_csv(), media_type="text/csv")
    return JSONResponse(report.to_dict())


@router.post(
    "/rebuild",
    status_code=202,
    response_model=JobPublic,
    responses={**errors(401, 403, 422), 409: {"model": ProblemPublic, "description": "A rebuild is already running"}},
)
def rebuild(actor: ActorDep, request: Request, response: Response, body: RebuildCreate | None = None) -> JobPublic:
    """Rebuild projections from the whole log in the background; follow the job's URL."""
    access.require_role(actor, Role.ADMIN)
    chosen = request.app.state.system.projections()
    name = body.projection if body else None
    if name is not None:
        chosen = [p for p in chosen if projection_name(p) == name]
        if not chosen:
            raise InvalidCommand("projection", "no projection of that name")
    job = _jobs(request).start(list(chosen))
    if job is None:
        raise HTTPException(409, "a rebuild is already running")
    response.headers["Location"] = f"/reports/rebuild/{job.id}"
    return JobPublic(**job.as_dict())


@router.get("/rebuild/{job_id}", response_model=JobPublic, responses=errors(401, 403, 404, 422))
def rebuild_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], actor: ActorDep, request: Request
) -> JobPublic:
    """Progress (events done, total, rate) and outcome of a rebuild."""
    access.require_role(actor, Role.ADMIN, Role.AUDITOR)
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return JobPublic(**job.as_dict())
