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


def _hours_ahead_of_utc(iso: str) -> tuple[str, int] | None:
    """(date and time with microseconds, whole hours the offset is ahead of UTC), when the
    short cut applies."""
    offset, local = iso[-6:], iso[:-6]
    if len(local) == 19:
        local += ".000000"
    if len(local) != 26 or local[:4] < "1970" or offset[3:] != ":00" or offset[0] not in "+-":
        return None
    hours = int(offset[1:3])
    return local, hours if offset[0] == "+" else -hours


def iso_to_utc_text(iso: str) -> str:
    found = _hours_ahead_of_utc(iso)
    if found is not None:
        local, ahead = found
        hour = int(local[11:13]) - ahead
        if 0 <= hour < 24:
            return f"{local[:11]}{hour:02d}{local[13:]}+00:00"
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


def local_day(iso: str, office: str) -> date:
    """The office's calendar day of an ISO instant (what 'which month' means for it).

    In a zone whose offset is whole hours all year (since 1970, in Indonesia), the day
    follows from the instant's hour, its offset and the zone's: a year has a few
    thousand of those, each worked out once."""
    zone_hours = _fixed_hours(office)
    if (
        zone_hours is not None
        and len(iso) > 19
        and iso[13] == ":"
        and iso[-3:] == ":00"
        and iso[-6] in "+-"
        and iso[:4] >= "1970"
    ):
        return _day_of_hour(iso[:13], iso[-6:], zone_hours)
    return datetime.fromisoformat(iso).astimezone(office_zone(office)).date()
