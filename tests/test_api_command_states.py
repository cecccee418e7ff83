"""A command decides on the case as this process's last command on it saved it (kept in
``CaseReads``), without loading it; a kept case that is behind the log (another process
wrote since) never loses an update, never runs a command twice and never refuses what the
stored case allows: its save is refused by the log and the command is decided again on the
stored case."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.http.reading import CaseReads
from domain.passport import PassportApplication
from domain.usecases.base import Actor
from domain.values import Role
from tests.api_on_both import client, officer
from tests.api_support import auth, key, passport_body, server_process, token_for
from tests.test_privacy_erasure import ADMIN, BASIS, REASON, closed_history, someone

__all__ = ["client", "officer", "server_process"]  # fixtures
pytestmark = pytest.mark.postgres
POSTPONE = {"reason_code": "SUPPORTING_DOCUMENTS"}
LIFT = {"evidence": "employer letter no. 12/2024"}
INTERVIEW = {"stated_purpose": "tourism", "indicators": [], "assessment": "credible"}


@pytest.fixture
def other(system: System) -> Iterator[System]:
    """A second application over the same store, with caches of its own: another process."""
    second = bootstrap(system.settings)
    yield second
    second.close()


def reads(client: TestClient) -> CaseReads:
    return client.app.state.reads  # type: ignore[attr-defined]


def interviewed(client: TestClient, token: str) -> str:
    """A case at INTERVIEWED (version 4), its last command through the lean route."""
    created = client.post("/passport-applications", json=passport_body(), headers=auth(token))
    assert created.status_code == 201, created.text
    path = f"/passport-applications/{created.json()['id']}"
    for step, body in (("payment", {"billing_code": "8201"}), ("biometrics", None), ("interview", INTERVIEW)):
        answered = client.post(f"{path}/{step}", json=body, headers=auth(token))
        assert answered.status_code == 200, answered.text
    return path


def case_id(path: str) -> UUID:
    return UUID(path.rsplit("/", 1)[1])


def loads(system: System, monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """The cases ``execute`` loads from the store."""
    seen: list[UUID] = []
    original = type(system.app).get_typed

    def counting(app, found, kind):  # type: ignore[no-untyped-def]
        seen.append(found)
        return original(app, found, kind)

    monkeypatch.setattr(type(system.app), "get_typed", counting)
    return seen


def following(client: TestClient, system: System) -> None:
    """Wait until this app's log follower has seen every row (it evicts what others wrote)."""
    with system.store.read() as conn:
        last = conn.dialect.fetchall(conn, f"SELECT MAX({conn.dialect.id_column}) FROM {conn.dialect.events_table}")
    deadline = time.monotonic() + 10
    while reads(client)._position < int(last[0][0]) or not reads(client)._following():
        assert time.monotonic() < deadline, "the read cache's follower never caught up"
        time.sleep(0.02)


def keep_stale(client: TestClient, system: System, path: str, version: int) -> None:
    """The case kept as it was at ``version``, as if the follower had not yet seen what
    another process wrote since."""
    following(client, system)
    reads(client).keep_state(system.app.get_case(case_id(path), version=version), time.monotonic())


def topics(system: System, path: str) -> list[str]:
    return [type(event).__name__ for event in system.app.history(case_id(path))]


def test_successive_commands_decide_on_the_kept_case_and_answer_as_a_fresh_read(client, system, officer, monkeypatch):
    path = interviewed(client, officer)
    following(client, system)
    seen = loads(system, monkeypatch)
    for step, body, version in (("postponement", POSTPONE, 5), ("postponement-lifting", LIFT, 6)):
        answered = client.post(f"{path}/{step}", json=body, headers=auth(officer, **{"If-Match": f'"{version - 1}"'}))
        assert answered.status_code == 200, answered.text
        assert answered.headers["ETag"] == f'"{version}"'
        assert answered.json() == client.get(path, headers=auth(officer)).json()
    assert seen == []  # neither command loaded the case
    assert topics(system, path)[-2:] == ["Postponed", "PostponementLifted"]


def test_a_kept_case_behind_the_log_is_decided_again_on_the_stored_one(client, system, other, officer):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200  # v5
    # Another process lifts the postponement (v6); this one still keeps the case at v5, POSTPONED.
    other.app.act(PassportApplication, case_id(path), _officer(other), "lift_postponement", **LIFT)
    keep_stale(client, system, path, 5)
    # On the kept case a postponement is not allowed (POSTPONED); on the stored one it is.
    again = client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer))
    assert again.status_code == 200, again.text
    assert again.headers["ETag"] == '"7"'
    assert topics(system, path)[4:] == ["Postponed", "PostponementLifted", "Postponed"]


