"""One passport application's life (permohonan paspor) as a script of dated steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from api.demo import people
from api.demo.calendar import WIB, Calendar
from api.demo.engine import Deferred, Script, Step, weighted
from api.demo.plan import Outcome, PassportSpec
from api.demo.site import Site
from domain.passport import PassportApplication
from domain.values import Channel, Collector, PostponementReason, Product, Referral, RefusalReason, ZeroTariffGroup

P = PassportApplication
LEGAL_BASIS = "Permenkumham 8/2014 jo. 18/2022 tentang Paspor Biasa dan SPLP"
PMI_BASIS = "UU 18/2017 tentang Pelindungan PMI; " + LEGAL_BASIS
PREVENTION_BASIS = "Pasal 91 UU 6/2011 tentang Keimigrasian (pencegahan)"
ZERO_TARIFF_BASIS = ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER
BP3MI = Referral(
    "Kementerian Ketenagakerjaan / BP3MI Jawa Timur",
    "Daftar sebagai calon PMI melalui Disnaker kabupaten/kota dan P3MI resmi; bawa rekomendasi paspor",
)
DUKCAPIL = Referral("Dispendukcapil", "Samakan data KTP-el, kartu keluarga dan akta kelahiran")
# Issuances of the last week entered after the New Year break (SIMKIM was down).
LATE_ENTRY = datetime(2025, 1, 6, 8, 30, tzinfo=WIB)

_REFUSAL_DETAILS: dict[RefusalReason, tuple[str, Referral | None, tuple[str, ...]]] = {
    RefusalReason.PMI_NONPROCEDURAL: (
        PMI_BASIS,
        BP3MI,
        ("tiket sekali jalan", "diantar sponsor", "tujuan tidak jelas"),
    ),
    RefusalReason.UNCLEAR_PURPOSE: (LEGAL_BASIS, None, ("tidak dapat menjelaskan rencana perjalanan",)),
    RefusalReason.INCOMPLETE_DOCUMENTS: (LEGAL_BASIS, None, ("dokumen pendukung tidak lengkap",)),
    RefusalReason.DATA_MISMATCH: (LEGAL_BASIS, DUKCAPIL, ("data KTP dan akta kelahiran berbeda",)),
    RefusalReason.FALSE_INFORMATION: (LEGAL_BASIS, None, ("keterangan palsu",)),
    RefusalReason.PREVENTION_LIST: (PREVENTION_BASIS, None, ("tercantum dalam daftar pencegahan",)),
    RefusalReason.DUPLICATE: (LEGAL_BASIS, None, ("permohonan ganda",)),
}
# Destinations as the API takes them, ISO 3166-1 alpha-3 codes: Malaysia, Singapura, Arab
# Saudi, Jepang, Hong Kong, Australia, Tiongkok, Turki; for migrant work Taiwan and Korea Selatan.
_TRAVEL = (
    ("wisata", "MYS"),
    ("wisata", "SGP"),
    ("umrah", "SAU"),
    ("wisata", "JPN"),
    ("kunjungan keluarga", "HKG"),
    ("studi", "AUS"),
    ("bisnis", "CHN"),
    ("wisata", "TUR"),
)
_MIGRANT_WORK = ("TWN", "HKG", "MYS", "KOR", "JPN")
_CHANNELS = weighted({Channel.M_PASPOR: 70, Channel.WALK_IN: 12, Channel.COLLECTIVE: 10, Channel.MOBILE_SERVICE: 8})
_COLLECTORS = weighted({Collector.SELF: 85, Collector.FAMILY: 12, Collector.PROXY: 3})


def _first_steps(spec: PassportSpec, rng: Random) -> tuple[Channel, int]:
    """Channel and the working days until the appointment (antrean M-Paspor)."""
    if spec.zero_tariff:
        channel = Channel.COLLECTIVE if rng.random() < 0.6 else Channel.M_PASPOR
    else:
        channel = rng.choice(_CHANNELS)
    wait = rng.randint(1, 7) if channel is Channel.M_PASPOR and not spec.expedited else 0
    return channel, wait


def passport_scripts(site: Site, specs: tuple[PassportSpec, ...], calendar: Calendar) -> list[Deferred]:
    """The office's applications, made as the year reaches their day."""
    return [
        Deferred(calendar.at(spec.day, 0), lambda spec=spec: passport_script(site, spec, calendar)) for spec in specs
    ]


