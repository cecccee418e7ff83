"""What per-subject encryption costs: the Malang demo year generated, and passport
applications read by id over HTTP (in-process ASGI client), each with sealed personal data
beside the same without it, in the same run. Goal: sealing costs at most 10 %.

The cost is judged on the CPU time this process spends (the machines here are shared, and
wall time follows whatever else runs); wall time is printed beside it. One run of each moves
by about 10 % from one to the next on a loaded machine, so each side is measured beside the
other round after round, alternating which goes first, and the cost is the median over rounds
of the ratio within a round: generation ``--rounds`` times each way, each into new stores;
reads ``--read-rounds`` times each way over the last round's stores, each round reading other
cases (so each read opens its subject's key afresh, the expensive case). ``--scale`` writes
that fraction of Malang's figures (the whole year, fewer cases) for a quicker comparison; the
issue's figure is ``--scale 1``.

On PostgreSQL (``--database-url``, an admin URL: each round writes into two scratch
databases, dropped afterwards) much of the work is the server's: the CPU time counted is this
process's plus that of the server's backends serving each side's database (read from
``/proc``; the server runs on this machine). Not the whole server's: on a server shared with
other benchmarks and tests that moved by more than the cost measured.

``python -m bench privacy [--requests 2000] [--seed 2024] [--rounds 2] [--read-rounds 8] [--scale 1]
[--database-url postgresql://...]`` (SQLite in a temp dir by default)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.cli.common import console_admin
from api.demo.engine import replay
from api.demo.run import OFFICE, generate, office_year
from api.demo.site import Site
from api.http.app import create_app
from api.settings import Settings
from domain.application import Berkas
from domain.offices import OFFICES
from domain.usecases import users
from projections.runner import catch_up

LIMIT = 1.10
WARM_UP = 50  # requests per app before any is measured


def _systems(folder: Path, urls: dict[str, str | None]) -> tuple[System, System]:
    """Keys (and SQLite files) in ``folder``; ``urls``: each side's PostgreSQL database, if any."""
    sealed = bootstrap(Settings(database_url=urls["sealed"], sqlite_path=folder / "sealed.db"))
    plain_settings = Settings(database_url=urls["plain"], sqlite_path=folder / "plain.db")
    built = bootstrap(plain_settings)
    built.app.close()
    # The same composition, but an application without the seal: personal data in plaintext.
    plain = System(
        settings=plain_settings, store=built.store, app=Berkas(env=built.store.library_env()), vault=built.vault
    )
    return sealed, plain


class _Backends:
    """The CPU time of the PostgreSQL server processes serving one side's database: its
    backends (``pg_stat_activity``), read from ``/proc``. Not the whole server's: other
    clients of a shared server (other benchmarks, tests) moved the whole server's CPU time by
    more than the cost measured here. A backend that exits during a run is not counted: the
    applications' pools keep theirs open, and the vault writes through the store's pool."""

    def __init__(self, admin_url: str, database_url: str):
        self.admin_url = admin_url
        self.database = database_url.rpartition("/")[2]

    def snapshot(self) -> dict[int, float]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)).fetchall()
        found = {}
        for (pid,) in rows:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime stime
        return found


def _timed(work: Callable[[], int], server: _Backends | None) -> tuple[int, float, float]:
    """What ``work`` returns, its wall time and its CPU time: this process's (every thread),
    plus, with ``server`` (PostgreSQL), that of the backends serving its database."""
    before = server.snapshot() if server is not None else {}
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if server is not None:
        for pid, seconds in server.snapshot().items():
            earlier = before.get(pid, 0.0)
            cpu += seconds - earlier if seconds >= earlier else seconds  # a pid reused: a new backend
    return done, wall, cpu


@contextlib.contextmanager
def _databases(admin_url: str | None) -> Iterator[dict[str, str | None]]:
    """Each side's database for one round: scratch PostgreSQL databases, or None (SQLite)."""
    if admin_url is None:
        yield {"sealed": None, "plain": None}
        return
    from bench.append import fresh_database

    with fresh_database(admin_url) as sealed, fresh_database(admin_url) as plain:
        yield {"sealed": sealed, "plain": plain}


def _demo(app: Berkas, seed: int, scale: Fraction) -> int:
    if scale == 1:
        return generate(app, seed)
    return replay(app, iter(office_year(Site(OFFICES[OFFICE], seed, scale))), lambda day, written: None)


def _generation(
    systems: dict[str, System], sealed_first: bool, seed: int, scale: Fraction, servers: dict[str, _Backends | None]
) -> dict[str, tuple[int, float, float]]:
    """One round: plain and sealed demo years into new stores, in the order given."""
    found: dict[str, tuple[int, float, float]] = {}
    for name in ("sealed", "plain") if sealed_first else ("plain", "sealed"):
        app = systems[name].app
        before = os.times()
        found[name] = _timed(lambda app=app: _demo(app, seed, scale), servers[name])
        after = os.times()
        print(
            f"  {name:<6} {found[name][0]:>9,} events  {found[name][2]:7.1f} s CPU "
            f"(user {after.user - before.user:6.1f}, sys {after.system - before.system:5.1f})  "
            f"{found[name][1]:7.1f} s wall",
            flush=True,
        )
    return found


