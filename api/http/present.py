"""Turning cases and events into JSON, with personal data shown only where allowed."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.case import Case
from domain.values import PersonalData

REDACTED = "<redacted>"
_HEADER = ("id", "kind", "version", "status", "office")
_EVENT_ENVELOPE = ("originator_id", "originator_version", "originator_topic", "timestamp", "provenance")


def jsonable(value: Any, reveal: bool) -> Any:
    if isinstance(value, PersonalData):
        return jsonable(dataclasses.asdict(value), reveal) if reveal else REDACTED
    if isinstance(value, Enum):
        return value.value
    # Amounts in rupiah travel as strings: exact, whatever the client's float type.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), reveal) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, reveal) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item, reveal) for key, item in value.items()}
    return value


def case_body(case: Case, reveal: bool) -> dict[str, Any]:
    state = case.state()
    attributes = {k: v for k, v in state.items() if k not in _HEADER}
    return {
        "id": str(case.id),
        "kind": case.KIND,
        "version": case.version,
        "status": jsonable(state["status"], reveal),
        "office": case.office,
        "attributes": jsonable(attributes, reveal),
    }


def event_body(event: Aggregate.Event, reveal: bool) -> dict[str, Any]:
    provenance = event.provenance
    payload = {k: v for k, v in vars(event).items() if k not in _EVENT_ENVELOPE}
    return {
        "version": event.originator_version,
        "event": type(event).__name__,
        "topic": get_topic(type(event)),
        "actor_id": provenance.actor_id,
        "actor_role": provenance.actor_role.value,
        "office": provenance.office,
        "occurred_at": provenance.occurred_at.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "command_id": provenance.command_id,
        "reason_code": jsonable(payload.get("reason_code"), reveal),
        "legal_basis": payload.get("legal_basis"),
        "payload": jsonable(payload, reveal),
    }
