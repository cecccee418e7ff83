"""Ledger endpoints: checkpoints for witnesses, verification results, a case's bundle."""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.schemas.common import errors
from domain.case import Case
from domain.transcodings import marking_unreadable
from domain.values import Role
from projections.ledger import facts, keys, tree
from projections.ledger.bundle import LedgerNotReady, build_bundle
from projections.ledger.results import last_recorded, record
from projections.ledger.verify import verify

router = APIRouter(tags=["ledger"])
log = logging.getLogger("berkas.http.ledger")


class CheckpointPublic(BaseModel):
    size: int
    root: str
    note: str


class LatestCheckpointPublic(BaseModel):
    """The latest signed checkpoint; with ``?size=N`` also the older one and the RFC 6962
    consistency proof (base64 hashes) that the latest extends it."""

    origin: str
    latest: CheckpointPublic
    older: CheckpointPublic | None = None
    consistency: list[str] = []


class DivergencePublic(BaseModel):
    kind: str
    notification_id: int | None
    case_id: uuid.UUID | None
    detail: str


class VerificationPublic(BaseModel):
    ok: bool
    summary: str
    verified_at: str
    events: int
    tree_size: int
    last_notification_id: int | None
    unsealed: int
    checkpoints: int
    signed: int
    keys: list[str]
    signatures_checked: bool
    divergence: DivergencePublic | None


class VerificationJobPublic(BaseModel):
    id: str
    state: str  # running, succeeded, failed
    done: int
    total: int
    error: str | None = None


def _public(c: facts.StoredCheckpoint, origin: str) -> CheckpointPublic:
    return CheckpointPublic(size=c.size, root=base64.b64encode(c.root).decode(), note=str(c.note(origin)))


@router.get("/ledger/checkpoints/latest", response_model=LatestCheckpointPublic, responses=errors(401, 403, 404, 422))
def latest_checkpoint(
    system: SystemDep,
    actor: ActorDep,
    size: Annotated[int | None, Query(ge=1, description="An older signed checkpoint's tree size")] = None,
) -> LatestCheckpointPublic:
    """The latest signed checkpoint (C2SP signed note) for witnesses: the Directorate General,
    a court, another office keep it and later prove the log still extends it."""
    access.require_role(actor, Role.AUDITOR, Role.ADMIN)
    with system.store.read() as conn:
        signed = facts.checkpoints(conn, signed_only=True)
        if not signed:
            raise HTTPException(404, "no signed checkpoint yet")
        origin, latest = facts.stored_origin(conn) or "", signed[-1]
        answer = LatestCheckpointPublic(origin=origin, latest=_public(latest, origin))
        if size is not None:
            older = next((c for c in signed if c.size == size), None)
            if older is None:
                raise HTTPException(404, f"no signed checkpoint of tree size {size}")
            proof = tree.consistency_proof(conn, older.size, latest.size)
            answer.older = _public(older, origin)
            answer.consistency = [base64.b64encode(h).decode() for h in proof]
    return answer


@router.get("/ledger/verification", response_model=VerificationPublic, responses=errors(401, 403, 404))
def verification(system: SystemDep, actor: ActorDep) -> VerificationPublic:
    """The last verification of the whole log and when it finished (auditors, IT admins);
    start a new one with ``POST /ledger/verification``."""
    access.require_role(actor, Role.AUDITOR, Role.ADMIN)
    found = last_recorded(system.store)
    if found is None:
        raise HTTPException(404, "the ledger has not been verified yet: POST /ledger/verification")
    finished_at, result = found
    return VerificationPublic(verified_at=finished_at, **{k: v for k, v in result.items() if k != "notes"})


class _Job:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.state, self.done, self.total, self.error = "running", 0, 0, None

    def public(self) -> VerificationJobPublic:
        return VerificationJobPublic(id=self.id, state=self.state, done=self.done, total=self.total, error=self.error)


