"""The database goes away and comes back: the API answers 503 with Retry-After within a few
seconds (never a hang, never a 500) and recovers by itself, without a restart."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import bootstrap
from api.http.app import create_app
from api.settings import Settings
from tests.api_support import auth, passport_body, token_for

pytestmark = pytest.mark.postgres


class Proxy:
    """A TCP relay to PostgreSQL on loopback that can be cut (every connection reset, new
    ones refused) and restored on the same port: the database, as the app sees it, goes down."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        assert self.listener is not None
        with self.lock:
            for sock in [self.listener, *self.sockets]:
                try:  # wakes the relay threads blocked on it; a bare close would not
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets.clear()


@pytest.fixture
def proxied(database_url: str, tmp_path) -> Iterator[tuple[TestClient, Proxy, str]]:
    parts = urlsplit(database_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.start()
    url = database_url.replace(parts.netloc, f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}", 1)
    settings = Settings(database_url=url, sqlite_path=tmp_path / "x.db", database_timeout_seconds=1)
    system = bootstrap(settings)
    try:
        with TestClient(create_app(system), raise_server_exceptions=False) as client:
            yield client, proxy, token_for(system, "OFFICER")
    finally:
        proxy.cut()
        system.close()


def test_a_database_outage_answers_503_with_retry_after_and_recovers_by_itself(proxied):
    client, proxy, officer = proxied
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer))
    assert case.status_code == 201
    path = f"/passport-applications/{case.json()['id']}"
    assert client.get(path, headers=auth(officer)).status_code == 200

    proxy.cut()
    # A cached answer may still be given while the read cache's follower is within its lag
    # (it notices the lost connection at once, and answers nothing older than 1 s).
    time.sleep(1.1)
    for request in (
        lambda: client.get(path, headers=auth(officer)),
        lambda: client.get("/passport-applications", headers=auth(officer)),
        lambda: client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=auth(officer)),
    ):
        started = time.monotonic()
        response = request()
        assert time.monotonic() - started < 5
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:berkas:problem:database-unavailable"
        assert int(response.headers["Retry-After"]) >= 1

    proxy.start()
    deadline = time.monotonic() + 30
    statuses = []
    while time.monotonic() < deadline:
        statuses.append(client.get(path, headers=auth(officer)).status_code)
        if statuses[-1] == 200:
            break
        time.sleep(0.5)
    assert statuses[-1] == 200, statuses
    paid = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=auth(officer))
    assert paid.status_code == 200 and paid.json()["status"] == "PAID"
