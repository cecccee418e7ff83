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
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from api.bootstrap import bootstrap
from api.demo.run import generate_national
from api.settings import Settings
from bench import _sqlprobe, append
from bench.append import DEFAULT_ADMIN_URL, fresh_database
from bench.common import Timing, ratio, raw_read, rebuild_in_child
from projections.runner import Projection
from projections.views.annual_report import AnnualReportView
from projections.views.audit_trail import AuditTrail
from projections.views.case_index import CaseIndex

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


def views() -> list[Projection]:
    return [CaseIndex(), AnnualReportView(), AuditTrail()]


def compare(url: str, events: int, rounds: int) -> tuple[Timing, Timing, float]:
    """(the best rebuild, the best raw read, the rebuild's peak MB): the raw read and the
    rebuild alternate, ``rounds`` rebuilds between ``rounds + 1`` reads, so both meet the
    same spells of a busy machine."""
    reads, rebuilds, peak = [raw_read(url)], [], 0.0
    for _ in range(rounds):
        timing, _, peak = rebuild_in_child(url, views, events)
        rebuilds.append(timing)
        reads.append(raw_read(url))
    best = lambda timings: max(timings, key=lambda t: t.rate)  # noqa: E731
    return best(rebuilds), best(reads), peak


def report(ours: Timing, limit: Timing, year: float) -> None:
    print(f"rebuild of every view, one pass (3 views, Python folds): {ours.describe()}")
    print(f"raw keyset read + orjson decode:           {limit.describe()}")
    print(f"rebuild / raw read: {ratio(ours, limit)}  (goal >= {TARGET_RATIO} x)")
    for label, size in (("the generated national year", year), ("a national year of 40 M events", 40e6)):
        print(
            f"rebuild of {label} ({size / 1e6:.1f} M events), extrapolated: {size / ours.rate / 60:.1f} min wall"
            + ("" if ours.cpu_rate is None else f", {size / ours.cpu_rate / 60:.1f} min of CPU")
            + f" (goal < {TARGET_SECONDS / 60:.0f} min)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench national", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=Fraction, default=Fraction(1, 100), help="share of the national year (0.01)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rounds", type=int, default=2, help="rebuilds, each between two raw reads (2)")
    parser.add_argument("--no-ledger", action="store_true", help="skip sealing and verifying")
    parser.add_argument(
        "--sql-probe", action="store_true", help="also time a set-based SQL fold of the views (bench/_sqlprobe.py)"
    )
    parser.add_argument(
        "--database-url", help="only compare the rebuild with the raw read on this database's log (of --scale)"
    )
    args = parser.parse_args(argv)
    if args.database_url:
        events = raw_read(args.database_url).rows
        ours, limit, peak = compare(args.database_url, events, args.rounds)
        report(ours, limit, events / float(args.scale))
        print(f"peak memory of the rebuild: {peak:.0f} MB at {events:,} events")
        if args.sql_probe:
            _sqlprobe.measure(args.database_url, args.rounds)
        return 0
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    sizes = []
    with fresh_database(admin_url) as url:
        events, seconds = generate(url, args.seed, args.scale / 2)
        print(
            f"generated the year at scale {float(args.scale / 2):g}: {events:,} events in {seconds:.1f} s", flush=True
        )
        _, _, peak = rebuild_in_child(url, views, events)
        sizes.append((events, peak))
    with fresh_database(admin_url) as url:
        events, generated_seconds = generate(url, args.seed, args.scale)
        print(f"generated the year at scale {float(args.scale):g}: {events:,} events in {generated_seconds:.1f} s")
        ours, limit, peak = compare(url, events, args.rounds)
        sizes.append((events, peak))
        year = events / float(args.scale)
        print(f"\nnational year at scale {float(args.scale):g}: {events:,} events (scale 1: about {year:,.0f} events)")
        print(f"generating through the domain's commands (demo engine): {events / generated_seconds:,.0f} events/s")
        report(ours, limit, year)
        print(f"generating the national year: {year / (events / generated_seconds) / 3600:.1f} h")
        print("peak memory of the rebuild: " + ", ".join(f"{mb:.0f} MB at {n:,} events" for n, mb in sizes))
        if args.sql_probe:
            _sqlprobe.measure(url, args.rounds)
        print()
        print(append.report(append.run(admin_url, APPEND_CASES, 500), APPEND_CASES), flush=True)
        if not args.no_ledger:
            from bench.ledger import measure

            print()
            measure(url)
    return 0
