"""Subjects due for erasure, per office: an office's admin is listed the subjects they may
erase (those with a case in their office), an auditor any office's; through HTTP and the CLI,
on both backends, for Denpasar and Jayapura in 2025 (found in the review of issue #11: a
Denpasar admin was listed Malang's subjects, which they may not erase)."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from api.cli.app import app as cli
from domain.values import PersonalData
from projections.runner import catch_up
from tests.api_support import auth, token_for
from tests.test_privacy_review_retries import closed_history_in, denpasar_person, http

__all__ = ["http"]  # fixture


def _jayapura_person() -> PersonalData:
    person = denpasar_person()
    nik = "9471" + person.nik[4:]
    return PersonalData(f"Yohanes Wenda {nik[-6:]}", nik, date(1988, 3, 9), "Jl. Ahmad Yani 3, Jayapura")


def _subjects(system) -> dict[str, str]:
    dps = closed_history_in(system, denpasar_person(), "DPS", 2025)[0]
    jyp = closed_history_in(system, _jayapura_person(), "JYP", 2025)[0]
    catch_up(system.store, system.projections())
    return {office: system.app.get_case(case.id).applicant.subject_id for office, case in (("DPS", dps), ("JYP", jyp))}


def _listed(answer) -> set[str]:
    assert answer.status_code == 200, answer.text[:300]
    return {row["subject_id"] for row in answer.json()["data"]}


def test_an_admin_is_listed_only_their_offices_subjects_an_auditor_any(http, system):
    subjects = _subjects(system)
    system.settings.retention_days = 0
    try:
        dps_admin, auditor = token_for(system, "ADMIN", "DPS"), token_for(system, "AUDITOR", "JYP")
        mine = _listed(http.get("/subjects/due", headers=auth(dps_admin)))
        assert subjects["DPS"] in mine and subjects["JYP"] not in mine
        assert _listed(http.get("/subjects/due", params={"office": "DPS"}, headers=auth(dps_admin))) == mine
        refused = http.get("/subjects/due", params={"office": "JYP"}, headers=auth(dps_admin))
        assert refused.status_code == 403, refused.text[:300]
        unknown = http.get("/subjects/due", params={"office": "XQZ"}, headers=auth(dps_admin))
        assert unknown.status_code == 422 and "XQZ" not in unknown.text
        everyone = _listed(http.get("/subjects/due", headers=auth(auditor)))
        assert {subjects["DPS"], subjects["JYP"]} <= everyone
        jayapura = _listed(http.get("/subjects/due", params={"office": "JYP"}, headers=auth(auditor)))
        assert subjects["JYP"] in jayapura and subjects["DPS"] not in jayapura
    finally:
        system.settings.retention_days = 5 * 365


def test_the_cli_lists_one_offices_due_subjects(system, monkeypatch):
    subjects = _subjects(system)
    # The CLI opens the test's store: its database, SQLite file and key files.
    for name in ("database_url", "sqlite_path", "personal_data_key_path", "ledger_key_path"):
        value = getattr(system.settings, name)
        if value is None:
            monkeypatch.delenv(f"BERKAS_{name.upper()}", raising=False)
        else:
            monkeypatch.setenv(f"BERKAS_{name.upper()}", str(value))
    monkeypatch.setenv("BERKAS_RETENTION_DAYS", "0")
    runner = CliRunner()
    jayapura = runner.invoke(cli, ["subjects", "due", "--office", "jyp"])
    assert jayapura.exit_code == 0, jayapura.output
    assert subjects["JYP"] in jayapura.output and subjects["DPS"] not in jayapura.output
    unknown = runner.invoke(cli, ["subjects", "due", "--office", "XQZ"])
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
