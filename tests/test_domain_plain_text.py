"""Citations, places and institutions stay plain in the log, so a name is refused in them by
the domain itself, whoever calls it (a use case, the CLI, the demo), not only by the HTTP
models: each use case below is refused naming the field, and nothing is appended. On both
backends, through the application (an adversarial review: the rule lived in the API only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from api.demo import enforcement as demo_enforcement
from api.http.routers.subjects import ErasureCreate, HoldRelease
from api.http.schemas.admin import RevenueTargetUpdate
from domain.errors import InvalidCommand
from domain.offices import OFFICES
from domain.plain_text import (
    AGENCY_RULE,
    CITATION_RULE,
    COUNTRY_RULE,
    DOCUMENT_RULE,
    IDENTITY_NUMBER_RULE,
    NUMBER_RULE,
    PLACE_RULE,
    PORT_RULE,
    check_document,
)
from domain.usecases.base import Actor
from domain.values import EnforcementReason, Role, StayRefusalReason
from tests.builders import (
    DEPORTATION_BASIS,
    LEGAL_BASIS,
    finding,
    interviewed_passport,
    stay_application,
    submission,
    validity,
)

NAME = "Yohanes Testwenda"
NAMED_BASIS = f"Pasal 75 UU 6/2011 atas nama {NAME}"


@contextmanager
def refused(app: Any, field: str, rule: str) -> Iterator[None]:
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidCommand) as caught:
        yield
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert NAME not in str(caught.value)
    assert app.recorder.max_notification_id() == before


def _enforcement(app: Any, officer: Actor, supervisor: Actor, action: str | None = "DEPORTATION") -> UUID:
    case_id = app.open_enforcement_case(
        officer,
        source="COUNTER",
        subject=finding()["subject"],
        nationality="AUS",
        alleged_violation="overstay",
        article="Pasal 78 UU 6/2011",
    )
    app.examine(officer, case_id, "BAP-1")
    if action is not None:
        app.impose_action(supervisor, case_id, action, "KEP-1", "OVERSTAY", DEPORTATION_BASIS)
    return case_id


def _paid_permit(app: Any, officer: Actor) -> UUID:
    permit_id = app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    app.pay_stay_permit_fee(officer, permit_id, "820240300101")
    return permit_id


def _issued_permit(app: Any, officer: Actor, supervisor: Actor) -> UUID:
    permit_id = _paid_permit(app, officer)
    app.issue_stay_permit(supervisor, permit_id, f"2C{uuid4().hex[:8]}", *validity("YEARS_1"), LEGAL_BASIS)
    return permit_id


def _nothing(app: Any, officer: Actor, supervisor: Actor) -> None:
    return None


# Each: (field, rule, what prepares the case, the refused call given app, officer, supervisor
# and what was prepared).
Prepare = Callable[[Any, Actor, Actor], Any]
Call = Callable[[Any, Actor, Actor, Any], object]
REFUSALS: dict[str, tuple[str, str, Prepare, Call]] = {
    "passport refusal": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: interviewed_passport(app, o),
        lambda app, o, s, case: app.refuse_passport(s, case, "UNCLEAR_PURPOSE", NAMED_BASIS),
    ),
    "passport approval": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: interviewed_passport(app, o),
        lambda app, o, s, case: app.approve_passport(s, case, NAME),
    ),
    "referral agency on a refusal": (
        "referral.agency",
        AGENCY_RULE,
        lambda app, o, s: interviewed_passport(app, o),
        lambda app, o, s, case: app.refuse_passport(
            s, case, "PMI_NONPROCEDURAL", LEGAL_BASIS, f"BP3MI {NAME}", "register first"
        ),
    ),
    "referral agency on a postponement": (
        "referral.agency",
        AGENCY_RULE,
        lambda app, o, s: interviewed_passport(app, o),
        lambda app, o, s, case: app.postpone(o, case, "PMI_VERIFICATION", NAME, "bring a letter"),
    ),
    "stay permit refusal": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: _paid_permit(app, o),
        lambda app, o, s, case: app.refuse_stay_permit(s, case, "INCOMPLETE_DOCUMENTS", NAMED_BASIS),
    ),
    "stay permit issuance": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: _paid_permit(app, o),
        lambda app, o, s, case: app.issue_stay_permit(
            s, case, f"2C{uuid4().hex[:8]}", *validity("YEARS_1"), NAMED_BASIS
        ),
    ),
    "stay permit transfer": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: _issued_permit(app, o, s),
        lambda app, o, s, case: app.transfer_stay_permit(s, case, "YEARS_5", NAMED_BASIS),
    ),
    "enforcement article": (
        "article",
        CITATION_RULE,
        _nothing,
        lambda app, o, s, _: app.open_enforcement_case(
            o,
            source="COUNTER",
            subject=finding()["subject"],
            nationality="AUS",
            alleged_violation="overstay",
            article=f"Pasal 78 UU 6/2011 {NAME}",
        ),
    ),
    "administrative action": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: _enforcement(app, o, s, action=None),
        lambda app, o, s, case: app.impose_action(s, case, "DEPORTATION", "KEP-1", "OVERSTAY", NAMED_BASIS),
    ),
    "objection decision": (
        "legal_basis",
        CITATION_RULE,
        lambda app, o, s: _objected(app, o, s),
        lambda app, o, s, case: app.decide_objection(s, case, "REJECTED", NAMED_BASIS),
    ),
    "detention place": (
        "place",
        PLACE_RULE,
        lambda app, o, s: _enforcement(app, o, s),
        lambda app, o, s, case: app.detain(o, case, f"Rudenim Surabaya ({NAME})", "awaiting deportation"),
    ),
    "deportation port": (
        "port",
        PORT_RULE,
        lambda app, o, s: _enforcement(app, o, s),
        lambda app, o, s, case: app.deport(o, case, f"Bandara Juanda via {NAME}"),
    ),
    "administrative action's number": (
        "decision_number",
        NUMBER_RULE,
        lambda app, o, s: _enforcement(app, o, s, action=None),
        lambda app, o, s, case: app.impose_action(s, case, "DEPORTATION", NAME, "OVERSTAY", DEPORTATION_BASIS),
    ),
    "administrative action's reason code": (
        "reason_code",
        "must be one of " + ", ".join(reason.value for reason in EnforcementReason),
        lambda app, o, s: _enforcement(app, o, s, action=None),
        lambda app, o, s, case: app.impose_action(s, case, "DEPORTATION", "KEP-1", NAME, DEPORTATION_BASIS),
    ),
    "examination report number": (
        "report_number",
        NUMBER_RULE,
        lambda app, o, s: app.open_enforcement_case(
            o,
            source="COUNTER",
            subject=finding()["subject"],
            nationality="AUS",
            alleged_violation="overstay",
            article="Pasal 78 UU 6/2011",
        ),
        lambda app, o, s, case: app.examine(o, case, f"BAP {NAME} 1"),
    ),
    "stay permit refusal's reason code": (
        "reason_code",
        "must be one of " + ", ".join(reason.value for reason in StayRefusalReason),
        lambda app, o, s: _paid_permit(app, o),
        lambda app, o, s, case: app.refuse_stay_permit(s, case, NAME, LEGAL_BASIS),
    ),
    "passport fee's billing code": (
        "billing_code",
        NUMBER_RULE,
        lambda app, o, s: app.submit_passport_application(o, **submission()),
        lambda app, o, s, case: app.pay_passport_fee(o, case, f"{NAME} 8202"),
    ),
    "passport destination": (
        "destination",
        COUNTRY_RULE,
        _nothing,
        lambda app, o, s, _: app.submit_passport_application(o, **submission(destination=NAME)),
    ),
    "joint operation agency": (
        "agencies",
        AGENCY_RULE,
        _nothing,
        lambda app, o, s, _: app.plan_joint_operation(
            o, agencies=("POLRI", f"Polres Malang Kota {NAME}"), area="Kota Batu"
        ),
    ),
}


def _objected(app: Any, officer: Actor, supervisor: Actor) -> UUID:
    case_id = _enforcement(app, officer, supervisor)
    app.file_objection(officer, case_id, "the permit was still valid")
    return case_id


@pytest.mark.parametrize("what", REFUSALS)
def test_a_name_in_a_plain_field_is_refused_by_the_use_case_and_nothing_is_written(system, officer, supervisor, what):
    field, rule, prepare, call = REFUSALS[what]
    app = system.app
    prepared = prepare(app, officer, supervisor)
    with refused(app, field, rule):
        call(app, officer, supervisor, prepared)


def test_a_name_in_a_finding_article_is_refused_and_neither_the_finding_nor_the_case_is_written(
    system, officer, supervisor
):
    app = system.app
    operation = app.plan_joint_operation(officer, agencies=demo_enforcement.AGENCIES, area="Kota Batu")
    app.execute_joint_operation(officer, operation, ("Jl. Panglima Sudirman",), 40)
    with refused(app, "article", CITATION_RULE):
        app.record_finding(officer, operation, **finding(article=f"Pasal 122 UU 6/2011 {NAME}"))


def test_the_demo_values_and_codes_are_taken_by_the_domain(system, officer, supervisor):
    app = system.app
    case_id = _enforcement(app, officer, supervisor)
    app.detain(officer, case_id, "Ruang Detensi Kantor Imigrasi Kelas I TPI Malang", "awaiting deportation")
    app.release(officer, case_id, "deportation due")
    app.deport(officer, case_id, "ID SUB")
    assert app.get_case(case_id).port == "ID SUB"
    other = _enforcement(app, officer, supervisor)
    app.deport(officer, other, demo_enforcement.PORT)


# A revenue target's basis, a legal hold's and an erasure's: decisions in the log, plain for
# ever (an erasure's basis outlives the person it erased), so a name is refused there too.
DOCUMENTS = [
    "DIPA",
    "DIPA 2031",
    "DIPA revisi 2024",
    "DIPA 2024 Kanim Malang",
    *(f"DIPA {office.name} TA 2024" for office in OFFICES.values()),  # what the demo writes
    "Pasal 8 UU 27/2022",
    "Pasal 43 ayat (2) UU 27/2022",
    "audit closed",
    "audit closed, LHP 12/2025",
    "LHP 1/2025",
    "ST Inspektorat 3/2025",
    "PN Malang 12/Pdt.G/2025",
    "case settled",
    "x",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_a_budget_an_audit_report_or_a_court_case_is_taken_as_a_basis(text):
    assert check_document("legal_basis", text) == text
    for model in (RevenueTargetUpdate, HoldRelease):
        assert model.model_validate(
            {"amount": 1, "legal_basis": text} if model is RevenueTargetUpdate else {"legal_basis": text}
        )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (NAME, DOCUMENT_RULE),
        (NAMED_BASIS, DOCUMENT_RULE),
        ("DIPA 2024 untuk Budi Santoso", DOCUMENT_RULE),
        ("LHP 3573014512900001", IDENTITY_NUMBER_RULE),
    ],
)
def test_a_name_is_refused_as_a_target_hold_or_erasure_basis_by_http_and_the_domain(system, supervisor, text, rule):
    with pytest.raises(InvalidCommand) as refusal:
        check_document("legal_basis", text)
    assert refusal.value.rule == rule
    for model, body in (
        (RevenueTargetUpdate, {"amount": 1}),
        (HoldRelease, {}),
        (ErasureCreate, {"reason_code": "SUBJECT_REQUEST"}),
    ):
        with pytest.raises(ValidationError) as caught:
            model.model_validate({**body, "legal_basis": text})
        assert rule in str(caught.value)
    app = system.app
    with refused(app, "legal_basis", rule):
        app.set_revenue_target(supervisor, 2039, Decimal(1), text)


def test_a_name_in_a_hold_or_an_erasure_basis_is_refused_and_nothing_is_written(system, officer, supervisor):
    app = system.app
    case_id = interviewed_passport(app, officer)
    subject = UUID(app.get_case(case_id).applicant.subject_id)
    with refused(app, "legal_basis", DOCUMENT_RULE):
        app.place_legal_hold(supervisor, subject, "AUDIT", NAMED_BASIS)
    with refused(app, "legal_basis", DOCUMENT_RULE):
        app.place_case_hold(supervisor, case_id, "AUDIT", NAMED_BASIS)
    with refused(app, "legal_basis", DOCUMENT_RULE):
        app.approve_erasure(supervisor, subject, "SUBJECT_REQUEST", f"request of {NAME}")
    app.place_legal_hold(supervisor, subject, "AUDIT", "LHP 12/2025")
    with refused(app, "legal_basis", DOCUMENT_RULE):
        app.release_legal_hold(supervisor, subject, f"audit closed for {NAME}")
    app.release_legal_hold(supervisor, subject, "audit closed, LHP 12/2025")
    app.withdraw_passport(officer, case_id, "applicant withdrew")
    app.approve_erasure(supervisor, subject, "SUBJECT_REQUEST", "Pasal 8 UU 27/2022")
    admin = Actor("review-admin", Role.ADMIN, "MLG")
    with refused(app, "legal_basis", DOCUMENT_RULE):
        app.erase_subject(admin, subject, "SUBJECT_REQUEST", f"Pasal 8 UU 27/2022 {NAME}", timedelta(0))
