"""/enforcement-cases: penindakan keimigrasian, Pasal 75 UU 6/2011."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.http.commands import CommandsDep, read
from api.http.deps import ActorDep, SystemDep
from api.http.listing import CaseFiltersDep, list_kind
from api.http.schemas.common import CasePublic, CasesPublic, errors
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
from domain.usecases.passports import personal_data

EC = EnforcementCase
router = APIRouter(prefix="/enforcement-cases", tags=["enforcement cases"])


@router.post("", status_code=201, response_model=CasePublic, responses=errors(401, 403, 422))
def open_case(body: EnforcementCaseCreate, commands: CommandsDep) -> CasePublic:
    """Open a case (not from a joint operation: those come from `/joint-operations/{id}/findings`)."""
    fields = body.model_dump(exclude={"occurred_at", "subject"})
    return commands.create(
        lambda actor, **opts: commands.system.app.open_enforcement_case(
            actor, subject=personal_data(**body.subject.model_dump()), **fields, **opts
        ),
        body,
    )


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422))
def list_enforcement(system: SystemDep, actor: ActorDep, filters: CaseFiltersDep) -> CasesPublic:
    return list_kind(system, actor, EC.KIND, filters)


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404, 422))
def get_enforcement(case_id: UUID, system: SystemDep, actor: ActorDep, response: Response) -> CasePublic:
    return read(system, actor, EC, case_id, response)


def _command(path: str, summary: str, *, decision: bool = False):
    return router.post(
        f"/{{case_id}}/{path}",
        response_model=CasePublic,
        responses=errors(401, 403, 404, 409, 422),
        summary=summary + (" (supervisor)" if decision else ""),
    )


@_command("examination", "Record the examination (BAP)")
def examine(case_id: UUID, body: ExaminationCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.examine(a, case_id, body.report_number, **o), body)


@_command("actions", "Impose an administrative action (TAK)", decision=True)
def impose_action(case_id: UUID, body: ActionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        EC,
        case_id,
        lambda a, **o: app.impose_action(
            a, case_id, body.action, body.decision_number, body.reason_code, body.legal_basis, **o
        ),
        body,
        decision=True,
    )


@_command("charge", "Assess a charge (biaya beban)")
def assess_charge(case_id: UUID, body: ChargeCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.assess_charge(a, case_id, body.amount, **o), body)


@_command("charge-payment", "Record a charge payment")
def pay_charge(case_id: UUID, body: ChargePaymentCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        EC, case_id, lambda a, **o: app.pay_charge(a, case_id, body.billing_code, body.amount, **o), body
    )


@_command("detention", "Detain (pendetensian)")
def detain(case_id: UUID, body: DetentionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.detain(a, case_id, body.place, body.ground, **o), body)


@_command("release", "Release from detention")
def release(case_id: UUID, body: ReasonCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.release(a, case_id, body.reason, **o), body)


@_command("objection", "File an objection (keberatan)")
def file_objection(case_id: UUID, body: ObjectionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.file_objection(a, case_id, body.grounds, **o), body)


@_command("objection-decision", "Decide the objection", decision=True)
def decide_objection(case_id: UUID, body: ObjectionDecisionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        EC,
        case_id,
        lambda a, **o: app.decide_objection(a, case_id, body.outcome, body.legal_basis, **o),
        body,
        decision=True,
    )


@_command("deportation", "Deport (pendeportasian)")
def deport(case_id: UUID, body: DeportationCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.deport(a, case_id, body.port, **o), body)


@_command("closure", "Close the case")
def close(case_id: UUID, body: OutcomeCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(EC, case_id, lambda a, **o: app.close_enforcement_case(a, case_id, body.outcome, **o), body)
