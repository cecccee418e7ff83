"""HTTP API under load, each route beside a trivial FastAPI endpoint measured in the same run.

Seeds a fresh PostgreSQL database (fully processed passport applications to read,
submitted ones to pay), serves ``berkas``'s app under uvicorn and, in another uvicorn
with the same options, a trivial FastAPI app (one ``async`` route answering a constant),
then loads each in turn at 16 connections: with ``wrk`` when it is installed (Debian:
``apt-get install wrk``; it costs the machine far less than a Python client), else with
threads of ``httpx`` clients. Prints requests/s and p99 of each route and its ratio to the
trivial endpoint's, and the goals: GET a case >= 0.5x the throughput at p99 <= 2x, a
command >= 0.25x. Beside them, the database's own floor for a command: the library's
locked, durable append alone (``database_floor``), one flush per append, which a command
written alone cannot outrun (group commit shares one flush among the commands saving at
once, so commands may pass it); a command is reported as a share of it too, with and
without an Idempotency-Key.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

ROUNDS = 3
KEYED = "POST .../payment + Idempotency-Key"
LIVED = "POST postpone/lift, 5+ events"
HISTORIES = 600  # cases with a history; an even count keeps each case's turns on one wrk thread
STEPS = {  # by turns on each case with a history
    "postponement": '{"reason_code": "SUPPORTING_DOCUMENTS"}',
    "postponement-lifting": '{"evidence": "employer letter no. 12/2024"}',
}
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TRIVIAL_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/trivial")
async def trivial() -> dict[str, str]:
    return {"status": "ok"}
"""


@dataclass
class Result:
    name: str
    rate: float  # requests per second
    p50: float  # milliseconds
    p99: float
    errors: int

    def line(self, limit: Result | None) -> str:
        ratios = ""
        if limit is not None and limit is not self:
            ratios = f"  {self.rate / limit.rate:5.2f}x throughput  {self.p99 / limit.p99:5.2f}x p99"
        return (
            f"{self.name:<32} {self.rate:>9,.0f} req/s  p50 {self.p50:7.2f} ms  p99 {self.p99:7.2f} ms"
            f"  errors {self.errors}{ratios}"
        )


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


def interviewed(count: int) -> list[PassportApplication]:
    """Applications paid, photographed and interviewed (four events each): cases with a
    history, on which postponement and its lifting can follow each other for ever."""
    cases = submitted(count)
    for case in cases:
        at = datetime.now(UTC) - timedelta(hours=20)
        step = Provenance("bench-officer", Role.OFFICER, "MLG", at + timedelta(minutes=1))
        case.pay(step, "820300000001")
        case.capture_biometrics(replace(step, occurred_at=at + timedelta(minutes=2)))
        case.interview(replace(step, occurred_at=at + timedelta(minutes=3)), "tourism", (), "credible")
    return cases


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, port: int, workers: int, env: dict[str, str], cwd: str | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    if app.endswith("app_factory"):
        command.append("--factory")
    server = subprocess.Popen(command, env=os.environ | env, cwd=cwd)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("bench: a server did not start")


# --- load generators ------------------------------------------------------------------


WRK_THREADS = 2


def wrk_script(
    method: str, paths: list[str], body: str | list[str] | None, headers: dict[str, str], keyed: bool = False
) -> str:
    """A Lua script for wrk: the threads take turns through the paths, never the same one twice
    (until the list is exhausted), so each payment pays a case of its own; ``keyed`` sends
    each request with an Idempotency-Key of its own. ``body`` may be one per path."""
    lines = [f"wrk.method = {method!r}".replace("'", '"')]
    for name, value in headers.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    bodies = "nil"
    if isinstance(body, list):
        lines.append("bodies = {" + ", ".join(f"[[{b}]]" for b in body) + "}")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        bodies = "bodies[k]"
    elif body is not None:
        lines.append(f"wrk.body = [[{body}]]")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    lines.append("paths = {" + ", ".join(f'"{p}"' for p in paths) + "}")
    extra = ""
    if keyed:
        run = uuid.uuid4().hex[:12]
        lines.append(
            "keyed = function() local h = {}; for k, v in pairs(wrk.headers) do h[k] = v end; "
            f'h["Idempotency-Key"] = "bench-{run}-" .. i; return h end'
        )
        extra = ", keyed()"
    lines += [
        "local counter = 0",
        'setup = function(thread) thread:set("first", counter); counter = counter + 1 end',
        # wrk calls request() once more on its first thread's script, before the run, to check
        # the request it builds (wrk.c: script_verify_request), and never sends that one: the
        # first thread starts a step further back, so every thread's first request sent takes
        # path `first`. (Without it, the first thread's first path, a case's postponement, was
        # never sent and that case's lifting was refused: the one 409 of every run.)
        f"init = function(args) i = first - {WRK_THREADS}; if first == 0 then i = i - {WRK_THREADS} end end",
        f"request = function() i = i + {WRK_THREADS}; local k = (i % #paths) + 1; "
        f"return wrk.format(nil, paths[k]{extra or ', nil'}, {bodies}) end",
    ]
    return "\n".join(lines) + "\n"


