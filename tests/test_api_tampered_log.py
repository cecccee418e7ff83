"""A log altered behind the application's back (a superuser with psql, past the append-only
triggers): reading the altered case is a 409 problem naming what happened and what to run,
and the CLI one line, never a 500 or a traceback; ``berkas ledger verify`` names where."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.cli.app import run as cli
from api.http.app import create_app
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for
from tests.ledger_support import cli_env, event_at, tamper

ALTERATIONS = {
    "bytes": "UPDATE berkas_events SET state = state || %s WHERE notification_id = %s",
    "topic": "UPDATE berkas_events SET topic = %s WHERE notification_id = %s",
}
VALUES = {"bytes": b"\x00", "topic": "berkas:Nothing.Happened"}
# Still JSON, still decodes: the ledger's proofs are what no longer hold.
REWRITTEN = {
    "postgres": "UPDATE berkas_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
    "'\"MLG\"', '\"SBY\"'), 'UTF8') WHERE notification_id = %s",
    "sqlite": "UPDATE berkas_events SET state = CAST(replace(CAST(state AS TEXT), '\"MLG\"', '\"SBY\"') AS BLOB) "
    "WHERE notification_id = %s",
}


@pytest.mark.parametrize("alteration", [*sorted(ALTERATIONS), "rewritten"])
def test_reading_a_case_whose_stored_event_was_altered_is_a_409_never_a_500(ledger, alteration, monkeypatch, capsys):
    case = builders.passport(builders.Clock(), until="PAID")
    ledger.app.save(case)
    catch_up(ledger.store, ledger.projections())
    case_id, _ = event_at(ledger, 2)
    if alteration == "rewritten":
        before = event_at(ledger, 2)
        tamper(ledger, REWRITTEN["postgres" if ledger.store.database_url else "sqlite"], (2,))
        assert event_at(ledger, 2) != before
    else:
        tamper(ledger, ALTERATIONS[alteration], (VALUES[alteration], 2))
    with TestClient(create_app(ledger), raise_server_exceptions=False) as client:
        auditor = auth(token_for(ledger, "AUDITOR"))
        reads = ["/bundle"] if alteration == "rewritten" else ["", "/history", "/bundle"]  # it still decodes
        for path in (f"/cases/{case_id}{read}" for read in reads):
            answer = client.get(path, headers=auditor)
            assert answer.status_code == 409, (path, answer.status_code, answer.text[:300])
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "ledger verify" in answer.json()["detail"]
    for name, value in cli_env(ledger).items():
        monkeypatch.setenv(name, value)
    assert cli(["case", "bundle", str(case_id), "-o", "/dev/null"]) == 1
    said = capsys.readouterr()
    assert said.err.count("\n") == 1 and "ledger verify" in said.err, said.err
    assert "Traceback" not in said.err + said.out


def test_reading_a_case_whose_sealed_personal_data_was_altered_is_a_409_naming_it(ledger, monkeypatch, capsys):
    """Sealed bytes changed in the store: the case does not open, said as what it is (not an
    altered log in general, not a 500), with the subject's random id and no personal data."""
    case = builders.passport(builders.Clock(), until="SUBMITTED")
    ledger.app.save(case)
    catch_up(ledger.store, ledger.projections())
    case_id, state = event_at(ledger, 1)
    at = state.index(b'"c":"') + 10
    flipped = state[:at] + (b"A" if state[at : at + 1] != b"A" else b"B") + state[at + 1 :]
    tamper(ledger, "UPDATE berkas_events SET state = %s WHERE notification_id = %s", (flipped, 1))
    with TestClient(create_app(ledger), raise_server_exceptions=False) as client:
        officer = auth(token_for(ledger, "OFFICER"))
        answer = client.get(f"/cases/{case_id}", headers=officer)
        assert answer.status_code == 409, answer.text[:300]
        assert answer.json()["type"] == "urn:berkas:problem:personal-data-unreadable"
        assert builders.APPLICANT_NAME not in answer.text and builders.APPLICANT_NIK not in answer.text
    for name, value in cli_env(ledger).items():
        monkeypatch.setenv(name, value)
    # The bundle reads the case's personal data marked (an auditor's tool: a key row altered is no
    # reason to refuse it), so what refuses it is the ledger: the event's bytes changed.
    assert cli(["case", "bundle", str(case_id), "-o", "/dev/null"]) == 1
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "ledger verify" in said, said
