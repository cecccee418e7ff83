"""``berkas serve --workers 2`` as compose runs it: JSON log lines (uvicorn's too, its access
log replaced by ours) and ``/metrics`` adding up the requests of both processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return answer.status, dict(answer.headers), answer.read().decode()


@pytest.mark.slow
def test_two_server_processes_log_json_lines_and_count_requests_together(tmp_path):
    port = free_port()
    env = os.environ | {
        "BERKAS_DATABASE_URL": "",
        "BERKAS_SQLITE_PATH": str(tmp_path / "berkas.db"),
        "BERKAS_LOG_FORMAT": "json",
        "TMPDIR": str(tmp_path),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    stderr = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(server, base)
        for n in range(20):
            status, headers, _ = get(f"{base}/healthz", **{"X-Request-ID": f"probe-{n}"})
            assert (status, headers["x-request-id"]) == (200, f"probe-{n}")
        counted = [
            line
            for line in get(f"{base}/metrics")[2].splitlines()
            if line.startswith('berkas_http_request_duration_seconds_count{method="GET",route="/healthz"')
        ]
        assert len(counted) == 1 and float(counted[0].split()[-1]) >= 21
        assert len(list(tmp_path.glob("berkas-metrics-*/*.db"))) >= 2  # one file set per process
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        stderr.close()
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "berkas.access"]
    assert {line["request_id"] for line in access} >= {f"probe-{n}" for n in range(20)}
    assert all(line["route"] in ("/healthz", "/metrics") and line["status"] == 200 for line in access)
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line["logger"] == "uvicorn.error" for line in lines)
    assert not list(tmp_path.glob("berkas-metrics-*")), "the counts' directory outlives the server"


def test_the_metrics_directory_of_a_finished_server_is_not_left_to_the_next_app(monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from api.bootstrap import bootstrap
    from api.cli import serve
    from api.http.app import create_app
    from api.http.metrics import MULTIPROCESS_DIR
    from api.settings import Settings

    monkeypatch.delenv(MULTIPROCESS_DIR, raising=False)
    monkeypatch.setattr(serve.uvicorn, "run", lambda *args, **kwargs: None)
    serve.run_server("127.0.0.1", 8000, workers=2)
    assert MULTIPROCESS_DIR not in os.environ
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "berkas.db"))
    try:
        assert TestClient(create_app(system)).get("/metrics").status_code == 200
    finally:
        system.close()


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def _wait(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            get(f"{base}/healthz")
            return
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)


def _signed_in(page) -> bool:
    return page.status_code == 200 or (
        page.status_code == 303 and not page.headers["location"].startswith("/ui/sign-in")
    )


def test_two_berkas_serve_over_one_store_share_web_sessions(tmp_path, system):
    """Two hosts, each running ``berkas serve`` over the same database, with no
    BERKAS_SESSION_SECRET: a web session signed in on one is a session on the other."""
    import re

    import httpx

    from api.ui.session import COOKIE
    from tests.api_support import token_for

    token = token_for(system, "OFFICER")
    env = os.environ | {
        "BERKAS_DATABASE_URL": system.settings.database_url or "",
        "BERKAS_SQLITE_PATH": str(system.settings.sqlite_path),
        "TMPDIR": str(tmp_path),
    }
    env.pop("BERKAS_SESSION_SECRET", None)
    ports = [free_port(), free_port()]
    servers = [_start(port, env, tmp_path / f"server-{n}.log") for n, port in enumerate(ports)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for server, base in zip(servers, bases, strict=True):
            _wait(server, base)
        with httpx.Client(base_url=bases[0]) as first:
            form = first.get("/ui/sign-in").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
            signed = first.post("/ui/sign-in", data={"csrf": csrf, "token": token, "next": "/ui/"})
            assert signed.status_code == 303, signed.text
            cookie = first.cookies[COOKIE]
            assert _signed_in(first.get("/ui/"))
        with httpx.Client(base_url=bases[1], cookies={COOKIE: cookie}) as second:
            page = second.get("/ui/")
            assert _signed_in(page), page.headers.get("location")
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


@pytest.mark.parametrize(("trusted", "secure"), [("127.0.0.1", True), ("192.0.2.7", False)])
def test_the_session_cookie_is_secure_behind_a_trusted_proxy_only(tmp_path, system, trusted, secure):
    """Behind a TLS-terminating proxy the app sees plain HTTP: it believes the proxy's
    X-Forwarded-Proto only from BERKAS_FORWARDED_ALLOW_IPS (here the test is the proxy, on
    127.0.0.1), and then marks the session cookie Secure."""
    import re

    import httpx

    from api.ui.session import COOKIE
    from tests.api_support import token_for

    token = token_for(system, "OFFICER")
    env = os.environ | {
        "BERKAS_DATABASE_URL": system.settings.database_url or "",
        "BERKAS_SQLITE_PATH": str(system.settings.sqlite_path),
        "BERKAS_FORWARDED_ALLOW_IPS": trusted,
        "TMPDIR": str(tmp_path),
    }
    env.pop("FORWARDED_ALLOW_IPS", None)
    port = free_port()
    server = _start(port, env, tmp_path / "server.log")
    try:
        _wait(server, f"http://127.0.0.1:{port}")
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=proxied) as browser:
            form = browser.get("/ui/sign-in")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            # Sent back by hand: a browser on https would, httpx on http keeps a Secure cookie to itself.
            visitor = next(h for h in form.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
            browser.cookies.clear()
            signed = browser.post(
                "/ui/sign-in",
                data={"csrf": csrf, "token": token, "next": "/ui/"},
                headers={"Cookie": visitor.partition(";")[0]},
            )
            assert signed.status_code == 303, signed.text
            cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
        assert ("; secure" in cookie.lower()) is secure, cookie
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
