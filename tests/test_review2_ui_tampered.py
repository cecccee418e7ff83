"""A case whose stored event was altered behind the application's back (a superuser with
psql) opens in the web interface as the API answers it: a 409 page saying what happened, in
the viewer's language, never a bare 500. Found by the review (round 2): the API answered 409
(log-altered, personal-data-unreadable) while /ui/cases/{id} answered `<h1>500</h1>`.
A Denpasar supervisor, on both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.http.app import create_app
from projections.runner import catch_up
from tests import builders
from tests.ledger_support import event_at, tamper
from tests.ui_support import seed_office, sign_in


def _pages(system, case_id) -> list[tuple[str, int, str]]:
    """Each language's case page and one version of it: (path, status, text)."""
    supervisor = seed_office(system, "DPS", "5171").tokens["SUPERVISOR"]
    seen = []
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        sign_in(client, supervisor)
        for language in ("id", "en"):
            client.get(f"/ui/lang/{language}")
            for path in (f"/ui/cases/{case_id}", f"/ui/cases/{case_id}?version=1"):
                answer = client.get(path)
                seen.append((f"{language} {path}", answer.status_code, answer.text))
    return seen


def _denpasar_case(system):
    clock = builders.Clock()
    case = builders.passport(clock, until="PAID", office="DPS", regency_code="5171")
    system.app.save(case)
    catch_up(system.store, system.projections())
    return case.id


def test_a_case_whose_stored_event_was_altered_is_a_409_page(ledger):
    case_id = _denpasar_case(ledger)
    tamper(ledger, "UPDATE berkas_events SET topic = %s WHERE notification_id = %s", ("berkas:Nothing.Happened", 2))
    for where, status, text in _pages(ledger, case_id):
        assert status == 409, (where, status, text[:300])
        assert "ledger verify" in text, where


def test_a_case_whose_sealed_personal_data_was_altered_is_a_409_page_without_it(ledger):
    case_id = _denpasar_case(ledger)
    _, state = event_at(ledger, 1)
    at = state.index(b'"c":"') + 10
    flipped = state[:at] + (b"A" if state[at : at + 1] != b"A" else b"B") + state[at + 1 :]
    tamper(ledger, "UPDATE berkas_events SET state = %s WHERE notification_id = %s", (flipped, 1))
    for where, status, text in _pages(ledger, case_id):
        assert status == 409, (where, status, text[:300])
        assert builders.APPLICANT_NAME not in text and builders.APPLICANT_NIK not in text, where
