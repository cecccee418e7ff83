"""An account created with an Idempotency-Key is created once: a retry (the answer lost on the
way) is the account the key created, never a second account with a second live token (an
adversarial review: a retried POST /users made two accounts). The token is shown only in the
first answer; the retry says so by answering it null, and the admin revokes the account if
the token is lost. On both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api_support import auth, key, token_for


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
