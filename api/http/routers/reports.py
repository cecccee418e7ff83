"""/reports: the annual report (JSON or CSV) and rebuilding projections from the log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.jobs import Job, JobBusy, Jobs, projection_name
from api.http.present import local
from api.http.schemas.admin import JobPublic, RebuildCreate
from api.http.schemas.common import Day, OfficeCode, errors
from api.http.schemas.problems import ProblemPublic
from api.http.schemas.reports import ReportPublic
from domain.errors import InvalidCommand
from domain.values import Role
from projections import reports

router = APIRouter(prefix="/reports", tags=["reports"])


def _jobs(request: Request) -> Jobs:
    return request.app.state.jobs


CSV = "text/csv"


@router.get(
    "/annual/{year}",
    response_model=ReportPublic,
    responses={
        200: {
            "content": {CSV: {"schema": {"type": "string"}}},
            "description": "JSON, or CSV (`Accept: text/csv` or `format=csv`), the same figures under the same names",
            "headers": {
                "Content-Disposition": {"description": "CSV only: the file's name", "schema": {"type": "string"}}
            },
        },
        **errors(401, 403, 422),
    },
)
def annual(
    year: Annotated[int, Path(ge=2000, le=2100)],
    system: SystemDep,
    actor: ActorDep,
    office: Annotated[OfficeCode | None, Query(description="Office code, e.g. MLG; national when omitted")] = None,
    as_known_at: Annotated[Day | None, Query(description="The report as it could have been made on this day")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Instead of the Accept header")] = None,
    numbers: Annotated[
        Literal["plain", "id"],
        Query(description="CSV numbers: plain (73338, 333.68) or `id`, Indonesian (73.338; 333,68; `;`-separated)"),
    ] = "plain",
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response | ReportPublic:
    """Laporan tahunan: the office's figures for a year, with the share of the revenue
    target, every breakdown and the monthly series."""
    scope = access.report_scope(actor, office)
    report = reports.annual_report(system.store, year, office=scope, as_known_at=as_known_at)
    if format == "csv" or (format is None and accept and CSV in accept):
        name = f"berkas-laporan-tahunan-{year}-{scope or 'nasional'}"
        if as_known_at is not None:
            name += f"-per-{as_known_at.isoformat()}"
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(report.to_csv(numbers), media_type=f"{CSV}; charset=utf-8", headers=headers)
    return ReportPublic.model_validate(report.to_dict())


def _public(job: Job) -> JobPublic:
    return JobPublic(
        id=job.id,
        state=job.state,
        projections=list(job.projections),
        done=job.done,
        total=job.total,
        rate=job.rate,
        events=job.events,
        error=job.error,
        requested_by=job.requested_by,
        started_at=local(job.started_at, job.office),
        finished_at=local(job.finished_at, job.office) if job.finished_at else None,
    )


@router.post(
    "/rebuild",
    status_code=202,
    response_model=JobPublic,
    responses={
        **errors(401, 403, 422),
        409: {"model": ProblemPublic, "description": "A view asked for is being rebuilt"},
    },
)
def rebuild(
    actor: ActorDep, request: Request, response: Response, system: SystemDep, body: RebuildCreate | None = None
) -> JobPublic:
    """Rebuild views from the whole log in the background; follow the job at its `Location`.
    One job at a time per view, across every worker and process: a second is 409."""
    access.require_role(actor, Role.ADMIN)
    chosen = system.projections()
    name = body.projection if body else None
    if name is not None:
        chosen = [p for p in chosen if projection_name(p) == name]
        if not chosen:
            raise InvalidCommand("projection", "no projection of that name")
    try:
        job = _jobs(request).start(list(chosen), actor.id, actor.office)
    except JobBusy as busy:
        raise HTTPException(409, str(busy)) from None
    response.headers["Location"] = f"/reports/rebuild/{job.id}"
    return _public(job)


@router.get("/rebuild/{job_id}", response_model=JobPublic, responses=errors(401, 403, 404, 422))
def rebuild_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], actor: ActorDep, request: Request
) -> JobPublic:
    """Progress (events done, total, rate) and outcome of a rebuild, from any worker."""
    access.require_role(actor, Role.ADMIN, Role.AUDITOR)
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"there is no rebuild job {job_id}")
    return _public(job)
