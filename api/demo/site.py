"""The office a demo year is written for (satuan kerja), and its size beside Malang's.

Malang's year reproduces the office's published figures; every other office's year is
Malang's scaled by the people it serves (``domain.offices``), so a national year is the
sum of its offices'. The seed and the office decide every draw.

Two figures are known: Malang's own, and the nation's passports (DESIGN.md section 1:
about 4.8-5.0 million a year). Malang issues fewer per head than the nation does (73,338
for 6.9 million people would make 2.96 million for all 279 million), so in the national
year Malang keeps its own figures and every other office gets the rest of the nation's
passports by its share of the rest of the people: one factor, ``_BEYOND_MALANG``, applied
alike to all its figures (for want of national figures for the others: administrative
actions come to about 3,500 a year where DESIGN.md says about 5,000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache
from random import Random
from uuid import NAMESPACE_URL, UUID, uuid5

from api.demo.calendar import YEAR, apportion
from api.demo.engine import Staff, weighted
from api.demo.people import MALANG_REGENCY_SHARES
from api.demo.plan import ISSUED
from domain.offices import OFFICES, Office
from domain.values import Role

MALANG = "MLG"
# Passports issued a year, nationally (DESIGN.md: about 4.8-5.0 million): the middle.
NATIONAL_PASSPORTS = 4_900_000


@dataclass(frozen=True)
class Site:
    office: Office
    seed: int
    share: Fraction = Fraction(1)  # of Malang's figures
    # In a national year, every office's share and this one's place among them: each
    # count is apportioned over the offices, so the national total is the scaled one.
    shares: tuple[Fraction, ...] = field(default=(), repr=False)
    place: int = 0
    officers: tuple[Staff, ...] = field(init=False, repr=False)
    supervisors: tuple[Staff, ...] = field(init=False, repr=False)
    regency_draw: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        code = self.office.code
        set_ = object.__setattr__
        set_(self, "officers", tuple(Staff(f"{code}-PTG-{n:03d}", Role.OFFICER, code) for n in range(1, 41)))
        set_(self, "supervisors", tuple(Staff(f"{code}-KASI-{n:02d}", Role.SUPERVISOR, code) for n in range(1, 7)))
        shares = (
            MALANG_REGENCY_SHARES if code == MALANG else dict.fromkeys(self.office.regencies_on(date(YEAR, 1, 1)), 1)
        )
        set_(self, "regency_draw", weighted(shares))

    @property
    def code(self) -> str:
        return self.office.code

    @property
    def head(self) -> Staff:
        """The head of office (kepala kantor), who records the revenue target."""
        return Staff(f"{self.code}-KAKANIM", Role.SUPERVISOR, self.code)

    def count(self, malang: int) -> int:
        """Malang's count of something, scaled to this office (exact for Malang itself).

        In a national year the offices' counts add up to the national count at its scale,
        ``round(malang * sum of shares)``, by largest remainder: a figure of 15 at scale
        0.01 is some offices' one or two, not every office's rounded-down zero."""
        if not self.shares:
            return round(malang * self.share)
        return _apportioned(malang, self.shares)[self.place]

    def amount(self, malang: Decimal) -> Decimal:
        """A rupiah amount of Malang's, scaled to this office, in whole rupiah."""
        scaled = malang * Decimal(self.share.numerator) / Decimal(self.share.denominator)
        return scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)

    def case_id(self, kind: str, seq: int) -> UUID:
        """Derived, not random: the same seed writes the same cases."""
        return uuid5(NAMESPACE_URL, f"berkas:demo:{self.seed}:{self.code}:{kind}:{seq}")

    def rng(self, kind: str, seq: int | None = None) -> Random:
        """Each case draws from its own generator, so its details do not depend on the
        order in which the engine happens to interleave the cases."""
        return Random(f"{self.seed}:{self.code}:{kind}" + ("" if seq is None else f":{seq}"))


def malang(seed: int) -> Site:
    return Site(OFFICES[MALANG], seed)


@lru_cache(maxsize=1024)
def _apportioned(malang: int, shares: tuple[Fraction, ...]) -> tuple[int, ...]:
    return tuple(apportion(round(malang * sum(shares)), list(shares)))


def _beyond_malang() -> Fraction:
    """How many times Malang's figures per head the other offices' are: what brings the
    nation's passports to ``NATIONAL_PASSPORTS``."""
    malang = OFFICES[MALANG].population
    others = sum(office.population for office in OFFICES.values()) - malang
    return Fraction(NATIONAL_PASSPORTS - ISSUED, ISSUED) * Fraction(malang, others)


def national(seed: int, scale: Fraction) -> list[Site]:
    """Every office in the reference data: Malang with its own figures, every other office
    with Malang's scaled by its people and ``_beyond_malang``, all at ``scale``."""
    people, beyond = OFFICES[MALANG].population, _beyond_malang()
    shares = tuple(
        scale * (1 if code == MALANG else beyond * Fraction(office.population, people))
        for code, office in OFFICES.items()
    )
    return [
        Site(office, seed, share, shares, place)
        for place, (office, share) in enumerate(zip(OFFICES.values(), shares, strict=True))
    ]
