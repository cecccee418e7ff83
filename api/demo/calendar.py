"""The Malang office's 2024 calendar: working days, office hours (WIB), seasonality.

Every step of the demo happens on a working day (Monday to Friday, not a national
holiday or cuti bersama) and, bar the last day of the year, inside office hours (WIB).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

YEAR = 2024
WIB = ZoneInfo("Asia/Jakarta")
OPENING = time(8, 0)
CLOSING = time(16, 0)
# On the year's last day nothing waits for tomorrow: steps run late, never into the next year.
LATEST = time(22, 0)

# Libur nasional and cuti bersama 2024 that fall on weekdays (SKB 3 Menteri).
HOLIDAYS = frozenset(
    date(YEAR, month, day)
    for month, day in (
        (1, 1),  # Tahun Baru
        (2, 8),  # Isra Mi'raj
        (2, 9),  # cuti bersama Imlek
        (2, 14),  # Pemilu
        (3, 11),  # Nyepi
        (3, 12),  # cuti bersama Nyepi
        (3, 29),  # Wafat Isa Almasih
        (4, 8),  # cuti bersama Idulfitri
        (4, 9),
        (4, 10),  # Idulfitri
        (4, 11),
        (4, 12),  # cuti bersama Idulfitri
        (4, 15),
        (5, 1),  # Hari Buruh
        (5, 9),  # Kenaikan Isa Almasih
        (5, 10),  # cuti bersama
        (5, 23),  # Waisak
        (5, 24),  # cuti bersama
        (6, 17),  # Iduladha
        (6, 18),  # cuti bersama
        (9, 16),  # Maulid Nabi
        (12, 25),  # Natal
        (12, 26),  # cuti bersama Natal
    )
)

# Demand per working day, by month: umrah season and the run-up to Lebaran (March),
# the Lebaran holiday (April), school holidays (June, July), a quieter year end.
MONTH_WEIGHTS = dict(enumerate((1.05, 0.95, 1.15, 0.80, 1.10, 1.15, 1.10, 0.95, 0.95, 1.0, 0.95, 0.9), start=1))
# Mondays carry the weekend's online bookings.
MONDAY_WEIGHT = 1.15


def working_days(year: int = YEAR) -> tuple[date, ...]:
    day, days = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def daily_counts(total: int, days: tuple[date, ...]) -> list[int]:
    """How many of ``total`` fall on each working day, following the seasonality."""
    weights = [MONTH_WEIGHTS[d.month] * (MONDAY_WEIGHT if d.weekday() == 0 else 1.0) for d in days]
    return apportion(total, weights)


class Calendar:
    """Moves business time forward over working days, never past the year's last one."""

    def __init__(self, year: int = YEAR):
        self.days = working_days(year)

    def at(self, day: date, minutes_after_opening: int) -> datetime:
        return datetime.combine(day, OPENING, WIB) + timedelta(minutes=minutes_after_opening)

    def shift(self, day: date, working_days: int) -> date:
        """The working day ``working_days`` after ``day``, at most the year's last."""
        index = bisect_right(self.days, day) - 1 + working_days
        return self.days[min(index, len(self.days) - 1)]

    def later(self, t: datetime, rng: Random, days: int, minutes: tuple[int, int]) -> datetime:
        """A moment after ``t``: ``days`` working days on (at opening plus ``minutes``),
        or the same day ``minutes`` later. What would fall after closing time waits for
        the next working day's opening; on the year's last day the office works late."""
        day = self.shift(t.date(), days) if days else t.date()
        if day > t.date():
            return self.at(day, rng.randint(*minutes))
        moved = t + timedelta(minutes=rng.randint(*minutes))
        if moved <= datetime.combine(day, CLOSING, WIB):
            return moved
        tomorrow = self.shift(day, 1)
        if tomorrow > day:
            return self.at(tomorrow, rng.randint(0, 60))
        return min(moved, max(datetime.combine(day, LATEST, WIB), t + timedelta(minutes=1)))
