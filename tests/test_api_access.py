"""Who may call what: every route x every role x own / other office, from one table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.cli.common import console_admin
from api.http.app import create_app
from api.http.deps import ActorDep
from api.settings import Settings
from domain.usecases import users
from tests.api_support import auth, finding_body, fresh_foreigner_in, passport_body, person, token_for
from tests.stores import shared_ledger_key_path

pytestmark = pytest.mark.postgres

ROLES = ("OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN")
HOME, ELSEWHERE = "MLG", "SBY"

# Who may call a route; "own" means only for cases (or figures, or accounts) of the
# caller's office, "other" for those of another office.
WORKER, DECIDER, READER, REPORTER, CREATOR = "worker", "decider", "reader", "reporter", "creator"
ADMIN, ACCOUNTS, ADMIN_OR_AUDITOR, DIRECTORY, ANYONE = "admin", "accounts", "admin-or-auditor", "directory", "anyone"
TARGET_SETTER, LEGAL_REVIEWER = "target-setter", "legal-reviewer"
RULES: dict[str, tuple[str, ...]] = {
    WORKER: ("OFFICER own", "SUPERVISOR own"),
    DECIDER: ("SUPERVISOR own",),
    READER: ("OFFICER own", "SUPERVISOR own", "AUDITOR own", "AUDITOR other"),
    REPORTER: ("SUPERVISOR own", "AUDITOR own", "AUDITOR other"),
    # A creation is always in the caller's own office, so "other" cannot arise for it.
    CREATOR: ("OFFICER own", "SUPERVISOR own", "OFFICER other", "SUPERVISOR other"),
    ADMIN: ("ADMIN own", "ADMIN other"),
    ACCOUNTS: ("ADMIN own",),
    ADMIN_OR_AUDITOR: ("ADMIN own", "ADMIN other", "AUDITOR own", "AUDITOR other"),
    DIRECTORY: ("OFFICER own", "SUPERVISOR own", "ADMIN own", "AUDITOR own", "AUDITOR other"),
    TARGET_SETTER: ("SUPERVISOR own", "SUPERVISOR other"),
    LEGAL_REVIEWER: ("SUPERVISOR own", "AUDITOR own", "AUDITOR other"),
}
SEARCHER, HOLDER, EXPORTER, ERASER = "searcher", "holder", "exporter", "eraser"
# Data subjects: the subject's cases are in the home office.
RULES[SEARCHER] = ("OFFICER own", "OFFICER other", "SUPERVISOR own", "SUPERVISOR other", "AUDITOR own", "AUDITOR other")
RULES[HOLDER] = ("SUPERVISOR own", "AUDITOR own", "AUDITOR other")
# Personal data opened or destroyed: by the staff of an office holding one of the subject's cases.
RULES[EXPORTER] = ("SUPERVISOR own", "ADMIN own")
RULES[ERASER] = ("ADMIN own",)
# Subjects due for erasure: an admin lists those of their own office (the ones they may erase).
DUE_LISTER = "due-lister"
RULES[DUE_LISTER] = ("ADMIN own", "AUDITOR own", "AUDITOR other")


def _case_routes(prefix: str, commands: dict[str, str]) -> dict[tuple[str, str], str]:
    """A case resource: create, list, read, and its commands (each with its rule)."""
    return {
        ("POST", prefix): CREATOR,
        ("GET", prefix): READER,
        ("GET", f"{prefix}/{{case_id}}"): READER,
        **{("POST", f"{prefix}/{{case_id}}/{path}"): rule for path, rule in commands.items()},
    }


# Every route, declared: a route missing here fails the test, and so does a stale line.
ACCESS: dict[tuple[str, str], str] = {
    **_case_routes(
        "/passport-applications",
        {
            "payment": WORKER,
            "zero-tariff": WORKER,
            "biometrics": WORKER,
            "interview": WORKER,
            "postponement": WORKER,
            "postponement-lifting": WORKER,
            "refusal": DECIDER,
            "approval": DECIDER,
            "issuance": WORKER,
            "hand-over": WORKER,
            "withdrawal": WORKER,
            "cancellation": DECIDER,
        },
    ),
    **_case_routes(
        "/stay-permits",
        {
            "payment": WORKER,
            "refusal": DECIDER,
            "issuance": DECIDER,
            "extension": WORKER,
            "transfer": DECIDER,
            "cancellation": DECIDER,
            "ending": WORKER,
        },
    ),
    **_case_routes(
        "/enforcement-cases",
        {
            "examination": WORKER,
            "actions": DECIDER,
            "charge": WORKER,
            "charge-payment": WORKER,
            "detention": WORKER,
            "release": WORKER,
            "objection": WORKER,
            "objection-decision": DECIDER,
            "deportation": WORKER,
            "closure": WORKER,
        },
    ),
    **_case_routes("/joint-operations", {"execution": WORKER, "findings": WORKER, "closure": WORKER}),
    ("POST", "/revenue-targets"): TARGET_SETTER,
    ("PUT", "/revenue-targets/{year}"): TARGET_SETTER,
    ("GET", "/revenue-targets/{year}"): READER,
    ("GET", "/cases/{case_id}"): READER,
    ("GET", "/cases/{case_id}/history"): READER,
    ("GET", "/cases/{case_id}/bundle"): LEGAL_REVIEWER,
    ("GET", "/audit/decisions"): REPORTER,
    ("GET", "/reports/annual/{year}"): REPORTER,
    ("POST", "/reports/rebuild"): ADMIN,
    ("GET", "/reports/rebuild/{job_id}"): ADMIN_OR_AUDITOR,
    ("GET", "/ledger/verification"): ADMIN_OR_AUDITOR,
    ("POST", "/users"): ACCOUNTS,
    ("GET", "/users"): ACCOUNTS,
    ("POST", "/users/{user_id}/revocation"): ACCOUNTS,
    ("GET", "/people"): DIRECTORY,
    ("POST", "/cases/search"): SEARCHER,
    ("GET", "/cases"): READER,  # every kind's list (personal data in its URL: a 422 for any account)
    ("POST", "/subjects/{subject_id}/legal-hold"): HOLDER,
    ("POST", "/cases/{case_id}/legal-hold"): HOLDER,
    ("POST", "/cases/{case_id}/legal-hold/release"): HOLDER,
    ("POST", "/subjects/{subject_id}/legal-hold/release"): HOLDER,
    ("POST", "/subjects/{subject_id}/erasure-approval"): DECIDER,
    ("POST", "/subjects/{subject_id}/erasure"): ERASER,
    ("GET", "/subjects/due"): DUE_LISTER,
    ("GET", "/subjects/{subject_id}/export"): EXPORTER,
    ("POST", "/ledger/verification"): ADMIN_OR_AUDITOR,
    ("GET", "/ledger/verification/jobs/{job_id}"): ADMIN_OR_AUDITOR,
    ("GET", "/ledger/checkpoints/latest"): ADMIN_OR_AUDITOR,
    ("GET", "/healthz"): ANYONE,
    ("GET", "/readyz"): ANYONE,
    ("GET", "/metrics"): ANYONE,  # no personal data; the reverse proxy keeps it inside
}
CASE_PATHS = ("/passport-applications", "/stay-permits", "/enforcement-cases", "/joint-operations")


def rule_of(method: str, path: str) -> str:
    """The declared rule; an undeclared route has none (the coverage test names it)."""
    return ACCESS[(method, path)]


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Cases of the home office and a token per role in each office."""
    home = tmp_path_factory.mktemp("x")
    # The shared database's one signing key (a second is refused).
    settings = Settings(database_url=database_url, sqlite_path=home / "x.db", ledger_key_path=shared_ledger_key_path())
    system: System = bootstrap(settings)
    app = create_app(system)
    with TestClient(app, raise_server_exceptions=False) as client:
        tokens = {(role, office): token_for(system, role, office) for role in ROLES for office in (HOME, ELSEWHERE)}
        officer = auth(tokens[("OFFICER", HOME)])
        ids = {
            # An applicant of its own: the subject routes act on them, in the home office only.
            "/passport-applications": client.post(
                "/passport-applications",
                json=passport_body(applicant=person("Pemohon Matriks", str(uuid.uuid4().int)[:16])),
                headers=officer,
            ),
            "/stay-permits": client.post("/stay-permits", json=example(app, "/stay-permits"), headers=officer),
            "/enforcement-cases": client.post(
                "/enforcement-cases", json=example(app, "/enforcement-cases"), headers=officer
            ),
            "/joint-operations": client.post(
                "/joint-operations", json=example(app, "/joint-operations"), headers=officer
            ),
        }
        ids = {path: response.json()["id"] for path, response in ids.items()}
        yield {"system": system, "app": app, "client": client, "tokens": tokens, "ids": ids}
    system.close()


