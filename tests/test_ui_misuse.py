"""The web interface under misuse: what the API refuses, its pages refuse too, and odd
input gets a readable 4xx page, never a 500 (an adversarial review's findings)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from api.ui.pages.auth import HOME
from api.ui.session import COOKIE, TABLE
from domain.usecases import users
from domain.values import Role
from projections.eventstore import sql
from projections.ledger import facts
from projections.ledger.seal import SealProjection
from projections.runner import catch_up
from tests.ui_support import csrf_of, nonce_for, seed_office, sign_in


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


# --- /ui/ops/verify starts the API's verification job --------------------------------------


def _job_of(answer) -> str:
    assert answer.status_code == 303, answer.text[:300]
    found = re.fullmatch(r"/ui/ops\?verification=([0-9a-f]{32})#ledger", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _finished(client: TestClient, job: str, token: str) -> dict:
    deadline = time.monotonic() + 120
    while True:
        state = client.get(f"/ledger/verification/jobs/{job}", headers={"Authorization": f"Bearer {token}"}).json()
        if state["state"] != "running" or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def test_verify_now_starts_the_verification_job_and_shows_it(client, system, office):
    sign_in(client, office.tokens["ADMIN"])
    job = _job_of(
        client.post("/ui/ops/verify", data={"csrf": csrf_of(client.get("/ui/ops").text)}, follow_redirects=False)
    )
    assert _finished(client, job, office.tokens["ADMIN"])["state"] == "succeeded"
    page = client.get(f"/ui/ops?verification={job}").text
    assert f'data-verification-job="{job}"' in page and 'data-verification="ok"' in page


def test_a_second_verify_click_while_one_runs_starts_no_other(database_url, tmp_path):
    """The ledger's origin table locked on PostgreSQL: the verification waits on it, running,
    while the page answers (before: the click verified inline, and never answered until the
    lock went); a second click and the API's POST find the running job."""
    settings = Settings(database_url=database_url, sqlite_path=tmp_path / "unused.db", database_timeout_seconds=120)
    system = bootstrap(settings)
    try:
        office = seed_office(system)
        catch_up(system.store, [SealProjection(None, settings.ledger_origin)])  # the ledger has started
        admin = {"Authorization": f"Bearer {office.tokens['ADMIN']}"}
        with TestClient(create_app(system), raise_server_exceptions=False) as client, ThreadPoolExecutor(2) as pool:
            sign_in(client, office.tokens["ADMIN"])
            assert client.get("/ledger/verification", headers=admin).status_code in (200, 404)  # token cached
            csrf = csrf_of(client.get("/ui/ops").text)
            locker = psycopg.connect(database_url)
            try:
                locker.execute(f"LOCK TABLE {facts.ORIGIN} IN ACCESS EXCLUSIVE MODE")
                click = pool.submit(client.post, "/ui/ops/verify", data={"csrf": csrf}, follow_redirects=False)
                job = _job_of(click.result(timeout=60))
                again = _job_of(client.post("/ui/ops/verify", data={"csrf": csrf}, follow_redirects=False))
                assert again == job
                assert client.post("/ledger/verification", headers=admin).status_code == 409
                running = client.get(f"/ledger/verification/jobs/{job}", headers=admin).json()
                assert running["state"] == "running"
            finally:
                locker.rollback()
                locker.close()
            assert _finished(client, job, office.tokens["ADMIN"])["state"] == "succeeded"
    finally:
        system.close()


@pytest.mark.parametrize(
    "nonce",
    [
        "",
        "anything at all",
        "a" * 64,
        f"{'A' * 16}-biometrics",
        f"{'A' * 15}-payment",
        f"{'A' * 16}-payment\n",
        "é" * 16 + "-payment",
    ],
    ids=["missing", "free-text", "long", "another-command", "short", "newline", "not-ascii"],
)
def test_a_command_form_whose_nonce_is_not_the_one_the_page_makes_is_a_422_page(client, system, office, nonce):
    """The nonce becomes the command's id: it is the page's 16 random URL-safe characters and the
    command's path, nothing else (a free text there would reach the log as part of an id)."""
    sign_in(client, office.tokens["OFFICER"])
    csrf = csrf_of(client.get(f"/ui/cases/{office.submitted}").text)
    form = {"csrf": csrf, "version": "1", "billing_code": "820250100001"} | ({"nonce": nonce} if nonce else {})
    answer = client.post(f"/ui/cases/{office.submitted}/commands/payment", data=form, follow_redirects=False)
    assert answer.status_code == 422 and "nonce" in answer.text, answer.text[:300]
    assert system.app.get_case(office.submitted).version == 1
    good = client.post(
        f"/ui/cases/{office.submitted}/commands/payment",
        data=form | {"nonce": nonce_for("payment")},
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text[:300]


def test_the_case_page_gives_each_command_form_a_nonce_of_the_format_it_takes(client, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    nonces = re.findall(r'name="nonce" value="([^"]+)"', client.get(f"/ui/cases/{office.interviewed}").text)
    assert nonces and all(re.fullmatch(r"[A-Za-z0-9_-]{16}-[a-z-]+", nonce) for nonce in nonces), nonces


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/ui/nope", 404), ("POST", "/ui/reports", 405)])
def test_an_unknown_page_or_method_is_a_page_of_the_interface_not_a_json_document(client, office, method, path, status):
    sign_in(client, office.tokens["AUDITOR"])
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html"), answer.text[:200]


@pytest.mark.parametrize("day", ["3000-01-01", "1066-10-14"])
def test_a_report_page_as_known_on_a_day_outside_the_calendar_is_a_422_page_as_in_the_api(client, office, day):
    sign_in(client, office.tokens["AUDITOR"])
    answer = client.get("/ui/reports", params={"office": "JYP", "year": 2025, "as_known_at": day})
    assert answer.status_code == 422 and "as_known_at" in answer.text, answer.text[:300]