_starting = threading.Lock()  # one verification at a time, however many clicks and POSTs at once


def verification_jobs(app: Any) -> dict[str, _Job]:
    """This process's verification jobs (the API's and the web interface's alike), by id."""
    if not hasattr(app.state, "ledger_jobs"):
        app.state.ledger_jobs = {}
    return app.state.ledger_jobs


def start_verification_job(app: Any, system: Any) -> tuple[_Job, bool]:
    """Start verifying the whole log in the background, unless a verification is running:
    the job, and whether it was started now (False: the one already running)."""
    jobs = verification_jobs(app)
    with _starting:
        running = next((job for job in jobs.values() if job.state == "running"), None)
        if running is not None:
            return running, False
        job = _Job()
        jobs[job.id] = job
    threading.Thread(
        target=_run, args=(system, app.state.metrics, job), name=f"verify-{job.id[:8]}", daemon=True
    ).start()
    return job, True


def _run(system: Any, metrics: Any, job: _Job) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    try:
        key = system.ledger_key
        result = verify(system.store, [key.public_key()] if key else [], progress=progress)
        record(system.store, result)
        metrics.verified(result.ok)
        job.state = "succeeded"
    except Exception as error:  # the job reports it; the server goes on
        job.state, job.error = "failed", type(error).__name__
        log.error("ledger verification %s failed: %s", job.id, type(error).__name__)


@router.post(
    "/ledger/verification",
    status_code=202,
    response_model=VerificationJobPublic,
    responses=errors(401, 403, 409),
)
def start_verification(
    system: SystemDep, actor: ActorDep, request: Request, response: Response
) -> VerificationJobPublic:
    """Verify the whole log again in the background; its result replaces the one served above."""
    access.require_role(actor, Role.AUDITOR, Role.ADMIN)
    job, started = start_verification_job(request.app, system)
    if not started:
        raise HTTPException(409, "a verification is already running")
    response.headers["Location"] = f"/ledger/verification/jobs/{job.id}"
    return job.public()


@router.get(
    "/ledger/verification/jobs/{job_id}", response_model=VerificationJobPublic, responses=errors(401, 403, 404, 422)
)
def verification_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], actor: ActorDep, request: Request
) -> VerificationJobPublic:
    """Progress and outcome of a verification started above."""
    access.require_role(actor, Role.AUDITOR, Role.ADMIN)
    job = verification_jobs(request.app).get(job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job.public()


@router.get("/cases/{case_id}/bundle", response_class=Response, responses=errors(401, 403, 404, 409, 422, 503))
def bundle(system: SystemDep, actor: ActorDep, case_id: uuid.UUID) -> Response:
    """The case's legal-review bundle (auditors; supervisors of the case's office); verify it offline
    with ``python -m berkas_verify verify-bundle``. It holds the events as stored, personal data included."""
    # Accounts and data subjects share the log but are not cases: they have no bundle. Only its
    # office is read here: personal data that does not open (a key row altered) is no reason to
    # refuse a bundle, which carries it sealed, as stored.
    with marking_unreadable():
        case = system.app.get_typed(case_id, Case)
    if actor.role is not Role.AUDITOR:
        access.require_role(actor, Role.SUPERVISOR)
        access.require_own_office(actor, case.office)
    try:
        key = system.ledger_key
    except keys.LedgerKeyError:
        # The path may say more than an HTTP client should learn.
        raise HTTPException(503, "the ledger key is not readable") from None
    try:
        data = build_bundle(system.store, case_id, key)
    except LedgerNotReady as error:
        if key is None:
            # With the key the API would checkpoint and sign on the spot; without it, it waits
            # for the worker, which signs each office day as it closes.
            raise HTTPException(503, f"no ledger key is configured here: {error}") from None
        raise HTTPException(409, str(error)) from None
    # The bytes as built: the verifier checks the canonical form, so no re-serialising.
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="berkas-{case_id}.json"'},
    )
