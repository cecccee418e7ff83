"""Ledger throughput: sealing and verifying a year of one office, next to plain SHA-256.

A fresh database gets a year of passport applications (7 events each) recorded across
the days of 2024 through ``bulk_save``, or ``--database-url`` names an existing database
to seal and verify as it stands. The limit is the same run's keyset read of every stored
row with one SHA-256 of its bytes: what any verification must at least do. Targets
(issue #10): verify at >= 0.6 x that limit; an inclusion or consistency proof in < 10 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.append import DEFAULT_ADMIN_URL, EVENTS_PER_CASE, applications, berkas, fresh_database
from berkas_verify import merkle
from domain.case import recorded_at
from projections.eventstore import sql
from projections.eventstore.log import read_page
from projections.eventstore.store import Store
from projections.ledger import facts, tree
from projections.ledger.seal import SealProjection, checkpoint_now
from projections.ledger.verify import verify
from projections.runner import catch_up

TARGET_RATIO = 0.6
TARGET_PROOF_MS = 10.0
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


def _proofs(store: Store, samples: int = 21) -> tuple[float, float]:
    """Median milliseconds of an inclusion proof (a random leaf in the latest signed tree)
    and of a consistency proof (a random signed checkpoint to the latest), on one warm
    connection as the API serves them; each proof is checked by ``berkas_verify``."""
    chance = random.Random(2024)
    with store.connect() as conn:
        signed = facts.checkpoints(conn, signed_only=True)
        latest = signed[-1]
        inclusion, consistency = [], []
        for _ in range(samples + 1):
            index = chance.randrange(latest.size)
            leaf = sql.fetchall(conn, f"SELECT leaf FROM {tree.LEAVES} WHERE leaf_index = ?", (index,))[0][0]
            started = time.perf_counter()
            proof = tree.inclusion_proof(conn, index, latest.size)
            inclusion.append((time.perf_counter() - started) * 1000)
            merkle.verify_inclusion(index, latest.size, bytes(leaf), proof, latest.root)
            old = chance.choice(signed)
            started = time.perf_counter()
            path = tree.consistency_proof(conn, old.size, latest.size)
            consistency.append((time.perf_counter() - started) * 1000)
            merkle.verify_consistency(old.size, latest.size, old.root, latest.root, path)
    # The first of each pays for planning the statements: a warm-up, not a sample.
    return statistics.median(inclusion[1:]), statistics.median(consistency[1:])


def measure(url: str) -> int:
    store = Store(url, Path("unused.db"))
    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    sealed = catch_up(store, [SealProjection(key)])
    checkpoint_now(store, key)
    seal_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = verify(store, [key.public_key()])
    verify_seconds = time.perf_counter() - started
    hashed, limit_seconds = plain_sha256(store)
    limit = hashed / limit_seconds
    inclusion_ms, consistency_ms = _proofs(store)
    print(f"ledger: {hashed:,} events, {result.checkpoints} checkpoints ({result.signed} signed)")
    print(f"{'path':<46} {'seconds':>8} {'events/s':>10} {'vs limit':>8}")
    ratio = 0.0
    for label, count, seconds in (
        ("seal (leaves, tree nodes, Ed25519 per day)", sealed, seal_seconds),
        ("verify (recompute tree, compare, signatures)", result.events, verify_seconds),
        ("limit: keyset read + one SHA-256 per event", hashed, limit_seconds),
    ):
        rate = count / seconds if seconds else 0.0
        print(f"{label:<46} {seconds:>8.2f} {rate:>10,.0f} {rate / limit:>7.2f}x")
        ratio = rate / limit if label.startswith("verify") else ratio
    print(f"inclusion proof, median of 21 random leaves of {result.events:,}: {inclusion_ms:.2f} ms")
    print(f"consistency proof, median of 21 random signed checkpoints to the latest: {consistency_ms:.2f} ms")
    print(f"targets: verify >= {TARGET_RATIO} x limit, each proof < {TARGET_PROOF_MS:.0f} ms")
    print(result.describe())
    met = ratio >= TARGET_RATIO and max(inclusion_ms, consistency_ms) < TARGET_PROOF_MS
    return 0 if result.ok and met else 1


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
