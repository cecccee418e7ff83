"""Builders of valid commands and aggregates, shared by the test modules.

Each builder gives a case that is valid as it stands, so a test changes only the one
thing it is about. Business times come from a ``Clock`` that only moves forward, so a
chain of commands never trips the "not before the previous event" rule by accident.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.case import Case
from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.passport import PassportApplication, PassportStatus
from domain.stay_permit import StayPermit
from domain.usecases.base import Actor
from domain.values import (
    AdministrativeAction,
    ApplicationType,
    CaseSource,
    Channel,
    Collector,
    PermitBasis,
    PermitKind,
    PersonalData,
    PostponementReason,
    Product,
    Provenance,
    RefusalReason,
    Role,
    StayTerm,
)

# Distinctive personal data, so a test can search any text for it.
APPLICANT_NAME = "Siti Rahayuningsih Testdata"
APPLICANT_NIK = "3573014512900001"
FOREIGNER_NAME = "Johnathan Q. Testperson"
FOREIGNER_NIK = "9990001112223334"
LEGAL_BASIS = "Pasal 27 Permenkumham 8/2014"
DEPORTATION_BASIS = "Pasal 75 ayat (2) huruf f UU 6/2011"


def applicant() -> PersonalData:
    return PersonalData(APPLICANT_NAME, APPLICANT_NIK, date(1990, 12, 5), "Jl. Ijen 12, Kota Malang")


def fresh_nik() -> str:
    """A NIK of its own: one person has one open application per product, so cases
    submitted through the application each need their own applicant."""
    return APPLICANT_NIK[:6] + f"{uuid.uuid4().int % 10**10:010d}"


def fresh_applicant() -> PersonalData:
    return PersonalData(APPLICANT_NAME, fresh_nik(), date(1990, 12, 5), "Jl. Ijen 12, Kota Malang")


def foreigner(nik: str = FOREIGNER_NIK) -> PersonalData:
    return PersonalData(FOREIGNER_NAME, nik, date(1985, 3, 14), "Jl. Kawi 3, Kota Malang")


def fresh_foreigner() -> PersonalData:
    """A foreigner of their own: one foreigner has one open application per stay permit kind."""
    return foreigner(FOREIGNER_NIK[:6] + f"{uuid.uuid4().int % 10**10:010d}")


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def command_id() -> str:
    return f"cmd-{uuid.uuid4().hex}"


def actor(role: Role = Role.OFFICER, office: str = "MLG") -> Actor:
    return Actor(f"{role.value.lower()}-{uuid.uuid4().hex[:6]}", role, office)


@dataclass
class Clock:
    """Business time that moves forward one step per reading, well in the past."""

    now: datetime = field(default_factory=lambda: datetime(2024, 3, 1, 2, 0, tzinfo=UTC))
    step: timedelta = timedelta(hours=1)

    def next(self) -> datetime:
        self.now += self.step
        return self.now


def prov(
    clock: Clock,
    role: Role = Role.OFFICER,
    office: str = "MLG",
    command: str | None = None,
    at: datetime | None = None,
) -> Provenance:
    return Provenance(f"{role.value.lower()}-1", role, office, at or clock.next(), command)


def officer_of(clock: Clock, **kw: Any) -> Provenance:
    return prov(clock, Role.OFFICER, **kw)


def supervisor_of(clock: Clock, **kw: Any) -> Provenance:
    return prov(clock, Role.SUPERVISOR, **kw)


# --- aggregates, driven directly (domain tests) ---------------------------------------

PASSPORT_STEPS = ("SUBMITTED", "PAID", "BIOMETRICS", "INTERVIEWED", "APPROVED", "ISSUED", "HANDED_OVER")


def passport_arguments(person: PersonalData, **overrides: Any) -> dict[str, Any]:
    """``PassportApplication.submit``'s arguments (as the use case converts them) for a new
    10-year electronic passport of ``person``'s, applied for at the counter in Kota Malang."""
    return {
        "channel": Channel.WALK_IN,
        "applicant": person,
        "application_type": ApplicationType.NEW,
        "product": Product.ELECTRONIC,
        "validity_years": 10,
        "expedited": False,
        "purpose": "tourism",
        "destination": "JPN",
        "regency_code": "3573",
    } | overrides


def passport(
    clock: Clock, until: str | PassportStatus = "SUBMITTED", office: str = "MLG", **overrides: Any
) -> PassportApplication:
    """A passport application driven along the happy path up to ``until``."""
    target = until.value if isinstance(until, PassportStatus) else until
    args = passport_arguments(applicant(), channel=Channel.M_PASPOR) | overrides
    case = PassportApplication.submit(new_id(), officer_of(clock, office=office), **args)
    steps = {
        "PAID": lambda: case.pay(officer_of(clock, office=office), "820240300001"),
        "BIOMETRICS": lambda: case.capture_biometrics(officer_of(clock, office=office)),
        "INTERVIEWED": lambda: case.interview(officer_of(clock, office=office), "tourism", (), "credible"),
        "APPROVED": lambda: case.approve(supervisor_of(clock, office=office), LEGAL_BASIS),
        "ISSUED": lambda: case.issue(officer_of(clock, office=office), "E1234567"),
        "HANDED_OVER": lambda: case.hand_over(officer_of(clock, office=office), Collector.SELF),
        "POSTPONED": lambda: case.postpone(
            officer_of(clock, office=office), PostponementReason.SUPPORTING_DOCUMENTS, None
        ),
        "REFUSED": lambda: case.refuse(
            supervisor_of(clock, office=office), RefusalReason.PMI_NONPROCEDURAL, LEGAL_BASIS, None
        ),
    }
    path = {
        "POSTPONED": ("PAID", "BIOMETRICS", "INTERVIEWED", "POSTPONED"),
        "REFUSED": ("PAID", "BIOMETRICS", "INTERVIEWED", "REFUSED"),
    }.get(target) or PASSPORT_STEPS[1 : PASSPORT_STEPS.index(target) + 1]
    for step in path:
        steps[step]()
    return case


