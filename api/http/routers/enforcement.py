"""/enforcement-cases: penindakan keimigrasian, Pasal 75 UU 6/2011."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.http.commands import CommandsDep, Route, command_routes
from api.http.deps import ActorDep, SystemDep
from api.http.listing import LIST_HELP, filters_for, list_kind
from api.http.reading import BEARER, READ_HELP, READ_RESPONSES, read_case
from api.http.schemas.cases import CasesPublic, EnforcementCasePublic
from api.http.schemas.common import errors
from api.http.schemas.enforcement import (
    ActionCreate,
    ChargeCreate,
    ChargePaymentCreate,
    DeportationCreate,
    DetentionCreate,
    EnforcementCaseCreate,
    ExaminationCreate,
    ObjectionCreate,
    ObjectionDecisionCreate,
    OutcomeCreate,
)
from api.http.schemas.passports import ReasonCreate
from domain.enforcement import EnforcementCase

EC = EnforcementCase
router = APIRouter(prefix="/enforcement-cases", tags=["enforcement cases"])
Filters = filters_for(EC)


@router.post("", status_code=201, response_model=EnforcementCasePublic, responses=errors(401, 403, 422))
def open_case(body: EnforcementCaseCreate, commands: CommandsDep) -> EnforcementCasePublic:
    """Open a case (not from a joint operation: those come from `/joint-operations/{id}/findings`)."""
    return commands.create(EC, body)


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422), description=LIST_HELP)
def list_enforcement(system: SystemDep, actor: ActorDep, filters: Filters) -> CasesPublic:
    return list_kind(system, actor, EC.KIND, filters)


@router.get(
    "/{case_id}",
    response_model=EnforcementCasePublic,
    responses=READ_RESPONSES,
    openapi_extra=BEARER,
    description=READ_HELP,
)
async def get_enforcement(case_id: UUID, request: Request) -> Response:
    return await read_case(request, EC, case_id)


command_routes(
    router,
    EC,
    {
        "examination": Route("examine", ExaminationCreate, "Record the examination (BAP)"),
        "actions": Route("impose_action", ActionCreate, "Impose an administrative action (TAK)"),
        "charge": Route("assess_charge", ChargeCreate, "Assess a charge (biaya beban)"),
        "charge-payment": Route("pay_charge", ChargePaymentCreate, "Record a charge payment"),
        "detention": Route("detain", DetentionCreate, "Detain (pendetensian)"),
        "release": Route("release", ReasonCreate, "Release from detention"),
        "objection": Route("file_objection", ObjectionCreate, "File an objection (keberatan)"),
        "objection-decision": Route("decide_objection", ObjectionDecisionCreate, "Decide the objection"),
        "deportation": Route("deport", DeportationCreate, "Deport (pendeportasian)"),
        "closure": Route("close", OutcomeCreate, "Close the case"),
    },
)
