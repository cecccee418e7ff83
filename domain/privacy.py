"""Pelindungan data pribadi (UU 27/2022), as the domain sees it: a port and an event store.

Personal data is sealed per data subject (subjek data): one data key each, so erasing a
subject is destroying one key (crypto-shredding) while the log, its counts and its
hashes stay as they are. The keys live outside the domain; the composition root plugs a
``SubjectSeal`` into the application, which seals while mapping events to stored events.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import EventStore, Notification, Recording

from domain.errors import DomainError

# A sealed value's plaintext: a JSON list, written compact by one encoder made once
# (``json.dumps(..., ensure_ascii=False)`` builds an encoder per call).
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class PersonalDataUnreadable(DomainError):
    """Sealed personal data that does not open: a wrong key file, a missing key, or bytes
    changed in the store. Never answered with garbage or with ``<erased>``."""


class SubjectErasedMeanwhile(PersonalDataUnreadable):
    """A subject this save sealed for was erased after its keys were made durable and before
    its events were committed: the events are not written (their transaction rolled back)."""

    def __init__(self, subject_ids: Iterable[str]):
        self.subject_ids = sorted(subject_ids)
        super().__init__("a data subject was erased while saving: try again")


class SubjectsChangedMeanwhile(PersonalDataUnreadable):
    """Another writer created or erased a subject this save sealed for, found in the events'
    own transaction (rolled back, nothing written): encode again."""

    def __init__(self) -> None:
        super().__init__("a data subject changed while saving: try again")


class SubjectSeal(ABC):
    """Encrypts and decrypts personal data with the key of the subject it is about."""

    @abstractmethod
    def seal(self, nik: str, name: str, plaintext: bytes) -> tuple[str, str]:
        """Encrypt under the data key of the subject this NIK belongs to (a new subject with
        a new key when there is none): returns the subject's id and the sealed token."""

    def seal_values(self, nik: str, name: str, values: list[str]) -> tuple[str, str]:
        """``seal`` of the values as a compact JSON list (what ``open`` gives back, for
        ``json.loads``); a seal may encode it faster than the standard library."""
        return self.seal(nik, name, _compact_json(values).encode())

    @abstractmethod
    def open(self, subject_id: str, token: str) -> bytes | None:
        """Decrypt; ``None`` when the subject was erased; ``PersonalDataUnreadable`` otherwise."""

    @abstractmethod
    def subjects_for(self, niks: Iterable[str]) -> dict[str, str]:
        """The id of the subject each NIK belongs to, new subjects made durable now: what a
        reservation about a person is keyed on, so that no key is derived from a NIK."""

    @abstractmethod
    def reservation_key(self, kind: str, value: str) -> str:
        """What a reservation of a document number is keyed on: a keyed digest (HMAC under the
        index key) of ``kind`` and the number, so that a reservation's id, which stays in the
        log after an erasure, does not lead from a number to its holder's case."""

    @abstractmethod
    def begin_event(self, event: Any) -> None:
        """What is sealed next belongs to this event (and so to its case)."""

    def encode_events(self, events: Sequence[Any], encode: Callable[[Any], Any]) -> list[Any]:
        """``encode`` each event, what it seals belonging to it (``begin_event``)."""
        stored = []
        for event in events:
            self.begin_event(event)
            stored.append(encode(event))
        return stored

    @abstractmethod
    def prepare(self, recorder: Any = None, count: int = 0) -> bool:
        """Before the sealed events are inserted, make what sealing created durable (new
        subjects and their wrapped keys, which cases they are in, blind indexes), or leave it
        to ``committing`` to write in the events' own transaction when ``recorder`` inserting
        ``count`` events allows. ``False`` when another writer created or erased one of these
        subjects meanwhile: encode again (``SubjectsChangedMeanwhile`` from the insert when
        found there)."""

    @contextmanager
    def committing(self, recorder: Any) -> Iterator[None]:
        """Around inserting the events ``prepare`` made ready: make sure, under a lock or in
        the events' own transaction, that no subject they were sealed for is erased before
        they are committed (``SubjectErasedMeanwhile``). By default nothing to guard."""
        yield

    def forget_erased(self, subject_ids: Iterable[str]) -> None:
        """After ``SubjectErasedMeanwhile``: seal for these NIKs' new subjects from now on."""
        return None  # a seal without guarding has nothing to forget

    @abstractmethod
    def discard(self) -> None:
        """Forget what sealing created but ``prepare`` did not keep."""

    @abstractmethod
    def cases_of(self, subject_id: str) -> list[UUID]:
        """Every case whose events hold this subject's personal data."""

    @abstractmethod
    def find(self, kind: str, value: str) -> list[tuple[str, str]]:
        """(subject, case) pairs a blind index of ``kind`` (nik, name, document) finds; case ''
        means every case of the subject. Erased subjects are not found."""

    @abstractmethod
    def is_known(self, subject_id: str) -> bool:
        """Whether a subject of this id was ever created."""

    @abstractmethod
    def shred(self, subject_id: str) -> None:
        """Destroy the subject's data key and blind indexes (idempotent)."""


class SealedEventStore(EventStore):
    """The library's ``put``, with the seal's new keys made durable between encoding the
    events and inserting them: no event can reach the log sealed under a key that is not."""

    def __init__(self, mapper: Any, recorder: Any, seal: SubjectSeal):
        super().__init__(mapper, recorder)
        self.seal = seal

    def _encode(self, domain_events: Sequence[Any]) -> list[Any]:
        return self.seal.encode_events(domain_events, self.mapper.to_stored_event)

    def insert(self, domain_events: Sequence[Any], **kwargs: Any) -> tuple[list[Any], Sequence[int] | None]:
        """Seal, make the seal's keys durable, insert: the stored events and their ids. What
        ``bulk_save`` calls: it has no use for the recordings ``put`` builds per event."""
        for attempt in range(3):
            stored_events = self._prepared(domain_events)
            try:
                with self.seal.committing(self.recorder):
                    return stored_events, self.recorder.insert_events(stored_events, **kwargs)
            except SubjectsChangedMeanwhile:
                if attempt == 2:
                    raise
            except SubjectErasedMeanwhile as erased:
                # An erasure landed between ``prepare`` and the events' commit: nothing was
                # written. A person erased and applying again is a new data subject with a new
                # key (UU 27/2022: the erased data stays gone), so seal again, for new subjects.
                self.seal.forget_erased(erased.subject_ids)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _prepared(self, domain_events: Sequence[Any]) -> list[Any]:
        try:
            stored_events = self._encode(domain_events)
            if not self.seal.prepare(self.recorder, len(stored_events)):
                stored_events = self._encode(domain_events)
                if not self.seal.prepare(self.recorder, len(stored_events)):
                    raise PersonalDataUnreadable("a data subject changed twice while saving: try again")
        except BaseException:
            self.seal.discard()
            raise
        return stored_events

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording]:
        stored_events, notification_ids = self.insert(domain_events, **kwargs)
        if not notification_ids:
            return []
        return [
            Recording(
                d,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=n_id,
                ),
            )
            for d, s, n_id in zip(domain_events, stored_events, notification_ids, strict=True)
        ]
