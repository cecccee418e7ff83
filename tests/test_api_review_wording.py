"""Refusals in the reader's terms (an adversarial review, round 2): a refusal names what was
refused, its state and the rule, never a raw uuid nor anyone's name. Real HTTP on both
backends, and the CLI on an SQLite file."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from api.cli.app import run
from tests.api_on_both import client
from tests.api_support import auth, key, passport_body, token_for

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
