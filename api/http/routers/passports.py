"""/passport-applications: permohonan paspor, from submission to hand-over."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.http.commands import CommandsDep, read
from api.http.deps import ActorDep, SystemDep
from api.http.listing import CaseFiltersDep, list_kind
from api.http.schemas.common import CasePublic, CasesPublic, CommandCreate, errors
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
from domain.usecases.passports import personal_data

P = PassportApplication
COMMAND_ERRORS = errors(401, 403, 404, 409, 422)

router = APIRouter(prefix="/passport-applications", tags=["passport applications"])


@router.post("", status_code=201, response_model=CasePublic, responses=errors(401, 403, 422))
def submit(body: PassportApplicationCreate, commands: CommandsDep) -> CasePublic:
    """Submit an application (permohonan); 201 with Location. The office is the officer's."""
    fields = body.model_dump(exclude={"occurred_at", "applicant"})
    return commands.create(
        lambda actor, **opts: commands.system.app.submit_passport_application(
            actor, applicant=personal_data(**body.applicant.model_dump()), **fields, **opts
        ),
        body,
    )


@router.get("", response_model=CasesPublic, responses=errors(401, 403, 422))
def list_applications(system: SystemDep, actor: ActorDep, filters: CaseFiltersDep) -> CasesPublic:
    return list_kind(system, actor, P.KIND, filters)


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404, 422))
def get_application(case_id: UUID, system: SystemDep, actor: ActorDep, response: Response) -> CasePublic:
    """The application as it stands; its version is the ETag."""
    return read(system, actor, P, case_id, response)


def _command(path: str, summary: str, *, decision: bool = False):
    return router.post(
        f"/{{case_id}}/{path}",
        response_model=CasePublic,
        responses=COMMAND_ERRORS,
        summary=summary + (" (supervisor)" if decision else ""),
    )


@_command("payment", "Pay the fee (PNBP)")
def pay(case_id: UUID, body: PaymentCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.pay_passport_fee(a, case_id, body.billing_code, **o), body)


@_command("zero-tariff", "Grant the zero tariff")
def zero_tariff(case_id: UUID, body: ZeroTariffCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.grant_zero_tariff(a, case_id, body.basis, **o), body)


@_command("biometrics", "Capture photo and fingerprints")
def biometrics(case_id: UUID, commands: CommandsDep, body: CommandCreate | None = None) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.capture_biometrics(a, case_id, **o), body or CommandCreate())


@_command("interview", "Interview the applicant (wawancara)")
def interview(case_id: UUID, body: InterviewCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        P,
        case_id,
        lambda a, **o: app.interview(a, case_id, body.stated_purpose, tuple(body.indicators), body.assessment, **o),
        body,
    )


@_command("postponement", "Postpone (penundaan)")
def postpone(case_id: UUID, body: PostponementCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    ref = body.referral
    return commands.on(
        P,
        case_id,
        lambda a, **o: app.postpone(
            a, case_id, body.reason, ref.agency if ref else None, ref.instructions if ref else None, **o
        ),
        body,
    )


@_command("postponement-lifting", "Lift the postponement")
def lift_postponement(case_id: UUID, body: PostponementLiftingCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.lift_postponement(a, case_id, body.evidence, **o), body)


@_command("refusal", "Refuse (penolakan)", decision=True)
def refuse(case_id: UUID, body: PassportRefusalCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    ref = body.referral
    return commands.on(
        P,
        case_id,
        lambda a, **o: app.refuse_passport(
            a,
            case_id,
            body.reason_code,
            body.legal_basis,
            ref.agency if ref else None,
            ref.instructions if ref else None,
            **o,
        ),
        body,
        decision=True,
    )


@_command("approval", "Approve (persetujuan)", decision=True)
def approve(case_id: UUID, body: DecisionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        P, case_id, lambda a, **o: app.approve_passport(a, case_id, body.legal_basis, **o), body, decision=True
    )


@_command("issuance", "Issue the passport (penerbitan)")
def issue(case_id: UUID, body: IssuanceCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.issue_passport(a, case_id, body.passport_number, **o), body)


@_command("hand-over", "Hand over the passport (penyerahan)")
def hand_over(case_id: UUID, body: HandOverCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.hand_over_passport(a, case_id, body.collector, **o), body)


@_command("withdrawal", "Withdraw the application")
def withdraw(case_id: UUID, body: ReasonCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(P, case_id, lambda a, **o: app.withdraw_passport(a, case_id, body.reason, **o), body)


@_command("cancellation", "Cancel an uncollected passport", decision=True)
def cancel_uncollected(case_id: UUID, body: DecisionCreate, commands: CommandsDep) -> CasePublic:
    app = commands.system.app
    return commands.on(
        P,
        case_id,
        lambda a, **o: app.cancel_uncollected_passport(a, case_id, body.legal_basis, **o),
        body,
        decision=True,
    )
