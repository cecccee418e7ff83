"""Stay permits (izin tinggal) of 2024: ITK extensions, ITAS and ITAP, as scripts.

The office reported 1,999 documents: every ITK extension, every ITAS and ITAP issued.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from random import Random

from api.demo import people
from api.demo.calendar import Calendar
from api.demo.engine import OFFICERS, SUPERVISORS, Script, Step, case_id, case_rng, weighted
from domain.stay_permit import StayPermit
from domain.values import PermitBasis, PermitKind, PersonalData, StayTerm

ITK_PERMITS = 1_150
ITK_EXTENDED_TWICE = 86
ITAS_ISSUED, ITAS_REFUSED = 694, 26
ITAP_ISSUED, ITAP_REFUSED = 69, 3
DOCUMENTS = ITK_PERMITS + ITK_EXTENDED_TWICE + ITAS_ISSUED + ITAP_ISSUED

LEGAL_BASIS = "PP 31/2013 jo. PP 40/2023; Permenkumham 22/2023 tentang Visa dan Izin Tinggal"
_TERM_DAYS = {
    StayTerm.DAYS_30: 30,
    StayTerm.DAYS_60: 60,
    StayTerm.MONTHS_6: 182,
    StayTerm.YEARS_1: 365,
    StayTerm.YEARS_2: 730,
    StayTerm.YEARS_5: 1826,
}
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
_REFUSALS = ("SPONSOR_DOCUMENTS_INVALID", "PURPOSE_MISMATCH", "INCOMPLETE_DOCUMENTS")


def _foreigner(rng: Random, day: date) -> tuple[PersonalData, str, str]:
    nationality = rng.choice(people.NATIONALITY_DRAW)
    passport = f"{nationality[0]}{rng.randint(10_000_000, 99_999_999)}"
    return people.foreigner(rng, nationality, day), nationality, passport


def itk_script(seed: int, seq: int, day: date, calendar: Calendar) -> Script:
    """A visitor's ITK, recorded when they first report to the office, then extended."""
    rng = case_rng(seed, "itk", seq)
    officer, supervisor = rng.choice(OFFICERS), rng.choice(SUPERVISORS)
    foreigner, nationality, passport = _foreigner(rng, day)
    on_arrival = rng.random() < 0.6
    basis = PermitBasis.VISA_ON_ARRIVAL if on_arrival else PermitBasis.VISA
    term = StayTerm.DAYS_30 if on_arrival else StayTerm.DAYS_60
    sponsor = "perorangan" if on_arrival else rng.choice(_SPONSORS)
    ident = case_id(seed, "itk", seq)
    arrived = day - timedelta(days=rng.randint(3, 20))
    until = arrived + timedelta(days=_TERM_DAYS[term])
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
    number = f"ITK-MLG-{seq:05d}"
    yield Step(t, supervisor, lambda p: permit.issue(p, number, arrived, until, LEGAL_BASIS) or permit)
    for extension in range(2 if seq < ITK_EXTENDED_TWICE else 1):
        t = calendar.later(t, rng, rng.randint(5, 12), (0, 420))
        new_end = until + timedelta(days=_TERM_DAYS[term] * (extension + 1))
        code = f"7{day.year}2{seq:07d}{extension:02d}"
        yield Step(t, officer, lambda p, code=code, end=new_end: permit.extend(p, code, term, end) or permit)


def residence_script(seed: int, seq: int, kind: PermitKind, day: date, refused: bool, calendar: Calendar) -> Script:
    """An ITAS or ITAP: applied for, paid, decided by a supervisor."""
    label = kind.value.lower()
    rng = case_rng(seed, label, seq)
    officer, supervisor = rng.choice(OFFICERS), rng.choice(SUPERVISORS)
    foreigner, nationality, passport = _foreigner(rng, day)
    if kind is PermitKind.ITAP:
        basis, term = rng.choice((PermitBasis.STATUS_TRANSFER, PermitBasis.MIXED_MARRIAGE)), StayTerm.YEARS_5
    else:
        basis, term = rng.choice(_ITAS_BASES), rng.choice(_ITAS_TERMS)
    sponsor = "pasangan WNI" if basis is PermitBasis.MIXED_MARRIAGE else rng.choice(_SPONSORS)
    ident = case_id(seed, label, seq)
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
    until = start + timedelta(days=_TERM_DAYS[term])
    number = f"{kind.value}-MLG-{seq:05d}"
    yield Step(t, supervisor, lambda p: permit.issue(p, number, start, until, LEGAL_BASIS) or permit)


def stay_permit_scripts(seed: int, calendar: Calendar) -> Iterator[Script]:
    """Every stay-permit case of the year, on days drawn for ``seed``."""
    rng = Random(f"{seed}:stay-permits")
    days = calendar.days
    for seq in range(ITK_PERMITS):
        yield itk_script(seed, seq, rng.choice(days), calendar)
    for kind, issued, refused in (
        (PermitKind.ITAS, ITAS_ISSUED, ITAS_REFUSED),
        (PermitKind.ITAP, ITAP_ISSUED, ITAP_REFUSED),
    ):
        for seq in range(issued + refused):
            yield residence_script(seed, seq, kind, rng.choice(days), seq >= issued, calendar)
