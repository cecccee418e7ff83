"""Settings (pengaturan): the database choice comes from BERKAS_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.bootstrap import store_for
from api.settings import Settings


def test_without_a_database_url_the_store_is_an_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "kanim.db"))
    settings = Settings()
    assert settings.database_url is None
    store = store_for(settings)
    assert store.dialect.name == "sqlite"
    assert store.events_table == "stored_events"
    assert store.library_env() == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "kanim.db"),
        "APPLICATION_RECORDER_TOPIC": "projections.eventstore.wake:AnnouncingSQLiteRecorder",
    }


def test_an_empty_database_url_also_means_sqlite(monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", "")
    assert Settings().database_url is None


def test_a_postgres_url_selects_postgresql_with_its_parts(monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", "postgresql://berkas:s%40cret@db.example:6543/kanim")
    store = store_for(Settings())
    env = store.library_env()
    assert store.dialect.name == "postgresql" and store.events_table == "berkas_events"
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("db.example", "6543", "kanim")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("berkas", "s@cret")
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env


@pytest.mark.parametrize("url", ["mysql://root@localhost/berkas", "sqlite://berkas.db", "berkas.db"])
def test_a_non_postgres_url_is_rejected_with_a_clear_message(monkeypatch, url):
    monkeypatch.setenv("BERKAS_DATABASE_URL", url)
    with pytest.raises(ValidationError) as raised:
        Settings()
    message = str(raised.value)
    assert "database_url" in message
    assert "must be a postgresql:// URL, or sqlite:///PATH" in message


def test_the_sqlite_path_defaults_to_berkas_db(monkeypatch):
    monkeypatch.delenv("BERKAS_SQLITE_PATH", raising=False)
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    assert Settings().sqlite_path == Path("berkas.db")


@pytest.mark.parametrize("url", ["postgresql://a b@db/kanim", "postgresql://[::1/kanim"])
def test_a_malformed_postgres_url_is_rejected_without_echoing_it(monkeypatch, url):
    monkeypatch.setenv("BERKAS_DATABASE_URL", url.replace("a b", "a b:s3cret"))
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert "is not a valid postgresql:// URL" in str(raised.value)
    assert "s3cret" not in str(raised.value.errors(include_input=False))
