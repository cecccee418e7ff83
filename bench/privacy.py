"""What per-subject encryption costs: the Malang demo year generated, and passport
applications read by id over HTTP (in-process ASGI client), each with sealed personal data
beside the same without it, in the same run. Goal: sealing costs at most 10 %.

The cost is judged on the CPU time this process spends (the machines here are shared, and
wall time follows whatever else runs); wall time is printed beside it.

``python -m bench privacy [--requests 2000] [--seed 2024]``   (SQLite files in a temp dir)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.cli.common import console_admin
from api.demo.run import OFFICE, generate
from api.http.app import create_app
from api.settings import Settings
from domain.application import Berkas
from domain.usecases import users
from projections.runner import catch_up

LIMIT = 1.10


def _systems(folder: Path) -> tuple[System, System]:
    sealed = bootstrap(Settings(database_url=None, sqlite_path=folder / "sealed.db"))
    plain_settings = Settings(database_url=None, sqlite_path=folder / "plain.db")
    built = bootstrap(plain_settings)
    built.app.close()
    # The same composition, but an application without the seal: personal data in plaintext.
    plain = System(
        settings=plain_settings, store=built.store, app=Berkas(env=built.store.library_env()), vault=built.vault
    )
    return sealed, plain


def _timed(work: Callable[[], int]) -> tuple[int, float, float]:
    """What ``work`` returns, its wall time and this process's CPU time (every thread)."""
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    return done, time.perf_counter() - wall, time.process_time() - cpu


def _passport_ids(system: System, count: int) -> list[str]:
    catch_up(system.store, system.projections())
    with system.store.read() as conn:
        rows = conn.execute(
            "SELECT case_id FROM case_index WHERE kind = 'PassportApplication' ORDER BY case_id"
        ).fetchall()
    ids = [row[0] for row in rows]
    return random.Random(7).sample(ids, min(count, len(ids)))


def _reads(system: System, ids: list[str]) -> tuple[int, float, float]:
    _, token = users.register(system.app, console_admin(OFFICE), "bench officer", "OFFICER", OFFICE)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(system)) as client:
        for case_id in ids[:50]:  # warm up the app; these subjects' keys are then cached
            client.get(f"/passport-applications/{case_id}", headers=headers)

        def read_all() -> int:
            for case_id in ids[50:]:
                answer = client.get(f"/passport-applications/{case_id}", headers=headers)
                if answer.status_code != 200:
                    raise SystemExit(f"bench: GET answered {answer.status_code}")
            return len(ids) - 50

        return _timed(read_all)


def _line(name: str, plain: tuple[int, float, float], sealed: tuple[int, float, float], unit: str) -> float:
    (count, plain_wall, plain_cpu), (_, sealed_wall, sealed_cpu) = plain, sealed
    cost = sealed_cpu / plain_cpu
    print(
        f"{name:<34} plain {count / plain_wall:>8,.0f} {unit}/s wall, {plain_cpu:6.1f} s CPU   "
        f"sealed {count / sealed_wall:>8,.0f} {unit}/s wall, {sealed_cpu:6.1f} s CPU   "
        f"cost {cost:.3f} x CPU (wall {sealed_wall / plain_wall:.3f} x; limit {LIMIT} x)"
    )
    return cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench privacy", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="berkas-bench-privacy-") as folder:
        sealed, plain = _systems(Path(folder))
        try:
            plain_run = _timed(lambda: generate(plain.app, args.seed))
            sealed_run = _timed(lambda: generate(sealed.app, args.seed))
            assert plain_run[0] == sealed_run[0]
            ratio_generate = _line("demo generation", plain_run, sealed_run, "events")
            plain_ids, sealed_ids = _passport_ids(plain, args.requests), _passport_ids(sealed, args.requests)
            ratio_read = _line(
                "GET /passport-applications/{id}", _reads(plain, plain_ids), _reads(sealed, sealed_ids), "req"
            )
        finally:
            sealed.close()
            plain.close()
    ok = ratio_generate <= LIMIT and ratio_read <= LIMIT
    print("privacy: within the limit" if ok else "privacy: OVER the limit", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
