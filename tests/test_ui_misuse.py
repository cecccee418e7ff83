"""The web interface under misuse: what the API refuses, its pages refuse too, and odd
input gets a readable 4xx page, never a 500 (an adversarial review's findings)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.app import create_app
from api.ui.pages.auth import HOME
from api.ui.session import COOKIE, TABLE
from domain.usecases import users
from domain.values import Role
from projections.eventstore import sql
from tests.test_ui_pages import csrf_of, sign_in
from tests.ui_support import Office, seed_office


@pytest.fixture
def office(system: System) -> Office:
    return seed_office(system)


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def _names(system: System) -> set[str]:
    return {user.name for user in users.all_users(system.app)}


@pytest.mark.parametrize(
    "name",
    ["Budi\x00Santoso", "Budi\x1b[2JSantoso", "B" * 5000],
    ids=["nul", "terminal-escape", "huge"],
)
def test_an_account_made_on_the_operations_page_is_validated_like_post_users(client, system, office, name):
    sign_in(client, office.tokens["ADMIN"])
    token = csrf_of(client.get("/ui/ops").text)
    answer = client.post("/ui/ops/users", data={"csrf": token, "name": name, "role": "OFFICER", "office": "MLG"})
    assert answer.status_code == 422, answer.text[:300]
    assert name not in _names(system)


def test_a_revocation_reason_on_the_operations_page_is_validated_like_the_api(client, system, office):
    sign_in(client, office.tokens["ADMIN"])
    token = csrf_of(client.get("/ui/ops").text)
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    assert officer is not None
    answer = client.post(f"/ui/ops/users/{officer.id}/revocation", data={"csrf": token, "reason": "left\x00\x1b[31m"})
    assert answer.status_code == 422, answer.text[:300]
    assert users.authenticate(system.app, office.tokens["OFFICER"]) is not None


@pytest.mark.parametrize("version", ["²", "١", "1.0", " 1"])
def test_a_case_version_that_is_not_ascii_digits_is_a_422_page(client, office, version):
    sign_in(client, office.tokens["OFFICER"])
    answer = client.get(f"/ui/cases/{office.submitted}", params={"version": version})
    assert answer.status_code == 422, answer.text[:300]


def test_an_audit_page_cursor_beyond_a_64_bit_position_is_a_422_page(client, office):
    sign_in(client, office.tokens["AUDITOR"])
    assert client.get("/ui/audit", params={"after": 2**63}).status_code == 422
    assert client.get("/ui/audit", params={"after": 2**63 - 1}).status_code == 200


def _signed_in_as(client: TestClient, role: str) -> bool:
    """Whether the client's session opens a page only ``role`` may see (its home page)."""
    answer = client.get("/ui/", follow_redirects=False)
    return answer.status_code == 303 and answer.headers["location"] == HOME[Role(role)]


def test_a_session_row_rewritten_in_the_database_is_no_session(client, system, office):
    """Whoever may write the sessions table (the application role, a superuser) cannot make
    a session someone else's: the row is sealed with the session secret."""
    sign_in(client, office.tokens["OFFICER"])
    assert _signed_in_as(client, "OFFICER")
    key = client.cookies[COOKIE]
    supervisor = users.authenticate(system.app, office.tokens["SUPERVISOR"])
    assert supervisor is not None
    with system.store.connect() as conn:
        sql.execute(
            conn, f"UPDATE {TABLE} SET user_id = ?, expires_at = expires_at + 86400 WHERE id_hash = ?",
            (supervisor.id, hashlib.sha256(key.encode()).hexdigest()),
        )  # fmt: skip
    assert not _signed_in_as(client, "SUPERVISOR")
    assert client.get("/ui/", follow_redirects=False).headers["location"].startswith("/ui/sign-in")


def test_a_session_row_inserted_in_the_database_is_no_session(client, system, office):
    supervisor = users.authenticate(system.app, office.tokens["SUPERVISOR"])
    assert supervisor is not None
    forged = secrets.token_urlsafe(32)
    now = int(time.time())
    with system.store.connect() as conn:
        sql.execute(
            conn, f"INSERT INTO {TABLE} (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (hashlib.sha256(forged.encode()).hexdigest(), supervisor.id, now, now + 3600),
        )  # fmt: skip
    client.cookies.set(COOKIE, forged, path="/ui")
    assert client.get("/ui/", follow_redirects=False).headers["location"].startswith("/ui/sign-in")
