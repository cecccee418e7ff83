"""Helpers of the web interface tests: a live server in a thread, Chromium, a seeded office,
and the fixtures the page tests share (``office``, ``client``; a plugin of ``tests/conftest.py``)."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.cli.common import console_admin
from api.http.app import create_app
from api.ui.session import COOKIE
from domain.usecases import users
from domain.usecases.base import Actor
from domain.values import Role
from projections.runner import catch_up
from tests.builders import interviewed_passport, submission

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "ui"


@dataclass
class Office:
    """A seeded office: an account per role and a few cases of its own."""

    tokens: dict[str, str]
    interviewed: UUID  # a passport application waiting for a decision
    submitted: UUID  # a fresh application, for commands


def seed_office(system: System, office: str = "MLG", regency_code: str = "3573") -> Office:
    admin = console_admin(office)
    tokens = {
        role: users.register(system.app, admin, f"{role.lower()} {office}", role, office)[1]
        for role in ("OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN")
    }
    officer = Actor(users.authenticate(system.app, tokens["OFFICER"]).id, Role.OFFICER, office)
    interviewed = interviewed_passport(system.app, officer, regency_code=regency_code)
    submitted = system.app.submit_passport_application(officer, **submission(regency_code=regency_code))
    catch_up(system.store, system.projections())
    return Office(tokens, interviewed, submitted)


@pytest.fixture
def office(system: System) -> Office:
    return seed_office(system)


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def verify_from_the_ops_page(client: TestClient, page: str, auditor_token: str) -> str:
    """Click the operations page's "verify" (``page``: its HTML) and wait for the API's
    verification job the click starts; returns the job's id."""
    clicked = client.post("/ui/ops/verify", data={"csrf": csrf_of(page)}, follow_redirects=False)
    job = clicked.headers["location"].partition("verification=")[2].partition("#")[0]
    auditor = {"Authorization": f"Bearer {auditor_token}"}
    deadline = time.monotonic() + 120
    while client.get(f"/ledger/verification/jobs/{job}", headers=auditor).json()["state"] == "running":
        assert time.monotonic() < deadline, "the verification job did not finish"
        time.sleep(0.1)
    return job


def sign_in(client: TestClient, token: str) -> str:
    """Signs in; the session cookie's value."""
    form = client.get("/ui/sign-in")
    answer = client.post(
        "/ui/sign-in", data={"csrf": csrf_of(form.text), "token": token, "next": "/ui/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client.cookies[COOKIE]


def nonce_for(command: str) -> str:
    """A command form's nonce as the case page makes it (``api.ui.pages.cases.new_nonce``)."""
    return f"{secrets.token_urlsafe(12)}-{command}"


def command_form(
    client: TestClient, case_url: str, command: str, version: int, fields: dict[str, str]
) -> dict[str, str]:
    """A case page's command form as the page posts it: the page's CSRF token, the case version it
    showed, a fresh nonce, and the command's own fields (dotted names, e.g. ``referral.agency``)."""
    return {
        "csrf": csrf_of(client.get(case_url).text),
        "version": str(version),
        "nonce": nonce_for(command),
        **fields,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(system: System) -> Iterator[str]:
    """The real app over HTTP on a loopback port, stopped when the block ends."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(system), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="ui-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (its own browser download cannot work offline).

    One per module: Playwright's sync driver cannot start while another is running, and a
    fixture imported into two modules is two fixtures."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