def example(app: Any, path: str, method: str = "post") -> dict[str, Any] | None:
    """The request body's first OpenAPI example: every request model has one."""
    operation = app.openapi()["paths"][path][method]
    if "requestBody" not in operation:
        return None
    ref = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = next((item for item in ref.get("anyOf", [ref]) if "$ref" in item), ref)
    name = ref["$ref"].rsplit("/", 1)[-1]
    body = app.openapi()["components"]["schemas"][name]["examples"][0]
    return fresh_foreigner_in(body) if (method, path) == ("post", "/stay-permits") else body


def routes(app: Any) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops]


def concrete(world: dict[str, Any], path: str) -> tuple[str, dict[str, str]]:
    """A real path for the template, and the office filter of lists and reports."""
    ids = world["ids"]
    prefix = next((p for p in CASE_PATHS if path.startswith(p)), "/passport-applications")
    throwaway, _ = users.register(world["system"].app, console_admin(HOME), "leaver", "OFFICER", HOME)
    filled = (
        path.replace("{case_id}", ids[prefix])
        .replace("{year}", "2024")
        .replace("{job_id}", uuid.uuid4().hex)
        .replace("{user_id}", str(throwaway.id))
    )
    if "{subject_id}" in filled:
        passport = world["system"].app.get_case(uuid.UUID(ids["/passport-applications"]))
        filled = filled.replace("{subject_id}", passport.applicant.subject_id)
    return filled, {"office": HOME}


