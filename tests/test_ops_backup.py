"""``berkas store backup`` / ``restore``: a backup restored into a fresh database verifies
and reports exactly as the original, on PostgreSQL (pg_dump/pg_restore) and SQLite (the
online backup API); a restore never mixes two histories."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.settings import Settings
from projections.eventstore import sql
from projections.ledger import keys
from projections.ledger.results import RESULTS
from projections.reports import annual_report
from projections.runner import catch_up
from tests.builders import Clock, enforcement_case, passport, stay_permit


@pytest.fixture
def fresh_databases(pg_admin_url: str) -> Iterator[list[str]]:
    """Two databases of their own: the original and the one restored into."""
    names = [f"berkas_backup_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield [f"{pg_admin_url.rpartition('/')[0]}/{name}" for name in names]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, Settings]:
    """Settings of the original store and of an empty one to restore into, with one ledger
    key and one personal-data key file: the keys travel apart from the backup."""
    key = tmp_path / "ledger.pem"
    keys.generate(key)
    personal = tmp_path / "personal-data.key"
    if request.param == "sqlite":
        urls = [None, None]
    else:
        urls = request.getfixturevalue("fresh_databases")
    return tuple(
        Settings(
            database_url=url, sqlite_path=tmp_path / f"{role}.db", ledger_key_path=key, personal_data_key_path=personal
        )
        for url, role in zip(urls, ("original", "restored"), strict=True)
    )


def views(settings: Settings) -> dict[str, list[tuple]]:
    """Every table but the library's own, row by row, in a fixed order."""
    system = bootstrap(settings)
    try:
        with system.store.connect() as conn:
            if system.store.dialect.name == "postgresql":
                listed = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            else:
                listed = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            tables = sorted(row[0] for row in sql.fetchall(conn, listed))
            return {
                table: sorted(map(tuple, sql.fetchall(conn, f"SELECT * FROM {table}")), key=repr) for table in tables
            }
    finally:
        system.close()


def cli_with(monkeypatch, settings: Settings, *command: str):
    for name, value in (
        ("BERKAS_DATABASE_URL", settings.database_url or ""),
        ("BERKAS_SQLITE_PATH", str(settings.sqlite_path)),
        ("BERKAS_LEDGER_KEY_PATH", str(settings.ledger_key_path)),
        ("BERKAS_PERSONAL_DATA_KEY_PATH", str(settings.personal_data_key_path or "")),
    ):
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(cli, list(command), terminal_width=240)


def test_a_restored_backup_verifies_and_reports_exactly_as_the_original(stores, tmp_path, monkeypatch):
    original, restored = stores
    system = bootstrap(original)
    try:
        clock = Clock(now=datetime(2024, 3, 1, 1, tzinfo=UTC))
        cases = [passport(clock, "ISSUED") for _ in range(6)] + [passport(clock, "REFUSED") for _ in range(2)]
        cases += [stay_permit(clock, "ISSUED"), enforcement_case(clock)]
        system.app.bulk_save(cases, batch_size=4)
        clock.now = datetime(2024, 3, 4, 1, tzinfo=UTC)  # a later day closes (and signs) the first
        system.app.save(passport(clock, "ISSUED"))
        catch_up(system.store, system.projections())
        report = annual_report(system.store, 2024, "MLG").summary()
        events = system.app.recorder.max_notification_id()
    finally:
        system.close()
    assert report["passports_issued"] == 7

    backup = tmp_path / "berkas.backup"
    made = cli_with(monkeypatch, original, "store", "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert "keys are not in it" in made.output and backup.stat().st_size > 0

    back = cli_with(monkeypatch, restored, "store", "restore", str(backup))
    assert back.exit_code == 0, back.output
    verified = cli_with(monkeypatch, restored, "ledger", "verify")
    assert verified.exit_code == 0, verified.output
    # Verifying the restored store records that run (a log of runs, beside the data).
    assert {t: rows for t, rows in views(restored).items() if t != RESULTS} == views(original)
    again = bootstrap(restored)
    try:
        assert again.app.recorder.max_notification_id() == events
        assert annual_report(again.store, 2024, "MLG").summary() == report
        # The restored store goes on: it appends after the restored log.
        again.app.save(passport(clock, "ISSUED"))
        assert again.app.recorder.max_notification_id() > events
    finally:
        again.close()


def test_a_restore_refuses_a_store_that_holds_anything(stores, tmp_path, monkeypatch):
    original, _ = stores
    bootstrap(original).close()
    backup = tmp_path / "berkas.backup"
    assert cli_with(monkeypatch, original, "store", "backup", str(backup)).exit_code == 0
    refused = cli_with(monkeypatch, original, "store", "restore", str(backup))
    assert refused.exit_code == 2 and "not empty" in refused.output
    overwrite = cli_with(monkeypatch, original, "store", "backup", str(backup))
    assert overwrite.exit_code == 2 and "exists already" in overwrite.output


def test_a_backup_of_the_other_backend_or_not_a_backup_at_all_is_refused(tmp_path, monkeypatch):
    settings = Settings(database_url=None, sqlite_path=tmp_path / "new.db")
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP\x01\x0e\x00")
    refused = cli_with(
        monkeypatch, settings.model_copy(update={"ledger_key_path": tmp_path / "k"}), "store", "restore", str(junk)
    )
    assert refused.exit_code == 2 and "postgresql backup" in refused.output
    junk.write_bytes(b"hello")
    refused = cli_with(
        monkeypatch, settings.model_copy(update={"ledger_key_path": tmp_path / "k"}), "store", "restore", str(junk)
    )
    assert refused.exit_code == 2 and "neither" in refused.output
    assert not (tmp_path / "new.db").exists()
