"""What per-subject encryption costs: the Malang demo year generated, and passport
applications read by id over HTTP (in-process ASGI client), each with sealed personal data
beside the same without it, in the same run. Goal: sealing costs at most 10 %.

``python -m bench privacy [--requests 2000] [--seed 2024]``   (SQLite files in a temp dir)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
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


def _generate(system: System, seed: int) -> tuple[int, float]:
    started = time.perf_counter()
    written = generate(system.app, seed)
    return written, time.perf_counter() - started


def _passport_ids(system: System, count: int) -> list[str]:
    catch_up(system.store, system.projections())
    with system.store.read() as conn:
        rows = conn.execute(
            "SELECT case_id FROM case_index WHERE kind = 'PassportApplication' ORDER BY case_id"
        ).fetchall()
    ids = [row[0] for row in rows]
    return random.Random(7).sample(ids, min(count, len(ids)))


def _reads(system: System, ids: list[str]) -> float:
    _, token = users.register(system.app, console_admin(OFFICE), "bench officer", "OFFICER", OFFICE)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(system)) as client:
        for case_id in ids[:50]:  # warm up: the first reads open each subject's key
            client.get(f"/passport-applications/{case_id}", headers=headers)
        started = time.perf_counter()
        for case_id in ids:
            answer = client.get(f"/passport-applications/{case_id}", headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"bench: GET answered {answer.status_code}")
        return len(ids) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench privacy", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="berkas-bench-privacy-") as folder:
        sealed, plain = _systems(Path(folder))
        try:
            plain_events, plain_seconds = _generate(plain, args.seed)
            sealed_events, sealed_seconds = _generate(sealed, args.seed)
            assert plain_events == sealed_events
            ratio_generate = sealed_seconds / plain_seconds
            print(
                f"demo generation    plain {plain_events / plain_seconds:>9,.0f} events/s ({plain_seconds:.1f} s)   "
                f"sealed {sealed_events / sealed_seconds:>9,.0f} events/s ({sealed_seconds:.1f} s)   "
                f"cost {ratio_generate:.3f} x (limit {LIMIT} x)"
            )
            plain_ids, sealed_ids = _passport_ids(plain, args.requests), _passport_ids(sealed, args.requests)
            plain_rate, sealed_rate = _reads(plain, plain_ids), _reads(sealed, sealed_ids)
            ratio_read = plain_rate / sealed_rate
            print(
                f"GET /passport-applications/{{id}}   plain {plain_rate:>7,.0f} req/s   sealed {sealed_rate:>7,.0f} "
                f"req/s   cost {ratio_read:.3f} x (limit {LIMIT} x)"
            )
        finally:
            sealed.close()
            plain.close()
    ok = ratio_generate <= LIMIT and ratio_read <= LIMIT
    print("privacy: within the limit" if ok else "privacy: OVER the limit", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
