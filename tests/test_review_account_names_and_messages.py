"""An outside review's smaller findings, on both backends.

- An account's name follows the rule every typed text follows over HTTP (at most 500
  characters, no control character but tabs and line breaks), in the domain, so ``berkas
  users add`` refuses what ``POST /users`` refuses; ``berkas users list`` shows a name as
  typed, never as markup or terminal codes, even one stored before the rule.
- Refusals read as their rule: an amount over the limit in rupiah (not a Python repr), a
  reused idempotency key once, an office code as an office code (not a regex).
- The CLI: an unknown view leaves stdout empty; the report table puts each breakdown under
  the headline it breaks down, and writes every rupiah figure one way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.cli.app import run
from api.cli.common import console_admin
from api.ui import refusals
from domain.case import CONTROL_RULE, KEY_REUSED_RULE, MAX_RUPIAH_RULE, TEXT_LENGTH_RULE
from domain.errors import InvalidCommand
from domain.offices import OFFICE_RULE
from domain.usecases import users
from domain.user import User
from domain.values import Provenance, Role
from projections.reports import annual_report, render_table, sections
from tests.api_on_both import client  # noqa: F401
from tests.api_support import auth, key, passport_body, token_for
from tests.builders import actor
from tests.test_domain_integrity import approved_passport, enforcement

HUGE = "a" * 100_000
ESCAPES = ["Line1\nLine2\x1b[31mRED", "nul\x00byte", "del\x7f", "csi\x9b31m", "bell\x07"]


@pytest.fixture
def on_the_store(system, monkeypatch):
    """The CLI run against the ``system`` fixture's store (SQLite file or PostgreSQL)."""
    if system.store.database_url:
        monkeypatch.setenv("BERKAS_DATABASE_URL", system.store.database_url)
    else:
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        monkeypatch.setenv("BERKAS_SQLITE_PATH", str(system.store.sqlite_path))
    return system


def one_line_refusal(capsys, arguments: list[str]) -> str:
    assert run(arguments) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berkas: "), captured.err
    assert "Traceback" not in captured.err + captured.out and "token" not in captured.out
    return lines[0]


def names(system) -> set[str]:
    return {user.name for user in users.all_users(system.app)}


# --- account names ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "rule"), [(HUGE, TEXT_LENGTH_RULE), *((e, CONTROL_RULE) for e in ESCAPES)])
def test_users_add_refuses_what_post_users_refuses_in_one_line(capsys, on_the_store, name, rule):
    line = one_line_refusal(capsys, ["users", "add", name, "--role", "officer", "--office", "DPS"])
    assert line == f"berkas: name: {rule}"
    assert name not in names(on_the_store)


@pytest.mark.parametrize("name", [HUGE, *ESCAPES])
def test_post_users_refuses_the_same_names_in_the_domains_words(client, system, name):  # noqa: F811
    admin = token_for(system, "ADMIN", "DPS")
    answer = client.post("/users", json={"name": name, "role": "officer", "office": "DPS"}, headers=auth(admin))
    assert answer.status_code == 422, answer.text[:300]
    [problem] = answer.json()["errors"]
    assert problem["field"] == "name" and problem["detail"] in (TEXT_LENGTH_RULE, CONTROL_RULE)
    assert "pattern" not in problem["detail"]
    assert name not in names(system)


def test_the_rule_takes_500_characters_tabs_and_line_breaks_and_every_script(system):
    by = console_admin("DPS")
    for name in ("b" * 500, "Ni Made\tAyu\r\nLestari", "Nguyễn Thị 😀 محمد", "[bold]x[/bold]"):
        user, _ = users.register(system.app, by, name, "OFFICER", "DPS")
        assert users.get_user(system.app, user.id).name == name
    with pytest.raises(InvalidCommand, match="at most 500"):
        User.register(
            uuid4(), Provenance("console", Role.ADMIN, "DPS", datetime.now(UTC)), "b" * 501, Role.OFFICER, "DPS"
        )


def stored_before_the_rule(system, name: str) -> User:
    """An account as an older version saved it: its event, without today's checks."""
    provenance = Provenance("console:old", Role.ADMIN, "DPS", datetime.now(UTC))
    user = User._create(User.Registered, id=uuid4(), provenance=provenance, name=name, role=Role.OFFICER, office="DPS")
    system.app.save(user)
    return user


