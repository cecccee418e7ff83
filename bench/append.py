"""Append throughput on PostgreSQL: one save per case, ``bulk_save``, and raw psycopg.

Each path writes the same workload (N passport applications of 7 events: submitted to
handed over) into its own fresh database, created and dropped here. The raw baseline
inserts the very rows the library would store (already encoded) with executemany, in
batches of 1,000, into a plain table with the same columns, so the ratios show what
the library and our code cost on top of the database on this machine, in this run.

Aggregates are built before the clock starts: the figures are for writing, not deciding.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.application import Berkas
from domain.passport import PassportApplication
from domain.values import ApplicationType, Channel, Collector, PersonalData, Product, Provenance, Role
from projections.eventstore.fast_append import CopyApplicationRecorder
from projections.eventstore.store import Store

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EVENTS_PER_CASE = 7
RAW_BATCH = 1_000

# DESIGN.md section 5, measured on the reference machine (2 cores, PostgreSQL 15).
REFERENCE = {
    "single": "4,100 (library)",
    "library": "18,200 (library, 100 per save)",
    "bulk": "goal >= 0.5 x raw",
    "raw": "~55,000 (executemany)",
}


@dataclass(frozen=True)
class Result:
    key: str
    label: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def applications(count: int, start: datetime) -> list[PassportApplication]:
    """``count`` electronic-passport applications, each driven from submission to hand-over."""
    applicant = PersonalData("Bench Applicant", "3573010101900001", datetime(1990, 1, 1).date(), "Jl. Ijen 1, Malang")
    cases = []
    for i in range(count):
        moment = start + timedelta(seconds=i)

        def prov(role: Role, minutes: int, at: datetime = moment) -> Provenance:
            return Provenance(f"bench-{role.value.lower()}", role, "MLG", at + timedelta(minutes=minutes))

        case = PassportApplication.submit(
            uuid.uuid4(),
            prov(Role.OFFICER, 0),
            Channel.M_PASPOR,
            applicant,
            ApplicationType.NEW,
            Product.ELECTRONIC,
            10,
            False,
            "tourism",
            "JPN",
            "3573",
        )
        case.pay(prov(Role.OFFICER, 1), f"8202{i:08d}")
        case.capture_biometrics(prov(Role.OFFICER, 2))
        case.interview(prov(Role.OFFICER, 3), "tourism", (), "credible")
        case.approve(prov(Role.SUPERVISOR, 4), "Permenkumham 18/2022")
        case.issue(prov(Role.OFFICER, 5), f"E{i:07d}")
        case.hand_over(prov(Role.OFFICER, 6), Collector.SELF)
        cases.append(case)
    return cases


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"berkas_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def berkas(url: str, *, library_recorder: bool = False) -> Berkas:
    env = Store(url, Path("unused.db")).library_env()
    if library_recorder:
        env.pop("APPLICATION_RECORDER_TOPIC", None)
    return Berkas(env=env)


def peak_mb() -> float:
    """This process's peak resident memory in MB. Linux's ``VmHWM`` starts afresh when a
    process execs (``ru_maxrss`` keeps the forking parent's, so a spawned child would
    report its parent's size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(key: str, label: str, write: Callable[[], int]) -> Result:
    started = time.perf_counter()
    events = write()
    return Result(key, label, events, time.perf_counter() - started)


def one_save_each(app: Berkas, cases: list[PassportApplication]) -> int:
    return sum(len(app.save(case)) for case in cases)


def library_saves(app: Berkas, cases: list[PassportApplication], batch: int) -> int:
    """What ``bulk_save`` did before it went straight to the recorder: the library's save."""
    return sum(len(app.save(*cases[first : first + batch])) for first in range(0, len(cases), batch))


def raw_executemany(url: str, rows: list[tuple[uuid.UUID, int, str, bytes]]) -> int:
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX raw_events_notification_id_idx ON raw_events (notification_id)")
        conn.commit()
        for first in range(0, len(rows), RAW_BATCH):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                    rows[first : first + RAW_BATCH],
                )
            conn.commit()
    return len(rows)


