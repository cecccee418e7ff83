"""A filter value the API does not know is a 422 naming the parameter, never an empty 200 that
a client reads as "nothing found" (an adversarial review: `/audit/decisions?reason=NOPE`
answered 200). Reason codes are listed, but decisions recorded before the lists may hold an
office's own code: one is known once a decision has recorded it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.values import AdministrativeAction
from projections.runner import catch_up
from tests.api_support import auth, finding_body, key, token_for
from tests.builders import Clock, supervisor_of


def _problem(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert [(e["location"], e["field"]) for e in errors] == [("query", field)], errors


@pytest.mark.parametrize("path", ["/audit/decisions", "/stay-permits", "/enforcement-cases"])
def test_a_reason_code_no_decision_ever_recorded_is_a_422(client: TestClient, system, path):
    auditor = token_for(system, "AUDITOR")
    _problem(client.get(path, params={"reason": "NOPE"}, headers=auth(auditor)), "reason")


def test_a_reason_code_of_the_domain_or_of_a_recorded_decision_is_a_filter(client: TestClient, system):
    auditor, supervisor = token_for(system, "AUDITOR"), token_for(system, "SUPERVISOR")
    # A closed list's code that no decision has used yet: an empty page, not a 422.
    for path in ("/audit/decisions", "/passport-applications"):
        answer = client.get(path, params={"reason": "PREVENTION_LIST", "office": "JYP"}, headers=auth(auditor))
        assert answer.status_code == 200 and answer.json()["data"] == [], answer.text[:300]
    # An office's own code, which a decision recorded before reasons were listed holds (a new
    # command takes listed codes only): a filter once recorded, a 422 before.
    code = f"REVIEW_{key()[4:12].upper()}"
    _problem(client.get("/audit/decisions", params={"reason": code}, headers=auth(auditor)), "reason")
    opened = dict(finding_body(), source="COUNTER")
    del opened["summary"]
    headers = auth(supervisor, **{"Idempotency-Key": key()})
    case_id = client.post("/enforcement-cases", json=opened, headers=headers).json()["id"]
    case = f"/enforcement-cases/{case_id}"
    assert client.post(f"{case}/examination", json={"report_number": "BAP-7/2025"}, headers=auth(supervisor)).is_success
    action = {
        "action": "CHARGE",
        "decision_number": "KEP-7/2025",
        "reason_code": code,
        "legal_basis": "Pasal 78 UU 6/2011",
    }
    assert client.post(f"{case}/actions", json=action, headers=auth(supervisor)).status_code == 422
    earlier = system.app.get_case(uuid.UUID(case_id))
    recorded = {name: action[name] for name in ("decision_number", "reason_code", "legal_basis")}
    earlier._action_imposed(
        provenance=supervisor_of(Clock()), action=AdministrativeAction.CHARGE, **recorded
    )  # as an earlier version recorded it
    system.app.bulk_save([earlier])
    catch_up(system.store, system.projections())
    for path in ("/audit/decisions", "/enforcement-cases"):
        answer = client.get(path, params={"reason": code}, headers=auth(auditor))
        assert answer.status_code == 200 and [r.get("case_id", r["id"]) for r in answer.json()["data"]] == [case_id]
    # Known, but not in this office: an empty page.
    answer = client.get("/audit/decisions", params={"reason": code, "office": "JYP"}, headers=auth(auditor))
    assert answer.status_code == 200 and answer.json()["data"] == []


def test_an_unknown_office_is_a_422_that_does_not_echo_it(client: TestClient, system):
    auditor = token_for(system, "AUDITOR")
    for path in ("/audit/decisions", "/passport-applications", "/reports/annual/2024"):
        answer = client.get(path, params={"office": "ZQX"}, headers=auth(auditor))
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "office", answer.text[:300]
        assert "ZQX" not in answer.text


def test_a_rule_of_ours_reads_as_written_without_the_validators_prefix(client: TestClient, system):
    auditor = token_for(system, "AUDITOR")
    answer = client.get("/audit/decisions", params={"from": "1800-01-01T00:00:00Z"}, headers=auth(auditor))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["detail"] == "must be between the years 1900 and 2100"
