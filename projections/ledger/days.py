"""Office days of the log: the ledger checkpoints the tree each time a recording day closes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

# The library writes the recorded timestamp first; reading it straight from the bytes
# spares a JSON parse per event on the hot path.
_TIMESTAMP_PREFIX = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def recorded_day(state: Any, previous_day: str | None) -> str:
    """The UTC day the event was recorded (its ``timestamp``), never earlier than the
    previous event's day.

    Concurrent writers stamp events a moment before they commit, so timestamps are not
    quite in notification order; keeping the day monotonic makes every day one
    contiguous run of leaves, and a day is complete once a later day begins.
    Unreadable state (only a tampered event has one) stays in the previous day.
    """
    day = _timestamp_day(state) if type(state) is bytes else None
    if day is None or (previous_day is not None and day < previous_day):
        return previous_day or "0000-00-00"
    return day


def _timestamp_day(state: bytes) -> str | None:
    if state.startswith(_TIMESTAMP_PREFIX):
        end = state.find(b'"', len(_TIMESTAMP_PREFIX))
        text = state[len(_TIMESTAMP_PREFIX) : end].decode("ascii", "replace")
        if text.endswith("+00:00") and len(text) > 10:
            return text[:10]
    else:
        try:
            text = orjson.loads(state)["timestamp"]["_data_"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC).date().isoformat()
    except (ValueError, TypeError):
        return None
