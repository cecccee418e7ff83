"""An account created with an Idempotency-Key is created once: a retry (the answer lost on the
way) is the account the key created, never a second account with a second live token (an
adversarial review: a retried POST /users made two accounts). The token is shown only in the
first answer; the retry says so by answering it null, and the admin revokes the account if
the token is lost. On both backends."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from fastapi.testclient import TestClient

from domain.usecases import users
from tests.api_support import all_at_once, auth, key, server_process, token_for

__all__ = ["server_process"]  # fixture


def test_a_retried_account_creation_answers_the_first_account_without_its_token(client: TestClient, system):
    admin = token_for(system, "ADMIN", "DPS")
    headers = auth(admin, **{"Idempotency-Key": key()})
    body = {"name": "Retry Tester", "role": "OFFICER", "office": "DPS"}
    first = client.post("/users", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["token"], first.text[:300]
    again = client.post("/users", json=body, headers=headers)
    assert again.status_code == 201, again.text[:300]
    assert again.json() == {**first.json(), "token": None}
    named = [u for u in client.get("/users", headers=auth(admin)).json()["data"] if u["name"] == "Retry Tester"]
    assert len(named) == 1
    # The first token works; the key, sent with another body, is refused.
    assert client.get("/people", headers=auth(first.json()["token"])).status_code == 200
    other = client.post("/users", json={**body, "name": "Someone Else"}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    # Another admin's same key is theirs alone.
    second_admin = token_for(system, "ADMIN", "DPS")
    theirs = client.post(
        "/users", json=body, headers=auth(second_admin, **{"Idempotency-Key": headers["Idempotency-Key"]})
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"] and theirs.json()["token"]


def test_a_refused_account_creation_does_not_use_its_key_up(client: TestClient, system):
    admin = token_for(system, "ADMIN", "DPS")
    headers = auth(admin, **{"Idempotency-Key": key()})
    refused = client.post("/users", json={"name": "Elsewhere", "role": "OFFICER", "office": "MLG"}, headers=headers)
    assert refused.status_code == 403
    created = client.post("/users", json={"name": "Elsewhere", "role": "OFFICER", "office": "DPS"}, headers=headers)
    assert created.status_code == 201 and created.json()["token"]


def test_an_account_for_an_office_that_does_not_exist_is_a_422_naming_the_field(client: TestClient, system):
    admin = token_for(system, "ADMIN", "DPS")
    for office in ("XYZ", "ZZZZZZZ"):
        refused = client.post(
            "/users", json={"name": "Nowhere", "role": "OFFICER", "office": office}, headers=auth(admin)
        )
        assert refused.status_code == 422, refused.text[:300]
        assert refused.json()["errors"][0]["field"] == "office"
        assert office not in refused.text  # the unknown value is not echoed
    listed = client.get("/users", params={"office": "XYZ"}, headers=auth(admin))
    assert listed.status_code == 422 and "XYZ" not in listed.text
    # A real office of someone else's stays a 403: the rule, not the reference data.
    assert (
        client.post(
            "/users", json={"name": "Elsewhere", "role": "OFFICER", "office": "JYP"}, headers=auth(admin)
        ).status_code
        == 403
    )


def test_two_concurrent_retries_of_an_account_creation_make_one_account(client: TestClient, system, monkeypatch):
    """Both requests look the key up before either saves (forced: each waits for the other
    after its lookup), the worst interleaving. One account; the other answer is it, token null."""
    admin = token_for(system, "ADMIN", "DPS")
    headers = auth(admin, **{"Idempotency-Key": key()})
    body = {"name": "Twin Retry", "role": "OFFICER", "office": "DPS"}
    lookup = users.registered_under
    both_looked = threading.Barrier(2, timeout=10)
    waited: list[str] = []

    def looked_up_then_wait(app, command_id):
        found = lookup(app, command_id)
        if len(waited) < 2:  # only the first lookup of each request waits
            waited.append(command_id)
            both_looked.wait()
        return found

    monkeypatch.setattr(users, "registered_under", looked_up_then_wait)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: client.post("/users", json=body, headers=headers), range(2)))
    assert [a.status_code for a in answers] == [201, 201], [a.text[:300] for a in answers]
    named = [u for u in client.get("/users", headers=auth(admin)).json()["data"] if u["name"] == "Twin Retry"]
    assert len(named) == 1, named
    first, second = sorted((a.json() for a in answers), key=lambda a: a["token"] is None)
    assert first["token"] and second == {**first, "token": None}
    assert client.get("/people", headers=auth(first["token"])).status_code == 200


def test_a_retried_revocation_answers_as_the_first_did(client: TestClient, system):
    """A revocation whose answer was lost is sent again with its Idempotency-Key: the retry is
    the first answer, not a 409 "already revoked"; another revocation is still a 409."""
    admin = token_for(system, "ADMIN", "JYP")
    created = client.post("/users", json={"name": "Leaving", "role": "OFFICER", "office": "JYP"}, headers=auth(admin))
    account = created.json()["id"]
    headers = auth(admin, **{"Idempotency-Key": key()})
    reason = {"reason": "moved to another office"}
    first = client.post(f"/users/{account}/revocation", json=reason, headers=headers)
    assert first.status_code == 200 and first.json()["revoked"], first.text[:300]
    retried = client.post(f"/users/{account}/revocation", json=reason, headers=headers)
    assert (retried.status_code, retried.json()) == (200, first.json()), retried.text[:300]
    other = client.post(f"/users/{account}/revocation", json=reason, headers=auth(admin, **{"Idempotency-Key": key()}))
    assert (other.status_code, other.json()["type"]) == (409, "urn:berkas:problem:illegal-transition")
    bare = client.post(f"/users/{account}/revocation", json=reason, headers=auth(admin))
    assert bare.status_code == 409
    # The key, sent with another body, is refused (it binds its request).
    reused = client.post(f"/users/{account}/revocation", json={"reason": "other"}, headers=headers)
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "Idempotency-Key"
    events = [type(e).__name__ for e in system.app.history(uuid.UUID(account))]
    assert events == ["Registered", "Revoked"]
    assert client.get("/people", headers=auth(created.json()["token"])).status_code == 401


@pytest.mark.postgres
def test_revocations_racing_on_one_account_revoke_it_once_and_never_fail(pg_system, server_process):
    """Revocations of one account sent at once to a uvicorn process: with one key, every answer
    is the revocation's own (200); with keys of their own, one revokes (200) and the others are
    told it is revoked (409); never a 500 (the loser's save is refused by the log)."""
    admin = token_for(pg_system, "ADMIN", "MDN")
    reason = {"reason": "moved to another office"}
    for _ in range(4):  # the race is won by chance: several rounds
        accounts = [token_for(pg_system, "OFFICER", "MDN") for _ in range(2)]
        ids = [str(users.user_id_for(token)) for token in accounts]
        same = auth(admin, **{"Idempotency-Key": key()})
        retried = all_at_once(
            [partial(server_process.post, f"/users/{ids[0]}/revocation", json=reason, headers=same)] * 4
        )
        assert [(a.status_code, a.json()) for a in retried] == [(200, retried[0].json())] * 4, retried[0].text[:200]
        apart = all_at_once(
            [
                partial(
                    server_process.post,
                    f"/users/{ids[1]}/revocation",
                    json=reason,
                    headers=auth(admin, **{"Idempotency-Key": key()}),
                )
                for _ in range(4)
            ]
        )
        assert sorted(a.status_code for a in apart) == [200, 409, 409, 409], [a.text[:200] for a in apart]
        for account in ids:
            assert [type(e).__name__ for e in pg_system.app.history(uuid.UUID(account))] == ["Registered", "Revoked"]
