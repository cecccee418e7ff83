"""Revenue targets, accounts, replay, reports and health: their models."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field

from api.http.schemas.cases import UNREADABLE, LocalTime, Rupiah
from api.http.schemas.common import DocumentBasis, OfficeCode, Text, examples
from api.http.schemas.enforcement import Amount
from domain.values import LateEntryReason, Role

TARGET_BASIS = "DIPA 2024 Kanim Malang"


class RevenueTargetCreate(BaseModel):
    model_config = examples({"year": 2024, "amount": "10132500000", "legal_basis": TARGET_BASIS})
    year: int = Field(ge=2000, le=2100)
    amount: Amount
    legal_basis: DocumentBasis


class RevenueTargetUpdate(BaseModel):
    model_config = examples({"amount": "10132500000", "legal_basis": "DIPA revisi 2024"})
    amount: Amount
    legal_basis: DocumentBasis


class RevenueTargetPublic(BaseModel):
    """An office's PNBP target for a year (target PNBP)."""

    office: str
    year: int
    amount: Rupiah
    version: int = Field(ge=1, description='Also sent as the ETag ("2")')


def _role_in_any_case(value: Any) -> Any:
    """`officer` is `OFFICER`, as `berkas users add --role officer` takes it."""
    return value.upper() if isinstance(value, str) else value


# A role as the enum names it; any case is taken (and answered as the enum names it).
RoleInAnyCase = Annotated[
    Role, BeforeValidator(_role_in_any_case), Field(description="Any case is taken (`officer`), as by the CLI")
]


class UserCreate(BaseModel):
    model_config = examples({"name": "Budi Santoso", "role": "OFFICER", "office": "MLG"})
    name: Text
    role: RoleInAnyCase
    office: OfficeCode = Field(description="Office code (kode kantor), e.g. MLG")


class UserPublic(BaseModel):
    """An account (pengguna): one person, one role, one office."""

    id: str = Field(description="The account's id: the `actor_id` on every event it records")
    name: str
    role: Role
    office: str
    revoked: bool
    token: str | None = Field(None, description="Only in the answer that creates the account; never again")


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class PersonPublic(BaseModel):
    """An entry of the people directory: who an `actor_id` is (staff only, never applicants)."""

    id: str = Field(description="The `actor_id` found in histories and the audit trail")
    name: str
    role: Role
    office: str
    active: bool = Field(description="False once the account is revoked")


class PeoplePublic(BaseModel):
    data: list[PersonPublic]
    count: int


class RevocationCreate(BaseModel):
    model_config = examples({"reason": "left the office"})
    reason: Text


class EventPublic(BaseModel):
    """One event of a case, with its provenance (who, which role and office, when); each
    event's own model (``schemas.events``) narrows ``event``, ``topic`` and ``payload``."""

    version: int = Field(ge=1, description="The case's version this event produced")
    event: str = Field(description="The event's name, past tense", examples=["Refused"])
    topic: str = Field(
        description="The event's stable topic in the log", examples=["berkas:PassportApplication.Refused"]
    )
    actor_id: str = Field(description="Who recorded it (see /people)")
    actor_role: Role
    office: str
    occurred_at: LocalTime = Field(description="Business time: when it happened, in the office's offset")
    recorded_at: LocalTime = Field(description="When it was written to the log, in the office's offset")
    command_id: str | None = Field(description="The idempotency key it was recorded under, if any")
    reason_code: str | None
    legal_basis: str | None
    late_entry_reason: LateEntryReason | None = Field(
        None, description="Set on a late entry (business time far before its recording): the supervisor's reason"
    )
    payload: dict[str, Any] = Field(
        description="The event's own fields as recorded (codes, amounts in rupiah, dates); "
        "personal data null unless the caller's office handles the case"
    )
    personal_data_unreadable: bool = Field(False, description=UNREADABLE)


class DecisionPublic(BaseModel):
    """A decision (keputusan) in the audit trail: who decided what, when, on which basis."""

    id: int = Field(description="The event's position in the log (its notification id); the cursor of the next page")
    case_id: UUID
    kind: str = Field(description="The case's kind", examples=["PassportApplication"])
    event: str = Field(examples=["Refused"])
    actor_id: str = Field(description="The deciding user's id (see /people)")
    actor_role: Role
    office: str
    occurred_at: LocalTime
    recorded_at: LocalTime
    reason_code: str | None
    legal_basis: str | None
    late_entry_reason: LateEntryReason | None = Field(
        None, description="Set when the decision was a late entry: the supervisor's reason for recording it late"
    )


class DecisionsPublic(BaseModel):
    """A page of decisions in log order; the next page's URL is in the `Link` header."""

    data: list[DecisionPublic]
    count: int
    next: str | None = Field(description="The cursor of the next page (pass it as `after`); null on the last page")


class RebuildCreate(BaseModel):
    model_config = examples({"projection": None}, {"projection": "case_index"})
    projection: str | None = Field(None, max_length=64, description="One projection by name; all when omitted")


class JobPublic(BaseModel):
    """A rebuild job: a row in the database, the same from every worker and process."""

    id: str = Field(description="The job's id; its URL is `/reports/rebuild/{id}`")
    state: Literal["running", "succeeded", "failed"] = Field(
        description="`failed` also when the process running it stopped (`error`: abandoned)"
    )
    projections: list[str] = Field(description="The views it rebuilds", examples=[["case_index"]])
    done: int = Field(ge=0, description="The position in the log the pass has reached (a notification id)")
    total: int = Field(ge=0, description="The log's end the pass reads up to (done = total when finished)")
    rate: float = Field(ge=0, description="Positions per second so far")
    events: int = Field(ge=0, description="View rows the rebuild applied, once finished")
    error: str | None = Field(description="Why it failed: the error's type, never its text")
    requested_by: str = Field(description="The admin who started it (see /people)")
    started_at: LocalTime
    finished_at: LocalTime | None


class HealthPublic(BaseModel):
    status: str


class ReadyPublic(BaseModel):
    status: Literal["ready", "unavailable", "halted", "lagging", "not_signing"]
    database: str
    lag: dict[str, int] | None = Field(description="Events each projection is behind the log")
    reason: str | None = Field(
        None, description="Why not ready: `halted`, `lagging` and `not_signing` (never personal data)"
    )
    halted_at: int | None = Field(None, description="`halted`: the notification id of the event the views cannot read")
