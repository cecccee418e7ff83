"""A case's history as the API shows it: one typed model per event, its ``topic`` the
discriminator, its ``payload`` the event's own fields.

The models are derived from the domain's event classes (their fields and annotations), so
an event added to a case kind is typed here without a second declaration; the same values
as the case models use: money in whole rupiah, instants in the office's offset, personal
data ``null`` unless the caller's office handles the case.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict, Field, create_model

from api.http.schemas.admin import EventPublic
from api.http.schemas.cases import PERSONAL, LocalTime, PersonalDataPublic, ReferralPublic, Rupiah
from domain import CASE_KINDS
from domain.values import PersonalData, PersonalNote, Referral

# The envelope every event carries: shown beside the payload, never inside it.
ENVELOPE = ("originator_id", "originator_version", "originator_topic", "timestamp", "provenance")


class PersonalNotePublic(BaseModel):
    """Catatan about a data subject: personal data, sealed and erased with the subject's key."""

    text: str
    nik: str = Field(
        description="NIK of the subject the note is about; a record about no single person names "
        "itself instead (JointOperation:<id>), its key its own"
    )


def _public(hint: Any, owner: str) -> Any:
    """The public type of a domain annotation (``owner`` names the models made on the way)."""
    if hint is PersonalData:
        return Annotated[PersonalDataPublic | None, Field(description=PERSONAL)]
    if hint is PersonalNote:
        return Annotated[PersonalNotePublic | None, Field(description=PERSONAL)]
    if hint is Decimal:
        return Rupiah
    if hint is datetime:
        return LocalTime
    if hint in (str, int, bool, date, UUID, type(None)) or (isinstance(hint, type) and issubclass(hint, Enum)):
        return hint
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return Union[tuple(_public(argument, owner) for argument in arguments)]  # noqa: UP007
    if origin in (tuple, list, frozenset, set):
        return list[_public(arguments[0], owner)]  # type: ignore[misc]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass_model(hint)
    raise TypeError(f"{owner}: no public type for {hint!r}; annotate the event's fields")


# Value objects by their public model: the case models' own where they have one.
_MODELS: dict[type, type[BaseModel]] = {Referral: ReferralPublic}


def _dataclass_model(value_class: type) -> type[BaseModel]:
    """A value object (a fee and its lines) as a model of its own, made once."""
    if value_class not in _MODELS:
        hints = typing.get_type_hints(value_class)
        fields: dict[str, Any] = {
            f.name: (_public(hints[f.name], value_class.__name__), ...) for f in dataclasses.fields(value_class)
        }
        _MODELS[value_class] = create_model(  # type: ignore[call-overload]
            f"{value_class.__name__}Public", __doc__=value_class.__doc__, **fields
        )
    return _MODELS[value_class]


def case_events(kind: type[Aggregate]) -> list[type[Aggregate.Event]]:
    """The events a case kind records (each with its own stable topic)."""
    found = (getattr(kind, name) for name in dir(kind))
    events = {
        cls
        for cls in found
        if isinstance(cls, type) and issubclass(cls, Aggregate.Event) and get_topic(cls).startswith("berkas:")
    }
    return sorted(events, key=get_topic)


def _event_model(kind: type[Aggregate], event_class: type[Aggregate.Event]) -> type[EventPublic]:
    name = f"{kind.__name__}{event_class.__name__}"
    hints = typing.get_type_hints(event_class)
    fields = {
        f.name: (_public(hints.get(f.name), name), ...)
        for f in dataclasses.fields(event_class)  # type: ignore[arg-type]
        if f.name not in ENVELOPE
    }
    payload = create_model(  # type: ignore[call-overload]
        f"{name}Payload", __doc__=f"The fields {kind.__name__}.{event_class.__name__} records.", **fields
    )
    topic = get_topic(event_class)
    return create_model(  # type: ignore[call-overload]
        f"{name}EventPublic",
        __base__=EventPublic,
        __doc__=f"{kind.__name__}.{event_class.__name__}: one event of the case, with its provenance.",
        event=(Literal[event_class.__name__], Field(description="The event's name, past tense")),
        topic=(Literal[topic], Field(description="The event's stable topic in the log")),
        payload=(payload, Field(description="The event's own fields as recorded")),
    )


EVENT_MODELS: dict[str, type[EventPublic]] = {
    get_topic(event_class): _event_model(kind, event_class) for kind in CASE_KINDS for event_class in case_events(kind)
}

CaseEventPublic = Annotated[Union[tuple(EVENT_MODELS.values())], Field(discriminator="topic")]  # noqa: UP007


class EventsPublic(BaseModel):
    """A case's history, oldest first; ``topic`` says which event each entry is, and so
    which fields its ``payload`` has."""

    model_config = ConfigDict(title="EventsPublic")

    data: list[CaseEventPublic]  # type: ignore[valid-type]
    count: int
