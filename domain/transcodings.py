"""How the events' value types are written to the store (JSON, with type tags)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import enforcement, joint_operation, passport, revenue_target, stay_permit, subject, values
from domain.privacy import PersonalDataUnreadable, SubjectSeal
from domain.values import Fee, FeeLine, LateEntryReason, PersonalData, PersonalNote, Provenance, Referral, Role


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
    """Every event carries one: a compact positional form keeps the log small. A late
    entry's reason code is a sixth element, written only on late entries."""

    type = Provenance
    name = "prov"

    def encode(self, obj: Provenance) -> list[Any]:
        data = [obj.actor_id, obj.actor_role.value, obj.office, obj.occurred_at.isoformat(), obj.command_id]
        if obj.late_entry_reason is not None:
            data.append(obj.late_entry_reason.value)
        return data

    def decode(self, data: list[Any]) -> Provenance:
        actor_id, role, office, occurred_at, command_id, *late = data
        reason = LateEntryReason(late[0]) if late else None
        return Provenance(actor_id, Role(role), office, datetime.fromisoformat(occurred_at), command_id, reason)


# Whether sealed personal data that does not open reads as a marked value (``unreadable``)
# rather than raising: only where the reader will not be shown it (``marking_unreadable``).
_marking = ContextVar("berkas_marking_unreadable", default=False)


@contextmanager
def marking_unreadable() -> Iterator[None]:
    """Events decoded within read sealed personal data that does not open (a subject's key row
    altered in the database, a wrong key file) as ``PersonalData.unreadable`` /
    ``PersonalNote.unreadable`` instead of raising ``PersonalDataUnreadable``: for readers the
    data is not shown to (an auditor's replay, a bundle's office), whose answers mark it so. The
    marked value is never shown as data (``api.http.present`` raises where it would be), never
    written again (``encode`` refuses it). Commands, exports and every read showing personal
    data decode outside it, and so still refuse loudly."""
    token = _marking.set(True)
    try:
        yield
    finally:
        _marking.reset(token)


def _open(seal: SubjectSeal, data: dict[str, str]) -> bytes | PersonalDataUnreadable | None:
    """The sealed value's plaintext, None when erased; within ``marking_unreadable``, the
    refusal of a value that does not open (else raised)."""
    try:
        return seal.open(data["s"], data["c"])
    except PersonalDataUnreadable as refused:
        if not _marking.get():
            raise
        return refused


class SealedPersonalData(Transcoding):
    """Personal data as ``{"s": subject id, "c": ciphertext}``: the subject's id is the key's
    id, stored beside the ciphertext; the fields travel inside it, never beside it, as a
    compact JSON list (values sealed before were written with spaces after the commas;
    ``json.loads`` reads both)."""

    type = PersonalData
    name = "personal_data_sealed"

    def __init__(self, seal: SubjectSeal):
        self.seal = seal

    def encode(self, obj: PersonalData) -> dict[str, str]:
        if obj.is_unreadable:
            raise PersonalDataUnreadable("personal data that did not open cannot be written again")
        if obj.is_erased or obj.birth_date is None:
            raise ValueError("erased personal data cannot be written again")
        fields = [obj.name, obj.nik, obj.birth_date.isoformat(), obj.address]
        subject_id, token = self.seal.seal_values(obj.nik, obj.name, fields)
        return {"s": subject_id, "c": token}

    def decode(self, data: dict[str, str]) -> PersonalData:
        plaintext = _open(self.seal, data)
        if plaintext is None:
            return PersonalData.erased(data["s"])
        if isinstance(plaintext, PersonalDataUnreadable):
            return PersonalData.unreadable(data["s"])
        name, nik, birth_date, address = json.loads(plaintext)
        return PersonalData(name, nik, date.fromisoformat(birth_date), address, data["s"])


class SealedNote(Transcoding):
    """A free-text note about a subject, sealed like the subject's personal data."""

    type = PersonalNote
    name = "personal_note_sealed"

    def __init__(self, seal: SubjectSeal):
        self.seal = seal

    def encode(self, obj: PersonalNote) -> dict[str, str]:
        if obj.is_unreadable:
            raise PersonalDataUnreadable("personal data that did not open cannot be written again")
        subject_id, token = self.seal.seal_values(obj.nik, "", [obj.text, obj.nik])
        return {"s": subject_id, "c": token}

    def decode(self, data: dict[str, str]) -> PersonalNote:
        plaintext = _open(self.seal, data)
        if plaintext is None:
            return PersonalNote.erased(data["s"])
        if isinstance(plaintext, PersonalDataUnreadable):
            return PersonalNote.unreadable(data["s"])
        text, nik = json.loads(plaintext)
        return PersonalNote(text, nik, data["s"])


# The tags under which personal data is stored: sealed, or plain in stores written before
# per-subject encryption (``berkas store info`` reports those).
SEALED_TAGS = (SealedPersonalData.name, SealedNote.name)
PLAINTEXT_TAGS = ("personal_data", "personal_note")


ENUMS: tuple[type[Enum], ...] = (
    *(
        obj
        for module in (values, passport, stay_permit, enforcement, joint_operation, revenue_target, subject)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Enum) and obj is not Enum
    ),
)


def register_transcodings(transcoder: JSONTranscoder, seal: SubjectSeal | None = None) -> None:
    """Without a seal (bare applications in tests and benchmarks) personal data is written
    plain; the composition root always gives one. Plain data from older stores stays readable."""
    transcoder.register(DateAsISO())
    transcoder.register(ProvenanceAsList())
    transcoder.register(DataclassAsDict(PersonalData, PLAINTEXT_TAGS[0]))
    transcoder.register(DataclassAsDict(PersonalNote, PLAINTEXT_TAGS[1]))
    if seal is not None:
        transcoder.register(SealedPersonalData(seal))
        transcoder.register(SealedNote(seal))
    transcoder.register(DataclassAsDict(Referral, "referral"))
    transcoder.register(DataclassAsDict(FeeLine, "fee_line"))
    transcoder.register(FeeAsDict(Fee, "fee"))
    for enum in set(ENUMS):
        transcoder.register(EnumAsValue(enum))
