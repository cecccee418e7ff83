"""Ledger endpoints for auditors: verification of the whole log, and a case's bundle."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.bootstrap import System
from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.schemas.common import Day, errors
from domain.values import Role
from projections.ledger import keys
from projections.ledger.bundle import LedgerNotReady, build_bundle
from projections.ledger.verify import verify

router = APIRouter(tags=["ledger"])


class DivergencePublic(BaseModel):
    kind: str
    notification_id: int
    case_id: UUID | None
    detail: str


class VerificationPublic(BaseModel):
    ok: bool
    summary: str
    events: int
    last_notification_id: int
    unsealed: int
    checkpoints: int
    unsigned: int
    signatures_checked: bool
    divergence: DivergencePublic | None


def _signing_key(system: System):
    try:
        return system.ledger_key
    except keys.LedgerKeyError:
        # The path may say more than an HTTP client should learn.
        raise HTTPException(503, "the ledger key is not readable") from None


@router.get("/ledger/verification", response_model=VerificationPublic, responses=errors(401, 403, 422, 503))
def verification(
    request: Request,
    system: SystemDep,
    actor: ActorDep,
    from_day: Annotated[Day | None, Query(alias="from", description="Recording day to start at")] = None,
) -> VerificationPublic:
    """Recompute the chain, the days and the signed checkpoints from the stored events (auditors, IT admins)."""
    access.require_role(actor, Role.AUDITOR, Role.ADMIN)
    key = _signing_key(system)
    result = verify(system.store, key.public_key() if key else None, from_day.isoformat() if from_day else None)
    request.app.state.metrics.verified(result.ok)
    found = result.divergence
    return VerificationPublic(
        ok=result.ok,
        summary=result.describe(),
        events=result.events,
        last_notification_id=result.last_notification_id,
        unsealed=result.unsealed,
        checkpoints=result.checkpoints,
        unsigned=result.unsigned,
        signatures_checked=result.signatures_checked,
        divergence=None if found is None else DivergencePublic(**vars(found)),
    )


@router.get("/cases/{case_id}/bundle", response_class=Response, responses=errors(401, 403, 404, 409, 422, 503))
def bundle(system: SystemDep, actor: ActorDep, case_id: UUID) -> Response:
    """The case's legal-review bundle (auditors; supervisors of the case's office); verify it offline
    with ``python -m berkas_verify verify-bundle``. It holds the events as stored, personal data included."""
    case = system.app.get_case(case_id)
    if actor.role is not Role.AUDITOR:
        access.require_role(actor, Role.SUPERVISOR)
        access.require_own_office(actor, case.office)
    key = _signing_key(system)
    if key is None:
        raise HTTPException(503, "no ledger key is configured: bundles cannot be signed")
    try:
        data = build_bundle(system.store, case_id, key.public_key(), key)
    except LedgerNotReady as error:
        raise HTTPException(409, str(error)) from None
    # The bytes as built: the verifier checks the canonical form, so no re-serialising.
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="berkas-{case_id}.json"'},
    )
