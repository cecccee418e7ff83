"""Reports, rebuilds and health over HTTP."""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from tests.api_support import auth, client, passport_body, token_for

__all__ = ["client"]
pytestmark = pytest.mark.postgres


def _issue(client: TestClient, officer: str, supervisor: str) -> None:
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer)).json()
    path = f"/passport-applications/{case['id']}"
    steps = (
        (officer, "payment", {"billing_code": "820240300001"}),
        (officer, "biometrics", {}),
        (officer, "interview", {"stated_purpose": "tourism", "assessment": "credible"}),
        (supervisor, "approval", {"legal_basis": "Pasal 27 Permenkumham 8/2014"}),
        (officer, "issuance", {"passport_number": f"E{uuid.uuid4().int % 10**7:07d}"}),
    )
    for token, command, body in steps:
        response = client.post(f"{path}/{command}", json=body, headers=auth(token))
        assert response.status_code == 200, response.text


def test_the_annual_report_as_json_and_csv_carries_the_same_figures_under_the_same_names(
    client: TestClient, pg_system: System
):
    officer, supervisor = token_for(pg_system, "OFFICER"), token_for(pg_system, "SUPERVISOR")
    auditor = token_for(pg_system, "AUDITOR")
    year = datetime.now(UTC).year
    target = client.post(
        "/revenue-targets", json={"year": year, "amount": "1900000", "legal_basis": "DIPA"}, headers=auth(supervisor)
    )
    assert target.status_code == 201, target.text
    _issue(client, officer, supervisor)
    params = {"office": "MLG"}
    as_json = client.get(f"/reports/annual/{year}", params=params, headers=auth(auditor))
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    report = as_json.json()
    assert (report["year"], report["office"]) == (year, "MLG")
    summary = report["summary"]
    assert summary["revenue_target"] == 1_900_000 and summary["passport_revenue"] >= 950_000
    expected = Decimal(summary["passport_revenue"]) * 100 / Decimal(summary["revenue_target"])
    assert Decimal(str(summary["percent_of_target"])) == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert set(report["monthly"]["passports_issued"]) == {str(month) for month in range(1, 13)}
    assert report["figures"]["passports_issued_by_type"]["NEW"] >= 1

    as_csv = client.get(f"/reports/annual/{year}", params=params, headers=auth(auditor, Accept="text/csv"))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    disposition = as_csv.headers["content-disposition"]
    assert disposition == f'attachment; filename="berkas-laporan-tahunan-{year}-MLG.csv"'
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    for row in rows:  # every CSV figure is the JSON's, found by the same names
        node = report[row["part"]][row["name"]]
        if row["part"] == "figures":
            node = node[row["key"]]
        if row["part"] == "monthly":
            node = node[row["month"]]
        assert (row["value"] or None) == node or Decimal(row["value"]) == Decimal(str(node)), row
    count = lambda part: sum(len(v) if isinstance(v, dict) else 1 for v in report[part].values())  # noqa: E731
    assert len(rows) == count("summary") + count("figures") + count("monthly")
    assert any(row["name"] == "percent_of_target" for row in rows)

    indonesian = client.get(
        f"/reports/annual/{year}", params=params | {"format": "csv", "numbers": "id"}, headers=auth(auditor)
    )
    by_name = {
        row["name"]: row
        for row in csv.DictReader(io.StringIO(indonesian.text), delimiter=";")
        if row["part"] == "summary"
    }
    assert by_name["revenue_target"]["value"] == "1.900.000"
    assert "," in by_name["percent_of_target"]["value"]


def test_a_supervisor_sees_only_the_report_of_their_own_office(client: TestClient, pg_system: System):
    supervisor = token_for(pg_system, "SUPERVISOR")
    assert client.get("/reports/annual/2024", headers=auth(supervisor)).json()["office"] == "MLG"
    other = client.get("/reports/annual/2024", params={"office": "SBY"}, headers=auth(supervisor))
    assert other.status_code == 403


def test_an_unknown_office_is_a_422(client: TestClient, pg_system: System):
    auditor = token_for(pg_system, "AUDITOR")
    response = client.get("/reports/annual/2024", params={"office": "XXX"}, headers=auth(auditor))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "office"


def test_a_rebuild_runs_in_the_background_and_reports_its_progress(client: TestClient, pg_system: System):
    officer, admin = token_for(pg_system, "OFFICER"), token_for(pg_system, "ADMIN")
    client.post("/passport-applications", json=passport_body(), headers=auth(officer))
    started = client.post("/reports/rebuild", json={"projection": "case_index"}, headers=auth(admin))
    assert started.status_code == 202
    job_url = started.headers["Location"]
    deadline = time.monotonic() + 60
    job = started.json()
    while job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(job_url, headers=auth(admin)).json()
    assert job["state"] == "succeeded", job
    assert job["projections"] == ["case_index"] and job["finished_at"] >= job["started_at"]
    assert job["done"] == job["total"] > 0 and job["rate"] > 0


def test_a_rebuild_of_an_unknown_projection_is_a_422(client: TestClient, pg_system: System):
    admin = token_for(pg_system, "ADMIN")
    response = client.post("/reports/rebuild", json={"projection": "nope"}, headers=auth(admin))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "projection"


def test_health_and_readiness_report_the_database_and_projection_lag(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["database"] == "postgresql"
    assert set(body["lag"]) >= {"case_index", "audit_trail"}
    assert all(isinstance(value, int) and value >= 0 for value in body["lag"].values())


def test_readiness_fails_when_the_database_is_gone(pg_admin_url: str, tmp_path):
    name = f"berkas_gone_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    system = bootstrap(Settings(database_url=pg_admin_url.rpartition("/")[0] + f"/{name}", sqlite_path=tmp_path / "x"))
    with TestClient(create_app(system)) as local:
        assert local.get("/readyz").status_code == 200
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        response = local.get("/readyz")
    system.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "postgresql", "lag": None}


def test_a_year_with_a_target_but_no_figures_has_twelve_zeros_per_metric_like_any_year(
    client: TestClient, pg_system: System
):
    """`monthly` was `{}` for such a year, while a year with figures lists every month of
    each metric: a client charting it found no series at all."""
    supervisor, auditor = token_for(pg_system, "SUPERVISOR", "DPS"), token_for(pg_system, "AUDITOR")
    target = client.put(
        "/revenue-targets/2047", json={"amount": "5000000", "legal_basis": "DIPA 2047"}, headers=auth(supervisor)
    )
    assert target.status_code == 201, target.text[:300]
    report = client.get("/reports/annual/2047", params={"office": "DPS"}, headers=auth(auditor)).json()
    assert report["summary"]["revenue_target"] == 5_000_000
    assert {"passports_issued", "passport_revenue", "refusals"} <= set(report["monthly"])
    for metric, months in report["monthly"].items():
        assert months == {str(month): 0 for month in range(1, 13)}, metric
    nothing = client.get("/reports/annual/2048", params={"office": "DPS"}, headers=auth(auditor)).json()
    assert nothing["monthly"] == report["monthly"]
    as_csv = client.get("/reports/annual/2047", params={"office": "DPS", "format": "csv"}, headers=auth(auditor))
    monthly_rows = [row for row in csv.DictReader(io.StringIO(as_csv.text)) if row["part"] == "monthly"]
    assert len(monthly_rows) == 12 * len(report["monthly"])