def call(world: dict[str, Any], method: str, path: str, headers: dict[str, str]):
    url, params = concrete(world, path)
    body = example(world["app"], path, method.lower()) if method in ("POST", "PUT") else None
    if path == "/joint-operations/{case_id}/findings":
        body = finding_body()
    if path == "/reports/rebuild":
        body = {"projection": "case_index"}
    # The office filter goes to the routes that take one: a kind's read takes no query (422).
    declared = world["app"].openapi()["paths"][path][method.lower()].get("parameters", ())
    takes_office = any(parameter["name"] == "office" for parameter in declared)
    return world["client"].request(
        method, url, json=body, params=params if method == "GET" and takes_office else None, headers=headers
    )


def test_every_route_has_its_rule_declared_and_no_declaration_is_stale(world):
    served = set(routes(world["app"]))
    assert sorted(served - set(ACCESS)) == [], "routes without a declared rule"
    assert sorted(set(ACCESS) - served) == [], "rules for routes that no longer exist"
    assert set(ACCESS.values()) <= set(RULES) | {ANYONE}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_the_table_grants(world, role):
    wrong = []
    for method, path in routes(world["app"]):
        rule = rule_of(method, path)
        for where, office in (("own", HOME), ("other", ELSEWHERE)):
            response = call(world, method, path, auth(world["tokens"][(role, office)]))
            allowed = rule == ANYONE or f"{role} {where}" in RULES[rule]
            ok = response.status_code not in (401, 403) if allowed else response.status_code == 403
            if not ok or response.status_code >= 500:
                wrong.append(f"{method} {path} as {role} ({where}): {response.status_code}")
    assert wrong == []


def test_every_route_but_health_needs_a_valid_token(world):
    wrong = []
    for method, path in routes(world["app"]):
        for headers in ({}, auth("bk_not-a-real-token"), {"Authorization": "Basic dXNlcjpwYXNz"}):
            status = call(world, method, path, headers).status_code
            expected = 200 if rule_of(method, path) == ANYONE else 401
            if status != expected:
                wrong.append(f"{method} {path} with {headers or 'no token'}: {status}")
    assert wrong == []


