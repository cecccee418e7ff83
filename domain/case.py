"""The base of every case kind (berkas): provenance, guards read from the lifecycle table,
the bookkeeping every event does (status, business time, command ids)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.lifecycle import Lifecycle, Transition
from domain.plain_text import is_blank
from domain.reference import office as lookup_office
from domain.values import LateEntryReason, PersonalData, PersonalNote, Provenance, Role

# A command id may carry the fingerprint of the request it came with: ``key#fingerprint``.
FINGERPRINT_MARK = "#"
# An idempotency key sent again with another request (the message names the field first).
KEY_REUSED_RULE = "was sent before with a different request: a new request takes a new key"

# Clocks of officers' terminals drift; a minute of grace keeps honest entries in.
CLOCK_SKEW = timedelta(minutes=1)

# When an event is recorded (the library's ``timestamp``) is the system clock, except
# in a simulation of a past year (``berkas demo``), which records as if it had been live.
_simulated_recording_time: ContextVar[datetime | None] = ContextVar("simulated_recording_time", default=None)


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Simulate recording events at ``moment``; for demos and tests, never for the API."""
    if moment.tzinfo is None:
        raise InvalidCommand("recorded_at", "must carry a time zone")
    token = _simulated_recording_time.set(moment)
    try:
        yield
    finally:
        _simulated_recording_time.reset(token)