def passport_script(site: Site, spec: PassportSpec, calendar: Calendar) -> Script:
    """Submitted, paid (or zero tariff), biometrics, interview, decided, issued, handed over."""
    rng = site.rng("passport", spec.seq)
    officer, supervisor = rng.choice(site.officers), rng.choice(site.supervisors)
    channel, wait = _first_steps(spec, rng)
    regency = rng.choice(site.regency_draw)
    adult = spec.zero_tariff or spec.refusal is not None
    applicant = people.applicant(rng, regency, spec.day, youngest=18 if adult else 1)
    if spec.zero_tariff:
        purpose, destination = "bekerja sebagai PMI", rng.choice(_MIGRANT_WORK)
    else:
        purpose, destination = rng.choice(_TRAVEL)
    ident = site.case_id("passport", spec.seq)

    # Same-day service is only for those at the counter in the morning.
    t = calendar.at(spec.day, rng.randint(0, 120 if spec.expedited else 360))
    case = yield Step(
        t,
        officer,
        lambda p: P.submit(
            ident,
            p,
            channel,
            applicant,
            spec.application_type,
            spec.product,
            spec.validity_years,
            spec.expedited,
            purpose,
            destination,
            regency,
        ),
    )
    if spec.outcome is Outcome.WITHDRAWN_UNPAID:
        yield Step(
            calendar.later(t, rng, rng.randint(0, 2), (0, 300)),
            officer,
            lambda p: case.withdraw(p, "pemohon membatalkan sebelum membayar") or case,
        )
        return
    if spec.paid:
        # Paid on the day of submission (by 15:30 at the latest): the plan priced it that day.
        t = calendar.later(t, rng, 0, (5, 90))
        yield Step(t, officer, lambda p: case.pay(p, f"8{spec.day.year}{spec.seq:010d}") or case)
    if spec.outcome is Outcome.WITHDRAWN_PAID:
        yield Step(
            calendar.later(t, rng, rng.randint(0, 3), (0, 300)),
            officer,
            lambda p: case.withdraw(p, "pemohon batal berangkat") or case,
        )
        return
    t = calendar.later(t, rng, wait, (0, 300))
    if spec.zero_tariff:
        yield Step(t, officer, lambda p: case.grant_zero_tariff(p, ZERO_TARIFF_BASIS) or case)
    t = calendar.later(t, rng, 0, (5, 30))
    yield Step(t, officer, lambda p: case.capture_biometrics(p) or case)
    t = calendar.later(t, rng, 0, (5, 30))
    if spec.refusal is not None:
        basis, referral, indicators = _REFUSAL_DETAILS[spec.refusal]
        yield Step(t, officer, lambda p: case.interview(p, purpose, indicators, "perlu keputusan kepala seksi") or case)
        if spec.postponed:
            t = calendar.later(t, rng, 0, (10, 60))
            yield Step(t, officer, lambda p: case.postpone(p, PostponementReason.PMI_VERIFICATION, BP3MI) or case)
        t = calendar.later(t, rng, rng.randint(3, 10) if spec.postponed else 0, (15, 180))
        yield Step(t, supervisor, lambda p: case.refuse(p, spec.refusal, basis, referral) or case)
        return
    yield Step(t, officer, lambda p: case.interview(p, purpose, (), "tujuan jelas, dokumen lengkap") or case)
    if spec.postponed:
        t = calendar.later(t, rng, 0, (10, 60))
        yield Step(t, officer, lambda p: case.postpone(p, PostponementReason.POPULATION_DATA_CHECK, DUKCAPIL) or case)
        t = calendar.later(t, rng, rng.randint(3, 10), (0, 360))
        yield Step(t, officer, lambda p: case.lift_postponement(p, "surat keterangan Dispendukcapil") or case)
    t = calendar.later(t, rng, 0, (15, 60) if spec.expedited else (15, 180))
    yield Step(t, supervisor, lambda p: case.approve(p, LEGAL_BASIS) or case)
    t = calendar.later(t, rng, 0 if spec.expedited else rng.randint(1, 3), (60, 120) if spec.expedited else (0, 420))
    letter = "E" if spec.product is Product.ELECTRONIC else "C"
    number = f"{letter}{4_100_000 + spec.seq:07d}"
    entered = LATE_ENTRY + timedelta(minutes=spec.seq % 120) if spec.entered_late else None
    yield Step(t, officer, lambda p: case.issue(p, number) or case, entered)
    collector = rng.choice(_COLLECTORS)
    if entered is not None:
        t = entered + timedelta(minutes=rng.randint(30, 240))
    else:
        t = calendar.later(t, rng, 0 if spec.expedited else rng.randint(0, 8), (0, 420))
    yield Step(t, officer, lambda p: case.hand_over(p, collector) or case)
