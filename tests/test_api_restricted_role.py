"""The API as a role that may create nothing: ``berkas store init`` by the owner creates every
table the API writes (rebuild jobs, idempotency keys), ``create-app-role`` grants what the API
does to them, and the role, with CREATE on the schema taken away, still serves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.http.app import create_app
from api.settings import Settings
from projections.runner import catch_up
from tests.api_support import auth, key, passport_body, token_for
from tests.stores import database_and_role

pytestmark = pytest.mark.postgres
PASSWORD = "restricted-role-secret-for-tests"


@pytest.fixture
def database(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """(owner URL, restricted role URL) of a fresh database."""
    with database_and_role(pg_admin_url, "berkas_restricted", PASSWORD) as urls:
        yield urls


def test_a_role_that_cannot_create_runs_the_api_after_store_init(database, tmp_path, monkeypatch):
    owner, role_url = database
    role = urlsplit(role_url).username
    monkeypatch.setenv("BERKAS_DATABASE_URL", owner)
    monkeypatch.setenv("BERKAS_APP_ROLE_PASSWORD", PASSWORD)
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(tmp_path / "personal-data.key"))
    monkeypatch.setenv("BERKAS_LEDGER_KEY_PATH", str(tmp_path / "ledger-key.pem"))
    for step in (["store", "init"], ["store", "create-app-role", role]):
        done = CliRunner().invoke(cli, step, terminal_width=200)
        assert done.exit_code == 0, (step, done.output)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'REVOKE CREATE ON SCHEMA public FROM "{role}", PUBLIC')
    with psycopg.connect(role_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("CREATE TABLE berkas_anything (id int)")

    owner_system = bootstrap(Settings(database_url=owner, sqlite_path=tmp_path / "unused.db"))
    settings = Settings(
        database_url=role_url,
        sqlite_path=tmp_path / "unused.db",
        create_tables=False,
        personal_data_key_path=tmp_path / "personal-data.key",
    )
    api = bootstrap(settings)
    try:
        with TestClient(create_app(api), raise_server_exceptions=False) as client:
            officer, admin = token_for(api, "OFFICER"), token_for(api, "ADMIN")
            headers = auth(officer, **{"Idempotency-Key": key()})
            created = client.post("/passport-applications", json=passport_body(), headers=headers)
            assert created.status_code == 201, created.text
            case_id = created.json()["id"]
            assert client.post("/passport-applications", json=passport_body(), headers=headers).status_code == 422
            read = client.get(f"/passport-applications/{case_id}", headers=auth(officer))
            assert read.status_code == 200 and read.json()["version"] == 1

            catch_up(owner_system.store, owner_system.projections())  # the worker, as the views' owner
            listed = client.get("/passport-applications", headers=auth(officer))
            assert listed.status_code == 200 and case_id in [row["id"] for row in listed.json()["data"]]

            # A job is a row the role writes; rebuilding needs new tables, which this role may not make.
            started = client.post("/reports/rebuild", json={"projection": "case_index"}, headers=auth(admin))
            assert started.status_code == 202, started.text
            job = started.headers["Location"]
            for _ in range(200):
                state = client.get(job, headers=auth(admin)).json()
                if state["state"] != "running":
                    break
                time.sleep(0.05)
            assert (state["state"], state["error"]) == ("failed", "InsufficientPrivilege")
    finally:
        api.close()
        owner_system.close()
    with psycopg.connect(owner) as conn:
        owners = dict(conn.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"))
    assert role not in owners.values()
    assert {"berkas_jobs", "berkas_job_claims", "berkas_idempotency_keys"} <= owners.keys()