def test_a_kept_case_behind_the_log_never_applies_a_command_twice(client, system, other, officer):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200  # v5
    other.app.act(PassportApplication, case_id(path), _officer(other), "lift_postponement", **LIFT)  # v6
    keep_stale(client, system, path, 5)
    # On the kept case (POSTPONED) a lifting is allowed and would be saved as v6: the log
    # refuses it, and on the stored case (lifted already) it is not allowed.
    refused = client.post(f"{path}/postponement-lifting", json=LIFT, headers=auth(officer))
    assert refused.status_code == 409, refused.text
    assert topics(system, path)[4:] == ["Postponed", "PostponementLifted"]
    # If-Match with the version the other process wrote is current, not a conflict.
    keep_stale(client, system, path, 5)
    matched = client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer, **{"If-Match": '"6"'}))
    assert matched.status_code == 200, matched.text
    assert matched.headers["ETag"] == '"7"'
    keep_stale(client, system, path, 5)
    stale = client.post(f"{path}/postponement-lifting", json=LIFT, headers=auth(officer, **{"If-Match": '"5"'}))
    assert stale.status_code == 409, stale.text
    assert len(topics(system, path)) == 7


def test_a_retry_answered_by_another_process_is_not_run_again_on_a_kept_case(client, system, other, officer):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200  # v5
    idempotency = key()
    with TestClient(create_app(other), raise_server_exceptions=False) as elsewhere:
        first = elsewhere.post(
            f"{path}/postponement-lifting", json=LIFT, headers=auth(officer, **{"Idempotency-Key": idempotency})
        )
    assert first.status_code == 200, first.text
    keep_stale(client, system, path, 5)
    retried = client.post(
        f"{path}/postponement-lifting", json=LIFT, headers=auth(officer, **{"Idempotency-Key": idempotency})
    )
    assert retried.status_code == 200, retried.text
    assert retried.headers["ETag"] == first.headers["ETag"] == '"6"'
    assert retried.json() == first.json()
    assert topics(system, path)[4:] == ["Postponed", "PostponementLifted"]


def test_a_case_written_by_another_process_is_no_longer_kept(client, system, other, officer):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200
    following(client, system)
    assert case_id(path) in reads(client)._states
    other.app.act(PassportApplication, case_id(path), _officer(other), "lift_postponement", **LIFT)
    following(client, system)
    assert case_id(path) not in reads(client)._states


def test_an_erasure_empties_the_kept_cases(client, system, officer, supervisor):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200
    following(client, system)
    assert reads(client)._states
    # Someone else's erasure: no kept case may hold personal data opened before it.
    passport_id, _ = closed_history(system, someone())
    subject = UUID(system.app.get_case(passport_id).applicant.subject_id)
    system.app.approve_erasure(supervisor, subject, REASON, BASIS)
    system.app.erase_subject(ADMIN, subject, REASON, BASIS, timedelta(0))
    following(client, system)
    assert not reads(client)._states


def test_a_kept_case_is_not_used_once_older_than_personal_data_may_be_cached(client, system, officer, monkeypatch):
    path = interviewed(client, officer)
    assert client.post(f"{path}/postponement", json=POSTPONE, headers=auth(officer)).status_code == 200
    following(client, system)
    loaded = reads(client)._states[case_id(path)][1]
    later = loaded + system.settings.personal_data_cache_seconds + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert reads(client).take_state(case_id(path)) is None


def _officer(_: System) -> Actor:
    return Actor("other-process-officer", Role.OFFICER, "MLG")


def test_two_processes_taking_turns_on_one_case_lose_nothing(pg_system, server_process, monkeypatch):
    """Both processes keep the case after each of their commands; each command of one makes
    the other's kept case stale. This one's follower is kept from dropping what the other
    wrote (as when it has not looked yet), so that its stale kept case is used every time."""
    monkeypatch.setattr(CaseReads, "_drop_state_behind", lambda *_: None)
    with TestClient(create_app(pg_system), raise_server_exceptions=False) as here:
        officer = token_for(pg_system, "OFFICER")
        path = interviewed(here, officer)
        steps = [("postponement", POSTPONE), ("postponement-lifting", LIFT)]
        for turn in range(24):
            step, body = steps[turn % 2]
            # Each process twice in a row, then the other: the first of the two decides on
            # the case it kept two commands ago, which the other process has made stale.
            client = here if turn % 4 < 2 else server_process
            answered = client.post(f"{path}/{step}", json=body, headers=auth(officer))
            assert answered.status_code == 200, (turn, answered.text)
            assert answered.headers["ETag"] == f'"{5 + turn}"'
            if turn % 2 == 0:
                # The same command again: refused on the kept case, and on the stored one.
                refused = client.post(f"{path}/{step}", json=body, headers=auth(officer))
                assert refused.status_code == 409, (turn, refused.text)
        expected = ["Postponed", "PostponementLifted"] * 12
        assert topics(pg_system, path)[4:] == expected
