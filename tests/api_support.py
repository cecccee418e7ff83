"""Helpers of the HTTP tests: the real app over PostgreSQL, real tokens, valid bodies."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.cli.common import console_admin
from api.http.app import create_app
from domain.usecases import users
from tests.builders import APPLICANT_NAME, FOREIGNER_NAME, FOREIGNER_NIK, fresh_nik

LEGAL_BASIS = "Pasal 27 Permenkumham 8/2014"


@pytest.fixture
def client(pg_system: System) -> Iterator[TestClient]:
    with TestClient(create_app(pg_system), raise_server_exceptions=False) as test_client:
        yield test_client


def token_for(system: System, role: str, office: str = "MLG") -> str:
    _, token = users.register(system.app, console_admin(office), f"{role.lower()} tester", role, office)
    return token


def account_for(system: System, role: str, office: str = "MLG") -> str:
    """A registered account's id: what the CLI's ``--as`` takes."""
    user, _ = users.register(system.app, console_admin(office), f"{role.lower()} tester", role, office)
    return str(user.id)


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


class Clock:
    """Business times that only move forward, in the recent past."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=30)

    def next(self) -> str:
        self.now += timedelta(minutes=5)
        return self.now.isoformat()


def person(name: str = APPLICANT_NAME, nik: str | None = None) -> dict[str, Any]:
    """An applicant of their own (one open application per person and product)."""
    return {"name": name, "nik": nik or fresh_nik(), "birth_date": "1990-12-05", "address": "Jl. Ijen 12, Kota Malang"}


def passport_body(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "M_PASPOR",
        "applicant": person(),
        "application_type": "NEW",
        "product": "ELECTRONIC",
        "validity_years": 10,
        "expedited": False,
        "purpose": "tourism",
        "destination": "JPN",
        "regency_code": "3573",
    } | overrides


def foreigner() -> dict[str, Any]:
    return person(FOREIGNER_NAME, FOREIGNER_NIK)


def fresh_foreigner_in(body: dict[str, Any]) -> dict[str, Any]:
    """A stay-permit application's body (an OpenAPI example, say) for a foreigner of its own:
    one foreigner has one open application per permit kind, and tests share a database."""
    nik = FOREIGNER_NIK[:6] + f"{uuid.uuid4().int % 10**10:010d}"
    return body | {"foreigner": body["foreigner"] | {"nik": nik}}


def finding_body() -> dict[str, Any]:
    return {
        "subject": foreigner(),
        "nationality": "CHN",
        "alleged_violation": "working without a permit",
        "article": "Pasal 122 UU 6/2011",
        "summary": "found working at a construction site",
    }


def key() -> str:
    return f"key-{uuid.uuid4().hex}"


@contextmanager
def api_process(env: dict[str, str], **popen: Any) -> Iterator[httpx.Client]:
    """The API in a uvicorn process of its own (``env`` over this one's), a client for it
    once ``/healthz`` answers; the process is stopped on the way out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "api.http.app:app_factory", "--factory", "--port", str(port)]
    server = subprocess.Popen([*command, "--log-level", "warning"], env=os.environ | env, **popen)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield http
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def server_process(pg_system: System, tmp_path) -> Iterator[httpx.Client]:
    """The same API in a uvicorn process of its own, on the test's PostgreSQL database and keys."""
    env = {
        "BERKAS_DATABASE_URL": pg_system.settings.database_url or "",
        "BERKAS_FOLLOW_PROJECTIONS": "false",
        "BERKAS_SQLITE_PATH": str(tmp_path / "unused-too.db"),
        "BERKAS_PERSONAL_DATA_KEY_PATH": str(pg_system.settings.personal_data_key_file),
    }
    with api_process(env, stdout=subprocess.DEVNULL) as http:
        yield http


def all_at_once(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send the requests together, each from a thread of its own once all are ready."""
    ready = threading.Barrier(len(requests), timeout=30)

    def send(request: Callable[[], httpx.Response]) -> httpx.Response:
        ready.wait()
        return request()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))
