"""/joint-operations: operasi gabungan TIMPORA; a finding opens an enforcement case."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.http.commands import CommandsDep, Route, command_routes
from api.http.deps import ActorDep, SystemDep
from api.http.listing import LIST_HELP, filters_for, list_kind
from api.http.reading import BEARER, READ_HELP, READ_RESPONSES, read_case
from api.http.schemas.cases import CasesPublic, JointOperationPublic
from api.http.schemas.common import errors
from api.http.schemas.enforcement import ExecutionCreate, FindingCreate, JointOperationCreate, ReportCreate
from domain.joint_operation import JointOperation

JO = JointOperation
router = APIRouter(prefix="/joint-operations", tags=["joint operations"])
Filters = filters_for(JO)


@router.post("", status_code=201, response_model=JointOperationPublic, responses=errors(401, 403, 422))
def plan(body: JointOperationCreate, commands: CommandsDep) -> JointOperationPublic:
    """Plan an operation; 201 with Location."""
    return commands.create(JO, body)


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422), description=LIST_HELP)
def list_operations(system: SystemDep, actor: ActorDep, filters: Filters) -> CasesPublic:
    return list_kind(system, actor, JO.KIND, filters)


@router.get(
    "/{case_id}",
    response_model=JointOperationPublic,
    responses=READ_RESPONSES,
    openapi_extra=BEARER,
    description=READ_HELP,
)
async def get_operation(case_id: UUID, request: Request) -> Response:
    return await read_case(request, JO, case_id)


command_routes(
    router,
    JO,
    {
        "execution": Route("execute", ExecutionCreate, "Execute the operation"),
        "findings": Route(
            "record_finding",
            FindingCreate,
            "Record a finding (temuan): 201 with the enforcement case it opens",
            opens=lambda operation: operation.findings[-1],
        ),
        "closure": Route("close", ReportCreate, "Close the operation with its report"),
    },
)
