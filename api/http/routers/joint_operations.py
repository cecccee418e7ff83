"""/joint-operations: operasi gabungan TIMPORA; a finding opens an enforcement case."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.http.commands import CommandsDep, read
from api.http.deps import ActorDep, SystemDep
from api.http.listing import CaseFiltersDep, list_kind
from api.http.schemas.common import CasePublic, CasesPublic, errors
from api.http.schemas.enforcement import ExecutionCreate, FindingCreate, JointOperationCreate, ReportCreate
from domain.joint_operation import JointOperation
from domain.usecases.passports import personal_data

JO = JointOperation
COMMAND_ERRORS = errors(401, 403, 404, 409, 422)
router = APIRouter(prefix="/joint-operations", tags=["joint operations"])


@router.post("", status_code=201, response_model=CasePublic, responses=errors(401, 403, 422))
def plan(body: JointOperationCreate, commands: CommandsDep) -> CasePublic:
    """Plan an operation; 201 with Location."""
    return commands.create(
        lambda actor, **opts: commands.system.app.plan_joint_operation(
            actor, agencies=tuple(body.agencies), area=body.area, **opts
        ),
        body,
    )


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422))
def list_operations(system: SystemDep, actor: ActorDep, filters: CaseFiltersDep) -> CasesPublic:
    return list_kind(system, actor, JO.KIND, filters)


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404, 422))
def get_operation(case_id: UUID, system: SystemDep, actor: ActorDep, response: Response) -> CasePublic:
    return read(system, actor, JO, case_id, response)


@router.post("/{case_id}/execution", response_model=CasePublic, responses=COMMAND_ERRORS)
def execute(case_id: UUID, body: ExecutionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        JO,
        case_id,
        lambda a, **o: app.execute_joint_operation(a, case_id, tuple(body.locations), body.persons_checked, **o),
        body,
    )


@router.post("/{case_id}/findings", status_code=201, response_model=CasePublic, responses=COMMAND_ERRORS)
def record_finding(case_id: UUID, body: FindingCreate, commands: CommandsDep) -> CasePublic:
    """Record a finding (temuan); answers 201 with the enforcement case it opens."""
    app = commands.system.app
    fields = body.model_dump(exclude={"occurred_at", "subject"})
    return commands.spawn(
        JO,
        case_id,
        lambda a, **o: app.record_finding(
            a, case_id, subject=personal_data(**body.subject.model_dump()), **fields, **o
        ),
        body,
    )


@router.post("/{case_id}/closure", response_model=CasePublic, responses=COMMAND_ERRORS)
def close(case_id: UUID, body: ReportCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(JO, case_id, lambda a, **o: app.close_joint_operation(a, case_id, body.report, **o), body)
