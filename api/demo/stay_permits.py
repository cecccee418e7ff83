"""Stay permits (izin tinggal) of 2024: ITK extensions, ITAS and ITAP, as scripts.

Malang reported 1,999 documents: every ITK extension, every ITAS and ITAP issued.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from random import Random

from api.demo import people
from api.demo.calendar import Calendar
from api.demo.engine import Deferred, Script, Step, weighted
from api.demo.site import Site
from domain.stay_permit import StayPermit
from domain.values import PermitBasis, PermitKind, PersonalData, StayRefusalReason, StayTerm

ITK_PERMITS = 1_150
ITK_EXTENDED_TWICE = 86
ITAS_ISSUED, ITAS_REFUSED = 694, 26
ITAP_ISSUED, ITAP_REFUSED = 69, 3
DOCUMENTS = ITK_PERMITS + ITK_EXTENDED_TWICE + ITAS_ISSUED + ITAP_ISSUED

LEGAL_BASIS = "PP 31/2013 jo. PP 40/2023; Permenkumham 22/2023 tentang Visa dan Izin Tinggal"
_SPONSORS = (
    "PT Pasuruan Industrial Estate Rembang",
    "Universitas Brawijaya",
    "Universitas Muhammadiyah Malang",
    "PT Bentoel Prima",
    "pasangan WNI",
    "Yayasan Pendidikan Kota Batu",
)
_ITAS_BASES = weighted(
    {
        PermitBasis.VISA: 60,
        PermitBasis.STATUS_TRANSFER: 15,
        PermitBasis.MIXED_MARRIAGE: 20,
        PermitBasis.BIRTH_IN_INDONESIA: 5,
    }
)
_ITAS_TERMS = weighted({StayTerm.MONTHS_6: 15, StayTerm.YEARS_1: 70, StayTerm.YEARS_2: 15})
_BILLING_DIGIT = {PermitKind.ITAS: 3, PermitKind.ITAP: 4}
_REFUSALS = (
    StayRefusalReason.SPONSOR_DOCUMENTS_INVALID,
    StayRefusalReason.PURPOSE_MISMATCH,
    StayRefusalReason.INCOMPLETE_DOCUMENTS,
)


def _foreigner(site: Site, rng: Random, day: date) -> tuple[PersonalData, str, str]:
    nationality = rng.choice(people.NATIONALITY_DRAW)
    passport = f"{nationality[0]}{rng.randint(10_000_000, 99_999_999)}"
    return people.foreigner(rng, nationality, day, site.regency_draw), nationality, passport


def itk_script(site: Site, seq: int, day: date, calendar: Calendar) -> Script:
    """A visitor's ITK, recorded when they first report to the office, then extended."""
    rng = site.rng("itk", seq)
    officer, supervisor = rng.choice(site.officers), rng.choice(site.supervisors)
    foreigner, nationality, passport = _foreigner(site, rng, day)
    on_arrival = rng.random() < 0.6
    basis = PermitBasis.VISA_ON_ARRIVAL if on_arrival else PermitBasis.VISA
    term = StayTerm.DAYS_30 if on_arrival else StayTerm.DAYS_60
    sponsor = "perorangan" if on_arrival else rng.choice(_SPONSORS)
    ident = site.case_id("itk", seq)
    arrived = day - timedelta(days=rng.randint(3, 20))
    until = term.end(arrived)
    t = calendar.at(day, rng.randint(0, 360))
    permit = yield Step(
        t,
        officer,
        lambda p: StayPermit.apply_for(
            ident, p, PermitKind.ITK, basis, foreigner, nationality, passport, sponsor, term
        ),
    )
    t = calendar.later(t, rng, 0, (5, 60))
    yield Step(t, officer, lambda p: permit.pay(p, f"7{day.year}1{seq:09d}") or permit)
    t = calendar.later(t, rng, 0, (30, 240))
    number = f"ITK-{site.code}-{seq:05d}"
    yield Step(t, supervisor, lambda p: permit.issue(p, number, arrived, until, LEGAL_BASIS) or permit)
    new_end = until
    for extension in range(2 if seq < site.count(ITK_EXTENDED_TWICE) else 1):
        t = calendar.later(t, rng, rng.randint(5, 12), (0, 420))
        new_end = term.end(new_end)
        code = f"7{day.year}2{seq:07d}{extension:02d}"
        yield Step(t, officer, lambda p, code=code, end=new_end: permit.extend(p, code, term, end) or permit)


def residence_script(site: Site, seq: int, kind: PermitKind, day: date, refused: bool, calendar: Calendar) -> Script:
    """An ITAS or ITAP: applied for, paid, decided by a supervisor."""
    label = kind.value.lower()
    rng = site.rng(label, seq)
    officer, supervisor = rng.choice(site.officers), rng.choice(site.supervisors)
    foreigner, nationality, passport = _foreigner(site, rng, day)
    if kind is PermitKind.ITAP:
        basis, term = rng.choice((PermitBasis.STATUS_TRANSFER, PermitBasis.MIXED_MARRIAGE)), StayTerm.YEARS_5
    else:
        basis, term = rng.choice(_ITAS_BASES), rng.choice(_ITAS_TERMS)
    sponsor = "pasangan WNI" if basis is PermitBasis.MIXED_MARRIAGE else rng.choice(_SPONSORS)
    ident = site.case_id(label, seq)
    t = calendar.at(day, rng.randint(0, 360))
    permit = yield Step(
        t,
        officer,
        lambda p: StayPermit.apply_for(ident, p, kind, basis, foreigner, nationality, passport, sponsor, term),
    )
    t = calendar.later(t, rng, 0, (5, 60))
    yield Step(t, officer, lambda p: permit.pay(p, f"7{day.year}{_BILLING_DIGIT[kind]}{seq:09d}") or permit)
    t = calendar.later(t, rng, rng.randint(2, 5), (0, 420))
    if refused:
        reason = rng.choice(_REFUSALS)
        yield Step(t, supervisor, lambda p: permit.refuse(p, reason, LEGAL_BASIS) or permit)
        return
    start = t.date()
    until = term.end(start)
    number = f"{kind.value}-{site.code}-{seq:05d}"
    yield Step(t, supervisor, lambda p: permit.issue(p, number, start, until, LEGAL_BASIS) or permit)


def stay_permit_scripts(site: Site, calendar: Calendar) -> Iterator[Deferred]:
    """Every stay-permit case of the office's year, on days drawn for its seed."""
    rng = site.rng("stay-permits")
    days = calendar.days
    for seq in range(site.count(ITK_PERMITS)):
        day = rng.choice(days)
        yield Deferred(calendar.at(day, 0), partial(itk_script, site, seq, day, calendar))
    for kind, issued, refused in (
        (PermitKind.ITAS, site.count(ITAS_ISSUED), site.count(ITAS_REFUSED)),
        (PermitKind.ITAP, site.count(ITAP_ISSUED), site.count(ITAP_REFUSED)),
    ):
        for seq in range(issued + refused):
            day = rng.choice(days)
            make = partial(residence_script, site, seq, kind, day, seq >= issued, calendar)
            yield Deferred(calendar.at(day, 0), make)
