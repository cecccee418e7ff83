"""The CLI never shows a traceback: whatever goes wrong is one line on stderr and a
non-zero exit (2: the input or the domain refused; 1: the environment failed)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli.app import run

KEY_SETTING = "BERKAS_LEDGER_KEY_PATH"


@pytest.fixture(autouse=True)
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.delenv(KEY_SETTING, raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    return tmp_path


def one_line(capsys: pytest.CaptureFixture[str], arguments: list[str], code: int) -> str:
    assert run(arguments) == code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berkas: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def registered(capsys: pytest.CaptureFixture[str], role: str, office: str = "MLG") -> str:
    """A new account's id (``berkas users add``): what ``--as`` takes."""
    assert run(["users", "add", f"{role} tester", "--role", role, "--office", office]) == 0
    return re.search(r"user (\S+) \(", capsys.readouterr().out).group(1)


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("Infinity", "finite"),
        ("NaN", "finite"),
        ("1e30", "at most"),
        ("1000000.75", "no sen"),
        ("-5", "positive"),
        ("abc", "not a number"),
    ],
)
def test_a_target_that_is_not_whole_rupiah_is_one_line_naming_the_amount(capsys, amount, rule):
    supervisor = registered(capsys, "supervisor")
    line = one_line(capsys, ["target", "set", "--as", supervisor, "--office", "MLG", "--", "2030", amount], 2)
    assert "amount" in line and rule in line


def test_a_malformed_database_url_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", "postgresql://someone@:99999999/berkas")
    assert "BERKAS_DATABASE_URL" in one_line(capsys, ["store", "info"], 1)
    monkeypatch.setenv("BERKAS_DATABASE_URL", "mysql://nowhere")
    assert "database_url" in one_line(capsys, ["store", "info"], 2)


def test_a_database_host_that_does_not_resolve_is_named_as_such_not_the_host(capsys, monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", "postgresql://someone@db-kanim-sby.invalid:5432/berkas")
    line = one_line(capsys, ["store", "info"], 1)
    assert "unknown host" in line and "db-kanim-sby" not in line and "someone" not in line, line


def test_a_file_that_is_not_a_database_is_one_line(capsys, monkeypatch, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just some notes\n" * 100)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(notes))
    assert "not a Berkas database" in one_line(capsys, ["store", "info"], 1)


def test_a_missing_or_invalid_key_file_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_SETTING, str(tmp_path / "missing.pem"))
    assert "missing.pem" in one_line(capsys, ["ledger", "seal"], 2)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv(KEY_SETTING, str(garbage))
    assert "garbage.pem" in one_line(capsys, ["ledger", "seal"], 2)


def test_a_missing_output_directory_is_one_line(capsys, monkeypatch, tmp_path):
    nowhere = tmp_path / "no" / "such" / "directory"
    assert "no/such/directory" in one_line(capsys, ["ledger", "keygen", str(nowhere / "key.pem")], 1)
    key = tmp_path / "key.pem"
    assert run(["ledger", "keygen", str(key)]) == 0
    capsys.readouterr()
    monkeypatch.setenv(KEY_SETTING, str(key))
    assert "no/such/directory" in one_line(capsys, ["ledger", "pubkey", "-o", str(nowhere / "pub.pem")], 1)
    assert "no directory" in one_line(capsys, ["lifecycles", "--write", str(nowhere / "x.md")], 2)


def test_a_usage_mistake_is_one_line(capsys):
    assert "--bogus" in one_line(capsys, ["report", "annual", "2024", "--bogus"], 2)
    assert "year" in one_line(capsys, ["target", "set"], 2)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on this machine that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_database_that_never_answers_is_one_line_after_the_connect_timeout(capsys, monkeypatch, silent_server):
    monkeypatch.setenv("BERKAS_DATABASE_URL", f"postgresql://berkas@127.0.0.1:{silent_server}/berkas")
    monkeypatch.setenv("BERKAS_DATABASE_TIMEOUT_SECONDS", "1")
    started = time.monotonic()
    assert "not reachable" in one_line(capsys, ["store", "info"], 1)
    assert time.monotonic() - started < 30


# A database error's text may quote the values or the SQL it refused (a unique violation's
# "Key (nik)=(...)", a trigger's message): the CLI names the error's class and SQLSTATE only.
QUOTED = "3573011234567890"


def _refuse_events_sqlite(path: Path) -> None:
    import sqlite3

    assert run(["store", "info"]) in (0, 1, 2)  # makes the tables
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER quote_it BEFORE INSERT ON stored_events "
            f"BEGIN SELECT RAISE(ABORT, 'Key (nik)=({QUOTED}) already exists'); END"
        )


def test_a_database_refusal_is_named_by_its_class_never_its_text_on_sqlite(capsys, own_store):
    _refuse_events_sqlite(own_store / "berkas.db")
    capsys.readouterr()
    line = one_line(capsys, ["users", "add", "Siti Rahayu", "--role", "admin", "--office", "MLG"], 1)
    assert QUOTED not in line and "nik" not in line and "Siti" not in line, line
    assert "IntegrityError" in line or "SQLITE_CONSTRAINT" in line, line
    assert "not reachable" not in line


def test_a_database_refusal_is_named_by_its_class_and_sqlstate_on_postgres(capsys, monkeypatch, pg_admin_url):
    import uuid

    import psycopg

    name = f"berkas_test_refusal_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_admin_url.rpartition("/")[0] + f"/{name}"
    try:
        monkeypatch.setenv("BERKAS_DATABASE_URL", url)
        assert run(["store", "info"]) in (0, 1, 2)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE FUNCTION quote_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION 'quoting %', NEW.topic USING DETAIL = 'Key (nik)=({QUOTED}) exists', "
                "ERRCODE = 'unique_violation'; END $$"
            )
            conn.execute(
                "CREATE TRIGGER quote_it BEFORE INSERT ON berkas_events FOR EACH ROW EXECUTE FUNCTION quote_it()"
            )
        capsys.readouterr()
        line = one_line(capsys, ["users", "add", "Siti Rahayu", "--role", "admin", "--office", "MLG"], 1)
        assert QUOTED not in line and "nik" not in line and "quoting" not in line and "Registered" not in line, line
        assert "23505" in line and "IntegrityError" in line, line
        assert "not reachable" not in line
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
