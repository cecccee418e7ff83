"""The API used by the staff of offices other than Malang, in years other than 2024 (an
adversarial review's findings): Jayapura keeps Indonesian Eastern Time (WIT, +09:00), so its
New Year begins while UTC is still in the old year; and what an officer types into a field
that every auditor reads must be what the field is for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from tests.api_support import auth, key, passport_body, person, token_for

OFFICE, REGENCY = "JYP", "9471"  # Kantor Imigrasi Jayapura, Kota Jayapura, WIT
# `client`: a TestClient over `system` (tests/ui_support.py, a plugin of tests/conftest.py).
LATE = {"late_entry_reason": "DATA_MIGRATION"}
NAME = "Yohanes Testwenda"


@pytest.fixture
def supervisor(system: System) -> str:
    return token_for(system, "SUPERVISOR", OFFICE)


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _jayapura_passport(**overrides: Any) -> dict[str, Any]:
    return passport_body(applicant=person(NAME), regency_code=REGENCY, destination="SAU") | overrides


def _issued(client: TestClient, token: str, submitted: str, paid: str) -> str:
    """A passport submitted, paid, captured, interviewed, approved and issued, each a late entry."""
    created = _post(client, token, "/passport-applications", _jayapura_passport(occurred_at=submitted) | LATE)
    assert created.status_code == 201, created.text[:300]
    case = f"/passport-applications/{created.json()['id']}"
    at = datetime.fromisoformat(paid)
    steps = [
        ("payment", {"billing_code": f"82025{uuid.uuid4().int % 10**7:07d}"}),
        ("biometrics", {}),
        ("interview", {"stated_purpose": "umroh", "indicators": [], "assessment": "credible"}),
        ("approval", {"legal_basis": "Pasal 27 Permenkumham 8/2014"}),
        ("issuance", {"passport_number": f"E{uuid.uuid4().int % 10**7:07d}"}),
    ]
    for minutes, (command, body) in enumerate(steps):
        when = (at + timedelta(minutes=minutes)).isoformat()
        answer = _post(client, token, f"{case}/{command}", body | {"occurred_at": when} | LATE)
        assert answer.status_code == 200, (command, answer.text[:300])
    return created.json()["id"]


def test_a_payment_just_after_midnight_in_jayapura_counts_in_the_new_year_though_utc_is_still_in_the_old(
    client, system, supervisor
):
    auditor = token_for(system, "AUDITOR")

    def report(year: int) -> dict:
        answer = client.get(f"/reports/annual/{year}", params={"office": OFFICE}, headers=auth(auditor))
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()

    # Other tests of a shared database may have Jayapura's cases of these years: what these two add counts.
    before = {year: report(year) for year in (2024, 2025)}
    _issued(client, supervisor, "2024-12-31T10:00:00+09:00", "2025-01-01T00:30:00+09:00")  # 2024-12-31 15:30 UTC
    _issued(client, supervisor, "2024-12-31T11:00:00+09:00", "2024-12-31T23:30:00+09:00")
    for year, month in ((2025, "1"), (2024, "12")):
        after, earlier = report(year), before[year]
        summary = {k: after["summary"][k] - earlier["summary"][k] for k in ("passports_issued", "passport_revenue")}
        assert summary == {"passports_issued": 1, "passport_revenue": 950_000}, (year, summary)  # PP 45/2024
        monthly = after["monthly"]["passports_issued"]
        added = {m: n - earlier["monthly"]["passports_issued"][m] for m, n in monthly.items()}
        assert {m: n for m, n in added.items() if n} == {month: 1}
    if before[2025]["summary"]["passports_issued"] == 0:  # the CSV's figure is the year's own
        csv = client.get(
            "/reports/annual/2025", params={"office": OFFICE, "format": "csv", "numbers": "id"}, headers=auth(auditor)
        )
        assert csv.status_code == 200 and "passport_revenue;;;950.000" in csv.text.replace("summary;", "")


def test_a_report_of_a_year_without_data_is_zero_and_of_an_unknown_office_a_422(client, system):
    auditor = token_for(system, "AUDITOR")
    empty = client.get("/reports/annual/2023", params={"office": OFFICE}, headers=auth(auditor))
    assert empty.status_code == 200 and empty.json()["summary"]["passports_issued"] == 0
    for office in ("XYZ", "jyp"):
        unknown = client.get("/reports/annual/2025", params={"office": office}, headers=auth(auditor))
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "office", unknown.text[:300]


def test_a_supervisor_asking_for_another_offices_report_is_told_about_reports_not_cases(client, system, supervisor):
    refused = client.get("/reports/annual/2025", params={"office": "DPS"}, headers=auth(supervisor))
    assert refused.status_code == 403
    assert "case" not in refused.json()["detail"], refused.json()["detail"]


def test_a_birth_date_in_the_future_is_a_422_naming_the_field_not_the_value(client, supervisor):
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    body = _jayapura_passport(applicant=person(NAME) | {"birth_date": tomorrow})
    refused = _post(client, supervisor, "/passport-applications", body)
    assert refused.status_code == 422, refused.text[:300]
    assert [e["field"] for e in refused.json()["errors"]] == ["applicant.birth_date"]
    assert tomorrow not in refused.text and NAME not in refused.text


@pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
def test_a_flag_sent_as_anything_but_a_json_boolean_is_a_422(client, supervisor, value):
    refused = _post(client, supervisor, "/passport-applications", _jayapura_passport(expedited=value))
    assert refused.status_code == 422, refused.text[:300]
    assert [e["field"] for e in refused.json()["errors"]] == ["expedited"]


@pytest.mark.parametrize("destination", [NAME, "Arab Saudi", "sau", "SA"])
def test_a_destination_is_a_country_code_never_free_text(client, supervisor, destination):
    """The destination is plain in every auditor's view: a name typed there would reach them all."""
    refused = _post(client, supervisor, "/passport-applications", _jayapura_passport(destination=destination))
    assert refused.status_code == 422, refused.text[:300]
    assert [e["field"] for e in refused.json()["errors"]] == ["destination"]
    assert destination not in refused.text


