"""Sessions of the web interface live in the database: the cookie is an opaque id, and
signing out, the session's end of life or revoking the account end it for every process,
so a copied cookie replayed afterwards is refused. The operations page's accounts and its
last ledger verification are the database's too (no browser needed here)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.cli.common import console_admin
from api.http.app import create_app
from api.ui.session import COOKIE, TABLE, Sessions
from domain.usecases import users
from projections.eventstore import sql
from projections.ledger import results
from tests.ui_support import csrf_of, seed_office, sign_in, verify_from_the_ops_page


@pytest.fixture
def other_instance(system: System) -> Iterator[TestClient]:
    """A second, independent app (its own system, its own session secret) on the same database."""
    second = bootstrap(system.settings)
    try:
        with TestClient(create_app(second), raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        second.close()


def sign_out(client: TestClient) -> None:
    page = client.get("/ui/")
    assert client.post("/ui/sign-out", data={"csrf": csrf_of(page.text)}).status_code == 200


def signed_in(client: TestClient, cookie: str) -> bool:
    client.cookies.set(COOKIE, cookie, path="/ui")
    answer = client.get("/ui/", follow_redirects=False)
    return answer.status_code == 303 and not answer.headers["location"].startswith("/ui/sign-in")


def rows(system: System, statement: str, params=()) -> list[tuple]:
    with system.store.connect() as conn:
        return sql.fetchall(conn, statement, params)


def test_the_cookie_is_an_opaque_id_whose_hash_alone_is_stored(client, system, office):
    cookie = sign_in(client, office.tokens["OFFICER"])
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)
    assert officer.id not in cookie and office.tokens["OFFICER"] not in cookie
    stored = rows(system, f"SELECT id_hash, user_id, ended_at FROM {TABLE} WHERE user_id = ?", (officer.id,))
    assert stored == [(hashlib.sha256(cookie.encode()).hexdigest(), officer.id, None)]


def test_a_cookie_copied_before_signing_out_is_refused_afterwards(client, system, office):
    stolen = sign_in(client, office.tokens["SUPERVISOR"])
    with TestClient(create_app(system), raise_server_exceptions=False) as thief:
        assert signed_in(thief, stolen)  # a copy works while the session lives...
        sign_out(client)
        assert not signed_in(thief, stolen)  # ...and not after the owner signed out
        assert thief.get("/ui/reports", follow_redirects=False).headers["location"].startswith("/ui/sign-in")


def test_a_session_is_one_for_every_instance_and_signing_out_anywhere_ends_it(client, other_instance, office):
    cookie = sign_in(client, office.tokens["AUDITOR"])
    assert signed_in(other_instance, cookie)
    sign_out(other_instance)
    assert not signed_in(client, cookie)


def test_a_session_ends_when_its_lifetime_is_over(client, system, office):
    cookie = sign_in(client, office.tokens["OFFICER"])
    with system.store.connect() as conn:  # the clock moved on: the row says it is over
        sql.execute(
            conn,
            f"UPDATE {TABLE} SET expires_at = expires_at - ? WHERE id_hash = ?",
            (system.settings.session_lifetime_seconds + 1, hashlib.sha256(cookie.encode()).hexdigest()),
        )
    assert not signed_in(client, cookie)


def test_the_lifetime_is_a_setting_and_the_cookie_lives_as_long(system, office):
    settings = system.settings.model_copy(update={"session_lifetime_seconds": 600})
    shorter = bootstrap(settings)
    try:
        with TestClient(create_app(shorter)) as test_client:
            form = test_client.get("/ui/sign-in")
            answer = test_client.post(
                "/ui/sign-in",
                data={"csrf": csrf_of(form.text), "token": office.tokens["OFFICER"]},
                follow_redirects=False,
            )
        assert "Max-Age=600" in answer.headers["set-cookie"]
        sessions = Sessions(shorter.store, b"x" * 32, 600)
        started = sessions.start(users.authenticate(shorter.app, office.tokens["OFFICER"]).id, now=1_000_000)
        assert sessions.read(started.key, now=1_000_599).user_id is not None
        assert sessions.read(started.key, now=1_000_600).user_id is None
    finally:
        shorter.close()


def test_revoking_the_account_through_the_api_ends_its_sessions(client, system, office):
    cookie = sign_in(client, office.tokens["OFFICER"])
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    revoked = client.post(
        f"/users/{officer.id}/revocation",
        json={"reason": "left the office"},
        headers={"Authorization": f"Bearer {office.tokens['ADMIN']}"},
    )
    assert revoked.status_code == 200, revoked.text
    live = f"SELECT COUNT(*) FROM {TABLE} WHERE user_id = ? AND ended_at IS NULL"
    assert rows(system, live, (officer.id,)) == [(0,)]  # ended in the database, not just refused
    assert not signed_in(client, cookie)


def test_revoking_the_account_through_the_cli_ends_its_sessions(sqlite_system, monkeypatch):
    from typer.testing import CliRunner

    from api.cli.app import app as cli

    office = seed_office(sqlite_system)
    with TestClient(create_app(sqlite_system), raise_server_exceptions=False) as browser:
        cookie = sign_in(browser, office.tokens["OFFICER"])
        officer = users.authenticate(sqlite_system.app, office.tokens["OFFICER"])
        live = f"SELECT COUNT(*) FROM {TABLE} WHERE user_id = ? AND ended_at IS NULL"
        assert rows(sqlite_system, live, (officer.id,)) == [(1,)]
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        monkeypatch.setenv("BERKAS_SQLITE_PATH", str(sqlite_system.store.sqlite_path))
        revoked = CliRunner().invoke(cli, ["users", "revoke", officer.id, "--reason", "left the office"])
        assert revoked.exit_code == 0, revoked.output
        assert rows(sqlite_system, live, (officer.id,)) == [(0,)]
        assert not signed_in(browser, cookie)


def test_an_admin_creates_an_account_sees_its_token_once_and_it_signs_in(client, system, office):
    sign_in(client, office.tokens["ADMIN"])
    page = client.get("/ui/ops")
    created = client.post(
        "/ui/ops/users", data={"csrf": csrf_of(page.text), "name": "Dewi Lestari", "role": "OFFICER", "office": "MLG"}
    )
    assert created.status_code == 201
    token = re.search(r'id="new-token"[^>]*value="(bk_[^"]+)"', created.text).group(1)
    assert created.headers["cache-control"] == "no-store"
    account = users.authenticate(system.app, token)
    assert (account.role.value, account.office) == ("OFFICER", "MLG")
    assert token not in client.get("/ui/ops").text  # never shown again
    assert "Dewi Lestari" in client.get("/ui/ops").text
    with TestClient(create_app(system)) as newcomer:
        sign_in(newcomer, token)
        assert newcomer.get("/ui/cases").status_code == 200


def test_creating_an_account_follows_the_apis_rules(client, system, office):
    sign_in(client, office.tokens["ADMIN"])
    csrf = csrf_of(client.get("/ui/ops").text)
    before = len(users.all_users(system.app))
    other_office = client.post("/ui/ops/users", data={"csrf": csrf, "name": "Eko", "role": "OFFICER", "office": "JKT"})
    assert other_office.status_code == 403
    no_csrf = client.post("/ui/ops/users", data={"name": "Eko", "role": "OFFICER", "office": "MLG"})
    assert no_csrf.status_code == 403
    bad_role = client.post("/ui/ops/users", data={"csrf": csrf, "name": "Eko", "role": "CHIEF", "office": "MLG"})
    assert bad_role.status_code == 422 and "role" in bad_role.text
    # An auditor reads every office: an office's admin may not mint one, nor revoke one.
    auditor = client.post("/ui/ops/users", data={"csrf": csrf, "name": "Eko", "role": "AUDITOR", "office": "MLG"})
    assert auditor.status_code == 403 and "operator server" in auditor.text  # in Indonesian
    assert len(users.all_users(system.app)) == before
    watcher, _ = users.register(system.app, console_admin("MLG"), "Pemeriksa", "AUDITOR", "MLG")
    before += 1
    kept = client.post(f"/ui/ops/users/{watcher.id}/revocation", data={"csrf": csrf, "reason": "nosy"})
    assert kept.status_code == 403 and not users.get_user(system.app, watcher.id).revoked

    client.cookies.clear()
    sign_in(client, office.tokens["SUPERVISOR"])
    csrf = csrf_of(client.get("/ui/reports").text)
    by_supervisor = client.post("/ui/ops/users", data={"csrf": csrf, "name": "Eko", "role": "ADMIN", "office": "MLG"})
    assert by_supervisor.status_code == 403
    assert len(users.all_users(system.app)) == before


def test_an_admin_revokes_a_token_and_its_holders_sessions_end_at_once(client, system, office):
    holder = TestClient(create_app(system))
    cookie = sign_in(holder, office.tokens["OFFICER"])
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    sign_in(client, office.tokens["ADMIN"])
    page = client.get("/ui/ops").text
    assert f'action="/ui/ops/users/{officer.id}/revocation"' in page
    missing_reason = client.post(f"/ui/ops/users/{officer.id}/revocation", data={"csrf": csrf_of(page)})
    assert missing_reason.status_code == 422 and users.authenticate(system.app, office.tokens["OFFICER"])
    done = client.post(f"/ui/ops/users/{officer.id}/revocation", data={"csrf": csrf_of(page), "reason": "lost token"})
    assert done.status_code == 200 and "Token dicabut" in done.text
    assert users.get_user(system.app, UUID(officer.id)).revoked
    assert users.authenticate(system.app, office.tokens["OFFICER"]) is None
    assert rows(system, f"SELECT COUNT(*) FROM {TABLE} WHERE user_id = ? AND ended_at IS NULL", (officer.id,)) == [(0,)]
    assert not signed_in(holder, cookie)
    api = client.get("/passport-applications", headers={"Authorization": f"Bearer {office.tokens['OFFICER']}"})
    assert api.status_code == 401  # the API's token cache in this process forgot it too


def test_an_admin_manages_only_their_own_offices_accounts(client, system, office):
    elsewhere, _ = users.register(system.app, console_admin("JKT"), "Staf Jakarta", "OFFICER", "JKT")
    sign_in(client, office.tokens["ADMIN"])
    page = client.get("/ui/ops").text
    assert "Staf Jakarta" not in page
    refused = client.post(
        f"/ui/ops/users/{elsewhere.id}/revocation", data={"csrf": csrf_of(page), "reason": "not mine"}
    )
    assert refused.status_code == 403
    assert not users.get_user(system.app, elsewhere.id).revoked


def test_the_last_verification_is_the_databases_and_every_instance_shows_it(client, other_instance, system, office):
    def runs() -> int:
        with system.store.connect() as conn:
            if not sql.table_exists(conn, results.RESULTS):
                return 0
            return sql.fetchall(conn, f"SELECT COUNT(*) FROM {results.RESULTS}")[0][0]

    def shown(test_client: TestClient) -> str:
        return re.search(r'<span data-verification="ok">([^<]+)</span>', test_client.get("/ui/ops").text).group(1)

    sign_in(client, office.tokens["ADMIN"])
    before = runs()
    verify_from_the_ops_page(client, client.get("/ui/ops").text, office.tokens["AUDITOR"])
    assert runs() == before + 1  # recorded in the database, not in this process
    _finished_at, result = results.last_recorded(system.store)
    assert result["ok"] and result["summary"] in shown(client)
    sign_in(other_instance, office.tokens["ADMIN"])  # another worker, or this one after a restart
    assert shown(other_instance) == shown(client)
    api = other_instance.get("/ledger/verification", headers={"Authorization": f"Bearer {office.tokens['AUDITOR']}"})
    assert api.status_code == 200 and api.json()["summary"] == result["summary"]
