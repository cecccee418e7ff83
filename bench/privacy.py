"""What per-subject encryption costs: the Malang demo year generated, and passport
applications read by id over HTTP (in-process ASGI client), each with sealed personal data
beside the same without it, in the same run. Goal: sealing costs at most 10 %.

The cost is judged on the CPU time this process spends (the machines here are shared, and
wall time follows whatever else runs); wall time is printed beside it. One run of each moves
by about 10 % from one to the next on a loaded machine, so generation runs ``--rounds`` times
each way, alternating (plain first, then sealed first), each into new stores, and the smaller
CPU time of each side is compared. ``--scale`` writes that fraction of Malang's figures (the
whole year, fewer cases) for a quicker comparison; the issue's figure is ``--scale 1``.

``python -m bench privacy [--requests 2000] [--seed 2024] [--rounds 2] [--scale 1]``   (SQLite, temp dir)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
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


def _demo(app: Berkas, seed: int, scale: Fraction) -> int:
    if scale == 1:
        return generate(app, seed)
    return replay(app, iter(office_year(Site(OFFICES[OFFICE], seed, scale))), lambda day, written: None)


def _generation(
    systems: dict[str, System], sealed_first: bool, seed: int, scale: Fraction
) -> dict[str, tuple[int, float, float]]:
    """One round: plain and sealed demo years into new stores, in the order given."""
    found: dict[str, tuple[int, float, float]] = {}
    for name in ("sealed", "plain") if sealed_first else ("plain", "sealed"):
        app = systems[name].app
        before = os.times()
        found[name] = _timed(lambda app=app: _demo(app, seed, scale))
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
    parser.add_argument("--rounds", type=int, default=2, help="generation runs of each side, alternating")
    parser.add_argument("--scale", type=Fraction, default=Fraction(1), help="of Malang's figures, e.g. 1/4")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="berkas-bench-privacy-") as folder:
        runs: dict[str, list[tuple[int, float, float]]] = {"plain": [], "sealed": []}
        rounds = max(1, args.rounds)
        for round_ in range(rounds):
            print(f"round {round_ + 1}:", flush=True)
            (Path(folder) / f"r{round_}").mkdir()
            sealed, plain = _systems(Path(folder) / f"r{round_}")
            try:
                done = _generation({"sealed": sealed, "plain": plain}, round_ % 2 == 1, args.seed, args.scale)
            finally:
                if round_ < rounds - 1:  # the last round's stores serve the reads
                    sealed.close()
                    plain.close()
            for name, run in done.items():
                runs[name].append(run)
        plain_run = min(runs["plain"], key=lambda run: run[2])
        sealed_run = min(runs["sealed"], key=lambda run: run[2])
        assert plain_run[0] == sealed_run[0]
        ratio_generate = _line(f"demo generation (best of {rounds})", plain_run, sealed_run, "events")
        try:
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