def run(admin_url: str, n: int, batch: int) -> list[Result]:
    start = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    results = []
    with fresh_database(admin_url) as url:
        app = berkas(url)
        cases = applications(n, start)
        results.append(timed("single", "one save per application", lambda: one_save_each(app, cases)))
        app.close()
    with fresh_database(admin_url) as url:
        app = berkas(url, library_recorder=True)
        cases = applications(n, start)
        label = f"Application.save, {batch} per save, library INSERT"
        results.append(timed("library", label, lambda: library_saves(app, cases, batch)))
        app.close()
    with fresh_database(admin_url) as url:
        app = berkas(url)
        cases = applications(n, start)
        label = f"bulk_save, {batch} per transaction, {type(app.recorder).__name__}"
        results.append(timed("bulk", label, lambda: app.bulk_save(cases, batch)))
        app.close()
    with fresh_database(admin_url) as url:
        encoder = berkas(url)  # only its mapper: the same stored rows the library writes
        rows = [
            (s.originator_id, s.originator_version, s.topic, s.state)
            for case in applications(n, start)
            for s in map(encoder.mapper.to_stored_event, case.collect_events())
        ]
        encoder.close()
        label = f"raw psycopg executemany, {RAW_BATCH:,} per batch"
        results.append(timed("raw", label, lambda: raw_executemany(url, rows)))
    return results


THRESHOLD_SIZES = (7, 14, 35, 70, 140, 350)  # events per insert: 1, 2, 5, 10, 20, 50 applications


def copy_threshold(admin_url: str, events: int = 7_000) -> str:
    """Where COPY starts to pay: ``events`` events inserted in batches of each size, by the
    library's INSERT and by COPY, alternately into one database."""
    lines = [f"{'events per insert':>18} {'library INSERT/s':>17} {'COPY/s':>10} {'COPY vs INSERT':>15}"]
    start = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    with fresh_database(admin_url) as url:
        app = berkas(url)
        recorder = app.recorder
        library_insert = PostgresApplicationRecorder.insert_events
        for size in THRESHOLD_SIZES:
            rates = {}
            for path in ("library", "copy", "library", "copy"):
                stored = [
                    app.mapper.to_stored_event(e) for c in applications(events // 7, start) for e in c.collect_events()
                ]
                batches = [stored[i : i + size] for i in range(0, len(stored), size)]
                began = time.perf_counter()
                for batch in batches:
                    if path == "copy":
                        recorder._copy_events(batch)
                    else:
                        library_insert(recorder, batch)
                rates[path] = max(rates.get(path, 0.0), len(stored) / (time.perf_counter() - began))
            library, copy = rates["library"], rates["copy"]
            lines.append(f"{size:>18} {library:>17,.0f} {copy:>10,.0f} {copy / library:>14.2f}x")
        app.close()
    return "\n".join(lines)


def report(results: list[Result], n: int) -> str:
    raw = next(r for r in results if r.key == "raw")
    lines = [
        f"append: {n:,} passport applications x {EVENTS_PER_CASE} events = {n * EVENTS_PER_CASE:,} events per path",
        f"{'path':<56} {'events/s':>10} {'vs raw':>7}  DESIGN.md reference (events/s)",
    ]
    for r in results:
        lines.append(f"{r.label:<56} {r.rate:>10,.0f} {r.rate / raw.rate:>6.2f}x  {REFERENCE[r.key]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench append", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="passport applications per path (default 20,000)")
    parser.add_argument("--batch", type=int, default=500, help="aggregates per bulk_save transaction (default 500)")
    parser.add_argument("--threshold", action="store_true", help="also measure where COPY starts to pay")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
    results = run(admin_url, args.n, args.batch)
    print(report(results, args.n), flush=True)
    if args.threshold:
        print(f"\nCOPY threshold (now {CopyApplicationRecorder.COPY_THRESHOLD} events):")
        print(copy_threshold(admin_url), flush=True)
    bulk = next(r for r in results if r.key == "bulk")
    return 0 if all(r.events == args.n * EVENTS_PER_CASE for r in results) and bulk.rate > 0 else 1