def test_users_list_shows_old_names_as_typed_never_as_terminal_codes_or_markup(on_the_store, client):  # noqa: F811
    system = on_the_store
    hostile = stored_before_the_rule(system, "Line1\nLine2\x1b[31mRED\x1b]0;owned\x07\u202eevil\x9b2J")
    markup = stored_before_the_rule(system, "[bold]x[/bold] [link=http://evil]y[/link]")
    listed = CliRunner().invoke(cli, ["users", "list"], env={"COLUMNS": "400"})
    assert listed.exit_code == 0, listed.output
    shown = listed.stdout
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e"), repr(shown)
    row = next(line for line in shown.splitlines() if str(hostile.id) in line)
    assert r"Line1\nLine2\x1b[31mRED\x1b]0;owned\x07\u202eevil\x9b2J" in row
    assert "[bold]x[/bold] [link=http://evil]y[/link]" in next(
        line for line in shown.splitlines() if str(markup.id) in line
    )
    # The API serves them as JSON strings, escaped by JSON itself.
    admin = token_for(system, "ADMIN", "DPS")
    served = {p["id"]: p["name"] for p in client.get("/users", headers=auth(admin)).json()["data"]}
    assert served[str(hostile.id)] == hostile.name and "\x1b" not in client.get("/users", headers=auth(admin)).text


# --- messages that read as their rule ---------------------------------------------------------


def test_an_amount_over_the_limit_is_named_in_rupiah_not_as_a_python_value(client, system):  # noqa: F811
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    case_id = enforcement(system.app, actor(Role.OFFICER, "DPS"), actor(Role.SUPERVISOR, "DPS"), "CHARGE")
    before = system.app.recorder.max_notification_id()
    answers = [
        client.put(
            "/revenue-targets/2041", json={"amount": amount, "legal_basis": "DIPA 2041"}, headers=auth(supervisor)
        )
        for amount in (str(10**15 + 1), 10**18)
    ] + [client.post(f"/enforcement-cases/{case_id}/charge", json={"amount": 10**16}, headers=auth(supervisor))]
    for answer in answers:
        assert answer.status_code == 422, answer.text[:300]
        assert answer.json()["errors"] == [
            {"location": "body", "field": "amount", "detail": MAX_RUPIAH_RULE, "type": "value_error"}
        ]
        assert "Decimal" not in answer.text and "E+" not in answer.text
    assert MAX_RUPIAH_RULE == "must be at most Rp 1,000,000,000,000,000"
    assert system.app.recorder.max_notification_id() == before
    at_the_limit = {"amount": str(10**15), "legal_basis": "DIPA 2041"}
    assert client.put("/revenue-targets/2041", json=at_the_limit, headers=auth(supervisor)).is_success


def test_a_reused_idempotency_key_names_itself_once(client, system):  # noqa: F811
    officer = token_for(system, "OFFICER")
    headers = auth(officer, **{"Idempotency-Key": key()})
    assert client.post("/passport-applications", json=passport_body(), headers=headers).status_code == 201
    before = system.app.recorder.max_notification_id()
    reused = client.post("/passport-applications", json=passport_body(), headers=headers)
    assert reused.status_code == 422, reused.text
    detail = reused.json()["detail"]
    assert detail == f"Idempotency-Key {KEY_REUSED_RULE}" and detail.lower().count("idempotency") == 1
    assert system.app.recorder.max_notification_id() == before


OFFICE_QUERIES = [
    ("AUDITOR", "/reports/annual/2026"),
    ("AUDITOR", "/audit/decisions"),
    ("AUDITOR", "/revenue-targets/2026"),
    ("ADMIN", "/users"),
    ("ADMIN", "/people"),
]
# The case lists' filters (api/http/listing.py) keep their own length limit (8) before the
# domain's lookup, so a long code there is refused by its length.
LISTS = [("AUDITOR", "/passport-applications"), ("AUDITOR", "/stay-permits"), ("SUPERVISOR", "/enforcement-cases")]
CODES = ["dps", "XYZ", "D-P-S"]


