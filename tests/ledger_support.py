"""Ledger test support: stores of their own (the tests tamper with them), three recorded
days, tampering past the append-only triggers, and the CLI's verdict."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from api.bootstrap import System, bootstrap
from api.cli.app import app as cli_typer
from api.settings import Settings
from domain.case import recorded_at
from projections.ledger import facts, keys
from projections.ledger.seal import SealProjection, checkpoint_now
from projections.runner import catch_up
from tests import builders

DAYS = (datetime(2024, 3, 4, 2, tzinfo=UTC), datetime(2024, 3, 5, 2, tzinfo=UTC), datetime(2024, 3, 6, 2, tzinfo=UTC))


@pytest.fixture
def pg_ledger(pg_admin_url: str, tmp_path) -> Iterator[System]:
    """A database of its own: these tests tamper with the log, others must not see it."""
    name = f"berkas_ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    keys.generate(tmp_path / "ledger.key")
    url = pg_admin_url.rpartition("/")[0] + f"/{name}"
    system = bootstrap(Settings(database_url=url, sqlite_path=tmp_path / "x", ledger_key_path=tmp_path / "ledger.key"))
    yield system
    system.close()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_ledger(tmp_path) -> Iterator[System]:
    keys.generate(tmp_path / "ledger.key")
    system = bootstrap(
        Settings(database_url=None, sqlite_path=tmp_path / "berkas.db", ledger_key_path=tmp_path / "ledger.key")
    )
    yield system
    system.close()


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest) -> System:
    return request.getfixturevalue({"sqlite": "sqlite_ledger", "postgres": "pg_ledger"}[request.param])


def record_three_days(system: System) -> list:
    """Four passport cases (seven events each) recorded on each of three days: 84 events."""
    clock = builders.Clock()
    cases = []
    for moment in DAYS:
        with recorded_at(moment):
            batch = [builders.passport(clock, until="HANDED_OVER") for _ in range(4)]
            system.app.bulk_save(batch)
        cases += batch
    return cases


def sealed(system: System) -> list:
    cases = record_three_days(system)
    catch_up(system.store, [SealProjection(system.ledger_key)], page_size=10)
    checkpoint_now(system.store, system.ledger_key)
    return cases


def tamper(system: System, statement: str, params: tuple = ()) -> None:
    """As the database's owner, past the append-only triggers."""
    if system.store.database_url:
        with psycopg.connect(system.store.database_url) as conn:
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(statement, params)
        return
    with system.store.connect() as conn:
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {trigger}")
        for part in statement.split(";"):
            native = part.replace("%s", "?")
            if "berkas_events" in part:
                native = native.replace("berkas_events", "stored_events").replace("notification_id", "rowid")
            conn.execute(native, params[: part.count("%s")])
            params = params[part.count("%s") :]
    system.store.install_guards()
    with system.store.connect() as conn:
        conn.dialect.make_append_only(conn, facts.FACT_TABLES, facts.APPEND_ONLY_MESSAGE)


def event_at(system: System, nid: int) -> tuple[uuid.UUID, bytes] | None:
    table, column = system.store.events_table, system.store.dialect.id_column
    with system.store.connect() as conn:
        found = conn.execute(f"SELECT originator_id, state FROM {table} WHERE {column} = {int(nid)}").fetchone()
    if found is None:
        return None
    case, state = found
    return (case if isinstance(case, uuid.UUID) else uuid.UUID(case)), bytes(state)


def cli_env(system: System) -> dict[str, str]:
    return {
        "BERKAS_DATABASE_URL": system.store.database_url or "",
        "BERKAS_SQLITE_PATH": str(system.store.sqlite_path),
        "BERKAS_LEDGER_KEY_PATH": str(system.settings.ledger_key_path),
    }


def run(system: System, *args: str):
    return CliRunner().invoke(cli_typer, list(args), env=cli_env(system), terminal_width=400)


def verify_cli(system: System, *args: str):
    return CliRunner().invoke(cli_typer, ["ledger", "verify", *args], env=cli_env(system), terminal_width=400)


def assert_diverges(system: System, kind: str, nid: int, case: uuid.UUID | None = None) -> None:
    result = verify_cli(system)
    assert result.exit_code == 1, result.output
    expected = f"ledger diverges: {kind} at notification id {nid}"
    assert expected in result.output, result.output
    if case is not None:
        assert f"(case {case})" in result.output
    assert "Traceback" not in result.output


def forge(system: System, nid: int, like: int) -> uuid.UUID:
    case_id, state = event_at(system, like)
    tamper(
        system,
        "INSERT INTO berkas_events (notification_id, originator_id, originator_version, topic, state) "
        "VALUES (%s, %s, 99, 'berkas:PassportApplication.Approved', %s)",
        (nid, system.store.dialect.case_key(case_id), state),
    )
    return case_id


def all_rows(system: System) -> list[tuple]:
    """Every event row as stored, in notification order, ready to insert again."""
    table, column = system.store.events_table, system.store.dialect.id_column
    with system.store.connect() as conn:
        found = conn.execute(
            f"SELECT {column}, originator_id, originator_version, topic, state FROM {table} ORDER BY {column}"
        ).fetchall()
    return [(n, o, v, t, bytes(s)) for n, o, v, t, s in found]


def verified_over_http(client, headers: dict[str, str]) -> dict:
    """Start a verification over HTTP, wait for its job, and answer the stored result."""
    started = client.post("/ledger/verification", headers=headers)
    assert started.status_code == 202, started.text
    for _ in range(400):
        job = client.get(started.headers["Location"], headers=headers).json()
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert job["state"] == "succeeded", job
    return client.get("/ledger/verification", headers=headers).json()