def _passport_ids(system: System, count: int) -> list[str]:
    catch_up(system.store, system.projections())
    with system.store.read() as conn:
        rows = conn.execute(
            "SELECT case_id FROM case_index WHERE kind = 'PassportApplication' ORDER BY case_id"
        ).fetchall()
    ids = [row[0] for row in rows]
    return random.Random(7).sample(ids, min(count, len(ids)))


class _Reader:
    """An officer's ``GET /passport-applications/{id}`` over one app, warmed up first."""

    def __init__(self, system: System, ids: list[str], server: _Backends | None):
        self.server = server
        _, token = users.register(system.app, console_admin(OFFICE), "bench officer", "OFFICER", OFFICE)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = TestClient(create_app(system))
        self.client.__enter__()
        for case_id in ids[:WARM_UP]:  # the app's first requests set up what every later one reuses
            self.get(case_id)
        self.ids = ids[WARM_UP:]

    def get(self, case_id: str) -> None:
        answer = self.client.get(f"/passport-applications/{case_id}", headers=self.headers)
        if answer.status_code != 200:
            raise SystemExit(f"bench: GET answered {answer.status_code}")

    def round(self, index: int, rounds: int) -> tuple[int, float, float]:
        """Every ``rounds``-th id from ``index``: each case (and its subject's key) read once."""
        ids = self.ids[index::rounds]

        def read() -> int:
            for case_id in ids:
                self.get(case_id)
            return len(ids)

        return _timed(read, self.server)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


def _reads(
    systems: dict[str, System], count: int, rounds: int, servers: dict[str, _Backends | None]
) -> list[dict[str, tuple[int, float, float]]]:
    """``rounds`` rounds of reads on both apps, alternating which goes first."""
    readers = {
        name: _Reader(system, _passport_ids(system, count + WARM_UP), servers[name]) for name, system in systems.items()
    }
    try:
        found = []
        for index in range(rounds):
            order = ("sealed", "plain") if index % 2 else ("plain", "sealed")
            found.append({name: readers[name].round(index, rounds) for name in order})
        return found
    finally:
        for reader in readers.values():
            reader.close()


def _line(name: str, runs: list[dict[str, tuple[int, float, float]]], unit: str) -> float:
    """The median over rounds of sealed CPU / plain CPU (each round measured side by side)."""
    ratios = [run["sealed"][2] / run["plain"][2] for run in runs]
    walls = [run["sealed"][1] / run["plain"][1] for run in runs]
    cost = statistics.median(ratios)
    plain = sum(run["plain"][0] for run in runs) / sum(run["plain"][1] for run in runs)
    sealed = sum(run["sealed"][0] for run in runs) / sum(run["sealed"][1] for run in runs)
    print(
        f"{name:<34} plain {plain:>8,.0f} {unit}/s wall, sealed {sealed:>8,.0f} {unit}/s wall; "
        f"cost {cost:.3f} x CPU, median of {len(runs)} (rounds {' '.join(f'{r:.3f}' for r in ratios)}; "
        f"wall {statistics.median(walls):.3f} x); limit {LIMIT} x"
    )
    return cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench privacy", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rounds", type=int, default=2, help="generation runs of each side, alternating")
    parser.add_argument("--read-rounds", type=int, default=8, help="read rounds of each side, alternating")
    parser.add_argument("--scale", type=Fraction, default=Fraction(1), help="of Malang's figures, e.g. 1/4")
    parser.add_argument(
        "--database-url", default=None, help="a PostgreSQL admin URL: scratch databases on its server, not SQLite"
    )
    args = parser.parse_args(argv)
    admin = args.database_url
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs", flush=True)
    print("PostgreSQL: CPU time is this process's and its database's backends'" if admin else "SQLite", flush=True)
    with tempfile.TemporaryDirectory(prefix="berkas-bench-privacy-") as folder, contextlib.ExitStack() as databases:
        generations: list[dict[str, tuple[int, float, float]]] = []
        rounds = max(1, args.rounds)
        for round_ in range(rounds):
            print(f"round {round_ + 1}:", flush=True)
            (Path(folder) / f"r{round_}").mkdir()
            urls = databases.enter_context(_databases(args.database_url))
            sealed, plain = _systems(Path(folder) / f"r{round_}", urls)
            servers = {name: _Backends(admin, url) if admin and url else None for name, url in urls.items()}
            try:
                generations.append(
                    _generation({"sealed": sealed, "plain": plain}, round_ % 2 == 1, args.seed, args.scale, servers)
                )
            finally:
                if round_ < rounds - 1:  # the last round's stores serve the reads
                    sealed.close()
                    plain.close()
        assert all(run["plain"][0] == run["sealed"][0] for run in generations)
        ratio_generate = _line("demo generation", generations, "events")
        try:
            reads = _reads({"plain": plain, "sealed": sealed}, args.requests, max(1, args.read_rounds), servers)
            ratio_read = _line("GET /passport-applications/{id}", reads, "req")
        finally:
            sealed.close()
            plain.close()
    print(f"privacy: demo generation {ratio_generate:.3f} x, reads {ratio_read:.3f} x CPU (limit {LIMIT} x)")
    ok = ratio_generate <= LIMIT and ratio_read <= LIMIT
    print("privacy: within the limit" if ok else "privacy: OVER the limit", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
