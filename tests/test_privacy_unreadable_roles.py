"""One data subject's key row altered with psql (the ledger cannot see it: it hashes the log's
stored bytes, and the vault's rows are not in the log): the auditors' tools still answer, with
that personal data null and flagged ``personal_data_unreadable``, and a bundle carrying it sealed
as stored; whoever would be shown the data (the office's officers and supervisors), any command
on the case and the subject's export are refused loudly (409), never answered with garbage or
``<erased>``. Another subject's case reads as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

import berkas_verify
from api.bootstrap import System, bootstrap
from api.cli.app import run as cli
from api.http.app import create_app
from domain.privacy import PersonalDataUnreadable
from domain.transcodings import marking_unreadable
from domain.values import UNREADABLE, PersonalData, PersonalNote
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES
from projections.ledger import keys
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for
from tests.ledger_support import cli_env, verify_cli

SUBJECTS = VAULT_TABLES[0]
PROBLEM = "urn:berkas:problem:personal-data-unreadable"


def _person(given: str) -> PersonalData:
    return PersonalData(f"{given} Testdata", builders.fresh_nik(), date(1984, 2, 29), "Jl. Kawi 3, Kota Malang")


def _alter_key_row(system: System, subject_id: str) -> None:
    """What a superuser could do with psql: one character of the subject's wrapped key changed
    (its format kept: it still looks like a key)."""
    with system.store.connect() as conn:
        [(wrapped,)] = sql.fetchall(conn, f"SELECT wrapped_key FROM {SUBJECTS} WHERE subject_id = ?", [subject_id])
        at = len(wrapped) - 8
        changed = wrapped[:at] + ("A" if wrapped[at] != "A" else "B") + wrapped[at + 1 :]
        sql.execute(conn, f"UPDATE {SUBJECTS} SET wrapped_key = ? WHERE subject_id = ?", [changed, subject_id])


def _event_count(system: System, case_id) -> int:
    with system.store.connect() as conn:
        rows = conn.dialect.raw_rows(
            conn,
            f"SELECT COUNT(*) FROM {conn.dialect.events_table} WHERE originator_id = ?",
            (conn.dialect.case_key(case_id),),
        )
    return int(rows[0][0])


@pytest.fixture
def altered(ledger: System) -> Iterator[tuple[System, object, object, PersonalData, PersonalData, bytes]]:
    """Two passport applications of two people, under a signed checkpoint; the first person's key
    row then altered, and the store opened afresh (as a new process: no key cached)."""
    victim, other = _person("Ratna"), _person("Budi")
    clock = builders.Clock()
    victim_case = builders.passport(clock, until="SUBMITTED", applicant=victim)
    other_case = builders.passport(clock, until="SUBMITTED", applicant=other)
    ledger.app.save(victim_case)
    ledger.app.save(other_case)
    catch_up(ledger.store, ledger.projections())
    subject = ledger.app.get_case(victim_case.id).applicant.subject_id
    with TestClient(create_app(ledger)) as client:
        before = client.get(f"/cases/{victim_case.id}/bundle", headers=auth(token_for(ledger, "AUDITOR")))
    assert before.status_code == 200, before.text[:300]
    _alter_key_row(ledger, subject)
    fresh = bootstrap(ledger.settings)
    try:
        yield fresh, victim_case.id, other_case.id, victim, other, before.content
    finally:
        fresh.close()


def _trust(system: System) -> berkas_verify.Trust:
    return berkas_verify.Trust(public_keys=[keys.load_public(system.settings.ledger_key_path)])


def _no_personal_data(text: str, *people: PersonalData) -> None:
    for person in people:
        assert person.nik not in text and person.name not in text and person.address not in text
    assert "Traceback" not in text and UNREADABLE not in text


def test_an_auditor_reads_the_case_its_history_and_bundle_with_the_data_flagged_unreadable(altered):
    system, case_id, _, victim, _, before = altered
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        auditor = auth(token_for(system, "AUDITOR"))
        read = client.get(f"/cases/{case_id}", headers=auditor)
        assert read.status_code == 200, read.text[:300]
        assert read.json()["applicant"] is None and read.json()["personal_data_unreadable"] is True
        at_version = client.get(f"/cases/{case_id}", params={"version": 1}, headers=auditor)
        assert at_version.status_code == 200 and at_version.json()["personal_data_unreadable"] is True
        history = client.get(f"/cases/{case_id}/history", headers=auditor)
        assert history.status_code == 200, history.text[:300]
        submitted = history.json()["data"][0]
        assert submitted["payload"]["applicant"] is None and submitted["personal_data_unreadable"] is True
        bundle = client.get(f"/cases/{case_id}/bundle", headers=auditor)
        assert bundle.status_code == 200, bundle.text[:300]
        for answer in (read, at_version, history, bundle):
            _no_personal_data(answer.text, victim)
    # The bundle carries the personal data sealed, as stored: it verifies offline, as before.
    assert berkas_verify.verify_bundle(before, _trust(system)).ok
    assert berkas_verify.verify_bundle(bundle.content, _trust(system)).ok
    assert json.loads(bundle.content)["events"][0]["decoded"]["applicant"]["c"]
    # The ledger hashes the log's bytes, which no one changed: nothing to flag there.
    assert verify_cli(system).exit_code == 0


def test_the_cli_bundle_is_written_too(altered, monkeypatch, capsys, tmp_path):
    system, case_id, *_ = altered
    for name, value in cli_env(system).items():
        monkeypatch.setenv(name, value)
    assert cli(["case", "bundle", str(case_id), "-o", str(tmp_path / "bundle.json")]) == 0
    assert berkas_verify.verify_bundle((tmp_path / "bundle.json").read_bytes(), _trust(system)).ok
    said = capsys.readouterr()
    assert "Traceback" not in said.err + said.out


@pytest.mark.parametrize("role", ["OFFICER", "SUPERVISOR"])
def test_whoever_would_be_shown_the_data_is_refused_loudly(altered, role):
    system, case_id, _, victim, _, _ = altered
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        reader = auth(token_for(system, role))
        for path in (f"/cases/{case_id}", f"/cases/{case_id}/history", f"/passport-applications/{case_id}"):
            answer = client.get(path, headers=reader)
            assert answer.status_code == 409, (path, answer.status_code, answer.text[:300])
            assert answer.json()["type"] == PROBLEM
            assert "<erased>" not in answer.text
            _no_personal_data(answer.text, victim)
        as_of = client.get(f"/cases/{case_id}", params={"as_of": "2099-01-01T00:00:00+07:00"}, headers=reader)
        assert as_of.status_code == 409 and as_of.json()["type"] == PROBLEM


def test_a_command_on_the_case_is_refused_and_writes_nothing(altered):
    system, case_id, _, victim, _, _ = altered
    events = _event_count(system, case_id)
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        officer = auth(token_for(system, "OFFICER"))
        paid = client.post(f"/passport-applications/{case_id}/payment", json={"billing_code": "8201"}, headers=officer)
        assert paid.status_code == 409, paid.text[:300]
        assert paid.json()["type"] == PROBLEM
        _no_personal_data(paid.text, victim)
    assert _event_count(system, case_id) == events


def test_the_subjects_export_is_refused_loudly(altered):
    system, case_id, _, victim, _, _ = altered
    with marking_unreadable():
        subject = system.app.get_case(case_id).applicant.subject_id
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        exported = client.get(f"/subjects/{subject}/export", headers=auth(token_for(system, "SUPERVISOR")))
    assert exported.status_code == 409, exported.text[:300]
    assert exported.json()["type"] == PROBLEM
    _no_personal_data(exported.text, victim)


def test_another_subjects_case_reads_as_before(altered):
    system, _, other_case, _, other, _ = altered
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        shown = client.get(f"/cases/{other_case}", headers=auth(token_for(system, "OFFICER")))
        assert shown.status_code == 200, shown.text[:300]
        assert shown.json()["applicant"]["nik"] == other.nik
        assert shown.json()["personal_data_unreadable"] is False
        hidden = client.get(f"/cases/{other_case}/history", headers=auth(token_for(system, "AUDITOR")))
        assert hidden.status_code == 200
        assert not any(event["personal_data_unreadable"] for event in hidden.json()["data"])


def test_the_marked_value_is_never_written_again_nor_shown(altered):
    """Outside the routes: a case read marked cannot be saved (its personal data would be
    sealed anew), and a read unmarked still raises."""
    system, case_id, *_ = altered
    with pytest.raises(Exception) as unmarked:
        system.app.get_case(case_id)
    assert isinstance(unmarked.value.__cause__, PersonalDataUnreadable)
    with marking_unreadable():
        case = system.app.get_case(case_id)
    assert case.applicant.is_unreadable and not case.applicant.is_erased
    with pytest.raises(PersonalDataUnreadable):  # nothing is written about the person
        builders.passport(builders.Clock(), until="SUBMITTED", applicant=case.applicant)
    for marked in (case.applicant, PersonalNote.unreadable(case.applicant.subject_id)):
        with pytest.raises(PersonalDataUnreadable):  # nor sealed anew
            system.app.mapper.transcoder.encode({"value": marked})
