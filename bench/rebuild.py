"""Rebuild speed of the annual report on PostgreSQL, beside the library's ProjectionRunner
and a raw keyset read + orjson decode of the same rows.

Uses the database in ``BERKAS_BENCH_DATABASE_URL`` if it already holds a log; otherwise
creates a scratch database on that server, fills it with a synthetic year through
``bulk_save``, and drops it afterwards. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from eventsourcing.persistence import MapperDeserialisationError

from api.bootstrap import bootstrap
from api.settings import Settings
from bench.common import ratio, raw_read, rebuild_in_child
from domain.case import recorded_at
from domain.enforcement import EnforcementCase
from domain.passport import PassportApplication
from domain.stay_permit import StayPermit
from domain.values import (
    AdministrativeAction,
    ApplicationType,
    CaseSource,
    Channel,
    Collector,
    PermitBasis,
    PermitKind,
    PersonalData,
    Product,
    Provenance,
    RefusalReason,
    Role,
    StayTerm,
)
from projections.eventstore.store import Store
from projections.runner import Projection
from projections.views.annual_report import TOPICS, AnnualReportView

EVENTS = int(os.environ.get("BERKAS_BENCH_EVENTS", "300000"))
LIBRARY_SECONDS = 5.0
PERSON = PersonalData("Bench Subject", "3573010101900001", date(1990, 1, 1), "Jl. Bench 1, Malang")


def _prov(role: Role, at: datetime) -> Provenance:
    return Provenance(f"{role.value.lower()}-bench", role, "MLG", at)


def _passport(rng: random.Random, at: datetime) -> PassportApplication:
    """One application of 2024 along its usual path (7 events when issued)."""
    step = timedelta(minutes=20)
    case = PassportApplication.submit(
        uuid.uuid4(),
        _prov(Role.OFFICER, at),
        Channel.M_PASPOR,
        PERSON,
        rng.choice(list(ApplicationType)),
        Product.ELECTRONIC if rng.random() < 0.25 else Product.NON_ELECTRONIC,
        rng.choice((5, 10)),
        rng.random() < 0.05,
        "tourism",
        "SAU",
        "3507",
    )
    case.pay(_prov(Role.OFFICER, at + step), f"8202401{rng.randrange(10**6):06d}")
    case.capture_biometrics(_prov(Role.OFFICER, at + 2 * step))
    case.interview(_prov(Role.OFFICER, at + 3 * step), "tourism", (), "credible")
    if rng.random() < 0.01:
        case.refuse(_prov(Role.SUPERVISOR, at + 4 * step), RefusalReason.PMI_NONPROCEDURAL, "Pasal 18 UU 6/2011", None)
        return case
    case.approve(_prov(Role.SUPERVISOR, at + 4 * step), "Permenkumham 8/2014")
    case.issue(_prov(Role.OFFICER, at + 5 * step), f"X{rng.randrange(10**7):07d}")
    case.hand_over(_prov(Role.OFFICER, at + 6 * step), Collector.SELF)
    return case


def _others(rng: random.Random, at: datetime) -> list:
    step = timedelta(hours=1)
    permit = StayPermit.apply_for(
        uuid.uuid4(),
        _prov(Role.OFFICER, at),
        PermitKind.ITAS,
        PermitBasis.VISA,
        PERSON,
        "AUS",
        "PA1",
        "PT X",
        StayTerm.YEARS_1,
    )
    permit.pay(_prov(Role.OFFICER, at + step), "820240300001")
    start = at.date()
    permit.issue(_prov(Role.SUPERVISOR, at + 2 * step), "2C1", start, StayTerm.YEARS_1.end(start), "PP 48/2021")
    case = EnforcementCase.open(
        uuid.uuid4(), _prov(Role.OFFICER, at), CaseSource.COUNTER, None, PERSON, "CHN", "overstay", "Pasal 78"
    )
    case.examine(_prov(Role.OFFICER, at + step), "BAP-1")
    case.impose_action(
        _prov(Role.SUPERVISOR, at + 2 * step), AdministrativeAction.CHARGE, "KEP-1", "OVERSTAY", "Pasal 75"
    )
    case.assess_charge(_prov(Role.OFFICER, at + 3 * step), Decimal(1_000_000))
    return [permit, case]


def _history(events: int) -> Iterator:
    """A year of one busy office, in the order it happened (as a live log would be)."""
    rng = random.Random(2024)
    at = datetime(2024, 1, 2, 1, tzinfo=UTC)
    gap = 360 * 86400 / (events / 7)
    made = 0
    while made < events:
        at += timedelta(seconds=rng.expovariate(1 / gap))
        with recorded_at(at + timedelta(hours=3)):
            aggregates = [_passport(rng, at)] if rng.random() < 0.98 else _others(rng, at)
        for aggregate in aggregates:
            made += len(aggregate.pending_events)
            yield aggregate


def _prepare(admin_url: str) -> tuple[str, str | None]:
    """(database url, scratch database name to drop afterwards or None)."""
    with psycopg.connect(admin_url) as conn:
        exists = conn.execute("SELECT to_regclass('berkas_events')").fetchone()[0]
        count = conn.execute("SELECT COUNT(*) FROM berkas_events").fetchone()[0] if exists else 0
    if count >= 100_000:
        return admin_url, None
    name = f"berkas_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rpartition('/')[0]}/{name}"
    # A scratch database, dropped afterwards: its personal-data key stays out of the working directory.
    with tempfile.TemporaryDirectory(prefix="berkas-bench-") as keys:
        system = bootstrap(Settings(database_url=url, sqlite_path=Path(keys) / "unused.db"))
        began = time.perf_counter()
        written = system.app.bulk_save(_history(EVENTS), batch_size=100)
        print(f"generated {written:,} events in {time.perf_counter() - began:.1f} s (bulk_save, 100 aggregates a save)")
        system.close()
    return url, name


def annual_report() -> list[Projection]:
    return [AnnualReportView()]


def _library_runner(store: Store) -> tuple[int, float]:
    """The library's ProjectionRunner over the same topics, for a bounded time."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from eventsourcing.projection import Projection, ProjectionRunner

    from domain.application import Berkas

    class LibraryBench(Projection[PostgresTrackingRecorder]):
        name = "librarybench"
        topics = TOPICS

        def process_event(self, domain_event, tracking) -> None:
            self.view.insert_tracking(tracking)

    with psycopg.connect(store.database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS librarybench_tracking")
    env = store.library_env()
    began = time.perf_counter()
    with ProjectionRunner(
        application_class=Berkas, projection_class=LibraryBench, view_class=PostgresTrackingRecorder, env=env
    ) as runner:
        time.sleep(LIBRARY_SECONDS)
        reached = runner.view.max_tracking_id("Berkas") or 0
        seconds = time.perf_counter() - began
    with psycopg.connect(store.database_url, autocommit=True) as conn:
        done = conn.execute(
            "SELECT COUNT(*) FROM berkas_events WHERE notification_id <= %s AND topic = ANY(%s)",
            (reached, list(TOPICS)),
        ).fetchone()[0]
    return done, seconds


def main() -> None:
    admin_url = os.environ.get("BERKAS_BENCH_DATABASE_URL")
    if not admin_url:
        sys.exit("bench: set BERKAS_BENCH_DATABASE_URL to a PostgreSQL server (make bench does)")
    url, scratch = _prepare(admin_url)
    store = Store(url, Path("unused.db"))
    try:
        with psycopg.connect(url) as conn:
            log = conn.execute("SELECT COUNT(*) FROM berkas_events").fetchone()[0]
            relevant = conn.execute("SELECT COUNT(*) FROM berkas_events WHERE topic = ANY(%s)", (list(TOPICS),))
            relevant = relevant.fetchone()[0]
        ours, _, peak_mb = rebuild_in_child(url, annual_report, relevant)
        limit = raw_read(url, TOPICS)
        print(f"log: {log:,} events, of which {relevant:,} feed the annual report")
        print(f"annual report rebuild: {ours.describe()}; {log / ours.wall:,.0f} log events/s")
        print(f"  peak memory of the rebuilding process: {peak_mb:.0f} MB")
        print(f"raw keyset read + orjson decode of the same rows: {limit.describe()}")
        print(f"rebuild / raw read = {ratio(ours, limit)}")
        try:
            lib_rows, lib_seconds = _library_runner(store)
        except MapperDeserialisationError:
            # Its mapper has no key to the sealed personal data every store now holds.
            print("library ProjectionRunner: cannot read this log (personal data sealed per subject)")
            return
        print(f"library ProjectionRunner (first {lib_seconds:.0f} s): {lib_rows / lib_seconds:,.0f} rows/s")
        print(f"rebuild / library = {ours.rate / (lib_rows / lib_seconds):.1f}x")
    finally:
        if scratch is not None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    main()
