"""/passport-applications: permohonan paspor, from submission to hand-over."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.http.commands import CommandsDep, Route, command_routes
from api.http.deps import ActorDep, SystemDep
from api.http.listing import LIST_HELP, filters_for, list_kind
from api.http.reading import BEARER, READ_HELP, READ_RESPONSES, read_case
from api.http.schemas.cases import CasesPublic, PassportApplicationPublic
from api.http.schemas.common import CommandCreate, errors
from api.http.schemas.passports import (
    DecisionCreate,
    HandOverCreate,
    InterviewCreate,
    IssuanceCreate,
    PassportApplicationCreate,
    PassportRefusalCreate,
    PaymentCreate,
    PostponementCreate,
    PostponementLiftingCreate,
    ReasonCreate,
    ZeroTariffCreate,
)
from domain.passport import PassportApplication
from domain.values import RefusalReason

P = PassportApplication

router = APIRouter(prefix="/passport-applications", tags=["passport applications"])
Filters = filters_for(P, RefusalReason)


@router.post("", status_code=201, response_model=PassportApplicationPublic, responses=errors(401, 403, 409, 422))
def submit(body: PassportApplicationCreate, commands: CommandsDep) -> PassportApplicationPublic:
    """Submit an application (permohonan); 201 with Location. The office is the officer's."""
    return commands.create(P, body)


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422), description=LIST_HELP)
def list_applications(system: SystemDep, actor: ActorDep, filters: Filters) -> CasesPublic:
    return list_kind(system, actor, P.KIND, filters)


@router.get(
    "/{case_id}",
    response_model=PassportApplicationPublic,
    responses=READ_RESPONSES,
    openapi_extra=BEARER,
    description=READ_HELP,
)
async def get_application(case_id: UUID, request: Request) -> Response:
    return await read_case(request, P, case_id)


command_routes(
    router,
    P,
    {
        "payment": Route("pay", PaymentCreate, "Pay the fee (PNBP)"),
        "zero-tariff": Route("grant_zero_tariff", ZeroTariffCreate, "Grant the zero tariff"),
        "biometrics": Route("capture_biometrics", CommandCreate, "Capture photo and fingerprints", body_optional=True),
        "interview": Route("interview", InterviewCreate, "Interview the applicant (wawancara)"),
        "postponement": Route("postpone", PostponementCreate, "Postpone (penundaan)"),
        "postponement-lifting": Route("lift_postponement", PostponementLiftingCreate, "Lift the postponement"),
        "refusal": Route("refuse", PassportRefusalCreate, "Refuse (penolakan)"),
        "approval": Route("approve", DecisionCreate, "Approve (persetujuan)"),
        "issuance": Route("issue", IssuanceCreate, "Issue the passport (penerbitan)"),
        "hand-over": Route("hand_over", HandOverCreate, "Hand over the passport (penyerahan)"),
        "withdrawal": Route("withdraw", ReasonCreate, "Withdraw the application"),
        "cancellation": Route("cancel_uncollected", DecisionCreate, "Cancel an uncollected passport"),
    },
)
