"""Refusals in the reader's terms (an adversarial review, round 2): a refusal names what was
refused, its state and the rule, never a raw uuid nor anyone's name. Real HTTP on both
backends, and the CLI on an SQLite file."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from api.cli.app import run
from domain.usecases.base import Actor
from domain.values import Role
from projections.runner import catch_up
from tests.api_on_both import client
from tests.api_support import auth, key, passport_body, token_for
from tests.builders import submission

__all__ = ["client"]  # fixture

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_a_refused_revocation_names_the_account_and_the_rule_not_its_uuid(client: TestClient, system):
    admin = token_for(system, "ADMIN", "DPS")
    made = client.post(
        "/users", json={"name": "Wayan Sudarsana", "role": "OFFICER", "office": "DPS"}, headers=auth(admin)
    )
    account = made.json()["id"]
    reason = {"reason": "left the office"}
    assert client.post(f"/users/{account}/revocation", json=reason, headers=auth(admin)).status_code == 200
    again = client.post(f"/users/{account}/revocation", json=reason, headers=auth(admin, **{"Idempotency-Key": key()}))
    assert again.status_code == 409, again.text[:300]
    detail = again.json()["detail"]
    assert detail.startswith("this account is revoked already"), detail
    assert not UUID_TEXT.search(detail) and "Wayan" not in again.text
    unknown = client.post(f"/users/{uuid.uuid4()}/revocation", json=reason, headers=auth(admin))
    assert unknown.status_code == 404, unknown.text[:300]
    assert unknown.json()["detail"] == "no account has this id"
    assert not UUID_TEXT.search(unknown.json()["detail"])


def test_the_cli_refuses_a_revocation_in_the_same_terms(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "kanim.db"))
    assert run(["users", "add", "Made Arsa", "--role", "officer", "--office", "DPS"]) == 0
    user_id = re.search(r"user ([0-9a-f-]{36})", capsys.readouterr().out).group(1)
    assert run(["users", "revoke", user_id]) == 0
    capsys.readouterr()
    assert run(["users", "revoke", user_id]) == 2
    again = capsys.readouterr().err.strip()
    assert again.startswith("berkas: this account is revoked already"), again
    assert run(["users", "revoke", str(uuid.uuid4())]) == 2
    unknown = capsys.readouterr().err.strip()
    assert unknown == "berkas: no account has this id", unknown
    assert not UUID_TEXT.search(again + unknown)


def test_a_version_past_the_last_one_says_which_and_how_many_there_are(client: TestClient, system):
    officer = token_for(system, "OFFICER")
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer)).json()["id"]
    versions = client.get(f"/cases/{case}", headers=auth(officer)).json()["version"]
    for asked in (versions + 1, 99):
        refused = client.get(f"/cases/{case}?version={asked}", headers=auth(officer))
        assert refused.status_code == 422, refused.text[:300]
        plural = "" if versions == 1 else "s"
        assert refused.json()["detail"] == f"version {asked} does not exist: this case has {versions} version{plural}"
        assert [error["field"] for error in refused.json()["errors"]] == ["version"]
    assert client.get(f"/cases/{case}?version={versions}", headers=auth(officer)).status_code == 200


def test_a_role_is_taken_in_any_case_by_http_as_by_the_cli_and_an_unknown_one_named(client: TestClient, system):
    """`berkas users add --role officer` works, so `POST /users` with "officer" does too: both
    normalise to the OpenAPI enum's value; an unknown role is refused by both, naming `role`
    and the enum's values as the OpenAPI shows them."""
    admin = token_for(system, "ADMIN", "DPS")
    made = client.post("/users", json={"name": "Nyoman Adi", "role": "officer", "office": "DPS"}, headers=auth(admin))
    assert made.status_code == 201, made.text[:300]
    assert made.json()["role"] == "OFFICER"
    assert client.get("/people", headers=auth(made.json()["token"])).status_code == 200
    mixed = client.post(
        "/users", json={"name": "Ketut Adi", "role": "Supervisor", "office": "DPS"}, headers=auth(admin)
    )
    assert mixed.status_code == 201 and mixed.json()["role"] == "SUPERVISOR", mixed.text[:300]
    enum = client.get("/openapi.json").json()["components"]["schemas"]["Role"]["enum"]
    assert enum == ["OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN"]
    unknown = client.post("/users", json={"name": "Kadek Adi", "role": "boss", "office": "DPS"}, headers=auth(admin))
    assert unknown.status_code == 422, unknown.text[:300]
    [error] = unknown.json()["errors"]
    assert error["field"] == "role" and all(value in error["detail"] for value in enum), error
    assert "Kadek" not in unknown.text


def test_the_cli_takes_a_role_in_any_case_and_names_the_same_values(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "kanim.db"))
    for given, shown in (("officer", "officer"), ("SUPERVISOR", "supervisor")):
        assert run(["users", "add", "Putu Adi", "--role", given, "--office", "DPS"]) == 0
        assert f"({shown}, DPS)" in capsys.readouterr().out
    assert run(["users", "add", "Putu Adi", "--role", "boss", "--office", "DPS"]) == 2
    refused = capsys.readouterr().err.strip()
    assert refused.startswith("berkas: role: ") and all(
        value in refused for value in ("OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN")
    ), refused


def test_a_hold_refused_as_already_held_leaves_its_key_free_for_a_later_retry(client: TestClient, system):
    """A refusal writes nothing, so its Idempotency-Key is not used up, as after every other
    refusal: once the first hold is released, the key takes a hold of another body."""
    officer = Actor("officer-mlg", Role.OFFICER, "MLG")
    case_id = system.app.submit_passport_application(officer, **submission())
    catch_up(system.store, system.projections())
    subject = system.app.get_case(case_id).applicant.subject_id
    auditor = token_for(system, "AUDITOR")
    hold = {"reason_code": "AUDIT", "legal_basis": "LHP 1/2025"}
    url = f"/subjects/{subject}/legal-hold"
    assert client.post(url, json=hold, headers=auth(auditor, **{"Idempotency-Key": key()})).status_code == 200
    second = auth(auditor, **{"Idempotency-Key": key()})
    refused = client.post(url, json=hold, headers=second)
    assert refused.status_code == 409 and "already under a legal hold" in refused.json()["detail"], refused.text[:300]
    released = client.post(f"{url}/release", json={"legal_basis": "LHP 1/2025 selesai"}, headers=auth(auditor))
    assert released.status_code == 200, released.text[:300]
    # Sent again as it was, or changed (as after any other refusal: nothing was done under it).
    other = {"reason_code": "INVESTIGATION", "legal_basis": "LHP 2/2025"}
    again = client.post(url, json=other, headers=second)
    assert again.status_code == 200 and again.json()["legal_hold"] == "INVESTIGATION", again.text[:300]
