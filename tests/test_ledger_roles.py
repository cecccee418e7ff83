"""``berkas store create-app-role``: the application's role appends and reads, nothing more."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import System, bootstrap
from api.cli.app import app as cli
from api.http.app import create_app
from api.settings import Settings
from domain.application import Berkas
from projections.eventstore.store import Store
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, passport_body, token_for


@pytest.fixture
def app_role(pg_system: System) -> Iterator[str]:
    name = f"berkas_app_{uuid.uuid4().hex[:8]}"
    pg_system.store.create_app_role(name, "s3cret-for-tests")
    yield name
    # Roles belong to the whole cluster and would outlive this run's database.
    with psycopg.connect(pg_system.store.database_url, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{name}"')
        conn.execute(f'DROP ROLE "{name}"')


def as_role(pg_system: System, role: str) -> str:
    base, _, database = pg_system.store.database_url.rpartition("/")
    host = base.rpartition("@")[2]
    return f"postgresql://{role}:s3cret-for-tests@{host}/{database}"


def test_the_app_role_appends_and_reads_events(pg_system, app_role, tmp_path):
    store = Store(as_role(pg_system, app_role), tmp_path / "unused.db")
    app = Berkas(env=store.library_env() | {"CREATE_TABLE": "false"})
    try:
        case = builders.passport(builders.Clock(), until="ISSUED")
        app.save(case)
        assert app.get_case(case.id).version == case.version
    finally:
        app.close()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM berkas_events",
        "TRUNCATE berkas_events",
        "DROP TRIGGER berkas_events_append_only ON berkas_events",
        "ALTER TABLE berkas_events DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
        "DROP TABLE berkas_events",
        "ALTER TABLE berkas_events ADD COLUMN note TEXT",
        "CREATE TRIGGER shadow BEFORE INSERT ON berkas_events EXECUTE FUNCTION berkas_reject_event_change()",
    ],
)
def test_the_app_role_cannot_delete_truncate_or_disarm_the_log(pg_system, app_role, statement):
    with psycopg.connect(as_role(pg_system, app_role)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize("notification_id", [-1, 10**7])
def test_the_app_role_cannot_choose_a_notification_id(pg_system, app_role, notification_id):
    with psycopg.connect(as_role(pg_system, app_role)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO berkas_events (notification_id, originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, 1, 'berkas:PassportApplication.Submitted', '{}')",
            (notification_id, uuid.uuid4()),
        )


def test_the_app_role_still_appends_large_batches_by_copy(pg_system, app_role, tmp_path):
    store = Store(as_role(pg_system, app_role), tmp_path / "unused.db")
    app = Berkas(env=store.library_env() | {"CREATE_TABLE": "false"})
    try:
        clock = builders.Clock()
        cases = [builders.passport(clock, until="HANDED_OVER") for _ in range(20)]
        app.bulk_save(cases)
        assert app.get_case(cases[-1].id).version == cases[-1].version
    finally:
        app.close()


def test_the_api_as_the_app_role_verifies_the_ledger_and_serves_checkpoints_it_cannot_write(pg_system, tmp_path):
    name = f"berkas_app_{uuid.uuid4().hex[:8]}"
    env = {"BERKAS_DATABASE_URL": pg_system.store.database_url, "BERKAS_APP_ROLE_PASSWORD": "s3cret-for-tests"}
    made = CliRunner().invoke(cli, ["store", "create-app-role", name], env=env)
    try:
        assert made.exit_code == 0, made.output
        settings = Settings(database_url=as_role(pg_system, name), sqlite_path=tmp_path / "x.db", create_tables=False)
        system = bootstrap(settings)
        try:
            client = TestClient(create_app(system))
            auditor = auth(token_for(system, "AUDITOR"))
            started = client.post("/ledger/verification", headers=auditor)
            for _ in range(200):
                job = client.get(started.headers["Location"], headers=auditor).json()
                if job["state"] != "running":
                    break
                time.sleep(0.05)
            assert job["state"] == "succeeded", job
            assert client.get("/ledger/verification", headers=auditor).json()["verified_at"]
            # The worker seals and signs as the role: it adds facts, and can never change one.
            with psycopg.connect(pg_system.store.database_url) as conn:
                may = conn.execute("SELECT has_table_privilege(%s, 'ledger_leaves', 'INSERT')", (name,)).fetchone()
            assert may == (True,)
            for statement in (
                "DELETE FROM ledger_signatures",
                "UPDATE ledger_leaves SET day = day",
                "DROP TABLE ledger_nodes",
            ):
                with (
                    psycopg.connect(as_role(pg_system, name)) as conn,
                    pytest.raises(psycopg.errors.InsufficientPrivilege),
                ):
                    conn.execute(statement)
        finally:
            system.close()
    finally:
        with psycopg.connect(pg_system.store.database_url, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE "{name}"')


def test_an_update_by_the_app_role_is_refused_by_the_trigger(pg_system, app_role):
    pg_system.app.save(builders.passport(builders.Clock()))
    with psycopg.connect(as_role(pg_system, app_role)) as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("UPDATE berkas_events SET topic = topic")


def test_role_names_are_plain_identifiers(pg_system):
    with pytest.raises(ValueError, match="role name"):
        pg_system.store.create_app_role('x"; DROP TABLE berkas_events; --', "pw")


def test_the_api_runs_as_the_app_role_once_the_owner_has_set_up_the_store(pg_system, app_role, tmp_path):
    settings = Settings(
        database_url=as_role(pg_system, app_role), sqlite_path=tmp_path / "unused.db", create_tables=False
    )
    system = bootstrap(settings)
    try:
        client = TestClient(create_app(system))
        officer = auth(token_for(system, "OFFICER"))
        created = client.post("/passport-applications", json=passport_body(), headers=officer)
        assert created.status_code == 201
        catch_up(pg_system.store, pg_system.projections())  # the projection worker runs as the owner
        listed = client.get("/passport-applications", headers=officer, params={"limit": 200})
        assert created.json()["id"] in [row["id"] for row in listed.json()["data"]]
    finally:
        system.close()
