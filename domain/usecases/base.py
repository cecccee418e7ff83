"""The machinery every use case shares: provenance, idempotency, optimistic concurrency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypedDict, TypeVar, Unpack
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, IntegrityError, JSONTranscoder

from domain.case import FINGERPRINT_MARK, LATE_ENTRY_DAYS, Case, LateEntries
from domain.errors import CaseNotFound, ConflictError, DomainError, InvalidCommand, KeyTaken
from domain.privacy import SealedEventStore, SubjectSeal
from domain.reservation import DOCUMENTS, RULE_TEXT, Reservation, ReservationStatus, Rule, claim, reservation_id
from domain.transcodings import register_transcodings
from domain.values import LateEntryReason, PersonalData, Provenance, Role, recorded_text

C = TypeVar("C", bound=Case)
E = TypeVar("E", bound=Enum)
# Whether a case of the person still holds an open-case key without a reservation.
Rival = Callable[[Case], bool]


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event check against a runtime
    protocol (``isinstance`` of a ``typing.Protocol`` walks the class's attributes every
    time: 30-40 us of a command's load); every event the mapper builds has ``mutate``."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass(frozen=True)
class Actor:
    """The authenticated officer a command is carried out for."""

    id: str
    role: Role
    office: str


def as_enum(enum: type[E], value: Any, field: str) -> E:
    """Accept an enum member or its value; name the field when neither fits."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidCommand(field, f"must be one of {allowed}") from None


Extension = Callable[..., Iterable[Aggregate] | None]
_EXTENSIONS: dict[tuple[str, str], Extension] = {}


def extends(kind: type[Case], command: str) -> Callable[[Extension], Extension]:
    """Mark a use case step that runs a lifecycle command with more than the aggregate
    method: ``step(app, case, provenance, **arguments)`` changes the case (and returns
    any other aggregates to save in the same transaction)."""
    kind.LIFECYCLE.command(command)

    def register(step: Extension) -> Extension:
        _EXTENSIONS[(kind.KIND, command)] = step
        return step

    return register


class CreationOptions(TypedDict, total=False):
    """What every command accepts besides its own arguments, a creation too."""

    occurred_at: datetime | None  # business time; now when omitted
    command_id: str | None  # idempotency: a retry returns the first outcome
    # a late entry's reason (pencatatan terlambat), see ``LateEntries``; None for a timely one
    late_entry_reason: str | LateEntryReason | None


class CommandOptions(CreationOptions, total=False):
    """What every command on an existing case accepts besides its own arguments."""

    expected_version: int | None  # optimistic concurrency: the version the caller saw
    current: Case | None  # the case as kept in memory after its last save (``execute``)
    on_saved: Callable[[Any], None] | None  # called with the case this command saved


OPTIONS = tuple(CommandOptions.__annotations__)
CREATION_OPTIONS = tuple(CreationOptions.__annotations__)


