"""The compose deployment without Docker: ``init``'s steps as the owner, then the API and the
projection worker as the restricted role, on a PostgreSQL database of their own. The worker
builds and rebuilds the views as that role; the log stays out of its reach."""

from __future__ import annotations

import re
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
from projections.runner import catch_up, rebuild
from tests.api_support import auth, passport_body, token_for
from tests.stores import database_and_role

pytestmark = pytest.mark.postgres
PASSWORD = "app-role-secret-for-tests"


@pytest.fixture
def deployment(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """(owner URL, app role URL) of a fresh database, as compose's init and api see them."""
    with database_and_role(pg_admin_url, "berkas_compose", PASSWORD) as urls:
        yield urls


def test_init_as_the_owner_then_the_api_and_the_worker_as_the_app_role(deployment, tmp_path, monkeypatch):
    owner, app_url = deployment
    role = urlsplit(app_url).username
    monkeypatch.setenv("BERKAS_DATABASE_URL", owner)
    monkeypatch.setenv("BERKAS_APP_ROLE_PASSWORD", PASSWORD)
    # As compose mounts it: one key file for init, the API and the worker.
    personal_data_key = tmp_path / "personal-data.key"
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(personal_data_key))
    monkeypatch.setenv("BERKAS_LEDGER_KEY_PATH", str(tmp_path / "ledger-key.pem"))
    admin = ["users", "add", "Administrator", "--role", "admin", "--office", "MLG", "--first"]
    for _ in range(2):  # init runs on every `docker compose up`
        for step in (["store", "init"], ["store", "create-app-role", role], admin):
            done = CliRunner().invoke(cli, step, terminal_width=200)
            assert done.exit_code == 0, (step, done.output)
    assert "exists already" in done.output

    settings = Settings(
        database_url=app_url,
        sqlite_path=tmp_path / "unused.db",
        create_tables=False,
        personal_data_key_path=personal_data_key,
    )
    api, worker = bootstrap(settings), bootstrap(settings)
    try:
        client = TestClient(create_app(api), raise_server_exceptions=False)
        officer, auditor = token_for(api, "OFFICER"), token_for(api, "AUDITOR")
        created = client.post("/passport-applications", json=passport_body(), headers=auth(officer))
        assert created.status_code == 201, created.text

        # The web interface's sessions: a table the owner made, written by the role.
        sign_in_form = client.get("/ui/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', sign_in_form).group(1)
        signed_in = client.post("/ui/sign-in", data={"csrf": csrf, "token": officer}, follow_redirects=False)
        assert signed_in.status_code == 303 and client.get("/ui/cases").status_code == 200
        page = client.get("/ui/cases").text
        client.post("/ui/sign-out", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1)})
        assert client.get("/ui/cases", follow_redirects=False).status_code == 303

        catch_up(worker.store, worker.projections())
        listed = client.get("/passport-applications", headers=auth(officer))
        assert created.json()["id"] in [row["id"] for row in listed.json()["data"]]
        rebuild(worker.store, worker.projections())
        assert client.get("/reports/annual/2026", headers=auth(auditor), params={"office": "MLG"}).status_code == 200

        for statement in ("DROP TABLE berkas_events", "DELETE FROM berkas_events", "TRUNCATE berkas_events"):
            with psycopg.connect(app_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with psycopg.connect(owner) as conn:
            owners = dict(conn.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"))
        assert owners["berkas_events"] != role
        assert owners["case_index"] == role
    finally:
        api.close()
        worker.close()
