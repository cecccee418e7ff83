"""The base of every case kind (berkas): provenance, state-machine guards, command ids."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.errors import IllegalTransition, InvalidCommand, NotPermitted
from domain.reference import office as lookup_office
from domain.values import Provenance, Role

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


def check_occurred_at(occurred_at: Any, *, not_before: datetime | None = None) -> None:
    """Business time must be an aware instant, not in the future, not before the
    case's previous event (backfilled history keeps its real, past dates)."""
    if not isinstance(occurred_at, datetime):
        raise InvalidCommand("occurred_at", "must be a date and time")
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidCommand("occurred_at", "must carry a time zone (naive datetimes are ambiguous)")
    if occurred_at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidCommand("occurred_at", "must not be in the future")
    if not_before is not None and occurred_at < not_before:
        raise InvalidCommand("occurred_at", f"must not be before the case's previous event ({not_before.isoformat()})")


def check_provenance(provenance: Provenance) -> None:
    if not provenance.actor_id:
        raise InvalidCommand("actor_id", "must not be empty")
    if not isinstance(provenance.actor_role, Role):
        raise InvalidCommand("actor_role", "must be a Role")
    if provenance.actor_role in (Role.AUDITOR, Role.ADMIN):
        raise NotPermitted(f"a {provenance.actor_role.value.lower()} cannot act on cases")
    lookup_office(provenance.office)
    check_occurred_at(provenance.occurred_at)


def check_decider(provenance: Provenance, decision: str) -> None:
    """Decisions (keputusan) are a supervisor's."""
    if provenance.actor_role is not Role.SUPERVISOR:
        raise NotPermitted(f"only a supervisor may {decision}")


def check_text(field: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidCommand(field, "must not be empty")


def check_enum(field: str, value: Any, enum: type[Enum]) -> None:
    if not isinstance(value, enum):
        allowed = ", ".join(member.value for member in enum)
        raise InvalidCommand(field, f"must be one of {allowed}")


class Case(Aggregate):
    """Common behaviour of PassportApplication, StayPermit, EnforcementCase, JointOperation."""

    KIND: ClassVar[str]

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return _simulated_recording_time.get() or datetime.now(UTC)

    # Class-level annotations would turn the aggregate into a dataclass whose fields
    # leak into the creation event, so the common state is only set in _begin():
    # status, office, last_occurred_at and commands (command id -> version).

    def _begin(self, provenance: Provenance) -> None:
        """Apply-side bookkeeping of a creation event."""
        self.office = provenance.office
        self.last_occurred_at = provenance.occurred_at
        self.commands = {}
        if provenance.command_id:
            self.commands[provenance.command_id] = 1

    def _note(self, provenance: Provenance) -> None:
        """Apply-side bookkeeping of every later event."""
        self.last_occurred_at = provenance.occurred_at
        if provenance.command_id:
            self.commands[provenance.command_id] = self.version + 1

    def check_can(self, command: str, provenance: Provenance, allowed: Iterable[Any]) -> None:
        """Guard run before any change: state, office scope, business time."""
        if self.status not in allowed:
            raise IllegalTransition(self.KIND, self.id, self.status.value, command)
        check_provenance(provenance)
        if provenance.office != self.office:
            raise NotPermitted(f"{self.KIND} {self.id} belongs to office {self.office}")
        check_occurred_at(provenance.occurred_at, not_before=self.last_occurred_at)

    def outcome_of(self, command_id: str | None) -> int | None:
        """The version a command already produced, if it was already applied."""
        if command_id is None:
            return None
        return self.commands.get(command_id)

    def state(self) -> dict[str, Any]:
        """The current state as plain attributes (for APIs, tests and auditors)."""
        data = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        data.pop("commands", None)
        return {"id": self.id, "kind": self.KIND, "version": self.version, **data}


# The library gives Case a generic "Created" event, which every subclass would inherit
# without an explicit topic; each case kind names its own creation event instead.
del Case.Created
