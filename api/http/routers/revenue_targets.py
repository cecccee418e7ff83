"""/revenue-targets: an office's PNBP target per year, set by its supervisor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.http import access
from api.http.deps import ActorDep, CommandIdDep, ExpectedVersionDep, IdempotencyKey, SystemDep, bound
from api.http.listing import WORD
from api.http.schemas.admin import RevenueTargetCreate, RevenueTargetPublic, RevenueTargetUpdate
from api.http.schemas.common import errors
from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.usecases.base import Actor

router = APIRouter(prefix="/revenue-targets", tags=["revenue targets"])
Year = Annotated[int, Path(ge=2000, le=2100)]


def _public(target: RevenueTarget, response: Response) -> RevenueTargetPublic:
    response.headers["ETag"] = f'"{target.version}"'
    return RevenueTargetPublic(
        office=target.office, year=target.year, amount=int(target.amount), version=target.version
    )


def _set(
    system,
    actor: Actor,
    year: int,
    body: RevenueTargetUpdate,
    key: IdempotencyKey | None,
    response: Response,
    expected_version: int | None = None,
):
    with bound(key) as command_id:
        access.require_worker(actor, decision=True)
        version = system.app.set_revenue_target(
            actor, year, body.amount, body.legal_basis, command_id=command_id, expected_version=expected_version
        )
    return _public(system.app.get_case(revenue_target_id(actor.office, year), version=version), response)


_ANSWERS = {
    200: {"description": "Replaced: the office's target for the year, revised (its version)"},
    201: {"model": RevenueTargetPublic, "description": "Created: the office had no target for the year"},
}


def _created(target: RevenueTargetPublic, response: Response) -> RevenueTargetPublic:
    """201 with the target's `Location` when this change made it (its first version)."""
    if target.version == 1:
        response.status_code = 201
        response.headers["Location"] = f"/revenue-targets/{target.year}?office={target.office}"
    return target


@router.post("", response_model=RevenueTargetPublic, responses={**_ANSWERS, **errors(401, 403, 409, 422)})
def set_target(
    body: RevenueTargetCreate,
    system: SystemDep,
    actor: ActorDep,
    command_id: CommandIdDep,
    expected_version: ExpectedVersionDep,
    response: Response,
) -> RevenueTargetPublic:
    """Set or revise the target of the supervisor's office; each change is an event: 201 with
    its `Location` when the year had no target, 200 when it revises it. With `If-Match` (the
    ETag read), a target changed meanwhile, or not set yet, is a 409."""
    update = RevenueTargetUpdate(amount=body.amount, legal_basis=body.legal_basis)
    return _created(_set(system, actor, body.year, update, command_id, response, expected_version), response)


@router.put("/{year}", response_model=RevenueTargetPublic, responses={**_ANSWERS, **errors(401, 403, 409, 422)})
def put_target(
    year: Year,
    body: RevenueTargetUpdate,
    system: SystemDep,
    actor: ActorDep,
    command_id: CommandIdDep,
    expected_version: ExpectedVersionDep,
    response: Response,
) -> RevenueTargetPublic:
    """Set the supervisor's office's target for the year, whether or not it had one (RFC 9110
    §9.3.4): 201 with its `Location` when it had none, 200 when it replaces it. Each change is
    an event; a retry with the same `Idempotency-Key` is answered as the first was. With
    `If-Match` (the ETag read), a target changed meanwhile, or not set yet, is a 409."""
    return _created(_set(system, actor, year, body, command_id, response, expected_version), response)


@router.get("/{year}", response_model=RevenueTargetPublic, responses=errors(401, 403, 404, 422))
def get_target(
    year: Year,
    system: SystemDep,
    actor: ActorDep,
    response: Response,
    office: Annotated[str | None, Query(max_length=8, pattern=WORD)] = None,
) -> RevenueTargetPublic:
    scope = access.list_scope(actor, office) or actor.office
    target = system.app.get_typed(revenue_target_id(scope, year), RevenueTarget)
    return _public(target, response)
