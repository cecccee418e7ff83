"""Money is whole rupiah written as an integer or a string of the digits 0-9 (an adversarial
review: `"amount": "1e3"` was taken as Rp 1,000, and so were 1000.0, "1_000", "+1000",
" 1000" and Arabic-Indic digits). Anything else is a 422 naming the field over HTTP, and one
line naming the amount from the CLI; nothing is written."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.cli.app import run
from tests.api_support import auth, finding_body, key, token_for

# JSON texts of an amount that only looks like whole rupiah.
NOT_DIGITS = ['"1e3"', "1e3", "1000.0", '"1000.00"', '" 1000"', '"+1000"', '"1_000"', '"\\u0663\\u0660\\u0660\\u0660"']
DIGITS = [("1000", 1000), ('"1000"', 1000), ('"10132500000"', 10132500000)]


def _put(client: TestClient, token: str, year: int, amount: str):
    body = '{"amount": ' + amount + ', "legal_basis": "DIPA"}'
    headers = auth(token, **{"content-type": "application/json"})
    return client.put(f"/revenue-targets/{year}", content=body, headers=headers)


@pytest.mark.parametrize("amount", NOT_DIGITS)
def test_an_amount_not_written_in_digits_is_a_422_naming_it_and_nothing_is_set(client, system, amount):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    before = system.app.recorder.max_notification_id()
    answer = _put(client, supervisor, 2040, amount)
    assert answer.status_code == 422, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["location"], e["field"]) for e in answer.json()["errors"]] == [("body", "amount")]
    assert system.app.recorder.max_notification_id() == before


@pytest.mark.parametrize(("amount", "value"), DIGITS)
def test_an_amount_in_digits_is_taken(client, system, amount, value):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    answer = _put(client, supervisor, 2041, amount)
    assert answer.is_success, answer.text[:300]
    assert answer.json()["amount"] == value


def test_a_charge_paid_as_an_exponent_is_refused(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    opened = dict(finding_body(), source="COUNTER")
    del opened["summary"]
    case_id = client.post("/enforcement-cases", json=opened, headers=auth(supervisor)).json()["id"]
    case = f"/enforcement-cases/{case_id}"
    assert client.post(f"{case}/examination", json={"report_number": "BAP-9/2025"}, headers=auth(supervisor)).is_success
    action = {"action": "CHARGE", "decision_number": "KEP-9/2025", "reason_code": "OVERSTAY"}
    action["legal_basis"] = "Pasal 78 UU 6/2011"
    assert client.post(f"{case}/actions", json=action, headers=auth(supervisor)).status_code == 200
    for amount in ("3e7", 3e7):
        answer = client.post(
            f"{case}/charge", json={"amount": amount}, headers=auth(supervisor, **{"Idempotency-Key": key()})
        )
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "amount", answer.text[:300]
    assert client.post(f"{case}/charge", json={"amount": "30000000"}, headers=auth(supervisor)).status_code == 200


@pytest.mark.parametrize("amount", ["1e3", "1_000", "+1000", "1000.00", "\u0663\u0660\u0660\u0660"])
def test_the_cli_refuses_an_amount_not_written_in_digits(capsys, amount, tmp_path, monkeypatch):
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.delenv("BERKAS_LEDGER_KEY_PATH", raising=False)
    assert run(["users", "add", "Sari", "--role", "supervisor", "--office", "MLG"]) == 0
    supervisor = re.search(r"user (\S+) \(", capsys.readouterr().out).group(1)
    assert run(["target", "set", "--as", supervisor, "--office", "MLG", "--", "2030", amount]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("berkas: amount:") and "digits" in err[0], err
