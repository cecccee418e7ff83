"""Reports, rebuilds and health over HTTP."""

from __future__ import annotations

import csv
import io
import time
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from tests.api_support import auth, client, passport_body, token_for

__all__ = ["client"]
pytestmark = pytest.mark.postgres


def test_the_annual_report_comes_as_json_or_csv(client: TestClient, pg_system: System):
    officer, auditor = token_for(pg_system, "OFFICER"), token_for(pg_system, "AUDITOR")
    client.post(
        "/passport-applications", json=passport_body(occurred_at="2024-05-02T10:00:00+07:00"), headers=auth(officer)
    )
    as_json = client.get("/reports/annual/2024", params={"office": "MLG"}, headers=auth(auditor))
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    assert (as_json.json()["year"], as_json.json()["office"]) == (2024, "MLG")

    as_csv = client.get("/reports/annual/2024", params={"office": "MLG"}, headers=auth(auditor, Accept="text/csv"))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) > 1


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
    assert job["projection"] == "case_index"
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
