"""A command refused 409 personal-data-unreadable (its case's data subject's key row altered) is
refused before it writes anything, like every other refusal: it no longer keeps its
Idempotency-Key bound. The client may send the corrected (another) request with the same key (it was a 422
"idempotency key reused for a different request"), and the same request again once the row is
mended runs once. A retry of a command that *ran*, refused because its case no longer opens,
keeps the key: another request with it is still refused, and once mended the retry is answered
with the first outcome. On SQLite and PostgreSQL (each test a store of its own: it alters rows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from domain.case import KEY_REUSED_RULE as REUSED
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, key, token_for
from tests.test_privacy_unreadable_reads import _altered, _set_wrapped, _wrapped

UNREADABLE = "urn:berkas:problem:personal-data-unreadable"
WITHDRAWAL = {"reason": "applicant withdrew in person"}


class Paid:
    """A paid passport application, its subject's key row, and an officer's token."""

    def __init__(self, system: System):
        case = builders.passport(builders.Clock(), until="PAID")
        system.app.save(case)
        catch_up(system.store, system.projections())
        self.system = system
        self.case_id: UUID = case.id
        self.path = f"/passport-applications/{case.id}/biometrics"
        self.other = f"/passport-applications/{case.id}/withdrawal"  # another request
        self.subject = system.app.get_case(case.id).person.subject_id
        self.key_row = _wrapped(system, self.subject)
        self.token = token_for(system, "OFFICER")

    @contextmanager
    def altered(self) -> Iterator[TestClient]:
        """The row altered, and the app over the store opened afresh (no key cached)."""
        _set_wrapped(self.system, self.subject, _altered(self.key_row))
        fresh = bootstrap(self.system.settings)
        try:
            with TestClient(create_app(fresh), raise_server_exceptions=False) as client:
                yield client
        finally:
            fresh.close()

    def mend(self) -> None:
        _set_wrapped(self.system, self.subject, self.key_row)

    def events(self) -> int:
        return self.system.app.recorder.max_notification_id() or 0


@pytest.fixture
def paid(ledger: System) -> Paid:
    return Paid(ledger)


def _unreadable(answer) -> bool:
    return answer.status_code == 409 and answer.json()["type"] == UNREADABLE


def _reused(answer) -> bool:
    return answer.status_code == 422 and answer.json()["errors"][0]["detail"] == REUSED


def test_an_unreadable_refusal_frees_the_key_for_the_corrected_request(paid):
    headers = auth(paid.token, **{"Idempotency-Key": key()})
    before = paid.events()
    with paid.altered() as client:
        assert _unreadable(client.post(paid.path, json={}, headers=headers))
        # The key is free: another request with it meets the same refusal, not "reused".
        again = client.post(paid.other, json=WITHDRAWAL, headers=headers)
        assert _unreadable(again), again.text
        assert paid.events() == before
        paid.mend()
        corrected = client.post(paid.other, json=WITHDRAWAL, headers=headers)
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["status"] == "WITHDRAWN" and paid.events() == before + 1
        # Now bound to the request that ran: the first one is another request.
        assert _reused(client.post(paid.path, json={}, headers=headers))


def test_the_same_request_after_the_row_is_mended_runs_once(paid):
    headers = auth(paid.token, **{"Idempotency-Key": key()})
    before = paid.events()
    with paid.altered() as client:
        assert _unreadable(client.post(paid.path, json={}, headers=headers))
        assert _unreadable(client.post(paid.path, json={}, headers=headers))  # refused again, still free
        paid.mend()
        ran = client.post(paid.path, json={}, headers=headers)
        assert ran.status_code == 200, ran.text
        replayed = client.post(paid.path, json={}, headers=headers)
        assert replayed.status_code == 200 and replayed.json() == ran.json()
    assert paid.events() == before + 1


def test_a_retry_of_a_command_that_ran_keeps_its_key_while_the_case_does_not_open(paid):
    headers = auth(paid.token, **{"Idempotency-Key": key()})
    with TestClient(create_app(paid.system), raise_server_exceptions=False) as client:
        first = client.post(paid.path, json={}, headers=headers)
    assert first.status_code == 200, first.text
    ran = paid.events()
    with paid.altered() as client:
        assert _unreadable(client.post(paid.path, json={}, headers=headers))
        # Released, the key would now take another request and run it: it ran one already.
        other = client.post(paid.other, json=WITHDRAWAL, headers=headers)
        assert _reused(other), other.text
        paid.mend()
        retried = client.post(paid.path, json={}, headers=headers)
        assert retried.status_code == 200 and retried.json() == first.json()
        assert _reused(client.post(paid.other, json=WITHDRAWAL, headers=headers))
    assert paid.events() == ran
