"""Turning cases and events into their public models, in the API's one vocabulary: times
in the office's offset, money in whole rupiah, personal data only where allowed."""

from __future__ import annotations

import dataclasses
import functools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from api.http.schemas.admin import EventPublic
from api.http.schemas.cases import CASE_MODELS, SOURCES, CasePublic
from api.http.schemas.events import ENVELOPE, EVENT_MODELS
from domain.case import Case
from domain.privacy import PersonalDataUnreadable
from domain.reference import OFFICES
from domain.values import PersonalData, PersonalNote

# Where an answer would show personal data that did not open (read ``marking_unreadable``):
# the loud refusal its reader would have had before (a 409), never the marked value.
UNREADABLE = (
    "sealed personal data of this case does not open: a data subject's key row or the sealed bytes were "
    "altered in the database, or the personal-data key file does not match this store "
    "(`berkas ledger verify` tells whether the log was changed)"
)


def _refuse(value: PersonalData | PersonalNote) -> None:
    if value.is_unreadable:
        raise PersonalDataUnreadable(UNREADABLE)


def local(moment: datetime, office: str) -> datetime:
    """An instant in the office's own offset (as given for an office the reference data
    lacks). Before 1924 the zones kept local mean time, whose offsets have seconds that
    RFC 3339 cannot write: those round to the minute (the instant is the same)."""
    known = OFFICES.get(office)
    if known is None:
        return moment
    there = moment.astimezone(known.tz)
    offset = there.utcoffset() or timedelta(0)
    if offset.seconds % 60:
        return moment.astimezone(timezone(timedelta(minutes=round(offset.total_seconds() / 60))))
    return there


# Values that are JSON-ready as they are (exactly these types: an enum deriving from str or
# int is not one of them), answered before the checks below.
_AS_IS = frozenset({str, int, bool, float, type(None)})


def plain(value: Any, reveal: bool, office: str) -> Any:
    """A domain value as JSON-ready data; personal data only when ``reveal``."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, PersonalData | PersonalNote):
        if not reveal:
            return None
        _refuse(value)
        # The subject id (the key's id) is not part of what was recorded about the person.
        fields = (f.name for f in dataclasses.fields(value) if f.name != "subject_id")
        return {name: plain(getattr(value, name), reveal, office) for name in fields}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):  # rupiah: whole numbers (the domain refuses sen)
        return int(value)
    if isinstance(value, datetime):
        return local(value, office)
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A value object's sealed part (a referral's instructions) is shown as its text.
        return {f.name: _attribute(getattr(value, f.name), reveal, office) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item, reveal, office) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item, reveal, office) for key, item in value.items()}
    return value


def _attribute(value: Any, reveal: bool, office: str) -> Any:
    """A case's or a value object's attribute: a sealed note on it (a passport or permit number,
    an operation's area) is shown as its text, the case naming whom it is about; null where
    personal data is not shown."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, PersonalNote):
        if not reveal:
            return None
        _refuse(value)
        return value.text
    if value.__class__ is tuple and value and value[0].__class__ is PersonalNote:
        # Notes of one kind (an interview's indicators): their texts, or null where personal
        # data is not shown (not even how many there are).
        if not reveal:
            return None
        for note in value:
            _refuse(note)
        return [note.text for note in value]
    return plain(value, reveal, office)


# Types no personal data is inside, answered first (exactly these types).
_LEAVES = frozenset({datetime, date, Decimal, UUID})


def unreadable(value: Any) -> bool:
    """Whether ``value`` (an attribute, an event's payload) holds personal data that did not
    open: what a redacted answer flags, its fields null like any personal data not shown."""
    kind = type(value)
    if kind in _AS_IS or kind in _LEAVES:
        return False
    if kind is PersonalData or kind is PersonalNote:
        return value.is_unreadable
    if isinstance(value, Enum):
        return False
    if isinstance(value, list | tuple | set | frozenset):
        return any(unreadable(item) for item in value)
    if isinstance(value, dict):
        return any(unreadable(item) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(unreadable(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def case_public(case: Case, reveal: bool) -> CasePublic:
    """The case as its kind's public model."""
    model = CASE_MODELS[case.KIND]
    # Attributes a case has not reached yet (a passport number before issuance) are absent:
    # the model's default (null, an empty list) stands for them.
    values = {}
    for name, source in _sources(model):
        value = getattr(case, source, _ABSENT)
        if value is not _ABSENT:
            values[name] = _attribute(value, reveal, case.office)
            if not reveal and unreadable(value):
                values["personal_data_unreadable"] = True
    return model.model_validate({**values, "kind": case.KIND, "id": case.id, "version": case.version})


_ABSENT = object()
# Fields ``case_public`` sets itself, not from an attribute of the case.
_NOT_SOURCED = frozenset({"kind", "id", "version", "personal_data_unreadable"})


@functools.cache
def _sources(model: type[CasePublic]) -> tuple[tuple[str, str], ...]:
    """A public model's fields a case fills, each with the case's attribute it comes from."""
    return tuple((name, SOURCES.get(name, name)) for name in model.model_fields if name not in _NOT_SOURCED)


def event_public(event: Aggregate.Event, reveal: bool) -> EventPublic:
    provenance = event.provenance
    office = provenance.office
    payload = {k: v for k, v in vars(event).items() if k not in ENVELOPE}
    topic = get_topic(type(event))
    return EVENT_MODELS[topic](
        version=event.originator_version,
        event=type(event).__name__,
        topic=topic,
        actor_id=provenance.actor_id,
        actor_role=provenance.actor_role,
        office=office,
        occurred_at=local(provenance.occurred_at, office),
        recorded_at=local(event.timestamp, office),
        command_id=provenance.command_id,
        reason_code=plain(payload.get("reason_code"), reveal, office),
        legal_basis=payload.get("legal_basis"),
        late_entry_reason=provenance.late_entry_reason,
        payload=plain(payload, reveal, office),
        personal_data_unreadable=not reveal and unreadable(payload),
    )
