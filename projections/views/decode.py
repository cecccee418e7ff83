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

import msgspec
import orjson

from projections.eventstore.log import StoredRow


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


def peeled(value: Any) -> Any:
    """A stored value with its tag peeled off (an enum's value, a Decimal's text)."""
    if isinstance(value, dict) and "_data_" in value:
        return value["_data_"]
    return value


class Tag(msgspec.Struct, gc=False):
    """A tagged value (``{"_type_": ..., "_data_": ...}``): its data only."""

    data: Any = msgspec.field(name="_data_", default=None)


# Every event field a view reads, and nothing else: the fields a rebuild decodes.
# A view reading another one fails at once (no such attribute), never silently.
VIEW_FIELDS = (
    "action",  # annual report
    "amount",
    "application_type",
    "basis",  # audit trail: the decisions' reasons and legal bases
    "fee",
    "kind",
    "legal_basis",
    "outcome",  # case index: an objection's outcome decides the status
    "product",
    "reason_code",
    "regency_code",
    "source",
    "year",
)

# Typed only where every event has the shape (the rest as stored, tags and all, so a
# view sees what ``orjson.loads`` would give it); no garbage-collector tracking.
Fields = msgspec.defstruct(
    "Fields",
    [("timestamp", Tag), ("provenance", Tag), *((name, Any, None) for name in VIEW_FIELDS)],
    gc=False,
)
_DECODER = msgspec.json.Decoder(Fields)


def fields(row: StoredRow) -> Any:
    """The fields of ``VIEW_FIELDS`` (and when and by whom) of a stored event, decoded
    once per row for every view it is handed to. Compiled: the fields no view reads,
    personal data above all, are skipped without being built (a third of the cost of
    decoding the whole state, and nothing left for the collector to scan)."""
    found = row.fields
    if found is None:
        found = row.fields = _DECODER.decode(row.state)
    return found
