"""Instants and days as the views store them: fixed-width UTC text, the same on both
backends, so text order is time order and rebuilt views compare equal byte for byte.

A rebuild converts two instants per event, so the usual shapes take a short cut: an ISO
instant with seconds (and microseconds or none) and a whole-hour offset, on or after
1970 (when every Indonesian zone had its present whole-hour offset), is shifted as text;
anything else goes through ``datetime``. Both ways give the same text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.reference import OFFICES

_SAMPLE = (datetime(2024, 1, 1), datetime(2024, 7, 1))


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_UTC_HOURS: dict[str, str] = {}  # local date and hour with its offset -> UTC date and hour
_UTC_HOURS_HELD = 50_000


def _utc_hour(local_hour: str, offset: str) -> str:
    key = local_hour + offset
    found = _UTC_HOURS.get(key)
    if found is None:
        found = datetime.fromisoformat(f"{local_hour}:00:00{offset}").astimezone(UTC).isoformat()[:13]
        if len(_UTC_HOURS) >= _UTC_HOURS_HELD:
            _UTC_HOURS.clear()
        _UTC_HOURS[key] = found
    return found


def iso_to_utc_text(iso: str) -> str:
    """``utc_text`` of an ISO instant. An instant with seconds (and microseconds or none)
    and a whole-hour offset keeps its minutes and seconds in UTC: only its date and hour
    move, worked out once per hour and offset."""
    size = len(iso)
    if (size == 32 or size == 25) and iso[-3:] == ":00" and iso[-6] in "+-" and iso[13] == ":" and iso[:4] >= "1970":
        seconds = iso[13:26] if size == 32 else iso[13:19] + ".000000"
        return f"{_utc_hour(iso[:13], iso[-6:])}{seconds}+00:00"
    return utc_text(datetime.fromisoformat(iso))


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


@lru_cache(maxsize=64)
def office_zone(office: str) -> ZoneInfo:
    """The office's time zone; an office unknown to this build counts in WIB (Jakarta)."""
    known = OFFICES.get(office)
    return known.tz if known is not None else ZoneInfo("Asia/Jakarta")


@lru_cache(maxsize=64)
def _fixed_hours(office: str) -> int | None:
    """The zone's offset in whole hours if it has kept one all year (no daylight saving)."""
    offsets = {office_zone(office).utcoffset(moment) for moment in _SAMPLE}
    if len(offsets) != 1:
        return None
    seconds = int(offsets.pop().total_seconds())
    return seconds // 3600 if seconds % 3600 == 0 else None


@lru_cache(maxsize=65_536)
def _day_of_hour(hour: str, offset: str, zone_hours: int) -> date:
    shifted = datetime.fromisoformat(f"{hour}:00:00{offset}").astimezone(UTC) + timedelta(hours=zone_hours)
    return shifted.date()


def _by_hour(iso: str) -> bool:
    """Whether the instant's hour and offset decide its day (in a zone of whole hours)."""
    return len(iso) > 19 and iso[13] == ":" and iso[-3:] == ":00" and iso[-6] in "+-" and iso[:4] >= "1970"


def local_day(iso: str, office: str) -> date:
    """The office's calendar day of an ISO instant (what 'which month' means for it).

    In a zone whose offset is whole hours all year (since 1970, in Indonesia), the day
    follows from the instant's hour, its offset and the zone's: a year has a few
    thousand of those, each worked out once."""
    zone_hours = _fixed_hours(office)
    if zone_hours is not None and _by_hour(iso):
        return _day_of_hour(iso[:13], iso[-6:], zone_hours)
    return datetime.fromisoformat(iso).astimezone(office_zone(office)).date()


DayParts = tuple[int, int, str]  # year, month, the day as ISO text
_PARTS: dict[tuple[str, str, int], DayParts] = {}
_PARTS_HELD = 50_000  # a rebuild meets the hours in time order: a small memo serves it


def local_day_parts(iso: str, office: str) -> DayParts:
    """``local_day`` as (year, month, ISO text), for counting: memoised by the hour, the
    offset and the zone's hours where those decide the day, so a replay's events cost a
    dict look-up each. The key holds every character ``_by_hour`` looks at."""
    zone_hours = _fixed_hours(office)
    if zone_hours is not None and len(iso) > 19:
        key = (iso[:14], iso[-6:], zone_hours)
        found = _PARTS.get(key)
        if found is not None:
            return found
    day = local_day(iso, office)
    parts = (day.year, day.month, day.isoformat())
    if zone_hours is not None and _by_hour(iso):
        if len(_PARTS) >= _PARTS_HELD:
            _PARTS.clear()
        _PARTS[(iso[:14], iso[-6:], zone_hours)] = parts
    return parts
