"""/stay-permits: izin tinggal ITK, ITAS, ITAP."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.http.commands import CommandsDep, read
from api.http.deps import ActorDep, SystemDep
from api.http.listing import CaseFiltersDep, list_kind
from api.http.schemas.common import CasePublic, CasesPublic, errors
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
from domain.usecases.passports import personal_data

SP = StayPermit
router = APIRouter(prefix="/stay-permits", tags=["stay permits"])


@router.post("", status_code=201, response_model=CasePublic, responses=errors(401, 403, 422))
def apply(body: StayPermitCreate, commands: CommandsDep) -> CasePublic:
    """Apply for a stay permit; 201 with Location."""
    fields = body.model_dump(exclude={"occurred_at", "foreigner"})
    return commands.create(
        lambda actor, **opts: commands.system.app.apply_for_stay_permit(
            actor, foreigner=personal_data(**body.foreigner.model_dump()), **fields, **opts
        ),
        body,
    )


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422))
def list_permits(system: SystemDep, actor: ActorDep, filters: CaseFiltersDep) -> CasesPublic:
    return list_kind(system, actor, SP.KIND, filters)


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404, 422))
def get_permit(case_id: UUID, system: SystemDep, actor: ActorDep, response: Response) -> CasePublic:
    return read(system, actor, SP, case_id, response)


def _command(path: str, summary: str, *, decision: bool = False, status_code: int = 200):
    return router.post(
        f"/{{case_id}}/{path}",
        status_code=status_code,
        response_model=CasePublic,
        responses=errors(401, 403, 404, 409, 422),
        summary=summary + (" (supervisor)" if decision else ""),
    )


@_command("payment", "Pay the fee")
def pay(case_id: UUID, body: PaymentCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(SP, case_id, lambda a, **o: app.pay_stay_permit_fee(a, case_id, body.billing_code, **o), body)


@_command("refusal", "Refuse", decision=True)
def refuse(case_id: UUID, body: StayRefusalCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        SP,
        case_id,
        lambda a, **o: app.refuse_stay_permit(a, case_id, body.reason_code, body.legal_basis, **o),
        body,
        decision=True,
    )


@_command("issuance", "Issue the permit", decision=True)
def issue(case_id: UUID, body: StayIssuanceCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        SP,
        case_id,
        lambda a, **o: app.issue_stay_permit(
            a, case_id, body.permit_number, body.valid_from, body.valid_until, body.legal_basis, **o
        ),
        body,
        decision=True,
    )


@_command("extension", "Extend (perpanjangan)")
def extend(case_id: UUID, body: ExtensionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        SP,
        case_id,
        lambda a, **o: app.extend_stay_permit(a, case_id, body.billing_code, body.term, body.new_end, **o),
        body,
    )


@_command("transfer", "Transfer status (alih status): 201 with the successor", decision=True, status_code=201)
def transfer(case_id: UUID, body: TransferCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.spawn(
        SP,
        case_id,
        lambda a, **o: app.transfer_stay_permit(a, case_id, body.requested_term, body.legal_basis, **o),
        body,
        decision=True,
    )


@_command("cancellation", "Cancel after an enforcement case", decision=True)
def cancel(case_id: UUID, body: PermitCancellationCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        SP,
        case_id,
        lambda a, **o: app.cancel_stay_permit(a, case_id, body.enforcement_case_id, body.legal_basis, **o),
        body,
        decision=True,
    )


@_command("ending", "End the permit (expiry, departure)")
def end(case_id: UUID, body: ReasonCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(SP, case_id, lambda a, **o: app.end_stay_permit(a, case_id, body.reason, **o), body)
