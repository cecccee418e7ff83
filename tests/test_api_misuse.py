"""The API under misuse by people who hold a real account (an adversarial review's
findings): what one office's accounts may do to another office's data subjects."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.app import create_app
from domain.errors import CaseNotFound
from domain.usecases.base import Actor
from domain.values import Role
from projections.runner import catch_up
from tests.api_support import auth, token_for
from tests.builders import submission


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def _malang_subject(system: System) -> str:
    officer = Actor("officer-mlg", Role.OFFICER, "MLG")
    case_id = system.app.submit_passport_application(officer, **submission())
    catch_up(system.store, system.projections())
    return system.app.get_case(case_id).applicant.subject_id


def test_an_admin_of_another_office_cannot_export_a_subjects_personal_data(client, system):
    subject = _malang_subject(system)
    jakarta = token_for(system, "ADMIN", "JKT")
    refused = client.get(f"/subjects/{subject}/export", headers=auth(jakarta))
    assert refused.status_code == 403, refused.text[:300]
    assert "Siti" not in refused.text
    malang = token_for(system, "ADMIN", "MLG")
    assert client.get(f"/subjects/{subject}/export", headers=auth(malang)).status_code == 200


def test_an_admin_of_another_office_cannot_erase_a_subject(client, system):
    subject = _malang_subject(system)
    erasure = {"reason_code": "SUBJECT_REQUEST", "legal_basis": "Pasal 8 UU 27/2022"}
    jakarta = token_for(system, "ADMIN", "JKT")
    refused = client.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(jakarta))
    assert refused.status_code == 403, refused.text[:300]


@pytest.mark.parametrize("after", [2**63, 10**30])
def test_an_audit_cursor_beyond_a_64_bit_position_is_a_422_not_a_500(client, system, after):
    auditor = token_for(system, "AUDITOR")
    answer = client.get("/audit/decisions", params={"after": after}, headers=auth(auditor))
    assert answer.status_code == 422, answer.text[:300]
    assert client.get("/audit/decisions", params={"after": 2**63 - 1}, headers=auth(auditor)).status_code == 200


@pytest.mark.parametrize("role", ["SUPERVISOR", "AUDITOR"])
def test_a_bundle_is_only_of_a_case_never_of_a_data_subject_or_an_account(client, system, role):
    subject = _malang_subject(system)
    auditor = token_for(system, "AUDITOR")
    hold = {"reason_code": "AUDIT", "legal_basis": "LHP 1/2025"}
    assert client.post(f"/subjects/{subject}/legal-hold", json=hold, headers=auth(auditor)).status_code == 200
    account = client.get("/people", headers=auth(auditor)).json()["data"][0]["id"]
    reader = token_for(system, role)
    for not_a_case in (UUID(subject), account):
        answer = client.get(f"/cases/{not_a_case}/bundle", headers=auth(reader))
        assert answer.status_code == 404, answer.text[:300]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_a_case_hold_is_only_placed_on_a_case_never_on_a_data_subject(system, role):
    subject = UUID(_malang_subject(system))
    holder = Actor(f"holder-{role.value.lower()}", role, "MLG")
    system.app.place_legal_hold(holder, subject, "AUDIT", "ST Inspektorat 3/2025")  # the subject is recorded
    with pytest.raises(CaseNotFound):
        system.app.place_case_hold(holder, subject, "AUDIT", "ST Inspektorat 3/2025")
    assert system.app.get_case_hold(subject) is None