class BerkasBase(Application):
    """One application, one event log for all case kinds (one total order)."""

    name = "Berkas"

    def __init__(
        self, env: Any = None, *, seal: SubjectSeal | None = None, late_entry_days: int = LATE_ENTRY_DAYS
    ) -> None:
        # Set before the library builds the mapper, whose transcodings seal with it.
        self.seal = seal
        self.late_entries = LateEntries(late_entry_days)
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder, self.seal)

    def construct_event_store(self) -> EventStore:
        if self.seal is None:
            return super().construct_event_store()
        return SealedEventStore(self.mapper, self.recorder, self.seal)

    # --- reading ---------------------------------------------------------------------

    def get_case(self, case_id: UUID, version: int | None = None) -> Case:
        try:
            case = self.repository.get(case_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        if version is not None and case.version != version:
            versions = f"{case.version} version{'' if case.version == 1 else 's'}"
            raise InvalidCommand("version", f"{version} does not exist: this case has {versions}")
        return case

    def get_typed(self, case_id: UUID, kind: type[C]) -> C:
        case = self.get_case(case_id)
        if not isinstance(case, kind):
            raise CaseNotFound(case_id)
        return case

    def history(self, case_id: UUID) -> list[Aggregate.Event]:
        """Every event of a case in order, as recorded (for auditors' replay)."""
        events = list(self.events.get(case_id))
        if not events:
            raise CaseNotFound(case_id)
        return events

    def case_as_of(self, case_id: UUID, instant: datetime) -> Case | None:
        """The case as it stood at a business instant; None if it did not exist yet."""
        if instant.tzinfo is None:
            raise InvalidCommand("as_of", "must carry a time zone")
        case: Case | None = None
        for event in self.history(case_id):
            if event.provenance.occurred_at > instant:
                break
            case = event.mutate(case)
        return case

    def check_reference(
        self, field: str, case_id: UUID, kind: type[Case], office: str, allowed: Iterable[Enum]
    ) -> Case:
        """A case a command cites (rujukan): it exists, is of ``kind``, belongs to ``office``
        and is in a state that allows citing it; else 422 naming the field."""
        try:
            case = self.get_typed(case_id, kind)
        except CaseNotFound:
            raise InvalidCommand(field, f"no {kind.KIND} {case_id}") from None
        if case.office != office:
            raise InvalidCommand(field, f"{kind.KIND} {case_id} belongs to another office")
        states = tuple(allowed)
        if case.status not in states:
            named = ", ".join(s.value for s in states)
            raise InvalidCommand(field, f"{kind.KIND} {case_id} is {case.status.value}, not {named}")
        return case

    def exists(self, case_id: UUID) -> bool:
        return bool(self.recorder.select_events(case_id, limit=1))

    # --- writing ---------------------------------------------------------------------

    def provenance(
        self,
        actor: Actor,
        occurred_at: datetime | None,
        command_id: str | None,
        late_entry_reason: str | LateEntryReason | None = None,
    ) -> Provenance:
        """Who acts, when it happened; a late entry is checked against the office's policy."""
        provenance = Provenance(
            actor_id=actor.id,
            actor_role=actor.role,
            office=actor.office,
            occurred_at=occurred_at or datetime.now(UTC),
            command_id=command_id,
            late_entry_reason=None
            if late_entry_reason is None
            else as_enum(LateEntryReason, late_entry_reason, "late_entry_reason"),
        )
        self.late_entries.check(provenance)
        return provenance

    @staticmethod
    def new_case_id(kind: str, office: str, command_id: str | None) -> UUID:
        """A creation retried with the same command id lands on the same case id."""
        if command_id is None:
            return uuid4()
        key = command_id.partition(FINGERPRINT_MARK)[0]
        return uuid5(NAMESPACE_URL, f"berkas:{kind}:{office}:{key}")

    def establish(
        self,
        kind: type[C],
        actor: Actor,
        build: Callable[[UUID, Provenance], Sequence[Aggregate]],
        occurred_at: datetime | None = None,
        command_id: str | None = None,
        late_entry_reason: str | LateEntryReason | None = None,
    ) -> C:
        """Create a case (first of what ``build`` returns, all saved in one transaction);
        returns it as saved (a retried creation: as it was first created)."""
        case_id = self.new_case_id(kind.KIND, actor.office, command_id)
        if command_id is not None and self.exists(case_id):
            return self._first_outcome(kind, case_id, command_id)
        aggregates = build(case_id, self.provenance(actor, occurred_at, command_id, late_entry_reason))
        try:
            self.save(*aggregates)
        except IntegrityError:
            if command_id is not None and self.exists(case_id):
                return self._first_outcome(kind, case_id, command_id)
            self._explain_lost_claims(aggregates, actor.office)
            raise
        case = aggregates[0]
        assert isinstance(case, kind) and case.id == case_id
        return case

    def open_case(
        self,
        kind: type[C],
        actor: Actor,
        build: Callable[[UUID, Provenance], Sequence[Aggregate]],
        **options: Unpack[CreationOptions],
    ) -> UUID:
        return self.establish(kind, actor, build, **options).id

    def create(self, kind: type[C], actor: Actor, /, **arguments: Any) -> C:
        """Run the lifecycle table's creation of ``kind`` with the arguments of its class
        method (the creation options, occurred_at, command_id and late_entry_reason, are
        taken out of ``arguments``)."""
        options: CreationOptions = {name: arguments.pop(name) for name in CREATION_OPTIONS if name in arguments}  # type: ignore[misc]
        command = next(t.command for t in kind.LIFECYCLE if t.creation)
        extension = _EXTENSIONS.get((kind.KIND, command))

        def build(case_id: UUID, provenance: Provenance) -> Sequence[Aggregate]:
            if extension is not None:
                return list(extension(self, case_id, provenance, **arguments) or ())
            return [getattr(kind, command)(case_id, provenance, **arguments)]

        return self.establish(kind, actor, build, **options)

    def execute(
        self,
        kind: type[C],
        case_id: UUID,
        actor: Actor,
        change: Callable[[C, Provenance], Iterable[Aggregate] | None],
        *,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        command_id: str | None = None,
        late_entry_reason: str | LateEntryReason | None = None,
        current: Case | None = None,
        on_saved: Callable[[C], None] | None = None,
        command: str | None = None,
    ) -> C:
        """Load once, check command id and version, change, save once; returns the case as
        saved (a retried command: the case as its first outcome left it).

        ``command`` names the lifecycle command ``change`` runs: a stale ``expected_version``
        is then refused (naming the case's version) only to a caller who may run it, the rest
        refused as ``change`` would refuse them (role and office, 403). A case that does not
        exist is refused first (RFC 9110 §13.2.1: a precondition is not evaluated where the
        request would fail without it).

        ``current`` is the case as the caller kept it in memory after its last save, to
        decide on without loading it; the caller gives it up (it is changed in place). It
        may be behind the log (another process wrote since): its save is then refused by
        the log's primary key, and any refusal decided on it (a conflict, a transition, a
        rule) is decided again on the case loaded from the store, as if it had never been
        given. ``on_saved`` is called with the case this call saved (not with a retried
        command's first outcome), which is the case as the log holds it."""
        if current is not None and isinstance(current, kind) and current.id == case_id:
            try:
                return self._execute(
                    kind,
                    current,
                    actor,
                    change,
                    expected_version,
                    occurred_at,
                    command_id,
                    late_entry_reason,
                    on_saved,
                    command,
                )
            except DomainError:
                pass  # decided on a state that may be stale: decide again on the stored one
        case = self.get_typed(case_id, kind)
        return self._execute(
            kind, case, actor, change, expected_version, occurred_at, command_id, late_entry_reason, on_saved, command
        )

    def _execute(
        self,
        kind: type[C],
        case: C,
        actor: Actor,
        change: Callable[[C, Provenance], Iterable[Aggregate] | None],
        expected_version: int | None,
        occurred_at: datetime | None,
        command_id: str | None,
        late_entry_reason: str | LateEntryReason | None,
        on_saved: Callable[[C], None] | None,
        command: str | None = None,
    ) -> C:
        case_id = case.id
        done = case.outcome_of(command_id)
        if done is not None:
            return self._at(kind, case_id, done)
        if expected_version is not None and case.version != expected_version:
            if command is not None:
                case.check_actor(command, actor.role, actor.office)
            raise ConflictError(case_id, case.version, expected_version)
        loaded_version = case.version
        others = change(case, self.provenance(actor, occurred_at, command_id, late_entry_reason)) or ()
        try:
            _append(self, [case, *others])
        except IntegrityError:
            current = self.get_typed(case_id, kind)
            done = current.outcome_of(command_id)
            if done is not None:
                return self._at(kind, case_id, done)
            self._explain_lost_claims(others, actor.office)
            raise ConflictError(case_id, current.version, expected_version or loaded_version) from None
        if on_saved is not None:
            on_saved(case)
        return case

    # --- uniqueness (reservations) ---------------------------------------------------------

    def reservation(self, rule: Rule, key: str) -> Reservation | None:
        return self._reservation(reservation_id(rule, self.reservation_key(rule, key)))

    def _reservation(self, reservation: UUID) -> Reservation | None:
        try:
            found = self.repository.get(reservation)
        except AggregateNotFoundError:
            return None
        assert isinstance(found, Reservation)
        return found

    def subject_key(self, person: PersonalData) -> str:
        """Whom a reservation about a person is keyed on: their data subject's id, as read back
        from the store or, for data not yet saved, from the subject vault (which creates the
        subject). A bare application without personal-data keys has only the NIK."""
        if person.subject_id is not None:
            return person.subject_id
        if self.seal is None:
            return person.nik
        return self.seal.subjects_for([person.nik])[person.nik]

    def reservation_key(self, rule: Rule, key: str) -> str:
        """A document number's reservation is keyed on the vault's keyed digest of it, not on
        the number (its id stays in the log after its holder's erasure). A bare application
        without personal-data keys keys it on the number."""
        if rule not in DOCUMENTS or self.seal is None:
            return key
        return self.seal.reservation_key(rule.value, key)

    def claim_key(self, rule: Rule, key: str, holder: Case, provenance: Provenance) -> Reservation:
        """The reservation to save with ``holder``'s event; KeyTaken if another case holds it."""
        with self._holder_named_to(provenance.office):
            found = self.reservation(rule, key)
            if found is None and rule in DOCUMENTS:
                self._check_no_document_unreserved(rule, key, holder)
            return claim(found, rule, self.reservation_key(rule, key), holder, provenance)

    def claim_open(
        self, rule: Rule, key: str, holder: Case, provenance: Provenance, person: PersonalData, rival: Rival
    ) -> Reservation:
        """The reservation of ``person``'s one open case under ``key`` (e.g. per passport
        product), to save with ``holder``'s creation; KeyTaken if another case holds it."""
        with self._holder_named_to(provenance.office):
            found = self.reservation(rule, key)
            if found is None:
                self._check_no_open_case_unreserved(rule, person, rival)
            return claim(found, rule, key, holder, provenance)

    @contextmanager
    def _holder_named_to(self, office: str) -> Iterator[None]:
        """A KeyTaken raised inside, as ``office`` may hear it (``_told_to``)."""
        try:
            yield
        except KeyTaken as taken:
            raise self._told_to(office, taken) from None

    def _told_to(self, office: str, taken: KeyTaken) -> KeyTaken:
        """``taken`` naming its holder only if the holder is ``office``'s case. Only officers
        and supervisors act on cases, and they read their own office's cases alone (auditors
        read every office but never act): another office's holder is left unnamed, so that
        a refusal does not point to the case that holds a person's open application or a
        number (a NIK typed at one office must not lead to another office's case)."""
        if taken.holder_id is None:
            return taken
        try:
            holder = self.get_case(taken.holder_id)
        except CaseNotFound:
            return taken.unnamed()
        return taken if holder.office == office else taken.unnamed()

    def _check_no_open_case_unreserved(self, rule: Rule, person: PersonalData, rival: Rival) -> None:
        """Cases opened before reservations existed (or reserved under the NIK-derived key
        they once had) hold no reservation this key finds: the person's first claim looks for
        them among the subject's cases, and ``rival`` says which of those holds the key. After
        it the reservation answers alone."""
        if self.seal is None:
            return  # a bare application (tests, benchmarks) cannot look a person up
        for case_id in self.seal.cases_of(self.subject_key(person)):
            try:
                other = self.get_case(case_id)
            except CaseNotFound:  # a save that failed after its data was sealed
                continue
            if rival(other):
                raise KeyTaken(RULE_TEXT[rule], other.KIND, other.id)

    def _check_no_document_unreserved(self, rule: Rule, number: str, holder: Case) -> None:
        """A number reserved under the id its plain text once gave (stores written before the
        keyed digest) is found under that id: it cannot be re-keyed, since after its holder's
        erasure nothing can read the number, and numbers are reserved for ever. A number
        issued without a reservation (before reservations existed, by an import or the demo)
        is found by the subject vault's blind index of document numbers."""
        if self.seal is None:
            return  # a bare application (tests, benchmarks) keys on the number and has no index
        former = self._reservation(reservation_id(rule, number))
        if former is not None:
            former.check_free_for(holder)
        kind, field = DOCUMENTS[rule]
        for _subject, case_id in self.seal.find("document", number):
            if not case_id or case_id == str(holder.id):
                continue
            try:
                other = self.get_case(UUID(case_id))
            except CaseNotFound:  # a save that failed after its data was sealed
                continue
            issued = recorded_text(getattr(other, field, None))
            if other.KIND == kind and issued is not None and issued.strip().upper() == number.strip().upper():
                raise KeyTaken(RULE_TEXT[rule], other.KIND, other.id)

    def give_back(self, rule: Rule, key: str, holder: Case, provenance: Provenance, reason: str) -> list[Reservation]:
        """What to save with ``holder``'s event so that it gives the key back (nothing if it held none)."""
        found = self.reservation(rule, key)
        if found is None:
            return []
        found.release(holder, provenance, reason)
        return [found] if found.pending_events else []

    def _explain_lost_claims(self, aggregates: Iterable[Aggregate], office: str) -> None:
        """A save that lost a race for a key: name the rule and the case that won it (to
        ``office``, if it may read it)."""
        for aggregate in aggregates:
            if isinstance(aggregate, Reservation):
                current = self.repository.get(aggregate.id)
                if current.status is ReservationStatus.HELD and current.holder_id != aggregate.holder_id:
                    taken = KeyTaken(RULE_TEXT[current.rule], current.holder_kind, current.holder_id)
                    raise self._told_to(office, taken)

    def _first_outcome(self, kind: type[C], case_id: UUID, command_id: str) -> C:
        """A creation retried: the case as it was created, if it was this request that created it."""
        self.get_case(case_id).outcome_of(command_id)
        return self._at(kind, case_id, 1)

    def _at(self, kind: type[C], case_id: UUID, version: int) -> C:
        case = self.get_case(case_id, version=version)
        assert isinstance(case, kind)
        return case

    def command(
        self,
        kind: type[C],
        case_id: UUID,
        actor: Actor,
        change: Callable[[C, Provenance], Iterable[Aggregate] | None],
        **options: Unpack[CommandOptions],
    ) -> int:
        """``execute``, answering with the version the command produced."""
        return self.execute(kind, case_id, actor, change, **options).version

    def act(self, kind: type[C], case_id: UUID, actor: Actor, command: str, /, **arguments: Any) -> C:
        """Run the lifecycle table's ``command`` on a case with the arguments of its
        aggregate method; options (expected_version, occurred_at, command_id, late_entry_reason) are taken
        out of ``arguments``. A use case that does more than call the method (a reference
        to check, a number to reserve, a case to open) is registered with ``@extends``."""
        if not kind.LIFECYCLE.has_command(command) or kind.LIFECYCLE.command(command).creation:
            raise InvalidCommand("command", f"{kind.KIND} has no command {command}")
        options: CommandOptions = {name: arguments.pop(name) for name in OPTIONS if name in arguments}  # type: ignore[misc]
        extension = _EXTENSIONS.get((kind.KIND, command))
        if extension is not None:
            return self.execute(
                kind, case_id, actor, lambda c, p: extension(self, c, p, **arguments), command=command, **options
            )
        return self.execute(
            kind, case_id, actor, lambda c, p: getattr(c, command)(p, **arguments), command=command, **options
        )

    def bulk_save(self, aggregates: Iterable[Aggregate], batch_size: int = 500) -> int:
        """Save many new or changed aggregates, ``batch_size`` per transaction, straight
        through the mapper and the recorder (``save_in_batches``); returns the number of
        events written. For imports and the demo generator."""
        return save_in_batches(self, aggregates, batch_size)


def save_in_batches(app: Any, aggregates: Iterable[Aggregate], batch_size: int = 500) -> int:
    """``bulk_save`` of ``app``, or of something standing in for it with an event store
    of its own (a demo resuming drops what is stored already).

    ``save`` builds a processing event, a recording and a notification per event and
    checks protocols per aggregate, for caches, snapshots and followers in the same
    process that Berkas does not use. What makes the log safe is in the recorder and
    kept: the table lock, the NOTIFY, one transaction per batch, a stale version refused
    with ``IntegrityError``; an event store of its own (sealing personal data) keeps its
    ``put``.
    """
    written = 0
    batch: list[Aggregate] = []
    for aggregate in aggregates:
        batch.append(aggregate)
        if len(batch) >= batch_size:
            written += _append(app, batch)
            batch = []
    return written + (_append(app, batch) if batch else 0)


def _append(app: Any, aggregates: list[Aggregate]) -> int:
    """One transaction of ``bulk_save`` (``app`` may stand in for the application)."""
    events = [event for aggregate in aggregates for event in aggregate.collect_events()]
    if not events:
        return 0
    if type(app.events) is EventStore:
        to_stored = app.mapper.to_stored_event
        app.recorder.insert_events([to_stored(event) for event in events])
    elif type(app.events) is SealedEventStore:
        app.events.insert(events)
    else:
        app.events.put(events)
    return len(events)
