"""/stay-permits: izin tinggal ITK, ITAS, ITAP."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.http.commands import CommandsDep, Route, command_routes
from api.http.deps import ActorDep, SystemDep
from api.http.listing import LIST_HELP, filters_for, list_kind
from api.http.reading import BEARER, READ_HELP, READ_RESPONSES, read_case
from api.http.schemas.cases import CasesPublic, StayPermitPublic
from api.http.schemas.common import errors
from api.http.schemas.passports import PaymentCreate, ReasonCreate
from api.http.schemas.stay_permits import (
    ExtensionCreate,
    PermitCancellationCreate,
    StayIssuanceCreate,
    StayPermitCreate,
    StayRefusalCreate,
    TransferCreate,
)
from domain.stay_permit import StayPermit

SP = StayPermit
router = APIRouter(prefix="/stay-permits", tags=["stay permits"])
Filters = filters_for(SP)


@router.post("", status_code=201, response_model=StayPermitPublic, responses=errors(401, 403, 409, 422))
def apply(body: StayPermitCreate, commands: CommandsDep) -> StayPermitPublic:
    """Apply for a stay permit; 201 with Location."""
    return commands.create(SP, body)


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422), description=LIST_HELP)
def list_permits(system: SystemDep, actor: ActorDep, filters: Filters) -> CasesPublic:
    return list_kind(system, actor, SP.KIND, filters)


@router.get(
    "/{case_id}",
    response_model=StayPermitPublic,
    responses=READ_RESPONSES,
    openapi_extra=BEARER,
    description=READ_HELP,
)
async def get_permit(case_id: UUID, request: Request) -> Response:
    return await read_case(request, SP, case_id)


command_routes(
    router,
    SP,
    {
        "payment": Route("pay", PaymentCreate, "Pay the fee"),
        "refusal": Route("refuse", StayRefusalCreate, "Refuse"),
        "issuance": Route("issue", StayIssuanceCreate, "Issue the permit"),
        "extension": Route("extend", ExtensionCreate, "Extend (perpanjangan)"),
        "transfer": Route(
            "transfer",
            TransferCreate,
            "Transfer status (alih status): 201 with the successor",
            opens=lambda permit: permit.successor_id,
        ),
        "cancellation": Route("cancel", PermitCancellationCreate, "Cancel after an enforcement case"),
        "ending": Route("end", ReasonCreate, "End the permit (expiry, departure)"),
    },
)
