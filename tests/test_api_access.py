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
from api.settings import Settings
from domain.usecases import users
from projections.ledger import keys
from tests.api_support import auth, finding_body, passport_body, token_for

pytestmark = pytest.mark.postgres

ROLES = ("OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN")
HOME, ELSEWHERE = "MLG", "SBY"

# Who may call a route; "own" means only for cases (or figures) of the caller's office.
WORKER, DECIDER, READER, REPORTER, ADMIN, ADMIN_OR_AUDITOR, ANYONE = (
    "worker",
    "decider",
    "reader",
    "reporter",
    "admin",
    "admin-or-auditor",
    "anyone",
)
RULES: dict[str, tuple[str, ...]] = {
    WORKER: ("OFFICER own", "SUPERVISOR own"),
    DECIDER: ("SUPERVISOR own",),
    READER: ("OFFICER own", "SUPERVISOR own", "AUDITOR own", "AUDITOR other"),
    REPORTER: ("SUPERVISOR own", "AUDITOR own", "AUDITOR other"),
    ADMIN: ("ADMIN own", "ADMIN other"),
    ADMIN_OR_AUDITOR: ("ADMIN own", "ADMIN other", "AUDITOR own", "AUDITOR other"),
}
# A creation is always in the caller's own office, so "other" cannot arise for it.
CREATOR = "creator"
RULES[CREATOR] = ("OFFICER own", "SUPERVISOR own", "OFFICER other", "SUPERVISOR other")
RULES["target-setter"] = ("SUPERVISOR own", "SUPERVISOR other")
RULES["legal-reviewer"] = ("SUPERVISOR own", "AUDITOR own", "AUDITOR other")

DECISIONS = {
    "/passport-applications/{case_id}/refusal",
    "/passport-applications/{case_id}/approval",
    "/passport-applications/{case_id}/cancellation",
    "/stay-permits/{case_id}/refusal",
    "/stay-permits/{case_id}/issuance",
    "/stay-permits/{case_id}/transfer",
    "/stay-permits/{case_id}/cancellation",
    "/enforcement-cases/{case_id}/actions",
    "/enforcement-cases/{case_id}/objection-decision",
}
EXPLICIT = {
    ("POST", "/revenue-targets"): "target-setter",
    ("PUT", "/revenue-targets/{year}"): "target-setter",
    ("GET", "/revenue-targets/{year}"): READER,
    ("GET", "/cases/{case_id}"): READER,
    ("GET", "/cases/{case_id}/history"): READER,
    ("GET", "/audit/decisions"): REPORTER,
    ("GET", "/reports/annual/{year}"): REPORTER,
    ("POST", "/reports/rebuild"): ADMIN,
    ("GET", "/reports/rebuild/{job_id}"): ADMIN_OR_AUDITOR,
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("POST", "/users/{user_id}/revocation"): ADMIN,
    ("GET", "/ledger/verification"): ADMIN_OR_AUDITOR,
    ("GET", "/cases/{case_id}/bundle"): "legal-reviewer",
    ("GET", "/healthz"): ANYONE,
    ("GET", "/readyz"): ANYONE,
}
CASE_PATHS = ("/passport-applications", "/stay-permits", "/enforcement-cases", "/joint-operations")


def rule_of(method: str, path: str) -> str:
    if (method, path) in EXPLICIT:
        return EXPLICIT[(method, path)]
    if method == "GET":
        return READER
    if path in CASE_PATHS:
        return CREATOR
    return DECIDER if path in DECISIONS else WORKER


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Cases of the home office and a token per role in each office."""
    home = tmp_path_factory.mktemp("x")
    keys.generate(home / "ledger.pem")
    settings = Settings(database_url=database_url, sqlite_path=home / "x.db", ledger_key_path=home / "ledger.pem")
    system: System = bootstrap(settings)
    app = create_app(system)
    with TestClient(app, raise_server_exceptions=False) as client:
        tokens = {(role, office): token_for(system, role, office) for role in ROLES for office in (HOME, ELSEWHERE)}
        officer = auth(tokens[("OFFICER", HOME)])
        ids = {
            "/passport-applications": client.post("/passport-applications", json=passport_body(), headers=officer),
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
    return app.openapi()["components"]["schemas"][name]["examples"][0]


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
    return filled, {"office": HOME}


def call(world: dict[str, Any], method: str, path: str, headers: dict[str, str]):
    url, params = concrete(world, path)
    body = example(world["app"], path, method.lower()) if method in ("POST", "PUT") else None
    if path == "/joint-operations/{case_id}/findings":
        body = finding_body()
    if path == "/reports/rebuild":
        body = {"projection": "case_index"}
    return world["client"].request(method, url, json=body, params=params if method == "GET" else None, headers=headers)


def test_the_table_covers_every_route(world):
    assert {rule_of(m, p) for m, p in routes(world["app"])} <= set(RULES) | {ANYONE}
    assert len(routes(world["app"])) >= 50


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
    created = client.post("/users", json={"name": "Budi", "role": "AUDITOR", "office": "MLG"}, headers=admin)
    assert created.status_code == 201
    token = created.json()["token"]
    assert client.get(f"/cases/{world['ids']['/stay-permits']}", headers=auth(token)).status_code == 200
    listed = client.get("/users", headers=admin)
    assert token not in listed.text
    assert created.json()["id"] in listed.text
