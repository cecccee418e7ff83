"""HTTP API under load: uvicorn on loopback over PostgreSQL, 16 concurrent clients.

Seeds a fresh database (fully processed passport applications to read, submitted ones
to pay), starts ``berkas``'s app under uvicorn in its own process, and drives it from
threads with one ``httpx`` client each, bounded by a request count and a time limit.
Scenarios: GET a case by id, a filtered list, an auditor's history, a command (pay a
fee). Beside them, in the same run and the same harness, a raw psycopg point read of
the same cases' events: what the database alone costs for the data a GET returns.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from api.bootstrap import bootstrap
from api.cli.common import console_admin
from api.settings import Settings
from bench.append import applications, fresh_database
from domain.passport import PassportApplication
from domain.usecases import users
from domain.values import ApplicationType, Channel, PersonalData, Product, Provenance, Role
from projections import runner

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = len(ordered) / self.seconds
        return f"{self.name:<28} {rate:>9,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  errors {self.errors}"


def submitted(count: int) -> list[PassportApplication]:
    applicant = PersonalData("Bench Applicant", "3573010101900001", datetime(1990, 1, 1).date(), "Jl. Ijen 1, Malang")
    at = datetime.now(UTC) - timedelta(days=1)
    return [
        PassportApplication.submit(
            uuid.uuid4(),
            Provenance("bench-officer", Role.OFFICER, "MLG", at),
            Channel.WALK_IN,
            applicant,
            ApplicationType.NEW,
            Product.ELECTRONIC,
            5,
            False,
            "tourism",
            "JPN",
            "3573",
        )
        for _ in range(count)
    ]


def load(name: str, request: Callable[[int], bool], count: int, limit: float, concurrency: int) -> Result:
    """``count`` calls of ``request(i)`` from ``concurrency`` threads, at most ``limit`` seconds."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(count))
    deadline = time.perf_counter() + limit

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            ok = request(i)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, latencies, time.perf_counter() - began, errors)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(url: str, port: int, pool: int, workers: int) -> subprocess.Popen:
    env = os.environ | {"BERKAS_DATABASE_URL": url, "BERKAS_POOL_SIZE": str(pool)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.http.app:app_factory",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("bench: the API did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench http", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario")
    parser.add_argument("--seconds", type=float, default=15.0, help="time limit per scenario")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    n, concurrency = args.requests, args.concurrency

    with fresh_database(admin_url) as url:
        system = bootstrap(Settings(database_url=url))
        done = applications(200, datetime.now(UTC) - timedelta(days=30))
        open_cases = submitted(n)
        system.app.bulk_save([*done, *open_cases])
        _, officer = users.register(system.app, console_admin("MLG"), "bench officer", "OFFICER", "MLG")
        _, auditor = users.register(system.app, console_admin("MLG"), "bench auditor", "AUDITOR", "MLG")
        runner.catch_up(system.store, system.projections())
        system.close()
        read_ids = [str(case.id) for case in done]

        port = free_port()
        server = serve(url, port, pool=concurrency, workers=args.workers)
        local = threading.local()

        def client(token: str) -> httpx.Client:
            if not hasattr(local, token):
                setattr(
                    local,
                    token,
                    httpx.Client(
                        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=30
                    ),
                )
            return getattr(local, token)

        def connection() -> psycopg.Connection:
            if not hasattr(local, "conn"):
                local.conn = psycopg.connect(url, autocommit=True)
            return local.conn

        def raw_read(i: int) -> bool:
            rows = (
                connection()
                .execute(
                    "SELECT originator_version, topic, state FROM berkas_events WHERE originator_id = %s "
                    "ORDER BY originator_version",
                    (uuid.UUID(read_ids[i % len(read_ids)]),),
                )
                .fetchall()
            )
            return len(rows) == 7

        def get_case(i: int) -> bool:
            return client(officer).get(f"/passport-applications/{read_ids[i % len(read_ids)]}").status_code == 200

        def list_cases(_: int) -> bool:
            params = {"status": "HANDED_OVER", "regency": "3573", "limit": 50}
            return client(officer).get("/passport-applications", params=params).status_code == 200

        def history(i: int) -> bool:
            return client(auditor).get(f"/cases/{read_ids[i % len(read_ids)]}/history").status_code == 200

        def pay(i: int) -> bool:
            response = client(officer).post(
                f"/passport-applications/{open_cases[i].id}/payment",
                json={"billing_code": f"8203{i:08d}"},
                headers={"Idempotency-Key": f"bench-{i}"},
            )
            return response.status_code == 200

        try:
            # Warm up: connections in the server's pools, the client's keep-alive sockets.
            for warm in (get_case, list_cases, history):
                load("warm-up", warm, concurrency * 4, args.seconds, concurrency)
            results = [
                load("raw psycopg point read", raw_read, n, args.seconds, concurrency),
                load("GET /passport-applications/id", get_case, n, args.seconds, concurrency),
                load("GET list (status, regency)", list_cases, n, args.seconds, concurrency),
                load("GET /cases/id/history", history, n, args.seconds, concurrency),
                load("POST .../payment (command)", pay, n, args.seconds, concurrency),
            ]
        finally:
            server.terminate()
            server.wait(timeout=10)

    print(
        f"HTTP API, {args.workers} uvicorn worker(s), concurrency {concurrency}, "
        f"up to {n} requests or {args.seconds:.0f} s per scenario"
    )
    for result in results:
        print(result.line())
    raw = len(results[0].latencies) / results[0].seconds
    by_id = len(results[1].latencies) / results[1].seconds
    print(f"GET by id costs {raw / by_id:.1f}x a raw point read of the same events")
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