def test_a_revoked_token_stops_working_at_once(world):
    system, client = world["system"], world["client"]
    user, token = users.register(system.app, console_admin(HOME), "temp", "OFFICER", HOME)
    assert client.get("/passport-applications", headers=auth(token)).status_code == 200
    admin = auth(world["tokens"][("ADMIN", HOME)])
    revoked = client.post(f"/users/{user.id}/revocation", json={"reason": "left"}, headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert client.get("/passport-applications", headers=auth(token)).status_code == 401


def test_an_admin_creates_an_account_whose_token_works_and_is_never_listed(world):
    client = world["client"]
    admin = auth(world["tokens"][("ADMIN", HOME)])
    created = client.post("/users", json={"name": "Budi", "role": "SUPERVISOR", "office": "MLG"}, headers=admin)
    assert created.status_code == 201
    token = created.json()["token"]
    assert client.get(f"/cases/{world['ids']['/stay-permits']}", headers=auth(token)).status_code == 200
    listed = client.get("/users", headers=admin)
    assert token not in listed.text
    assert created.json()["id"] in listed.text


def test_a_route_added_without_a_declared_rule_is_named_by_the_coverage_check(world):
    app = create_app(world["system"])

    @app.get("/undeclared")
    def undeclared(actor: ActorDep) -> dict[str, str]:
        return {"id": actor.id}

    assert sorted(set(routes(app)) - set(ACCESS)) == [("GET", "/undeclared")]
    with pytest.raises(KeyError):
        rule_of("GET", "/undeclared")


def test_an_admin_cannot_make_accounts_for_another_office(world):
    client = world["client"]
    admin_elsewhere = auth(world["tokens"][("ADMIN", ELSEWHERE)])
    body = {"name": "Rogue Admin", "role": "ADMIN", "office": HOME}
    refused = client.post("/users", json=body, headers=admin_elsewhere)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/users", params={"office": HOME}, headers=admin_elsewhere).status_code == 403
    own = client.get("/users", headers=admin_elsewhere).json()["data"]
    assert own and {user["office"] for user in own} == {ELSEWHERE}


def test_the_people_directory_names_officers_and_never_applicants(world):
    client = world["client"]
    auditor = auth(world["tokens"][("AUDITOR", ELSEWHERE)])
    people = client.get("/people", headers=auditor)
    assert people.status_code == 200
    assert {person["office"] for person in people.json()["data"]} >= {HOME, ELSEWHERE}
    assert "Siti" not in people.text and "nik" not in people.text
    officer = auth(world["tokens"][("OFFICER", HOME)])
    mine = client.get("/people", headers=officer).json()["data"]
    assert {person["office"] for person in mine} == {HOME}


def test_an_office_admin_neither_mints_nor_revokes_an_auditor_who_reads_every_office(world):
    """An auditor reads every office's cases: an office's admin creating one would give
    themselves (or a friend) national reading; revoking one would end an audit of the office.
    Auditors are the server operator's accounts (the CLI)."""
    system, client = world["system"], world["client"]
    admin = auth(world["tokens"][("ADMIN", HOME)])
    before = len(users.all_users(system.app))
    minted = client.post("/users", json={"name": "Teman", "role": "AUDITOR", "office": HOME}, headers=admin)
    assert minted.status_code == 403, minted.text
    assert minted.headers["content-type"].startswith("application/problem+json")
    assert "server operator" in minted.json()["detail"]
    assert len(users.all_users(system.app)) == before
    auditor, token = users.register(system.app, console_admin(HOME), "Pemeriksa", "AUDITOR", HOME)
    revoked = client.post(f"/users/{auditor.id}/revocation", json={"reason": "nosy"}, headers=admin)
    assert revoked.status_code == 403, revoked.text
    assert not users.get_user(system.app, auditor.id).revoked
    assert client.get("/passport-applications", headers=auth(token)).status_code == 200


def test_a_refusal_names_the_role_in_proper_english(world):
    client = world["client"]
    for role, article in (("OFFICER", "an officer"), ("SUPERVISOR", "a supervisor"), ("AUDITOR", "an auditor")):
        body = {"name": "X", "role": "OFFICER", "office": HOME}
        refused = client.post("/users", json=body, headers=auth(world["tokens"][(role, HOME)]))
        assert refused.status_code == 403, (role, refused.text)
        assert refused.json()["detail"] == f"{article} may not do this"
