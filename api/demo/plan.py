"""The plan of an office's 2024 passport year: how many of what, and on which day.

For Malang the mix of products, validities and surcharges is solved from the tariff so
that the fees paid add up to exactly the revenue the office reported; another office
gets every count of Malang's scaled by its share. The seed only decides which
application gets what and the days, never the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from random import Random
from typing import TYPE_CHECKING

from api.demo.calendar import YEAR, Calendar, daily_counts
from domain.reference import tariff_on
from domain.values import ApplicationType, Product, RefusalReason

if TYPE_CHECKING:  # a site sizes itself by the figures here
    from api.demo.site import Site

# The office's own figures for 2024 (seed/kanim-malang-2024.txt).
ISSUED = 73_338
ELECTRONIC = 18_402
PMI_REFUSALS = 527
REVENUE = Decimal(33_810_000_000)
# 33.81 billion / 10.1325 billion = 333.678...% -> reported as 333.68 %.
REVENUE_TARGET = Decimal(10_132_500_000)

# Everything else is a plausible choice of ours.
OTHER_REFUSALS = {
    RefusalReason.UNCLEAR_PURPOSE: 34,
    RefusalReason.INCOMPLETE_DOCUMENTS: 12,
    RefusalReason.DATA_MISMATCH: 7,
    RefusalReason.FALSE_INFORMATION: 3,
    RefusalReason.PREVENTION_LIST: 2,
    RefusalReason.DUPLICATE: 2,
}
REFUSED_ELECTRONIC = 41
POSTPONED_THEN_ISSUED = 1_150
POSTPONED_THEN_REFUSED = 180  # PMI suspects referred to the BP3MI first, then refused
WITHDRAWN_UNPAID = 21
WITHDRAWN_PAID = 14  # the fee is not refunded
LOST = 640
DAMAGED = 415
# About this many first-time prospective migrant workers pay nothing (tarif nol rupiah);
# the solver moves it by a few to make the total come out exact.
ZERO_TARIFF_ABOUT = 4_180
# About this many choose a 10-year passport once it costs more (PP 45/2024, 17 Dec).
WINDOW_TEN_YEAR_ABOUT = 1_400
# Issuances of the last week that were entered only after the New Year break.
LATE_ENTRIES = 37
LATE_FROM = date(YEAR, 12, 23)

REFUSALS = {RefusalReason.PMI_NONPROCEDURAL: PMI_REFUSALS, **OTHER_REFUSALS}
# Renewals outnumber first passports; a full passport is a rarer reason.
USUAL_TYPES = (ApplicationType.NEW,) * 9 + (ApplicationType.REPLACE_EXPIRED,) * 9 + (ApplicationType.REPLACE_FULL,) * 2
TARIFF_CHANGE = next(day for day in Calendar().days if tariff_on(day) is not tariff_on(date(YEAR, 1, 2)))


class Outcome(Enum):
    ISSUED = "ISSUED"
    REFUSED = "REFUSED"
    WITHDRAWN_UNPAID = "WITHDRAWN_UNPAID"
    WITHDRAWN_PAID = "WITHDRAWN_PAID"


@dataclass(frozen=True)
class Mix:
    """The counts the revenue equation was solved for."""

    zero_tariff: int
    expedited: int
    window_ten_year: int

    def scaled(self, site: Site) -> Mix:
        return Mix(site.count(self.zero_tariff), site.count(self.expedited), site.count(self.window_ten_year))


def _prices() -> tuple[dict[str, Decimal], Decimal]:
    """Old-tariff amounts and the surcharge of a 10-year passport under the new one.

    The equation below relies on the change touching only the 10-year price, by the
    same amount for both products; a different regulation must fail loudly here."""
    old, new = tariff_on(date(YEAR, 1, 2)).amounts, tariff_on(TARIFF_CHANGE).amounts
    surcharges = {new[f"PASSPORT_{p.value}_10Y"] - new[f"PASSPORT_{p.value}_5Y"] for p in Product}
    unchanged = all(old[f"PASSPORT_{p.value}_{v}Y"] == new[f"PASSPORT_{p.value}_5Y"] for p in Product for v in (5, 10))
    if len(surcharges) != 1 or not unchanged:
        raise ValueError("the demo's revenue equation does not fit this tariff change")
    return old, surcharges.pop()


def solve_mix() -> Mix:
    """Find zero-tariff, expedited and new-tariff 10-year counts that make the fees
    paid in 2024 add up to exactly ``REVENUE``."""
    old, ten_year_surcharge = _prices()
    non_electronic, electronic = old["PASSPORT_NON_ELECTRONIC_5Y"], old["PASSPORT_ELECTRONIC_5Y"]
    refused = sum(REFUSALS.values())
    fixed = (
        (ISSUED - ELECTRONIC) * non_electronic
        + ELECTRONIC * electronic
        + (refused - REFUSED_ELECTRONIC + WITHDRAWN_PAID) * non_electronic
        + REFUSED_ELECTRONIC * electronic
        + LOST * old["LOST_PASSPORT_CHARGE"]
        + DAMAGED * old["DAMAGED_PASSPORT_CHARGE"]
    )
    expedited_fee = old["EXPEDITED_SAME_DAY"]
    for zero_tariff in range(ZERO_TARIFF_ABOUT, ZERO_TARIFF_ABOUT - 10, -1):
        for ten_year in range(WINDOW_TEN_YEAR_ABOUT, WINDOW_TEN_YEAR_ABOUT - 20, -1):
            rest = REVENUE - fixed + zero_tariff * non_electronic - ten_year * ten_year_surcharge
            if rest >= 0 and rest % expedited_fee == 0:
                return Mix(zero_tariff, int(rest // expedited_fee), ten_year)
    raise ValueError("no product mix reaches the reported revenue exactly")


@dataclass(frozen=True, slots=True)
class PassportSpec:
    """One application of the year: what it is and how it ends. Paid on ``day``."""

    seq: int
    day: date
    outcome: Outcome
    refusal: RefusalReason | None
    product: Product
    validity_years: int
    expedited: bool
    application_type: ApplicationType
    zero_tariff: bool
    postponed: bool
    entered_late: bool

    @property
    def paid(self) -> bool:
        return not self.zero_tariff and self.outcome is not Outcome.WITHDRAWN_UNPAID


@dataclass(frozen=True)
class Plan:
    mix: Mix
    passports: tuple[PassportSpec, ...]


def _sample(rng: Random, pool: list[int], k: int, exact: bool) -> set[int]:
    """``k`` of ``pool``; a scaled office takes what there is where rounding asks for more."""
    if k > len(pool):
        if exact:
            raise ValueError(f"the plan needs {k} applications but only {len(pool)} qualify")
        k = len(pool)
    return set(rng.sample(pool, k))


def plan_passports(site: Site) -> Plan:
    """Every passport application of the office's year, deterministic for its seed."""
    exact = site.share == 1
    mix = solve_mix() if exact else solve_mix().scaled(site)
    rng = site.rng("passport-plan")
    c = site.count
    refusals = {reason: c(n) for reason, n in REFUSALS.items()}
    outcomes = [Outcome.ISSUED] * c(ISSUED) + [Outcome.REFUSED] * sum(refusals.values())
    outcomes += [Outcome.WITHDRAWN_UNPAID] * c(WITHDRAWN_UNPAID) + [Outcome.WITHDRAWN_PAID] * c(WITHDRAWN_PAID)
    working = Calendar().days
    days = [day for day, n in zip(working, daily_counts(len(outcomes), working), strict=True) for _ in range(n)]
    rng.shuffle(outcomes)
    reasons = [reason for reason, n in refusals.items() for _ in range(n)]
    rng.shuffle(reasons)

    def sample(pool: list[int], k: int) -> set[int]:
        return _sample(rng, pool, k, exact)

    def where(outcome: Outcome) -> list[int]:
        return [i for i, o in enumerate(outcomes) if o is outcome]

    issued, refused = where(Outcome.ISSUED), where(Outcome.REFUSED)
    refusal = dict(zip(refused, reasons, strict=True))
    electronic = sample(issued, c(ELECTRONIC)) | sample(refused, c(REFUSED_ELECTRONIC))
    zero = sample([i for i in issued if i not in electronic], mix.zero_tariff)
    paid_issued = [i for i in issued if i not in zero]
    expedited = sample(paid_issued, mix.expedited)
    lost = c(LOST)
    replaced = rng.sample(paid_issued, min(lost + c(DAMAGED), len(paid_issued)))
    kind = dict.fromkeys(replaced[:lost], ApplicationType.REPLACE_LOST)
    kind |= dict.fromkeys(replaced[lost:], ApplicationType.REPLACE_DAMAGED)
    kind |= dict.fromkeys(zero, ApplicationType.NEW)
    unpaid = zero | set(where(Outcome.WITHDRAWN_UNPAID))
    window = [i for i, day in enumerate(days) if day >= TARIFF_CHANGE and i not in unpaid]
    ten_year = sample(window, mix.window_ten_year)
    in_window = set(window)
    pmi = [i for i in refused if refusal[i] is RefusalReason.PMI_NONPROCEDURAL]
    postponed = sample([i for i in issued if i not in expedited], c(POSTPONED_THEN_ISSUED))
    postponed |= sample(pmi, c(POSTPONED_THEN_REFUSED))
    late = sample([i for i in issued if days[i] >= LATE_FROM], c(LATE_ENTRIES))

    def spec(i: int) -> PassportSpec:
        if i in in_window:
            validity = 10 if i in ten_year else 5
        else:
            validity = 10 if rng.random() < 0.85 else 5
        return PassportSpec(
            seq=i,
            day=days[i],
            outcome=outcomes[i],
            refusal=refusal.get(i),
            product=Product.ELECTRONIC if i in electronic else Product.NON_ELECTRONIC,
            validity_years=validity,
            expedited=i in expedited,
            application_type=kind.get(i) or rng.choice(USUAL_TYPES),
            zero_tariff=i in zero,
            postponed=i in postponed,
            entered_late=i in late,
        )

    return Plan(mix, tuple(spec(i) for i in range(len(outcomes))))
