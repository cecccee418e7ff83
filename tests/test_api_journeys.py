"""End to end over PostgreSQL through the real app: the journeys officers make."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from projections import runner
from tests.api_support import LEGAL_BASIS, auth, client, finding_body, key, passport_body, token_for
from tests.builders import APPLICANT_NAME, FOREIGNER_NAME

__all__ = ["client"]
pytestmark = pytest.mark.postgres


def post(client: TestClient, token: str, path: str, body: dict | None = None, **headers: str):
    response = client.post(path, json=body or {}, headers=auth(token, **{"Idempotency-Key": key()}, **headers))
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_passport_application_goes_from_submission_to_hand_over(client: TestClient, pg_system: System):
    officer, supervisor = token_for(pg_system, "OFFICER"), token_for(pg_system, "SUPERVISOR")
    body = passport_body()
    nik, number = body["applicant"]["nik"], f"E{uuid.uuid4().hex[:7]}"
    created = client.post("/passport-applications", json=body, headers=auth(officer))
    assert created.status_code == 201
    case = created.json()
    assert created.headers["Location"] == f"/passport-applications/{case['id']}"
    assert (case["status"], case["version"], case["office"]) == ("SUBMITTED", 1, "MLG")
    assert case["applicant"]["nik"] == nik
    path = f"/passport-applications/{case['id']}"

    post(client, officer, f"{path}/payment", {"billing_code": "820240300001"})
    post(client, officer, f"{path}/biometrics")
    post(client, officer, f"{path}/interview", {"stated_purpose": "tourism", "assessment": "credible"})
    post(client, supervisor, f"{path}/approval", {"legal_basis": LEGAL_BASIS})
    post(client, officer, f"{path}/issuance", {"passport_number": number})
    done = post(client, officer, f"{path}/hand-over", {"collector": "SELF"})

    assert (done["status"], done["version"]) == ("HANDED_OVER", 7)
    assert done["fee_paid"] == 950000
    now = client.get(path, headers=auth(officer))
    assert now.headers["ETag"] == '"7"'
    assert now.json()["passport_number"] == number


def test_a_pmi_refusal_keeps_its_referral_in_the_history_and_the_audit_trail(client: TestClient, pg_system: System):
    officer, supervisor = token_for(pg_system, "OFFICER"), token_for(pg_system, "SUPERVISOR")
    auditor = token_for(pg_system, "AUDITOR", "SBY")
    body = passport_body(purpose="work", destination="MYS")
    case = post(client, officer, "/passport-applications", body)
    path = f"/passport-applications/{case['id']}"
    post(client, officer, f"{path}/payment", {"billing_code": "820240300002"})
    post(client, officer, f"{path}/biometrics")
    post(
        client,
        officer,
        f"{path}/interview",
        {
            "stated_purpose": "work",
            "indicators": ["one-way ticket"],
            "assessment": "suspected non-procedural migrant worker",
        },
    )
    referral = {"agency": "BP3MI Jawa Timur", "instructions": "register as a migrant worker (P3MI) first"}
    refused = post(
        client,
        supervisor,
        f"{path}/refusal",
        {"reason_code": "PMI_NONPROCEDURAL", "legal_basis": "SE IMI-0277.GR.02.06/2017", "referral": referral},
    )
    assert refused["status"] == "REFUSED"

    history = client.get(f"/cases/{case['id']}/history", headers=auth(auditor))
    assert history.status_code == 200
    events = history.json()["data"]
    assert [e["event"] for e in events] == ["Submitted", "FeePaid", "BiometricsCaptured", "Interviewed", "Refused"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    refusal = events[-1]
    assert refusal["topic"] == "berkas:PassportApplication.Refused"
    assert (refusal["actor_role"], refusal["office"], refusal["reason_code"]) == (
        "SUPERVISOR",
        "MLG",
        "PMI_NONPROCEDURAL",
    )
    assert refusal["legal_basis"] == "SE IMI-0277.GR.02.06/2017"
    # The agency is an institution; what the applicant must bring is about them (sealed).
    assert refusal["payload"]["referral"] == {"agency": referral["agency"], "instructions": None}
    assert refusal["recorded_at"] >= refusal["occurred_at"][:10]
    # The auditor sees who decided and why, never who the applicant is.
    assert APPLICANT_NAME not in history.text and body["applicant"]["nik"] not in history.text
    assert events[0]["payload"]["applicant"] is None

    runner.catch_up(pg_system.store, pg_system.projections())
    trail = client.get(
        "/audit/decisions", params={"reason": "PMI_NONPROCEDURAL", "office": "MLG"}, headers=auth(auditor)
    )
    assert trail.status_code == 200
    mine = [row for row in trail.json()["data"] if row["case_id"] == case["id"]]
    assert len(mine) == 1 and mine[0]["legal_basis"] == "SE IMI-0277.GR.02.06/2017"
    assert mine[0]["actor_id"] == refusal["actor_id"]


def test_an_enforcement_case_goes_from_a_joint_operation_to_deportation(client: TestClient, pg_system: System):
    officer, supervisor = token_for(pg_system, "OFFICER"), token_for(pg_system, "SUPERVISOR")
    operation = post(client, officer, "/joint-operations", {"agencies": ["POLRI", "DISNAKER"], "area": "Kota Batu"})
    op_path = f"/joint-operations/{operation['id']}"
    post(client, officer, f"{op_path}/execution", {"locations": ["Jl. Panglima Sudirman"], "persons_checked": 40})

    finding = client.post(f"{op_path}/findings", json=finding_body(), headers=auth(officer))
    assert finding.status_code == 201
    case = finding.json()
    assert finding.headers["Location"] == f"/enforcement-cases/{case['id']}"
    assert (case["kind"], case["status"]) == ("EnforcementCase", "OPENED")
    assert case["operation_id"] == operation["id"]
    assert case["subject"]["name"] == FOREIGNER_NAME

    path = f"/enforcement-cases/{case['id']}"
    post(client, officer, f"{path}/examination", {"report_number": "BAP-017/2024"})
    post(client, officer, f"{path}/detention", {"place": "Ruang Detensi", "ground": "awaiting deportation"})
    post(
        client,
        supervisor,
        f"{path}/actions",
        {
            "action": "DEPORTATION",
            "decision_number": "KEP-17/2024",
            "reason_code": "WORK_WITHOUT_PERMIT",
            "legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011",
        },
    )
    deported = post(client, officer, f"{path}/deportation", {"port": "Bandara Juanda"})
    assert deported["status"] == "DEPORTED"
    closed = post(client, officer, f"{path}/closure", {"outcome": "deported"})
    assert (closed["status"], closed["version"]) == ("CLOSED", 6)

    operation_now = client.get(op_path, headers=auth(officer)).json()
    assert operation_now["findings"] == [case["id"]]
