"""An officer typing a person's name or NIK where the API takes a code or a number, in a
Surabaya year other than 2024. What stays plain (report keys, the audit trail, the case
index) must be codes only; a value that could be a person is refused, naming the field.

Reasons are listed codes (``EnforcementReason``, ``StayRefusalReason``): a name spelled as
a code is a 422 listing the allowed values, while decisions recorded before the lists, with
codes of the office's own, still replay, read and filter. A number an office gives never
holds a NIK's run of 16 digits, whereas a SIMPONI billing code's 15 pass."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.plain_text import NIK_RUN_RULE
from domain.values import AdministrativeAction, EnforcementReason, StayRefusalReason
from projections.runner import catch_up, rebuild
from projections.views.annual_report import AnnualReportView
from projections.views.audit_trail import AuditTrail
from projections.views.case_index import CaseIndex
from tests import builders
from tests.api_support import auth, key, passport_body, person, token_for
from tests.test_privacy_review_retries import http  # noqa: F401 (fixture)

NAME, NIK = "Bagus Prakoso Wicaksono", "3578011203850009"
OFFICE, YEAR = "SBY", 2026


def _post(http, token: str, path: str, body: dict[str, Any]):  # noqa: F811
    return http.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _ok(answer) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text[:400]
    return answer.json()


def _examined_case(http, officer: str) -> str:  # noqa: F811
    opened = _ok(
        _post(http, officer, "/enforcement-cases", {
            "source": "COUNTER", "subject": person(NAME, NIK), "nationality": "MYS",
            "alleged_violation": f"overstay, {NAME} {NIK}", "article": "Pasal 78 UU 6/2011",
        })
    )  # fmt: skip
    path = f"/enforcement-cases/{opened['id']}"
    _ok(_post(http, officer, f"{path}/examination", {"report_number": "BAP-017/2026"}))
    return path


def _stay_permit(http, officer: str) -> str:  # noqa: F811
    """An ITAS application of a NIK of its own: a foreigner has one open application per kind."""
    applied = _ok(
        _post(http, officer, "/stay-permits", {
            "kind": "ITAS", "basis": "VISA", "foreigner": person(NAME), "nationality": "AUS",
            "passport_number": f"PA{uuid.uuid4().int % 10**7:07d}", "sponsor": f"PT Sponsor {NAME}",
            "requested_term": "YEARS_1",
        })
    )  # fmt: skip
    return f"/stay-permits/{applied['id']}"


def test_report_keys_and_the_audit_trail_hold_codes_only_after_names_typed_in_every_free_text(
    http,  # noqa: F811
    system,
):
    officer, supervisor = token_for(system, "OFFICER", OFFICE), token_for(system, "SUPERVISOR", OFFICE)
    auditor = token_for(system, "AUDITOR", "DPS")
    created = _ok(_post(http, officer, "/passport-applications", passport_body(
        applicant=person(NAME, NIK), regency_code="3578", purpose=f"visit {NAME}",
    )))  # fmt: skip
    path = f"/passport-applications/{created['id']}"
    _ok(_post(http, officer, f"{path}/payment", {"billing_code": "820260300017"}))
    _ok(_post(http, officer, f"{path}/biometrics", {}))
    _ok(_post(http, officer, f"{path}/interview", {
        "stated_purpose": f"{NAME} says work", "indicators": [f"{NIK} one-way ticket"], "assessment": NAME,
    }))  # fmt: skip
    _ok(_post(http, officer, f"{path}/postponement", {"reason_code": "SUPPORTING_DOCUMENTS", "note": f"{NAME} {NIK}"}))
    _ok(_post(http, officer, f"{path}/postponement-lifting", {"evidence": f"letter for {NAME}"}))
    _ok(_post(http, supervisor, f"{path}/refusal", {
        "reason_code": "PMI_NONPROCEDURAL", "legal_basis": "SE IMI-0277.GR.02.06/2017",
        "referral": {"agency": "BP3MI Jawa Timur", "instructions": f"{NAME} must register"},
    }))  # fmt: skip
    case = _examined_case(http, officer)
    _ok(_post(http, officer, f"{case}/detention", {"place": "Rudenim Surabaya", "ground": f"{NAME} {NIK}"}))
    catch_up(system.store, system.projections())

    report = http.get(f"/reports/annual/{YEAR}", params={"office": OFFICE}, headers=auth(auditor))
    assert report.status_code == 200, report.text[:300]
    for metric, by_key in report.json()["figures"].items():
        assert all(re.fullmatch(r"[A-Z0-9_]*", key) for key in by_key), (metric, list(by_key))
    for text in (report.text, http.get("/audit/decisions", params={"office": OFFICE}, headers=auth(auditor)).text):
        assert NAME not in text and NIK not in text and NAME.split()[0] not in text
    csv = http.get(f"/reports/annual/{YEAR}", params={"office": OFFICE, "format": "csv"}, headers=auth(auditor))
    assert NAME not in csv.text and NIK not in csv.text
    # The sealed texts read back for the office's supervisor.
    history = http.get(f"/cases/{created['id']}/history", headers=auth(supervisor)).json()
    assert NAME in json.dumps(history)


def _allowed(enum) -> list[str]:
    return [member.value for member in enum]


def _refused_listing(answer, field: str, enum, typed: str) -> None:
    """A 422 naming the field and every allowed value, never echoing what was typed."""
    assert answer.status_code == 422, answer.text[:400]
    assert answer.json()["errors"][0]["field"] == field
    assert all(value in answer.text for value in _allowed(enum)), answer.text
    assert typed not in answer.text and NAME.split()[0].upper() not in answer.text


def test_a_name_spelled_as_an_enforcement_reason_code_is_refused(http, system):  # noqa: F811
    officer, supervisor = token_for(system, "OFFICER", OFFICE), token_for(system, "SUPERVISOR", OFFICE)
    case = _examined_case(http, officer)
    action = {"action": "CHARGE", "decision_number": "KEP-17/2026", "legal_basis": "Pasal 78 UU 6/2011"}
    for typed in ("BAGUS_PRAKOSO_WICAKSONO", "OVERSTAY_BAGUS", "overstay"):
        _refused_listing(
            _post(http, supervisor, f"{case}/actions", action | {"reason_code": typed}),
            "reason_code",
            EnforcementReason,
            typed,
        )
    _ok(_post(http, supervisor, f"{case}/actions", action | {"reason_code": "OVERSTAY_UNDER_60_DAYS"}))


def test_a_name_spelled_as_a_stay_refusal_reason_code_is_refused(http, system):  # noqa: F811
    officer, supervisor = token_for(system, "OFFICER", OFFICE), token_for(system, "SUPERVISOR", OFFICE)
    permit = _stay_permit(http, officer)
    _ok(_post(http, officer, f"{permit}/payment", {"billing_code": "720262000000018"}))  # SIMPONI: 15 digits
    for typed in ("BAGUS_PRAKOSO_WICAKSONO", "SPONSOR_BAGUS", ""):
        refused = _post(
            http, supervisor, f"{permit}/refusal", {"reason_code": typed, "legal_basis": "Pasal 48 UU 6/2011"}
        )
        _refused_listing(refused, "reason_code", StayRefusalReason, typed or "BAGUS")
    _ok(_post(http, supervisor, f"{permit}/refusal", {"reason_code": "SPONSOR_UNVERIFIED", "legal_basis": "Pasal 48"}))


def test_the_openapi_document_lists_the_reason_codes(http):  # noqa: F811
    schemas = http.get("/openapi.json").json()["components"]["schemas"]
    for model, enum in (("ActionCreate", EnforcementReason), ("StayRefusalCreate", StayRefusalReason)):
        field = schemas[model]["properties"]["reason_code"]
        listed = schemas[field["$ref"].rsplit("/", 1)[-1]] if "$ref" in field else field
        assert listed["enum"] == _allowed(enum), (model, listed)


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("report_number", f"BAP-{NIK}"),
        ("decision_number", f"KEP/{NIK}/2026"),
        ("charge_billing_code", NIK),
        ("passport_billing_code", NIK),
        ("permit_billing_code", f"{NIK}7"),  # 17 digits: a NIK with one more is no better
    ],
)
def test_a_nik_typed_into_a_number_an_office_gives_is_refused(http, system, field, typed):  # noqa: F811
    officer, supervisor = token_for(system, "OFFICER", OFFICE), token_for(system, "SUPERVISOR", OFFICE)
    if field == "report_number":
        opened = _ok(_post(http, officer, "/enforcement-cases", {
            "source": "COUNTER", "subject": person(NAME, NIK), "nationality": "MYS",
            "alleged_violation": "overstay", "article": "Pasal 78 UU 6/2011",
        }))  # fmt: skip
        answer = _post(http, officer, f"/enforcement-cases/{opened['id']}/examination", {field: typed})
        fixed = {field: "BAP-017/2026"}
    elif field in ("decision_number", "charge_billing_code"):
        case = _examined_case(http, officer)
        action = {"action": "CHARGE", "decision_number": "KEP-18/2026", "reason_code": "OVERSTAY_UNDER_60_DAYS"}
        action["legal_basis"] = "Pasal 78 ayat (1) UU 6/2011"
        if field == "decision_number":
            answer = _post(http, supervisor, f"{case}/actions", action | {field: typed})
            path, fixed = f"{case}/actions", action
        else:
            field = "billing_code"
            _ok(_post(http, supervisor, f"{case}/actions", action))
            _ok(_post(http, officer, f"{case}/charge", {"amount": "1000000"}))
            answer = _post(http, officer, f"{case}/charge-payment", {field: typed, "amount": "1000000"})
            path, fixed = f"{case}/charge-payment", {field: "920260000000017", "amount": "1000000"}
    elif field == "passport_billing_code":
        field = "billing_code"
        created = _ok(_post(http, officer, "/passport-applications", passport_body(regency_code="3578")))
        path = f"/passport-applications/{created['id']}/payment"
        answer, fixed = _post(http, officer, path, {field: typed}), {field: "820260000000017"}
    else:
        field = "billing_code"
        path = f"{_stay_permit(http, officer)}/payment"
        answer, fixed = _post(http, officer, path, {field: typed}), {field: "720262000000017"}
    assert answer.status_code == 422, answer.text[:400]
    error = answer.json()["errors"][0]
    assert error["field"] == field and NIK_RUN_RULE in json.dumps(error), error
    assert NIK not in answer.text and NIK[:8] not in answer.text
    if field != "report_number":
        token = supervisor if path.endswith("/actions") else officer
        _ok(_post(http, token, path, fixed))  # the office's own number of the same field passes


def test_decisions_recorded_before_the_lists_still_replay_read_and_filter(http, system):  # noqa: F811
    """An action and a refusal recorded (as an earlier version did) with codes that are no
    members: the stored value is the code string, so the cases load, the views rebuild, the
    audit trail filters by the old code and the report answers; only new commands are held
    to the lists."""
    officer, supervisor = token_for(system, "OFFICER", OFFICE), token_for(system, "SUPERVISOR", OFFICE)
    auditor = token_for(system, "AUDITOR", OFFICE)
    case = _examined_case(http, officer)
    permit = _stay_permit(http, officer)
    _ok(_post(http, officer, f"{permit}/payment", {"billing_code": "720262000000019"}))
    clock = builders.Clock(now=datetime(YEAR, 3, 2, 2, tzinfo=UTC))
    boss = builders.supervisor_of(clock, office=OFFICE)
    old_case = system.app.get_case(uuid.UUID(case.rsplit("/", 1)[1]))
    old_case._action_imposed(
        provenance=boss, action=AdministrativeAction.CHARGE, decision_number="KEP-3/2026",
        reason_code="OVERSTAY_PER_DAY", legal_basis="Pasal 78 UU 6/2011",
    )  # fmt: skip
    old_permit = system.app.get_case(uuid.UUID(permit.rsplit("/", 1)[1]))
    old_permit._refused(provenance=boss, reason_code="SPONSOR_NOT_VERIFIED", legal_basis="Pasal 48 UU 6/2011")
    system.app.bulk_save([old_case, old_permit])
    for aggregate, code in ((old_case, "OVERSTAY_PER_DAY"), (old_permit, "SPONSOR_NOT_VERIFIED")):
        last = list(system.app.recorder.select_events(aggregate.id))[-1]
        assert json.loads(last.state)["reason_code"] == code  # the code string, untagged
    assert code not in _allowed(StayRefusalReason) and "OVERSTAY_PER_DAY" not in _allowed(EnforcementReason)

    assert system.app.get_case(old_permit.id).reason_code == "SPONSOR_NOT_VERIFIED"  # replayed
    for path, status in ((case, "ACTION_IMPOSED"), (permit, "REFUSED")):
        read = http.get(path, headers=auth(supervisor))
        assert read.status_code == 200 and read.json()["status"] == status, read.text[:300]
    history = http.get(f"/cases/{old_case.id}/history", headers=auth(auditor))
    assert history.status_code == 200 and "OVERSTAY_PER_DAY" in history.text
    # A new command with the old code is refused; the case takes a listed one.
    refused = _post(http, supervisor, f"{case}/actions", {
        "action": "DEPORTATION", "decision_number": "KEP-4/2026", "reason_code": "OVERSTAY_PER_DAY",
        "legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011",
    })  # fmt: skip
    _refused_listing(refused, "reason_code", EnforcementReason, "OVERSTAY_PER_DAY")

    def views_answer() -> None:
        for code in ("OVERSTAY_PER_DAY", "SPONSOR_NOT_VERIFIED"):
            found = http.get("/audit/decisions", params={"office": OFFICE, "reason": code}, headers=auth(auditor))
            assert found.status_code == 200 and [row["reason_code"] for row in found.json()["data"]] == [code]
        report = http.get(f"/reports/annual/{YEAR}", params={"office": OFFICE}, headers=auth(auditor))
        assert report.status_code == 200, report.text[:300]

    catch_up(system.store, system.projections())
    views_answer()
    rebuild(system.store, (CaseIndex(), AnnualReportView(), AuditTrail()))
    views_answer()
