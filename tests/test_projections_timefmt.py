"""The views' short cuts for instants and days give exactly what ``datetime`` gives, for
every shape of instant: with or without microseconds, any offset (whole hours or not),
before 1970, across midnight, and whatever was converted before (the memos)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.offices import OFFICES
from projections.views.timefmt import iso_to_utc_text, local_day, local_day_parts, office_zone, utc_text

instants = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2099, 12, 30))
offsets = st.one_of(
    st.integers(-12, 14).map(lambda hours: timezone(timedelta(hours=hours))),
    st.sampled_from([timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-3, minutes=-30))]),
)
offices = st.sampled_from([*OFFICES, "ZZZ"])  # an office unknown to this build counts in WIB


def shaped(moment: datetime, offset: timezone, whole_seconds: bool) -> str:
    moment = moment.replace(microsecond=0) if whole_seconds else moment
    return moment.replace(tzinfo=UTC).astimezone(offset).isoformat()


@settings(max_examples=2_000)
@given(instants, offsets, st.booleans())
def test_an_instant_converted_as_text_is_its_utc_text(moment, offset, whole_seconds):
    iso = shaped(moment, offset, whole_seconds)
    assert iso_to_utc_text(iso) == utc_text(datetime.fromisoformat(iso))
    assert iso_to_utc_text(iso) == iso_to_utc_text(iso)  # from the memo, the same


@settings(max_examples=2_000)
@given(instants, offsets, st.booleans(), offices)
def test_an_office_day_counted_from_text_is_its_calendar_day(moment, offset, whole_seconds, office):
    iso = shaped(moment, offset, whole_seconds)
    day = datetime.fromisoformat(iso).astimezone(office_zone(office)).date()
    assert local_day(iso, office) == day
    for _ in range(2):  # worked out, then from the memo
        assert local_day_parts(iso, office) == (day.year, day.month, day.isoformat())
