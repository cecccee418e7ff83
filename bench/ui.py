"""The annual report dashboard beside the JSON report, on Kanim Malang's 2024 year.

Both answer from the same view; the page adds the charts, the tables and the template.
Each is requested in turn, in-process through the ASGI app (no network, no client
parsing: server time), by a supervisor of the office signed in as a person would be.
Prints the median time per request of each and their ratio against the limit of 2 ×.

``python -m bench ui``                       generates the year into a fresh PostgreSQL database
``python -m bench ui --database-url URL``    uses a database that already holds the demo year
``python -m bench ui --sqlite PATH``         the same on an SQLite file (generated if missing)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.cli.common import console_admin
from api.demo.run import demo_present, generate
from api.http.app import create_app
from api.settings import Settings
from bench.append import fresh_database
from domain.usecases import users
from projections.runner import catch_up

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LIMIT = 2.0
PAGE = "/ui/reports?year=2024&office=MLG"
JSON = "/reports/annual/2024?office=MLG"


@contextmanager
def demo_store(args: argparse.Namespace) -> Iterator[System]:
    with ExitStack() as stack:
        if args.sqlite:
            settings = Settings(sqlite_path=Path(args.sqlite))
        else:
            url = args.database_url or stack.enter_context(
                fresh_database(os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL)
            )
            # Not beside an SQLite path in the working directory: a scratch folder (a kept
            # database names its key with BERKAS_PERSONAL_DATA_KEY_PATH).
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="berkas-bench-")))
            settings = Settings(database_url=url, sqlite_path=scratch / "unused.db")
        system = stack.enter_context(_closing(bootstrap(settings)))
        if not demo_present(system.app):
            started = time.perf_counter()
            written = generate(system.app)
            print(f"generated Malang 2024: {written:,} events in {time.perf_counter() - started:.0f} s", flush=True)
        catch_up(system.store, system.projections())
        yield system


@contextmanager
def _closing(system: System) -> Iterator[System]:
    try:
        yield system
    finally:
        system.close()


def timings(client: TestClient, path: str, headers: dict[str, str], rounds: int) -> list[float]:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        took.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"bench: {path} answered {answer.status_code}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ui", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="requests of each, after a warm-up (default 30)")
    parser.add_argument("--database-url", help="a PostgreSQL database that holds (or will hold) the demo year")
    parser.add_argument("--sqlite", help="an SQLite file that holds (or will hold) the demo year")
    args = parser.parse_args(argv)
    with demo_store(args) as system, TestClient(create_app(system)) as client:
        _, token = users.register(system.app, console_admin("MLG"), "bench supervisor", "SUPERVISOR", "MLG")
        form = client.get("/ui/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        client.post("/ui/sign-in", data={"csrf": csrf, "token": token})
        page_headers: dict[str, str] = {}
        json_headers = {"Authorization": f"Bearer {token}"}
        assert "73.338" in client.get(PAGE).text, "the dashboard does not show the demo year"
        timings(client, PAGE, page_headers, 3)
        timings(client, JSON, json_headers, 3)
        page, json = [], []
        for _ in range(args.rounds):  # interleaved, so a slow moment of the machine hits both
            page += timings(client, PAGE, page_headers, 1)
            json += timings(client, JSON, json_headers, 1)
    page_ms, json_ms = statistics.median(page) * 1000, statistics.median(json) * 1000
    ratio = page_ms / json_ms
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"dashboard page  {PAGE:<38} median {page_ms:8.1f} ms  ({backend}, {args.rounds} rounds)")
    print(f"JSON report     {JSON:<38} median {json_ms:8.1f} ms")
    verdict = "within" if ratio <= LIMIT else "OVER"
    print(f"page / JSON = {ratio:.2f} ×  ({verdict} the limit of {LIMIT:.0f} ×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