def test_a_name_typed_into_a_number_or_a_reason_code_is_a_422(client, system, supervisor):
    """Billing codes, decision and report numbers and reason codes are plain in every auditor's
    view: a number carries a digit and no space, a reason code is upper case."""
    created = _post(client, supervisor, "/passport-applications", _jayapura_passport())
    case = f"/passport-applications/{created.json()['id']}"
    refused = _post(client, supervisor, f"{case}/payment", {"billing_code": NAME})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "billing_code", refused.text[:300]
    assert NAME not in refused.text
    opened = _post(
        client,
        supervisor,
        "/enforcement-cases",
        {
            "source": "COUNTER",
            "subject": person(NAME),
            "nationality": "PNG",
            "alleged_violation": "overstay",
            "article": "Pasal 78 UU 6/2011",
        },
    )
    assert opened.status_code == 201, opened.text[:300]
    enforcement = f"/enforcement-cases/{opened.json()['id']}"
    assert _post(client, supervisor, f"{enforcement}/examination", {"report_number": "Yohanes"}).status_code == 422
    assert _post(client, supervisor, f"{enforcement}/examination", {"report_number": "BAP-7/2025"}).status_code == 200
    action = {"action": "DEPORTATION", "legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011"}
    for fields in (
        {"decision_number": "Yohanes Testwenda", "reason_code": "OVERSTAY"},
        {"decision_number": "KEP-7/2025", "reason_code": "Yohanes Testwenda"},
    ):
        answer = _post(client, supervisor, f"{enforcement}/actions", action | fields)
        assert answer.status_code == 422 and NAME not in answer.text, answer.text[:300]
    done = _post(
        client,
        supervisor,
        f"{enforcement}/actions",
        action | {"decision_number": "KEP-7/2025", "reason_code": "OVERSTAY"},
    )
    assert done.status_code == 200, done.text[:300]
