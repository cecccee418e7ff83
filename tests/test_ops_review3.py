"""An operator's mistakes, on both backends: ``berkas serve`` with a key file that cannot
be used, a backup that is truncated or not Berkas's, a target that cannot be written, and
``store info`` naming a ledger key that cannot sign. Each is one line and a non-zero exit,
with nothing half-written and no traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from api.bootstrap import System
from api.cli.app import run
from berkas_verify import note
from projections.ledger import keys
from projections.privacy import keyfile
from tests.builders import Clock, passport
from tests.test_ops_serve import ROOT, free_port


class Outcome(NamedTuple):
    exit_code: int
    output: str


def environment(system: System, **overrides: str) -> dict[str, str]:
    settings = system.settings
    return {
        "BERKAS_DATABASE_URL": settings.database_url or "",
        "BERKAS_SQLITE_PATH": str(settings.sqlite_path),
        "BERKAS_PERSONAL_DATA_KEY_PATH": str(settings.personal_data_key_file),
        "BERKAS_LEDGER_KEY_PATH": str(system.ledger_key_path),
        "BERKAS_LOG_FORMAT": "json",
    } | overrides


def serve(system: System, **overrides: str) -> subprocess.CompletedProcess[str]:
    """``berkas serve --workers 2`` as compose runs it; before the fix a worker's traceback
    was logged again and again (the timeout below) or the parent gave up with exit code 0."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "serve",
            "--workers",
            "2",
            "--port",
            str(free_port()),
        ],
        env=os.environ | environment(system, **overrides),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.slow
def test_serve_with_a_ledger_key_that_cannot_be_read_is_one_line_and_exit_2(system, tmp_path):
    missing = serve(system, BERKAS_LEDGER_KEY_PATH=str(tmp_path / "gone.pem"))
    assert missing.returncode == 2
    assert one_line(missing) == f"berkas: cannot read the ledger key {tmp_path / 'gone.pem'}: No such file or directory"
    shared = tmp_path / "shared.pem"
    keys.generate(shared)
    shared.chmod(0o644)
    readable = serve(system, BERKAS_LEDGER_KEY_PATH=str(shared))
    assert readable.returncode == 2 and "readable by group or others" in one_line(readable)


@pytest.mark.slow
def test_serve_with_another_installations_personal_data_key_is_one_line_and_exit_2(system, tmp_path):
    system.app.save(passport(Clock()))
    foreign = tmp_path / "other-installation.key"
    keyfile.generate(foreign)
    swapped = serve(system, BERKAS_PERSONAL_DATA_KEY_PATH=str(foreign))
    assert swapped.returncode == 2
    assert "does not match this store" in one_line(swapped)
    assert keyfile.load(foreign)  # untouched: nothing was rotated or rewritten with it


@pytest.fixture
def cli(monkeypatch, capsys):
    """The console script's own entry: what an operator sees (one line on stderr)."""

    def invoke(system: System, *command: str, **overrides: str) -> Outcome:
        for name, value in environment(system, **overrides).items():
            monkeypatch.setenv(name, value)
        code = run(list(command))
        printed = capsys.readouterr()
        return Outcome(code, printed.out + printed.err)

    return invoke


def test_store_info_says_a_ledger_key_that_cannot_sign_is_unusable(system, tmp_path, cli):
    good = tmp_path / "ledger.pem"
    key = keys.generate(good)
    fine = cli(system, "store", "info", BERKAS_LEDGER_KEY_PATH=str(good))
    assert fine.exit_code == 0
    assert f"ledger key: {good} (fingerprint {note.fingerprint(key.public_key())})" in fine.output
    not_a_key = tmp_path / "personal-data.key"
    keyfile.generate(not_a_key)  # the other key file, swapped in by mistake
    swapped = cli(system, "store", "info", BERKAS_LEDGER_KEY_PATH=str(not_a_key))
    assert swapped.exit_code == 1
    assert f"ledger key: unusable: {not_a_key} is not a PEM private key" in swapped.output
    good.chmod(0o644)
    shared = cli(system, "store", "info", BERKAS_LEDGER_KEY_PATH=str(good))
    assert shared.exit_code == 1 and "ledger key: unusable:" in shared.output and "chmod 600" in shared.output


def sqlite_target(tmp_path: Path, name: str) -> dict[str, str]:
    """An empty SQLite store to restore into (restore checks the backup before the store)."""
    return {"BERKAS_DATABASE_URL": "", "BERKAS_SQLITE_PATH": str(tmp_path / name)}


def test_a_truncated_or_foreign_sqlite_backup_is_refused_and_nothing_is_written(sqlite_system, tmp_path, cli):
    sqlite_system.app.save(passport(Clock()))
    whole = tmp_path / "whole.db"
    assert cli(sqlite_system, "store", "backup", str(whole)).exit_code == 0
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    refused = cli(sqlite_system, "store", "restore", str(truncated), **sqlite_target(tmp_path, "a.db"))
    assert refused.exit_code == 2
    assert "cannot be restored: it is damaged (truncated or altered); nothing was restored" in refused.output
    assert not (tmp_path / "a.db").exists()
    foreign = tmp_path / "another-program.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    refused = cli(sqlite_system, "store", "restore", str(foreign), **sqlite_target(tmp_path, "b.db"))
    assert refused.exit_code == 2 and "it has no event log (not a Berkas backup)" in refused.output
    assert not (tmp_path / "b.db").exists()
    restored = cli(sqlite_system, "store", "restore", str(whole), **sqlite_target(tmp_path, "c.db"))
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT count(*) FROM stored_events").fetchone()[0] > 0


def test_a_backup_to_a_place_that_cannot_be_written_names_it(sqlite_system, tmp_path, cli):
    unopenable = Path("/proc/berkas-backup.db")
    refused = cli(sqlite_system, "store", "backup", str(unopenable))
    assert refused.exit_code == 2
    assert f"{unopenable} cannot be written (SQLITE_CANTOPEN)" in refused.output
    assert "BERKAS_DATABASE_URL" not in refused.output  # the store is fine: the target is not
