"""Ledger throughput: sealing and verifying a year of one office, next to plain SHA-256.

A fresh database gets a year of passport applications (7 events each) recorded across
the days of 2024 through ``bulk_save``, or ``--database-url`` names an existing database
to seal and verify as it stands. The limit is the same run's keyset read of every stored
row with one SHA-256 of its bytes: what any verification must at least do. The target
(issue "tamper-evident ledger"): verify a year of one office, ~550k events, in < 30 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.append import DEFAULT_ADMIN_URL, EVENTS_PER_CASE, applications, berkas, fresh_database
from domain.case import recorded_at
from projections.eventstore import sql
from projections.eventstore.log import read_page
from projections.eventstore.store import Store
from projections.ledger.seal import SealProjection
from projections.ledger.verify import verify
from projections.runner import catch_up

TARGET_SECONDS = 30.0
READ_PAGE = 20_000


def record_year(url: str, events: int) -> int:
    """``events`` events spread over the 366 recording days of 2024."""
    app = berkas(url)
    per_day = max(1, events // EVENTS_PER_CASE // 366)
    written, day = 0, datetime(2024, 1, 1, 1, tzinfo=UTC)
    try:
        while written < events and day.year == 2024:
            with recorded_at(day):
                written += app.bulk_save(applications(per_day, day), 500)
            day += timedelta(days=1)
    finally:
        app.close()
    return written


def plain_sha256(store: Store) -> tuple[int, float]:
    """The limit: read every stored row in keyset pages and hash its bytes once."""
    started, count, after = time.perf_counter(), 0, 0
    with sql.connection(store) as conn, sql.transaction(conn):
        while True:
            page = read_page(conn, (), after, 2**62, READ_PAGE)
            for row in page:
                hashlib.sha256(row.state).digest()
            count += len(page)
            if len(page) < READ_PAGE:
                break
            after = page[-1].notification_id
    return count, time.perf_counter() - started


def measure(url: str) -> int:
    store = Store(url, Path("unused.db"))
    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    sealed = catch_up(store, [SealProjection(key)])
    seal_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = verify(store, key.public_key())
    verify_seconds = time.perf_counter() - started
    hashed, limit_seconds = plain_sha256(store)
    limit = hashed / limit_seconds
    print(f"ledger: {hashed:,} events, {result.checkpoints} signed day checkpoints")
    print(f"{'path':<44} {'seconds':>8} {'events/s':>10} {'vs limit':>8}")
    for label, count, seconds in (
        ("seal (chain, day trees, Ed25519 per day)", sealed, seal_seconds),
        ("verify (recompute + compare + signatures)", result.events, verify_seconds),
        ("limit: keyset read + one SHA-256 per event", hashed, limit_seconds),
    ):
        rate = count / seconds if seconds else 0.0
        print(f"{label:<44} {seconds:>8.2f} {rate:>10,.0f} {rate / limit:>7.2f}x")
    year = 550_000 / (result.events / verify_seconds) if result.events else float("inf")
    print(f"verify of a year of one office (550k events), extrapolated: {year:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    print(result.describe())
    return 0 if result.ok and year < TARGET_SECONDS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ledger", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=550_000, help="events to generate (default 550,000)")
    parser.add_argument("--database-url", help="seal and verify this existing database instead of generating one")
    args = parser.parse_args(argv)
    if args.database_url:
        return measure(args.database_url)
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    with fresh_database(admin_url) as url:
        started = time.perf_counter()
        written = record_year(url, args.events)
        print(f"generated {written:,} events over 2024 in {time.perf_counter() - started:.1f} s", flush=True)
        return measure(url)
