"""Stored event state (JSON bytes) to plain Python values, without the domain classes.

The projections read the log as data: tags written by ``domain.transcodings`` and the
library (``{"_type_": name, "_data_": ...}``) become datetimes, dates, Decimals, UUIDs and
plain strings (enums). Personal data (data pribadi) is dropped here, at the door, so no
view can store it by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson


def _provenance(data: list[Any]) -> dict[str, Any]:
    actor_id, role, office, occurred_at, command_id, *late = data  # a late entry's reason is a sixth
    return {
        "actor_id": actor_id,
        "actor_role": role,
        "office": office,
        "occurred_at": datetime.fromisoformat(occurred_at),
        "command_id": command_id,
        "late_entry_reason": late[0] if late else None,
    }


_TAGS: dict[str, Callable[[Any], Any]] = {
    "datetime_iso": datetime.fromisoformat,
    "date_iso": date.fromisoformat,
    "decimal_str": Decimal,
    "uuid_hex": UUID,
    "prov": _provenance,
    "personal_data": lambda _data: None,
    "personal_note": lambda _data: None,
    "personal_data_sealed": lambda _data: None,
    "personal_note_sealed": lambda _data: None,
}


def _resolve(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            convert = _TAGS.get(value["_type_"])
            if convert is not None:
                return convert(value["_data_"])
            # Enums travel as their value; value objects (fee, fee_line, referral) as dicts.
            return _resolve(value["_data_"])
        return {key: _resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item) for item in value]
    return value


def decode_state(state: bytes) -> dict[str, Any]:
    """The event's attributes as plain values; ``timestamp`` is when it was recorded."""
    return _resolve(orjson.loads(state))


def tagged(raw: dict[str, Any], field: str) -> Any:
    """Fast path for hot loops over undecoded JSON (``orjson.loads`` only): a field's
    stored value with its tag peeled off (an enum's value, a Decimal's text)."""
    value = raw.get(field)
    if isinstance(value, dict) and "_data_" in value:
        return value["_data_"]
    return value