def by_wrk(name: str, base: str, script: str, seconds: float, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = [
        "wrk",
        "-t",
        str(WRK_THREADS),
        "-c",
        str(connections),
        "-d",
        f"{seconds:.0f}s",
        "--latency",
        "-s",
        file.name,
        base,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(file.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return Result(name, rate, percentile("50"), percentile("99"), errors)


def by_threads(name: str, request: Callable[[int], bool], count: int, seconds: float, concurrency: int) -> Result:
    """``count`` calls of ``request(i)`` from ``concurrency`` threads, at most ``seconds``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(count))
    deadline = time.perf_counter() + seconds

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
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return Result(name, len(ordered) / (time.perf_counter() - began), statistics.median(ordered) * 1000, p99, errors)


def median(found: list[Result]) -> Result:
    """The round of median throughput, with the median p50 and p99 of all rounds."""
    ordered = sorted(found, key=lambda result: result.rate)
    middle = ordered[len(ordered) // 2]
    p50 = statistics.median(result.p50 for result in found)
    p99 = statistics.median(result.p99 for result in found)
    return Result(middle.name, middle.rate, p50, p99, sum(result.errors for result in found))


def database_floor(url: str, seconds: float, concurrency: int) -> Result:
    """What PostgreSQL alone costs for a command's append, as the library makes it: in one
    transaction LOCK TABLE ... IN EXCLUSIVE MODE (commit order = notification order),
    INSERT, NOTIFY, COMMIT (a durable WAL flush). The lock serialises appends: commands
    written one by one cannot outrun this; batched (group commit) they share its flush."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, state bytea)")
    local = threading.local()

    def append(_: int) -> bool:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(url, autocommit=True)
        with local.conn.transaction():
            local.conn.execute("LOCK TABLE bench_floor IN EXCLUSIVE MODE")
            local.conn.execute("INSERT INTO bench_floor (state) VALUES (%s)", (b"x" * 300,))
            local.conn.execute("NOTIFY bench_floor")
        return True

    return by_threads("database floor: locked append", append, 10**9, seconds, concurrency)


# --- the run ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench http", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each scenario")
    parser.add_argument("--requests", type=int, default=4000, help="requests per scenario (without wrk)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (both servers)")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python client even if wrk is installed")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk
    connections = args.concurrency
    # Enough unpaid applications that no payment is attempted twice.
    payable = int(args.seconds * 2500) if use_wrk else args.requests

    with fresh_database(admin_url) as url, tempfile.TemporaryDirectory() as here:
        key_file = Path(here) / "personal-data.key"
        system = bootstrap(
            Settings(database_url=url, sqlite_path=Path(here) / "unused.db", personal_data_key_path=key_file)
        )
        done = applications(500, datetime.now(UTC) - timedelta(days=30))
        open_cases = submitted(payable)
        # Each gets a postponement, its lifting, a postponement... by turns, every case
        # several times a run: the commands of a case's life after its first.
        lived = interviewed(HISTORIES)
        system.app.bulk_save([*done, *open_cases, *lived])
        _, officer = users.register(system.app, console_admin("MLG"), "bench officer", "OFFICER", "MLG")
        _, auditor = users.register(system.app, console_admin("MLG"), "bench auditor", "AUDITOR", "MLG")
        runner.catch_up(system.store, system.projections())
        system.close()
        Path(here, "trivial_app.py").write_text(TRIVIAL_APP)

        env = {
            "BERKAS_DATABASE_URL": url,
            "BERKAS_POOL_SIZE": str(connections),
            "BERKAS_FOLLOW_PROJECTIONS": "false",
            "BERKAS_PERSONAL_DATA_KEY_PATH": str(key_file),
        }
        port, trivial_port = free_port(), free_port()
        servers = [
            serve("api.http.app:app_factory", port, args.workers, env),
            serve("trivial_app:app", trivial_port, args.workers, {"PYTHONPATH": here}, cwd=here),
        ]
        reads = [f"/passport-applications/{case.id}" for case in done]
        histories = [f"/cases/{case.id}/history" for case in done]
        lists = ["/passport-applications?status=HANDED_OVER&regency=3573&limit=50"]
        payments = [f"/passport-applications/{case.id}/payment" for case in open_cases]
        half = len(payments) // 2
        pay = '{"billing_code": "820300000001"}'
        turns = [f"/passport-applications/{case.id}/{step}" for step in STEPS for case in lived]
        turn_bodies = [STEPS[step] for step in STEPS for _ in lived]
        scenarios: list[tuple[str, int, str, list[str], str | list[str] | None, str]] = [
            ("trivial FastAPI endpoint", trivial_port, "GET", ["/trivial"], None, officer),
            ("GET /passport-applications/id", port, "GET", reads, None, officer),
            ("GET list (status, regency)", port, "GET", lists, None, officer),
            ("GET /cases/id/history", port, "GET", histories, None, auditor),
            ("POST .../payment (command)", port, "POST", payments[:half], pay, officer),
            (KEYED, port, "POST", payments[half:], pay, officer),
            (LIVED, port, "POST", turns, turn_bodies, officer),
        ]

        def measure(scenario: tuple[str, int, str, list[str], str | list[str] | None, str], seconds: float) -> Result:
            name, at, method, paths, body, token = scenario
            headers = {"Authorization": f"Bearer {token}"}
            base = f"http://127.0.0.1:{at}"
            keyed = name == KEYED
            if use_wrk:
                return by_wrk(name, base, wrk_script(method, paths, body, headers, keyed), seconds, connections)
            caller = _caller(base, method, paths, body, headers, keyed)
            return by_threads(name, caller, args.requests, seconds, connections)

        try:
            for _, at, method, paths, _, token in scenarios:  # warm up: pools, caches, keep-alive
                if method == "GET":
                    with httpx.Client(
                        base_url=f"http://127.0.0.1:{at}", headers={"Authorization": f"Bearer {token}"}
                    ) as warm:
                        for path in paths:
                            warm.get(path)
            # The machine is shared and its load swings within seconds: the trivial endpoint
            # and GET by id alternate for ROUNDS rounds, each reported by its median round.
            rounds: dict[str, list[Result]] = {scenarios[0][0]: [], scenarios[1][0]: []}
            for _ in range(ROUNDS):
                for scenario in scenarios[:2]:
                    rounds[scenario[0]].append(measure(scenario, args.seconds / ROUNDS))
            results = [median(found) for found in rounds.values()]
            results += [measure(scenario, args.seconds) for scenario in scenarios[2:]]
            floor = database_floor(url, args.seconds, connections)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)

    tool = "wrk" if use_wrk else "httpx threads"
    print(f"HTTP API ({tool}), {args.workers} uvicorn worker(s), {connections} connections, {args.seconds:.0f} s each")
    trivial = results[0]
    for result in results:
        print(result.line(trivial))
    print(floor.line(None))
    get, command, keyed, lived = results[1], results[4], results[5], results[6]
    print(
        f"goals: GET by id {get.rate / trivial.rate:.2f}x (>= 0.5x), p99 {get.p99 / trivial.p99:.2f}x (<= 2x); "
        f"command {command.rate / trivial.rate:.2f}x (>= 0.25x; on a case with a history "
        f"{lived.rate / trivial.rate:.2f}x), "
        f"{command.rate / floor.rate:.2f}x the database's own floor for an append "
        f"(with an Idempotency-Key {keyed.rate / floor.rate:.2f}x); "
        f"the floor itself is {floor.rate / trivial.rate:.2f}x the trivial endpoint, and its median wait "
        f"{floor.p50 / command.p50:.0%} of a command's"
    )
    return 1 if any(result.errors for result in results) else 0


def _caller(
    base: str, method: str, paths: list[str], body: str | list[str] | None, headers: dict[str, str], keyed: bool = False
) -> Callable:
    local = threading.local()
    run = uuid.uuid4().hex[:12]

    def call(i: int) -> bool:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, headers=headers, timeout=30)
        path = paths[i % len(paths)]
        extra = {"Content-Type": "application/json"} | ({"Idempotency-Key": f"bench-{run}-{i}"} if keyed else {})
        content = body[i % len(body)] if isinstance(body, list) else body
        response = local.client.request(method, path, content=content, headers=extra)
        return response.status_code < 300

    return call


if __name__ == "__main__":
    sys.exit(main())
