"""The demo years: Malang's 2024 (its published figures), or the national year (every
office, Malang's figures scaled by the people each serves), written through the domain's
commands. Nothing here writes a view: the report's figures come from the events alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date
from fractions import Fraction

from api.demo import site as sites
from api.demo.calendar import YEAR, Calendar
from api.demo.enforcement import enforcement_scripts
from api.demo.engine import Deferred, Script, Step, replay
from api.demo.passports import passport_scripts
from api.demo.plan import REVENUE_TARGET, plan_passports
from api.demo.site import MALANG, Site
from api.demo.stay_permits import stay_permit_scripts
from domain.application import Berkas
from domain.revenue_target import RevenueTarget, revenue_target_id

OFFICE = MALANG
DEFAULT_SEED = 2024


def recording_days() -> int:
    """Days on which the demo records something: the working days, and the day the
    late entries were made. For progress bars."""
    return len(Calendar().days) + 1


def demo_present(app: Berkas) -> bool:
    """Every demo writes Malang's 2024 revenue target first: if it exists, so does a year."""
    return app.exists(revenue_target_id(OFFICE, YEAR))


def _target_script(site: Site, calendar: Calendar) -> Script:
    """The head of office records the year's PNBP target from the budget (DIPA)."""
    target, basis = site.amount(REVENUE_TARGET), f"DIPA {site.office.name} TA {YEAR}"
    yield Step(calendar.at(calendar.days[0], 60), site.head, lambda p: RevenueTarget.set_for(p, YEAR, target, basis))


def office_year(site: Site) -> list[Deferred]:
    """Every case of the office's year, in the order the year reaches them."""
    calendar = Calendar()
    found = [Deferred(calendar.at(calendar.days[0], 60), lambda: _target_script(site, calendar))]
    found += passport_scripts(site, plan_passports(site).passports, calendar)
    found += stay_permit_scripts(site, calendar)
    found += enforcement_scripts(site, calendar)
    found.sort(key=lambda deferred: deferred.key)
    return found


def _write(app: Berkas, chosen: list[Site], on_day: Callable[[date, int], None] | None) -> int:
    # Malang's target first: ``demo_present`` looks for it.
    ordered = sorted(chosen, key=lambda s: s.code != MALANG)
    merged: Iterator[Deferred] = heapq.merge(*(office_year(s) for s in ordered), key=lambda d: d.key)
    return replay(app, merged, on_day or (lambda day, written: None))


def generate(app: Berkas, seed: int = DEFAULT_SEED, on_day: Callable[[date, int], None] | None = None) -> int:
    """Write Malang's year into ``app``'s store; returns the number of events written.

    Callers check ``demo_present`` first: the cases' ids are derived from the seed, so
    a second run would collide with the first."""
    return _write(app, [sites.malang(seed)], on_day)


def generate_national(
    app: Berkas,
    seed: int = DEFAULT_SEED,
    scale: Fraction = Fraction(1),
    on_day: Callable[[date, int], None] | None = None,
) -> int:
    """Write the national year: every office of the reference data, at ``scale`` of its
    population share of Malang's figures, the offices' cases interleaved in time."""
    return _write(app, sites.national(seed, scale), on_day)