# The dates an office can mean: a typo such as 0001 or 9999 is refused, never stored (and
# never reaches a conversion that overflows).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def check_calendar(field: str, value: date) -> None:
    """A date or instant within 1900-2100 (in its own calendar and in UTC)."""
    years = [value.year]
    if isinstance(value, datetime) and value.utcoffset() is not None and EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        years.append(value.astimezone(UTC).year)
    if not all(EARLIEST_YEAR <= year <= LATEST_YEAR for year in years):
        raise InvalidCommand(field, f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")


def check_occurred_at(occurred_at: Any, *, not_before: datetime | None = None) -> None:
    """Business time must be an aware instant, not in the future, not before the
    case's previous event (backfilled history keeps its real, past dates)."""
    if not isinstance(occurred_at, datetime):
        raise InvalidCommand("occurred_at", "must be a date and time")
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidCommand("occurred_at", "must carry a time zone (naive datetimes are ambiguous)")
    check_calendar("occurred_at", occurred_at)
    if occurred_at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidCommand("occurred_at", "must not be in the future")
    if not_before is not None and occurred_at < not_before:
        raise InvalidCommand("occurred_at", f"must not be before the case's previous event ({not_before.isoformat()})")


def check_case_worker(role: Role) -> None:
    if role in (Role.AUDITOR, Role.ADMIN):
        raise NotPermitted(f"an {role.value.lower()} cannot act on cases")


def check_provenance(provenance: Provenance) -> None:
    if not provenance.actor_id:
        raise InvalidCommand("actor_id", "must not be empty")
    if not isinstance(provenance.actor_role, Role):
        raise InvalidCommand("actor_role", "must be a Role")
    check_case_worker(provenance.actor_role)
    lookup_office(provenance.office)
    check_occurred_at(provenance.occurred_at)
    check_late_entry_reason(provenance)


# What a person types into a field (a name, a reason, a note): at most 500 characters, and no
# control character but tab and line breaks. The others (ESC, NUL, C1's CSI) have no business
# in a case file: a terminal obeys them when an operator lists what was typed, and PostgreSQL
# refuses NUL. The API's ``Text`` runs ``check_text`` too (its schema shows the pattern), so
# HTTP, the web pages and the CLI take and refuse the same text, in the same words.
TEXT_MAX_LENGTH = 500
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+$"
_TEXT = re.compile(TEXT_PATTERN)
TEXT_LENGTH_RULE = f"must be at most {TEXT_MAX_LENGTH} characters"
CONTROL_RULE = "must not hold control characters (escape, NUL, …): only tabs and line breaks"


def check_text(field: str, value: Any) -> None:
    if not isinstance(value, str) or is_blank(value):
        raise InvalidCommand(field, "must not be empty")
    if len(value) > TEXT_MAX_LENGTH:
        raise InvalidCommand(field, TEXT_LENGTH_RULE)
    if not _TEXT.fullmatch(value):
        raise InvalidCommand(field, CONTROL_RULE)


# PNBP is billed in whole rupiah (SIMPONI has no sen); no single amount comes near Rp 10^15.
MAX_RUPIAH = Decimal(10**15)
MAX_RUPIAH_RULE = f"must be at most Rp {MAX_RUPIAH:,}"


def whole_rupiah(field: str, value: Any) -> Decimal:
    """An amount in rupiah as the domain keeps it: a whole, finite, positive number no larger
    than Rp 10^15, normalised (``1E+6`` becomes ``1000000``). HTTP and the CLI both come here."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidCommand(field, "must be a whole number of rupiah")
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidCommand(field, "must be a finite number of rupiah")
    if amount != amount.to_integral_value():
        raise InvalidCommand(field, "must be whole rupiah (PNBP has no sen)")
    if amount <= 0:
        raise InvalidCommand(field, "must be positive")
    if amount > MAX_RUPIAH:
        raise InvalidCommand(field, MAX_RUPIAH_RULE)
    return amount.quantize(Decimal(1))


DIGITS_RULE = "must be whole rupiah written in the digits 0-9, without sign, point, exponent or separator"


def rupiah_from_text(field: str, text: str) -> Decimal:
    """An amount as a person or a client writes it (the CLI, a JSON string): the digits 0-9
    only, so ``1e3``, ``1000.00``, ``+1000``, ``1_000`` or another script's digits are never
    read as a sum nobody typed. A number that breaks a rule of its own says which."""
    if text.isascii() and text.isdigit():
        return whole_rupiah(field, Decimal(text))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidCommand(field, "is not a number: " + DIGITS_RULE.removeprefix("must be ")) from None
    whole_rupiah(field, amount)
    raise InvalidCommand(field, DIGITS_RULE)


def check_enum(field: str, value: Any, enum: type[Enum]) -> None:
    if not isinstance(value, enum):
        allowed = ", ".join(member.value for member in enum)
        raise InvalidCommand(field, f"must be one of {allowed}")


def enum_code(field: str, value: Any, enum: type[Enum]) -> str:
    """The code of a listed reason, given as the member or its value (the string a stored
    event holds): anything else is refused naming the field and the allowed values."""
    if not isinstance(value, enum):
        try:
            value = enum(value)
        except (ValueError, TypeError):
            check_enum(field, value, enum)
    return value.value


def recording_time() -> datetime:
    """When what is being written now is recorded: the clock, or the simulated one."""
    return _simulated_recording_time.get() or datetime.now(UTC)


# Pencatatan terlambat: business time further back than this (the default of the setting
# BERKAS_LATE_ENTRY_DAYS) is a late entry, which needs a supervisor and a reason code.
LATE_ENTRY_DAYS = 30
LATE_ENTRY_ROLES = frozenset({Role.SUPERVISOR})  # admins and auditors do not act on cases at all


def check_late_entry_reason(provenance: Provenance) -> None:
    """A provenance that marks a late entry carries a reason code and a supervisor's role."""
    reason = provenance.late_entry_reason
    if reason is None:
        return
    check_enum("late_entry_reason", reason, LateEntryReason)
    if provenance.actor_role not in LATE_ENTRY_ROLES:
        raise NotPermitted("late entry: only a supervisor may record an entry this far back")


@dataclass(frozen=True)
class LateEntries:
    """The office's policy on business time (waktu kejadian) far behind its recording: an
    entry dated more than ``days`` before it is recorded is a late entry, which only a
    supervisor may make, with a ``late_entry_reason`` that the event keeps; a timely
    entry takes no reason (the reason is the late-entry flag, so it is never wrong)."""

    days: int = LATE_ENTRY_DAYS

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 0:
            raise ValueError("late entry days must be a whole number of days, at least 0")

    def is_late(self, occurred_at: datetime, recorded: datetime) -> bool:
        return occurred_at < recorded - timedelta(days=self.days)

    def check(self, provenance: Provenance, recorded: datetime | None = None) -> None:
        check_occurred_at(provenance.occurred_at)
        rule = f"business time more than {self.days} days before it is recorded"
        if not self.is_late(provenance.occurred_at, recorded or recording_time()):
            if provenance.late_entry_reason is not None:
                raise InvalidCommand("late_entry_reason", f"only for a late entry ({rule})")
            return
        if provenance.actor_role not in LATE_ENTRY_ROLES:
            raise NotPermitted(f"late entry ({rule}): only a supervisor may record it")
        if provenance.late_entry_reason is None:
            raise InvalidCommand("late_entry_reason", f"required for a late entry ({rule})")
        check_late_entry_reason(provenance)


class Case(Aggregate):
    """Common behaviour of PassportApplication, StayPermit, EnforcementCase, JointOperation."""

    KIND: ClassVar[str]
    LIFECYCLE: ClassVar[Lifecycle]

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return recording_time()

        def apply(self, aggregate: Any) -> None:
            """After the event's own method: the bookkeeping every event does, and the
            status the lifecycle table says the event leaves."""
            super().apply(aggregate)
            provenance: Provenance = self.provenance  # type: ignore[attr-defined]
            if self.originator_version == 1:
                aggregate.office = provenance.office
                aggregate.commands = {}
            aggregate.last_occurred_at = provenance.occurred_at
            if provenance.command_id:
                key, _, fingerprint = provenance.command_id.partition(FINGERPRINT_MARK)
                aggregate.commands[key] = (self.originator_version, fingerprint)
            transition = aggregate.LIFECYCLE.event(type(self).__name__)
            target = transition.target_of(lambda name: getattr(self, name))
            if target is not None:
                aggregate.status = target

    # Class-level annotations would turn the aggregate into a dataclass whose fields
    # leak into the creation event, so the common state is only set by Event.apply:
    # status, office, last_occurred_at and commands (command id -> version).

    @classmethod
    def check_creation(cls, provenance: Provenance) -> None:
        """Guard of a creation: who may open this kind of case."""
        check_provenance(provenance)
        cls._check_role(cls.LIFECYCLE.command(cls._creation_command()), provenance.actor_role)

    @classmethod
    def _creation_command(cls) -> str:
        return next(t.command for t in cls.LIFECYCLE if t.creation)

    def check_actor(self, command: str, role: Role, office: str) -> Transition:
        """Who may run ``command`` on this case (role, office), as ``check_can`` checks it:
        also before a stale ``expected_version`` is named (``execute``), which would tell the
        case's version to a caller who may not act on it."""
        transition = self.LIFECYCLE.command(command)
        check_case_worker(role)
        if office != self.office:
            raise NotPermitted(f"{self.KIND} {self.id} belongs to office {self.office}")
        self._check_role(transition, role)
        return transition

    @staticmethod
    def _check_role(transition: Transition, role: Role) -> None:
        if role not in transition.roles:
            who = " or ".join(sorted(allowed.value.lower() for allowed in transition.roles))
            raise NotPermitted(f"only a {who} may {transition.command.replace('_', ' ')}")

    def check_can(self, command: str, provenance: Provenance) -> Transition:
        """Guard run before any change, from the lifecycle table. Who may act (role and
        office) comes before what the state allows, so a refusal never reveals the state
        of another office's case; business time last."""
        check_provenance(provenance)
        transition = self.check_actor(command, provenance.actor_role, provenance.office)
        if self.status not in transition.sources:
            raise IllegalTransition(self.KIND, self.id, self.status.value, command.replace("_", " "))
        # Named, if refused, as the API shows times: in the office's own offset.
        previous = self.last_occurred_at.astimezone(lookup_office(self.office).tz)
        check_occurred_at(provenance.occurred_at, not_before=previous)
        return transition

    @property
    def person(self) -> PersonalData:
        """The person the case is about (pemohon, orang asing), for kinds that have one."""
        raise NotImplementedError(f"a {self.KIND} is about no one person")

    def note(self, field: str, text: str) -> PersonalNote:
        """Free text an officer records about the case's person: not empty, sealed with their key."""
        check_text(field, text)
        return PersonalNote.about(self.person, field, text)

    def outcome_of(self, command_id: str | None) -> int | None:
        """The version a command already produced, if it was already applied; a command id
        whose request differs from the one it was first used for is refused."""
        if command_id is None:
            return None
        key, _, fingerprint = command_id.partition(FINGERPRINT_MARK)
        found = self.commands.get(key)
        if found is None:
            return None
        version, first = found
        if fingerprint and first and fingerprint != first:
            raise InvalidCommand("Idempotency-Key", KEY_REUSED_RULE)
        return version

    def state(self) -> dict[str, Any]:
        """The current state as plain attributes (for APIs, tests and auditors)."""
        data = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        data.pop("commands", None)
        return {"id": self.id, "kind": self.KIND, "version": self.version, **data}


# The library gives Case a generic "Created" event, which every subclass would inherit
# without an explicit topic; each case kind names its own creation event instead.
del Case.Created
