"""How the events' value types are written to the store (JSON, with type tags)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import enforcement, joint_operation, passport, revenue_target, stay_permit, values
from domain.values import Fee, FeeLine, PersonalData, Provenance, Referral, Role


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum: type[Enum]):
        self.type = enum
        self.name = enum.__name__

    def encode(self, obj: Enum) -> str:
        return obj.value

    def decode(self, data: str) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A frozen value object as its fields; nested values are tagged in turn."""

    def __init__(self, cls: type, name: str):
        self.type = cls
        self.name = name
        self.fields = [f.name for f in dataclasses.fields(cls)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class FeeAsDict(DataclassAsDict):
    def decode(self, data: dict[str, Any]) -> Fee:
        return Fee(data["billing_code"], tuple(data["lines"]))


class ProvenanceAsList(Transcoding):
    """Every event carries one: a compact positional form keeps the log small."""

    type = Provenance
    name = "prov"

    def encode(self, obj: Provenance) -> list[Any]:
        return [obj.actor_id, obj.actor_role.value, obj.office, obj.occurred_at.isoformat(), obj.command_id]

    def decode(self, data: list[Any]) -> Provenance:
        actor_id, role, office, occurred_at, command_id = data
        return Provenance(actor_id, Role(role), office, datetime.fromisoformat(occurred_at), command_id)


ENUMS: tuple[type[Enum], ...] = (
    *(
        obj
        for module in (values, passport, stay_permit, enforcement, joint_operation, revenue_target)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Enum) and obj is not Enum
    ),
)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ProvenanceAsList())
    transcoder.register(DataclassAsDict(PersonalData, "personal_data"))
    transcoder.register(DataclassAsDict(Referral, "referral"))
    transcoder.register(DataclassAsDict(FeeLine, "fee_line"))
    transcoder.register(FeeAsDict(Fee, "fee"))
    for enum in set(ENUMS):
        transcoder.register(EnumAsValue(enum))