@pytest.mark.parametrize(
    ("role", "path", "code"),
    [(role, path, code) for role, path in OFFICE_QUERIES for code in (*CODES, "MLG" * 20)]
    + [(role, path, code) for role, path in LISTS for code in CODES],
)
def test_a_code_that_is_not_an_offices_is_refused_as_an_office_code(client, system, role, path, code):  # noqa: F811
    answer = client.get(path, params={"office": code}, headers=auth(token_for(system, role, "DPS")))
    assert answer.status_code == 422, answer.text[:300]
    [problem] = answer.json()["errors"]
    assert problem["field"] == "office" and problem["detail"] == OFFICE_RULE
    assert "e.g. MLG" in OFFICE_RULE and code not in answer.text


def test_a_new_accounts_office_is_refused_as_an_office_code(client, system):  # noqa: F811
    admin = token_for(system, "ADMIN", "DPS")
    for code in ("dps", "XYZ", "", "D1"):
        answer = client.post("/users", json={"name": "Budi", "role": "OFFICER", "office": code}, headers=auth(admin))
        assert answer.status_code == 422 and answer.json()["errors"][0]["detail"] == OFFICE_RULE, answer.text
    assert client.post(
        "/users", json={"name": "Budi", "role": "OFFICER", "office": "DPS"}, headers=auth(admin)
    ).is_success


# --- the CLI's output ------------------------------------------------------------------------


def test_rebuilding_an_unknown_view_prints_nothing_on_stdout(capsys, on_the_store):
    assert run(["projections", "rebuild", "nosuchview"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "nosuchview" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_each_breakdown_follows_the_headline_it_breaks_down_and_rupiah_read_one_way(on_the_store):
    system = on_the_store
    app, year = system.app, datetime.now(UTC).year
    office = "TMK"  # an office no other test reports on, so its figures are this test's
    officer, supervisor = actor(Role.OFFICER, office), actor(Role.SUPERVISOR, office)
    case_id = approved_passport(app, officer, supervisor, regency_code="9412")
    app.issue_passport(officer, case_id, f"E{uuid4().hex[:7].upper()}")
    enforcement(app, officer, supervisor, "DEPORTATION")
    app.set_revenue_target(supervisor, year, Decimal(1_500_000_000), "DIPA 2026 Kanim Mimika")
    report = annual_report(system.store, year, office=office)
    order = {title: [(metric, key) for metric, key, *_ in lines] for title, lines in sections(report)}
    passports, _, enforcing, revenue = order.values()
    assert passports[:3] == [
        ("passports_issued", ""),
        ("passports_issued_by_type", "NEW"),
        ("passports_issued", "ELECTRONIC"),
    ]
    assert enforcing[:3] == [
        ("administrative_actions", ""),
        ("administrative_actions", "DEPORTATION"),
        ("deportations_decided", ""),
    ]
    assert revenue[0] == ("passport_revenue", "") and revenue[1][0] == "passport_revenue" and revenue[1][1]
    table = CliRunner().invoke(cli, ["report", "annual", str(year), "--office", office], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    at = {
        label: next(i for i, line in enumerate(lines) if label in line)
        for label in (
            "Passports issued",
            "by application type: NEW",
            "of which electronic",
            "Applications postponed",
            "Administrative actions",
            "by action (Pasal 75): DEPORTATION",
            "Joint operations",
            "Revenue target",
            "as a share of the target",
        )
    }
    assert at["Passports issued"] < at["by application type: NEW"] < at["of which electronic"]
    assert at["by application type: NEW"] < at["Applications postponed"]
    assert at["Administrative actions"] < at["by action (Pasal 75): DEPORTATION"] < at["Joint operations"]
    assert at["as a share of the target"] == at["Revenue target"] + 1
    amounts = [line.rsplit("│", 2)[-2].strip() for line in lines if "Rp " in line]
    assert "Rp 950,000" in amounts and "Rp 1,500,000,000" in amounts and "Rp 0" in amounts
    assert all(amount.startswith("Rp ") and amount[3:].replace(",", "").isdigit() for amount in amounts), amounts
    assert "juta" not in table.stdout and "miliar" not in table.stdout
    assert render_table(report, "id").row_count == render_table(report).row_count


def test_the_new_rules_read_in_indonesian_on_the_web_pages():
    for english in (TEXT_LENGTH_RULE, CONTROL_RULE, KEY_REUSED_RULE, OFFICE_RULE, MAX_RUPIAH_RULE):
        assert refusals.known(english), english
        assert refusals.rule("id", english) != english and refusals.rule("en", english) == english
