"""Operations (IT admin): projection positions and lag, rebuilds with live progress,
the ledger's latest checkpoint and its last verification (as recorded in the database, the
same on every worker and after a restart), and the accounts of the admin's office."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.http import access
from api.http.jobs import JobBusy, projection_name
from api.http.routers.ledger import start_verification_job, verification_jobs
from api.ui.web import FormDep, Viewer, ViewerDep, check_csrf, page, state_of
from domain.usecases import users
from domain.values import Role
from projections import runner
from projections.ledger import facts, results

router = APIRouter()
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def admin(viewer: Viewer) -> None:
    assert viewer.actor is not None
    access.require_role(viewer.actor, Role.ADMIN)


def ops_page(request: Request, viewer: Viewer, status: int = 200, **extra: Any) -> Response:
    """The operations page; ``extra`` carries what a form just did (a new account and its token)."""
    admin(viewer)
    assert viewer.actor is not None
    ui = state_of(request)
    system = ui.system
    projections = system.projections()
    positions = runner.positions(system.store)
    lag = runner.lag(system.store, projections)
    names = [projection_name(projection) for projection in projections]
    rows = [(name, positions.get(name, 0), lag.get(name, 0)) for name in names]
    with system.store.read() as conn:
        found = facts.checkpoints(conn)
    return page(
        request,
        viewer,
        "ops.html",
        status,
        projections=rows,
        latest=found[-1] if found else None,
        verification=results.last_recorded(system.store),  # (finished at, result) or None
        verifying=_verification_job(request),
        jobs=ui.jobs.recent(),
        # As ``GET /users``: an admin sees and manages the accounts of their own office.
        accounts=[user for user in users.all_users(system.app) if user.office == viewer.actor.office],
        roles=[role.value for role in Role if role is not Role.AUDITOR],  # auditors: the operator's (CLI)
        busy=request.query_params.get("busy") == "1",
        revoked=bool(request.query_params.get("revoked")),
        **extra,
    )


def _verification_job(request: Request) -> Any:
    """The verification job to show: the one a click started (``?verification=``), or one running."""
    jobs = verification_jobs(request.app.state.api)
    wanted = request.query_params.get("verification")
    if wanted in jobs:
        return jobs[wanted]
    return next((job for job in jobs.values() if job.state == "running"), None)


@router.get("/ops")
def operations(request: Request, viewer: ViewerDep) -> Response:
    return ops_page(request, viewer)


@router.post("/ops/rebuild")
def rebuild(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(request, viewer, form)
    admin(viewer)
    ui = state_of(request)
    assert viewer.actor is not None
    try:
        job = ui.jobs.start(list(ui.system.projections()), viewer.actor.id, viewer.actor.office)
    except JobBusy:
        return RedirectResponse("/ui/ops?busy=1", status_code=303)
    return RedirectResponse(f"/ui/ops#job-{job.id}", status_code=303)


@router.get("/ops/jobs/{job_id}")
def job_progress(request: Request, viewer: ViewerDep, job_id: JobId) -> JSONResponse:
    """What the page's script polls for the progress bar."""
    admin(viewer)
    job = state_of(request).jobs.get(job_id)
    if job is None:
        return JSONResponse({"detail": "no such job"}, status_code=404)
    fields = ("id", "state", "projections", "done", "total", "events", "rate", "error")
    return JSONResponse({name: getattr(job, name) for name in fields})


@router.post("/ops/verify")
def verify_ledger(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    """Start the API's verification job (``POST /ledger/verification``), or find the one
    running: a click never verifies inline, and a second click starts no second scan."""
    check_csrf(request, viewer, form)
    admin(viewer)
    job, _started = start_verification_job(request.app.state.api, state_of(request).system)
    return RedirectResponse(f"/ui/ops?verification={job.id}#ledger", status_code=303)
