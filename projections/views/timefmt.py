"""Instants and days as the views store them: fixed-width UTC text, the same on both
backends, so text order is time order and rebuilt views compare equal byte for byte."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.reference import OFFICES


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso_to_utc_text(iso: str) -> str:
    return utc_text(datetime.fromisoformat(iso))


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


@lru_cache(maxsize=64)
def office_zone(office: str) -> ZoneInfo:
    """The office's time zone; an office unknown to this build counts in WIB (Jakarta)."""
    known = OFFICES.get(office)
    return known.tz if known is not None else ZoneInfo("Asia/Jakarta")


def local_day(iso: str, office: str) -> date:
    """The office's calendar day of an ISO instant (what 'which month' means for it)."""
    return datetime.fromisoformat(iso).astimezone(office_zone(office)).date()
