"""The national year on PostgreSQL: generate it, rebuild every view in one pass beside a
raw read of the same log, and extrapolate to the whole year (scale 1).

A fresh database gets the national year (every office of the reference data, Malang's
figures scaled by population) at ``--scale``, written through the domain's commands;
another one first gets it at half that scale, so the rebuild's peak memory can be shown
at two sizes of the log. Every rebuild runs in a process of its own, so its peak memory
is its own.
The limit beside the rebuild is the same run's keyset read of every stored row with one
``orjson`` decode: what any rebuild must at least do. Then the ledger seals and verifies
the log (``bench ledger``'s measurement). Prints figures and ratios; asserts nothing.

Goals (DESIGN.md section 5): every view rebuilt at >= 0.6 x the raw read, the national
year extrapolated under 10 minutes on this machine, peak memory flat in the log's size.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import orjson

from api.bootstrap import bootstrap
from api.demo.run import generate_national
from api.settings import Settings
from bench import append
from bench.append import DEFAULT_ADMIN_URL, fresh_database, peak_mb
from projections.eventstore import sql
from projections.eventstore.log import read_page
from projections.eventstore.store import Store
from projections.runner import rebuild
from projections.views.annual_report import AnnualReportView
from projections.views.audit_trail import AuditTrail
from projections.views.case_index import CaseIndex

PAGE = 5_000
APPEND_CASES = 5_000  # passport applications per append path
TARGET_SECONDS = 600.0
TARGET_RATIO = 0.6


def generate(url: str, seed: int, scale: Fraction) -> tuple[int, float]:
    # The database is dropped afterwards: so is its personal-data key, kept out of the working directory.
    with tempfile.TemporaryDirectory(prefix="berkas-bench-") as keys:
        system = bootstrap(Settings(database_url=url, sqlite_path=Path(keys) / "unused.db"))
        try:
            started = time.perf_counter()
            written = generate_national(system.app, seed, scale)
            return written, time.perf_counter() - started
        finally:
            system.close()


def _rebuild_child(url: str, results: multiprocessing.Queue) -> None:
    store = Store(url, Path("unused.db"))
    started = time.perf_counter()
    rebuild(store, [CaseIndex(), AnnualReportView(), AuditTrail()], page_size=PAGE)
    seconds = time.perf_counter() - started
    results.put((seconds, peak_mb()))


def rebuild_all(url: str) -> tuple[float, float]:
    """(seconds, peak MB) of a one-pass rebuild of every view, in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_rebuild_child, args=(url, results))
    child.start()
    outcome = results.get()
    child.join()
    return outcome


def raw_read(url: str) -> tuple[int, float]:
    """The limit: keyset pages of every stored row, each state decoded by orjson, nothing else."""
    store = Store(url, Path("unused.db"))
    started, count, after = time.perf_counter(), 0, 0
    with sql.connection(store) as conn:
        while True:
            page = read_page(conn, (), after, 2**62, PAGE)
            for row in page:
                orjson.loads(row.state)
            count += len(page)
            if len(page) < PAGE:
                break
            after = page[-1].notification_id
    return count, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench national", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=Fraction, default=Fraction(1, 100), help="share of the national year (0.01)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-ledger", action="store_true", help="skip sealing and verifying")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    sizes = []
    with fresh_database(admin_url) as url:
        events, seconds = generate(url, args.seed, args.scale / 2)
        print(
            f"generated the year at scale {float(args.scale / 2):g}: {events:,} events in {seconds:.1f} s", flush=True
        )
        _, peak = rebuild_all(url)
        sizes.append((events, peak))
    with fresh_database(admin_url) as url:
        written, generated_seconds = generate(url, args.seed, args.scale)
        print(f"generated the year at scale {float(args.scale):g}: {written:,} events in {generated_seconds:.1f} s")
        rebuild_seconds, peak = rebuild_all(url)
        sizes.append((written, peak))
        read, read_seconds = raw_read(url)
        events = written
        ours, limit = events / rebuild_seconds, read / read_seconds
        year = events / float(args.scale)
        print(f"\nnational year at scale {float(args.scale):g}: {events:,} events (scale 1: about {year:,.0f} events)")
        print(f"generating through the domain's commands (demo engine): {written / generated_seconds:,.0f} events/s")
        print(f"{'path':<52} {'seconds':>8} {'events/s':>10} {'vs raw':>7}")
        print(
            f"{'rebuild of every view, one pass (3 views)':<52} {rebuild_seconds:>8.1f} {ours:>10,.0f} "
            f"{ours / limit:>6.2f}x  (goal >= {TARGET_RATIO} x)"
        )
        print(f"{'raw keyset read + orjson decode':<52} {read_seconds:>8.1f} {limit:>10,.0f} {1:>6.2f}x")
        extrapolated, generating = year / ours, year / (written / generated_seconds)
        print(
            f"rebuild of the national year (scale 1), extrapolated: {extrapolated / 60:.1f} min "
            f"(goal < {TARGET_SECONDS / 60:.0f} min); generating it: {generating / 3600:.1f} h"
        )
        print("peak memory of the rebuild: " + ", ".join(f"{mb:.0f} MB at {n:,} events" for n, mb in sizes))
        print()
        print(append.report(append.run(admin_url, APPEND_CASES, 500), APPEND_CASES))
        if not args.no_ledger:
            from bench.ledger import measure

            print()
            measure(url)
    return 0
