"""Domain errors. Messages name the case, the rule and the field, never personal data."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """A command that breaks a rule of the domain; nothing was changed."""


class InvalidCommand(DomainError):
    """A command whose input breaks a rule (names the field)."""

    def __init__(self, field: str, rule: str):
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class IllegalTransition(DomainError):
    """The case is not in a state that allows this command."""

    def __init__(self, case_kind: str, case_id: UUID, status: str, command: str):
        self.case_id = case_id
        self.status = status
        self.command = command
        super().__init__(f"{case_kind} {case_id} is {status}: cannot {command}")


class NotPermitted(DomainError):
    """The acting officer's role or office may not do this."""


class CaseNotFound(DomainError):
    def __init__(self, case_id: UUID):
        self.case_id = case_id
        super().__init__(f"case {case_id} not found")


class KeyTaken(DomainError):
    """A unique key (a passport number, an open application) is held by another case.

    The holder is named only to those who may read it: told to another office's staff,
    ``holder_id`` is None and the message says "in another office", so that a refusal
    never points one office to which of another's cases holds a person's application."""

    def __init__(self, rule: str, holder_kind: str, holder_id: UUID | None):
        self.rule = rule
        self.holder_kind = holder_kind
        self.holder_id = holder_id
        holder = f"{holder_kind} {holder_id}" if holder_id is not None else f"a {holder_kind} in another office"
        super().__init__(f"{rule}: already held by {holder}")

    def unnamed(self) -> KeyTaken:
        """The same refusal without the holding case's id: as another office hears it."""
        return KeyTaken(self.rule, self.holder_kind, None)


class ConflictError(DomainError):
    """A write against a stale version: someone else changed the case first."""

    def __init__(self, case_id: UUID, current_version: int, expected_version: int | None, what: str | None = None):
        self.case_id = case_id
        self.current_version = current_version
        self.expected_version = expected_version
        super().__init__(
            f"{what or f'case {case_id}'} is at version {current_version}"
            + ("" if expected_version is None else f", not {expected_version}")
        )


class AlreadyExists(ConflictError):
    """A create-only write (HTTP ``If-None-Match: *``) of a case that exists already."""

    def __init__(self, case_id: UUID, current_version: int, what: str):
        super().__init__(case_id, current_version, None)
        self.args = (
            f"{what} exists already, at version {current_version}: a create-only write never replaces "
            "what exists; nothing was changed",
        )