def stay_permit(
    clock: Clock,
    until: str = "APPLIED",
    kind: PermitKind = PermitKind.ITAS,
    term: StayTerm = StayTerm.YEARS_1,
    office: str = "MLG",
) -> StayPermit:
    """A stay permit driven up to APPLIED, PAID or ISSUED."""
    permit = StayPermit.apply_for(
        new_id(),
        officer_of(clock, office=office),
        kind,
        PermitBasis.VISA,
        foreigner(),
        "AUS",
        "PA1234567",
        "PT Sponsor Malang",
        term,
    )
    if until in ("PAID", "ISSUED"):
        permit.pay(officer_of(clock, office=office), "820240300101")
    if until == "ISSUED":
        permit.issue(supervisor_of(clock, office=office), "2C11AB1234", *validity(term, date(2024, 4, 1)), LEGAL_BASIS)
    return permit


def validity(term: StayTerm | str, start: date | None = None) -> tuple[date, date]:
    """``valid_from`` and ``valid_until`` of a permit granted its whole ``term`` from
    ``start`` (by default today, near a decision made now), the day before the anniversary
    being its last (an ITAS for 1 year from 2024-04-01 runs until 2025-03-31)."""
    start = start or datetime.now(UTC).date()
    return start, StayTerm(term).end(start) - timedelta(days=1)


def enforcement_case(
    clock: Clock, until: str = "OPENED", action: AdministrativeAction | None = None, office: str = "MLG"
) -> EnforcementCase:
    """An enforcement case opened at the counter, examined, with ``action`` imposed."""
    case = EnforcementCase.open(
        new_id(),
        officer_of(clock, office=office),
        CaseSource.COUNTER,
        None,
        foreigner(),
        "CHN",
        "overstay",
        "Pasal 78 UU 6/2011",
    )
    if until in ("EXAMINED", "ACTION_IMPOSED"):
        case.examine(officer_of(clock, office=office), "BAP-001/2024")
    if until == "ACTION_IMPOSED":
        case.impose_action(
            supervisor_of(clock, office=office),
            action or AdministrativeAction.DEPORTATION,
            "KEP-01/2024",
            "OVERSTAY",
            DEPORTATION_BASIS,
        )
    return case


def joint_operation(clock: Clock, until: str = "PLANNED", office: str = "MLG") -> JointOperation:
    operation = JointOperation.plan(new_id(), officer_of(clock, office=office), ("POLRI", "SATPOL_PP"), "Kota Batu")
    if until == "EXECUTED":
        operation.execute(officer_of(clock, office=office), ("Jl. Panglima Sudirman",), 40)
    return operation


# --- application commands (application tests) ---------------------------------------


def submission(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of ``submit_passport_application``, as primitives (a fresh applicant)."""
    return {
        "channel": "M_PASPOR",
        "applicant": fresh_applicant(),
        "application_type": "NEW",
        "product": "ELECTRONIC",
        "validity_years": 10,
        "expedited": False,
        "purpose": "tourism",
        "destination": "JPN",
        "regency_code": "3573",
    } | overrides


def stay_application(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of ``apply_for_stay_permit``, as primitives (a fresh foreigner)."""
    return {
        "kind": "ITK",
        "basis": "VISA_ON_ARRIVAL",
        "foreigner": fresh_foreigner(),
        "nationality": "AUS",
        "passport_number": "PA7654321",
        "sponsor": "PT Sponsor Malang",
        "requested_term": "DAYS_30",
    } | overrides


def finding(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": foreigner(),
        "nationality": "CHN",
        "alleged_violation": "working without a permit",
        "article": "Pasal 122 UU 6/2011",
        "summary": "found working at a construction site",
    } | overrides


def interviewed_passport(app: Any, officer: Actor, **submit_overrides: Any) -> uuid.UUID:
    """Submit, pay, capture biometrics and interview, through the application."""
    case_id = app.submit_passport_application(officer, **submission(**submit_overrides))
    app.pay_passport_fee(officer, case_id, "820240300001")
    app.capture_biometrics(officer, case_id)
    app.interview(officer, case_id, "tourism", (), "credible")
    return case_id


@contextmanager
def unchanged(case: Case) -> Iterator[None]:
    """The block (a refused command) leaves the case exactly as it was: state, version, pending events."""
    before = copy.deepcopy({k: v for k, v in vars(case).items() if k != "_pending_events"})
    pending = list(case.pending_events)
    version = case.version
    yield
    assert case.version == version
    assert case.pending_events == pending
    assert {k: v for k, v in vars(case).items() if k != "_pending_events"} == before
