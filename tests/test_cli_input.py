"""The CLI refuses what the API refuses (an adversarial review's findings), on SQLite and on
PostgreSQL: ``berkas report annual`` a year outside 2000–2100 or an "as known at" day outside
1900–2100 (one line, exit 2, not a report of zeros for a year the system cannot hold);
``berkas subjects find`` a NIK that is not 16 digits (one line naming the field, never echoing it)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from api.cli.app import run


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("BERKAS_DATABASE_URL", "BERKAS_LEDGER_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    if request.param == "postgres":
        monkeypatch.setenv("BERKAS_DATABASE_URL", request.getfixturevalue("database_url"))
        monkeypatch.setenv("BERKAS_LEDGER_KEY_PATH", str(tmp_path / "ledger.key"))
    return request.param


def _one_line(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> str:
    assert run(arguments) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berkas: "), captured.err
    assert captured.out == "" and "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("year", ["1800", "1999", "2101", "99999"])
def test_a_year_the_system_cannot_hold_is_one_line(capsys, store, year):
    line = _one_line(capsys, ["report", "annual", year, "--office", "JYP"])
    assert "year" in line and "2000" in line and "2100" in line


@pytest.mark.parametrize("day", ["3000-01-01", "1066-10-14"])
def test_an_as_known_at_day_outside_the_calendar_is_one_line(capsys, store, day):
    line = _one_line(capsys, ["report", "annual", "2025", "--office", "DPS", "--as-known-at", day])
    assert "as-known-at" in line and "1900" in line


def test_a_year_without_data_of_another_office_is_a_report_of_zeros(capsys, store):
    assert run(["report", "annual", "2023", "--office", "JYP", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["office"] == "JYP" and report["year"] == 2023
    assert set(report["summary"].values()) <= {0, None}


@pytest.mark.parametrize("nik", ["123", "35730145129000011", "3573O14512900001"])
def test_a_nik_that_is_not_16_digits_is_one_line(capsys, monkeypatch, store, nik):
    monkeypatch.setattr("sys.stdin", io.StringIO(nik + "\n"))
    line = _one_line(capsys, ["subjects", "find", "--nik", "-"])
    assert line.startswith("berkas: nik") and "16 digits" in line
    assert nik not in line


def test_an_office_code_is_taken_in_lower_case_by_every_command_as_by_users_add(capsys, store):
    """``--office jyp`` was refused by ``report`` and ``target`` while ``users add`` took it."""
    assert run(["users", "add", "Ani", "--role", "supervisor", "--office", "jyp"]) == 0
    supervisor = re.search(r"user (\S+) \(supervisor, JYP\)", capsys.readouterr().out).group(1)
    assert run(["target", "set", "2026", "1500000", "--as", supervisor, "--office", " jyp"]) == 0
    assert "target for JYP 2026" in capsys.readouterr().out
    assert run(["report", "annual", "2026", "--office", "jyp", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["office"] == "JYP" and report["summary"]["revenue_target"] == 1500000, report
    line = _one_line(capsys, ["report", "annual", "2026", "--office", "zqx"])
    assert line.startswith("berkas: office") and "zqx" not in line.lower()
