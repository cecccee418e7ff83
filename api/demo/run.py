"""The Malang 2024 demo: every case of the year, written through the domain's commands.

Nothing here writes a view: the report's figures come from the events alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from itertools import chain

from api.demo.calendar import YEAR, Calendar
from api.demo.enforcement import enforcement_scripts
from api.demo.engine import Script, Staff, Step, replay
from api.demo.passports import passport_script
from api.demo.plan import REVENUE_TARGET, plan_passports
from api.demo.stay_permits import stay_permit_scripts
from domain.application import Berkas
from domain.revenue_target import RevenueTarget, revenue_target_id
from domain.values import Role

OFFICE = "MLG"
HEAD_OF_OFFICE = Staff("MLG-KAKANIM", Role.SUPERVISOR)
DEFAULT_SEED = 2024


def recording_days() -> int:
    """Days on which the demo records something: the working days, and the day the
    late entries were made. For progress bars."""
    return len(Calendar().days) + 1


def demo_present(app: Berkas) -> bool:
    """The demo writes Malang's 2024 revenue target first: if it exists, so does the year."""
    return app.exists(revenue_target_id(OFFICE, YEAR))


def _target_script(calendar: Calendar) -> Script:
    """The head of office records the year's PNBP target from the budget (DIPA)."""
    yield Step(
        calendar.at(calendar.days[0], 60),
        HEAD_OF_OFFICE,
        lambda p: RevenueTarget.set_for(p, YEAR, REVENUE_TARGET, f"DIPA Kantor Imigrasi Kelas I TPI Malang TA {YEAR}"),
    )


def scripts(seed: int) -> Iterator[Script]:
    calendar = Calendar()
    plan = plan_passports(seed)
    return chain(
        [_target_script(calendar)],
        (passport_script(seed, spec, calendar) for spec in plan.passports),
        stay_permit_scripts(seed, calendar),
        enforcement_scripts(seed, calendar),
    )


def generate(app: Berkas, seed: int = DEFAULT_SEED, on_day: Callable[[date, int], None] | None = None) -> int:
    """Write the year into ``app``'s store; returns the number of events written.

    Callers check ``demo_present`` first: the cases' ids are derived from the seed, so
    a second run would collide with the first."""
    return replay(app, OFFICE, scripts(seed), on_day or (lambda day, written: None))
