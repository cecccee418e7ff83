"""/revenue-targets: an office's PNBP target per year, set by its supervisor.

``If-Match`` on a year with no target: a PUT or POST without it would create the target, so
the precondition is evaluated (RFC 9110 §13.2.1) and fails, there being no current
representation (§13.1.1). The RFC's status is 412; this API answers every strong tag naming
another version than the current one with 409 and ``current_version`` (here 0), as it answers
a stale tag on a case, and a weak tag with 412. A case command is different: a case that does
not exist is a 404 whatever the tag (``commands.Commands.on``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.exceptions import RequestValidationError

from api.http import access
from api.http.deps import ActorDep, CommandIdDep, ExpectedVersionDep, IdempotencyKey, SystemDep, bound, none_match
from api.http.schemas.admin import RevenueTargetCreate, RevenueTargetPublic, RevenueTargetUpdate
from api.http.schemas.common import NOT_MODIFIED, OfficeCode, errors
from domain.errors import InvalidCommand
from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.usecases.base import Actor

router = APIRouter(prefix="/revenue-targets", tags=["revenue targets"])
Year = Annotated[int, Path(ge=2000, le=2100)]


async def create_only(
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            max_length=32,
            description="`*`: create only; a year that has a target already is a 412 (nothing changed)",
        ),
    ] = None,
) -> bool:
    if if_none_match is None:
        return False
    if if_none_match.strip() != "*":
        rule = "must be * (create only)"
        raise RequestValidationError([{"loc": ("header", "If-None-Match"), "msg": rule, "type": "create_only"}])
    return True


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
    create_only: bool = False,
):
    with bound(key) as command_id:
        access.require_worker(actor, decision=True)
        version = system.app.set_revenue_target(
            actor,
            year,
            body.amount,
            body.legal_basis,
            create_only,
            command_id=command_id,
            expected_version=expected_version,
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


@router.post("", response_model=RevenueTargetPublic, responses={**_ANSWERS, **errors(401, 403, 409, 412, 422)})
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


@router.put("/{year}", response_model=RevenueTargetPublic, responses={**_ANSWERS, **errors(401, 403, 409, 412, 422)})
def put_target(
    year: Year,
    body: RevenueTargetUpdate,
    system: SystemDep,
    actor: ActorDep,
    command_id: CommandIdDep,
    expected_version: ExpectedVersionDep,
    response: Response,
    only_create: Annotated[bool, Depends(create_only)],
) -> RevenueTargetPublic:
    """Set the supervisor's office's target for the year, whether or not it had one (RFC 9110
    §9.3.4): 201 with its `Location` when it had none, 200 when it replaces it. Each change is
    an event; a retry with the same `Idempotency-Key` is answered as the first was. With
    `If-Match` (the ETag read), a target changed meanwhile, or not set yet, is a 409. With
    `If-None-Match: *` it only creates: a year that has a target is a 412 with its ETag
    (a retry of the create itself, same `Idempotency-Key`, is answered as it was)."""
    answer = _set(system, actor, year, body, command_id, response, expected_version, only_create)
    return _created(answer, response)


@router.get("/{year}", response_model=RevenueTargetPublic, responses={**NOT_MODIFIED, **errors(401, 403, 404, 422)})
def get_target(
    year: Year,
    system: SystemDep,
    actor: ActorDep,
    response: Response,
    if_none_match: Annotated[
        str | None, Header(alias="If-None-Match", max_length=200, description="The ETag read: unchanged, 304")
    ] = None,
    office: Annotated[
        OfficeCode | None,
        Query(description="Office code, e.g. MLG: required of auditors; officers and supervisors read their own"),
    ] = None,
) -> RevenueTargetPublic | Response:
    """An office's target for the year. Auditors read every office, so they name it (`office`;
    without it, a 422 naming `office`); officers and supervisors read their own office's, which
    `office` may name (another office is a 403). Its version is the ETag; an unchanged
    version answers a matching `If-None-Match` with 304."""
    scope = access.list_scope(actor, office)
    if scope is None:  # an auditor, who reads every office, named none: no single target to answer
        raise InvalidCommand("office", "is required of an auditor, who reads every office's target: e.g. ?office=MLG")
    target = _public(system.app.revenue_target(scope, year), response)
    if none_match(if_none_match, response.headers["ETag"]):
        return Response(status_code=304, headers={"ETag": response.headers["ETag"]})
    return target
