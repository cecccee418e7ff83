"""A decision's legal basis and an enforcement case's article are citations of law, which
every auditor reads in the audit trail (they must: the basis of a deportation is what a
review checks). So they are not sealed, and instead only a citation's words are taken:
a person's name typed there is a 422 naming the field and the rule, and never echoed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from api.demo import enforcement as demo_enforcement
from api.demo import passports as demo_passports
from api.demo import stay_permits as demo_stay_permits
from api.http.schemas.common import Citation
from projections.runner import catch_up
from tests.api_support import auth, finding_body, key, passport_body, person, token_for

NAME = "Yohanes Testwenda"  # `client`: a TestClient over `system` (tests/ui_support.py)
CITATIONS = [
    "UU 6/2011 Pasal 75 ayat (1)",
    "PP 31/2013 Pasal 195",
    "Pasal 75 ayat (2) huruf f UU 6/2011",
    "Pasal 27 Permenkumham 8/2014",
    "Surat Edaran Dirjen Imigrasi IMI-0277.GR.02.06/2017",
    "SE IMI-0277.GR.02.06/2017",
    "Pasal 8 UU 27/2022",
    "Pasal 43 ayat (2) UU 27/2022",
    "Article 75(2)(f) of Law No. 6 of 2011 on Immigration",
    # Written out in full, as decisions cite them.
    "Pasal 75 ayat (1) Undang-Undang Nomor 6 Tahun 2011 tentang Keimigrasian",
    "Pasal 78 ayat (3) UU No. 6 Tahun 2011",
    "Pasal 71 huruf b jo. Pasal 75 UU 6/2011",
    "Peraturan Menteri Hukum dan Hak Asasi Manusia Nomor 8 Tahun 2014 tentang Paspor Biasa dan "
    "Surat Perjalanan Laksana Paspor",
    "Peraturan Pemerintah Nomor 31 Tahun 2013 tentang Peraturan Pelaksanaan Undang-Undang Nomor 6 "
    "Tahun 2011 tentang Keimigrasian",
    "Surat Edaran Direktur Jenderal Imigrasi Nomor IMI-0277.GR.02.06 Tahun 2017 tentang Pencegahan "
    "Tenaga Kerja Indonesia Non Prosedural",
    "UU 18/2017 tentang Pelindungan Pekerja Migran Indonesia",
    "Law No. 6 of 2011 concerning Immigration, Article 78 paragraph (3)",
    demo_passports.LEGAL_BASIS,
    demo_passports.PMI_BASIS,
    demo_passports.PREVENTION_BASIS,
    demo_stay_permits.LEGAL_BASIS,
    *{kind.article for kind in demo_enforcement.CASE_KINDS},
]
NOT_CITATIONS = [
    NAME,
    f"Pasal 75 UU 6/2011 ({NAME})",
    "Pasal 75 UU 6/2011 atas nama Budi Santoso",
    "Pasal 75 NIK 3573014512900001",
    "Pasal 75 paspor E1234567",
    "ditolak karena Siti",
]


@pytest.mark.parametrize("text", CITATIONS)
def test_a_citation_of_law_is_taken(text):
    assert TypeAdapter(Citation).validate_python(text) == text


@pytest.mark.parametrize("text", NOT_CITATIONS)
def test_words_that_are_no_part_of_a_citation_are_refused(text):
    with pytest.raises(ValidationError):
        TypeAdapter(Citation).validate_python(text)


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _refused_naming(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text[:300]
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "citation" in problem["errors"][0]["detail"]
    assert "Yohanes" not in answer.text and "Testwenda" not in answer.text


def _interviewed(client: TestClient, token: str) -> str:
    created = _post(client, token, "/passport-applications", passport_body(applicant=person()))
    case = f"/passport-applications/{created.json()['id']}"
    _post(client, token, f"{case}/payment", {"billing_code": "820250100001"})
    _post(client, token, f"{case}/biometrics", {})
    interviewed = _post(client, token, f"{case}/interview", {"stated_purpose": "umroh", "assessment": "ok"})
    assert interviewed.status_code == 200, interviewed.text[:300]
    return case


def test_a_name_in_a_refusals_or_an_approvals_legal_basis_is_a_422(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    case = _interviewed(client, supervisor)
    refusal = {"reason_code": "UNCLEAR_PURPOSE", "legal_basis": f"Pasal 27 Permenkumham 8/2014 {NAME}"}
    _refused_naming(_post(client, supervisor, f"{case}/refusal", refusal), "legal_basis")
    _refused_naming(_post(client, supervisor, f"{case}/approval", {"legal_basis": NAME}), "legal_basis")
    approved = _post(client, supervisor, f"{case}/approval", {"legal_basis": "UU 6/2011 Pasal 24"})
    assert approved.status_code == 200, approved.text[:300]
    catch_up(system.store, system.projections())
    auditor = token_for(system, "AUDITOR")
    trail = client.get("/audit/decisions", params={"office": "MLG"}, headers=auth(auditor)).json()["data"]
    assert "UU 6/2011 Pasal 24" in {row["legal_basis"] for row in trail}


def test_a_name_in_an_enforcement_cases_article_or_an_actions_legal_basis_is_a_422(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    opened = dict(finding_body(), source="COUNTER")
    del opened["summary"]
    _refused_naming(_post(client, supervisor, "/enforcement-cases", opened | {"article": NAME}), "article")
    created = _post(client, supervisor, "/enforcement-cases", opened)
    assert created.status_code == 201, created.text[:300]
    case = f"/enforcement-cases/{created.json()['id']}"
    _post(client, supervisor, f"{case}/examination", {"report_number": "BAP-1/2025"})
    action = {"action": "DEPORTATION", "decision_number": "KEP-1/2025", "reason_code": "OVERSTAY"}
    refused = _post(client, supervisor, f"{case}/actions", action | {"legal_basis": f"{NAME} Pasal 75"})
    _refused_naming(refused, "legal_basis")
    deportation = _post(
        client, supervisor, f"{case}/actions", action | {"legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011"}
    )
    assert deportation.status_code == 200, deportation.text[:300]


def test_a_name_in_a_findings_article_is_a_422(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    operation = _post(client, supervisor, "/joint-operations", {"agencies": ["POLRI"], "area": "Kota Batu"})
    path = f"/joint-operations/{operation.json()['id']}"
    _post(client, supervisor, f"{path}/execution", {"locations": ["Jl. Panglima Sudirman"], "persons_checked": 3})
    refused = _post(client, supervisor, f"{path}/findings", finding_body() | {"article": f"Pasal 122 UU 6/2011 {NAME}"})
    _refused_naming(refused, "article")
