"""Date filters of the lists, the API's and the web interface's: a day is an office's calendar day.

A list of one office takes that office's days (its own zone: WIB, WITA or WIT). A national
list (an auditor's, every office) takes each row's own office's days, the days its rows
show and its office's staff and reports count in: an auditor in Jayapura who asks for
1 March sees Malang's 1 March (WIB) and Jayapura's 1 March (WIT), never a day shifted by
the auditor's own zone. The store is asked for the widest span (the day starting in the
easternmost zone, ending in the westernmost), then each row is kept if its office's
calendar day is within the filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from domain.reference import OFFICES
from domain.reference import office as lookup_office


def day_bound(day: date | None, office: str, end: bool) -> datetime | None:
    """The first (or last) instant of ``day`` in ``office``'s zone."""
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=lookup_office(office).tz)


def _zones() -> set[Any]:
    return {where.tz for where in OFFICES.values()}


def bounds(since: date | None, until: date | None, office: str | None) -> tuple[datetime | None, datetime | None]:
    """What to ask the store for: one office's day, or the widest span of every office's."""
    if office is not None:
        return day_bound(since, office, end=False), day_bound(until, office, end=True)
    first = min((datetime.combine(since, time.min, tzinfo=zone) for zone in _zones()), default=None) if since else None
    last = max((datetime.combine(until, time.max, tzinfo=zone) for zone in _zones()), default=None) if until else None
    return first, last


def day_of(value: date | datetime | None) -> date | None:
    """A bound given as a day (a ``date``, not a ``datetime``), else None."""
    return None if isinstance(value, datetime) else value


def span(
    since: date | datetime | None, until: date | datetime | None, office: str | None
) -> tuple[datetime | None, datetime | None]:
    """What to ask the store for when each bound is a day (``bounds``: from its start, to
    its end) or an instant, taken as given."""
    first, last = bounds(day_of(since), day_of(until), office)
    return (
        since if isinstance(since, datetime) else first,
        until if isinstance(until, datetime) else last,
    )


def _instant(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def within(rows: Iterable[dict[str, Any]], column: str, since: date | None, until: date | None) -> list[dict[str, Any]]:
    """The rows whose ``column`` falls, on their own office's calendar, within the days."""
    kept = []
    for row in rows:
        day = lookup_office(row["office"]).local_date(_instant(row[column]))
        if (since is None or day >= since) and (until is None or day <= until):
            kept.append(row)
    return kept


def zone_name(office: str) -> str:
    """WIB, WITA or WIT: the office's zone as its staff write it."""
    return datetime.now(lookup_office(office).tz).strftime("%Z")
