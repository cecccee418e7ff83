"""The SQL fold probe (``bench/_sqlprobe.py``, issue #9) on PostgreSQL: its tables equal the
views the Python folds build, row for row, on a national sample and on hand-made histories
meant to break it (midnight in three time zones, a recorded day that is not the business
day, a target revised twice, an ITK extended, a late entry); and it leaves nothing behind."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import psycopg

from api.demo.run import generate_national
from bench._sqlprobe import probe
from bench.national import views
from domain.case import recorded_at
from domain.passport import PassportApplication
from domain.reference import OFFICES
from domain.revenue_target import RevenueTarget
from domain.stay_permit import StayPermit
from domain.values import (
    ApplicationType,
    Channel,
    Collector,
    LateEntryReason,
    PermitBasis,
    PermitKind,
    PersonalData,
    Product,
    Provenance,
    Role,
    StayTerm,
)
from projections.runner import rebuild
from tests.stores import fresh_system

PERSON = PersonalData("Probe Subject", "3573010101900001", date(1990, 1, 1), "Jl. Probe 1, Malang")
VIEW_TABLES = (
    "case_index",
    "audit_trail",
    "annual_report",
    "annual_report_passports",
    "annual_report_permits",
    "annual_report_targets",
)


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        found = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in VIEW_TABLES}
        left = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'sqlprobe%'").fetchone()[0]
    return {**found, "sqlprobe tables left": left}


def _probe_agrees(url: str, events: int) -> None:
    before = _counts(url)
    for workers in (2, 0):
        found = probe(url, workers)
        assert found.rows == events
        assert found.differing == dict.fromkeys(VIEW_TABLES, 0)
    assert _counts(url) == before and before["sqlprobe tables left"] == 0


def test_the_probe_folds_a_national_sample_as_the_views_do(pg_admin_url, tmp_path):
    with fresh_system("postgres", pg_admin_url, tmp_path) as system:
        written = generate_national(system.app, seed=11, scale=Fraction(1, 2000))
        rebuild(system.store, views())
        _probe_agrees(system.store.database_url, written)


def _at(office_hours: int, day: date, hour: int, minute: int) -> datetime:
    """A local wall-clock time in a zone ``office_hours`` ahead of UTC, as an aware instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone(timedelta(hours=office_hours)))


def _prov(office: str, at: datetime, role: Role = Role.OFFICER, late: LateEntryReason | None = None) -> Provenance:
    role = Role.SUPERVISOR if late is not None else role  # only a supervisor records a late entry
    return Provenance(f"{office}-probe-{role.value.lower()}", role, office, at, None, late)


def _passport(rng: random.Random, office: str, at: datetime, late: LateEntryReason | None = None):
    step = timedelta(minutes=1)
    case = PassportApplication.submit(
        uuid.uuid4(),
        _prov(office, at, late=late),
        Channel.M_PASPOR,
        PERSON,
        rng.choice(list(ApplicationType)),
        Product.ELECTRONIC,
        10,
        False,
        "tourism",
        "SAU",
        min(OFFICES[office].regencies_on(at.date())),
    )
    case.pay(_prov(office, at + step, late=late), f"8202401{rng.randrange(10**6):06d}")
    case.capture_biometrics(_prov(office, at + 2 * step, late=late))
    case.interview(_prov(office, at + 3 * step, late=late), "tourism", (), "credible")
    case.approve(_prov(office, at + 4 * step, Role.SUPERVISOR, late), "Permenkumham 8/2014")
    case.issue(_prov(office, at + 5 * step, late=late), f"X{rng.randrange(10**7):07d}")
    case.hand_over(_prov(office, at + 6 * step, late=late), Collector.SELF)
    return case


def _itk_extended(office: str, at: datetime) -> StayPermit:
    step = timedelta(hours=1)
    permit = StayPermit.apply_for(
        uuid.uuid4(),
        _prov(office, at),
        PermitKind.ITK,
        PermitBasis.VISA,
        PERSON,
        "AUS",
        "PA1",
        "PT X",
        StayTerm.DAYS_30,
    )
    permit.pay(_prov(office, at + step), "720242000001100")
    permit.issue(
        _prov(office, at + 2 * step, Role.SUPERVISOR),
        "2C1",
        at.date(),
        at.date() + timedelta(days=30),
        "PP 48/2021",
    )
    permit.extend(_prov(office, at + 3 * step), "720242000001101", StayTerm.DAYS_30, at.date() + timedelta(days=60))
    return permit


def test_the_probe_agrees_at_midnight_in_three_zones_with_revised_targets_and_late_entries(pg_admin_url, tmp_path):
    rng = random.Random(9)
    day = date(2024, 3, 31)  # a month's last day: a minute either way is another month
    written = 0
    with fresh_system("postgres", pg_admin_url, tmp_path) as system:
        for office, hours in (("MLG", 7), ("DPS", 8), ("JYP", 9)):
            target = RevenueTarget.set_for(
                _prov(office, _at(hours, date(2024, 1, 2), 9, 0), Role.SUPERVISOR), 2024, Decimal(1000), "DIPA 2024"
            )
            for amount, when in ((Decimal(1500), _at(hours, day, 23, 59)), (Decimal(1200), _at(hours, day, 23, 59))):
                target.revise(_prov(office, when, Role.SUPERVISOR), amount, "DIPA revisi")
            cases = [target]
            for hour, minute in ((23, 53), (0, 0), (23, 59)):
                moment = _at(hours, day if hour else day + timedelta(days=1), hour, minute)
                # Recorded hours later, after midnight local: the recorded day is the next one.
                with recorded_at(moment.astimezone(UTC) + timedelta(hours=3)):
                    cases.append(_passport(rng, office, moment))
            with recorded_at(_at(hours, date(2024, 6, 3), 10, 0)):
                cases.append(_passport(rng, office, _at(hours, date(2024, 4, 1), 9, 0), LateEntryReason.SYSTEM_OUTAGE))
            cases.append(_itk_extended(office, _at(hours, day, 20, 0)))
            for case in cases:
                written += len(case.pending_events)
            system.app.save(*cases)
        rebuild(system.store, views())
        _probe_agrees(system.store.database_url, written)
