"""Each case kind's lifecycle (alur berkas), declared once as a table.

A row says: this command, allowed from these states, by these roles, records this event
and leaves the case in that state; whether it is a decision (keputusan: it enters the
audit trail) and which fields hold its reason and its legal basis. The guards, the status
an event leaves (live and in the case index), the audit trail's decision list, the API's
route descriptions and the state diagrams in docs/ all read this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from domain.values import Role

WORKERS = frozenset({Role.OFFICER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
TOPIC_PREFIX = "berkas:"


@dataclass(frozen=True)
class Transition:
    """One row of a lifecycle table."""

    command: str  # the aggregate's method (a creation: the class method)
    event: str  # the event it records (past tense)
    sources: tuple[Enum, ...]  # the states it is allowed from; () for a creation
    target: Enum | None  # the state it leaves; None keeps the state
    roles: frozenset[Role] = WORKERS
    decision: bool = False  # a keputusan: recorded in the audit trail
    reason: str | None = None  # the event field holding the reason code
    basis: str | None = None  # the event field holding the legal basis (required when set)
    # A target that depends on the event: (field, value, state), e.g. an upheld objection.
    when: tuple[str, str, Enum] | None = None

    @property
    def creation(self) -> bool:
        return not self.sources

    @property
    def supervisor_only(self) -> bool:
        return self.roles == SUPERVISORS

    def target_of(self, payload: Any) -> Enum | None:
        """The state the event leaves; ``payload`` reads a field of the event (value or enum)."""
        if self.when is not None:
            name, value, state = self.when
            found = payload(name)
            if getattr(found, "value", found) == value:
                return state
        return self.target

    def describe(self) -> str:
        """One line for the API documentation."""
        before = "creates the case" if self.creation else "from " + ", ".join(s.value for s in self.sources)
        after = f"; leaves {self.target.value}" if self.target is not None else "; status unchanged"
        who = "supervisor" if self.supervisor_only else "officer or supervisor"
        extra = "; a decision on a legal basis" if self.basis else ("; a decision" if self.decision else "")
        return f"{who}; {before}{after}{extra}. Records `{self.event}`."


@dataclass(frozen=True)
class Lifecycle:
    """The table of one case kind."""

    kind: str
    states: type[Enum]
    transitions: tuple[Transition, ...]
    _by_command: dict[str, Transition] = field(init=False, repr=False, compare=False)
    _by_event: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_command = {t.command: t for t in self.transitions}
        by_event = {t.event: t for t in self.transitions}
        if len(by_command) != len(self.transitions) or len(by_event) != len(self.transitions):
            raise ValueError(f"{self.kind}: each command and each event appears once in the table")
        object.__setattr__(self, "_by_command", by_command)
        object.__setattr__(self, "_by_event", by_event)

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def command(self, name: str) -> Transition:
        return self._by_command[name]

    def has_command(self, name: str) -> bool:
        return name in self._by_command

    def event(self, name: str) -> Transition:
        return self._by_event[name]

    def topic(self, transition: Transition) -> str:
        return f"{TOPIC_PREFIX}{self.kind}.{transition.event}"

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.topic(t) for t in self.transitions)

    @property
    def initial(self) -> Enum:
        creations = [t.target for t in self.transitions if t.creation]
        assert len(creations) == 1 and creations[0] is not None
        return creations[0]

    def allowed_in(self, state: Enum) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)

    def reachable(self) -> set[Enum]:
        """The states some sequence of commands leads to from the initial state."""
        seen, frontier = {self.initial}, [self.initial]
        while frontier:
            state = frontier.pop()
            for transition in self.allowed_in(state):
                for target in (transition.target, transition.when and transition.when[2]):
                    if target is not None and target not in seen:
                        seen.add(target)
                        frontier.append(target)
        return seen

    def mermaid(self) -> str:
        """A state diagram (mermaid ``stateDiagram-v2``) of the table."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.value}: {self.command_label(self._creation())}"]
        for transition in self.transitions:
            if transition.creation:
                continue
            for source in transition.sources:
                targets = [transition.target or source]
                if transition.when is not None:
                    targets.append(transition.when[2])
                for target in targets:
                    lines.append(f"    {source.value} --> {target.value}: {self.command_label(transition)}")
        finals = [s for s in self.states if not self.allowed_in(s) and s in self.reachable()]
        lines += [f"    {state.value} --> [*]" for state in finals]
        return "\n".join(lines) + "\n"

    def _creation(self) -> Transition:
        return next(t for t in self.transitions if t.creation)

    @staticmethod
    def command_label(transition: Transition) -> str:
        mark = " (supervisor)" if transition.supervisor_only else ""
        return f"{transition.command}{mark}"


def lifecycles(kinds: Iterable[type]) -> dict[str, Lifecycle]:
    """Every case kind's table by kind name."""
    return {kind.KIND: kind.LIFECYCLE for kind in kinds}


def document(tables: Iterable[Lifecycle]) -> str:
    """docs/lifecycles.md: each table and its state diagram (generated; a test keeps it current)."""
    parts = [
        "# Lifecycles of the case kinds",
        "",
        "Generated from the lifecycle tables in `domain/` by `berkas lifecycles --write docs/lifecycles.md`;",
        "a test fails when this page and the tables disagree. Do not edit by hand.",
    ]
    for table in tables:
        parts += ["", f"## {table.kind}", "", "```mermaid", table.mermaid().rstrip("\n"), "```", ""]
        parts += [
            "| command | allowed from | event | leaves | who | decision | reason field | legal basis field |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for t in table:
            sources = ", ".join(s.value for s in t.sources) or "(new case)"
            target = t.target.value if t.target is not None else "(unchanged)"
            if t.when is not None:
                target += f"; {t.when[2].value} when {t.when[0]} is {t.when[1]}"
            who = ", ".join(sorted(role.value for role in t.roles))
            parts.append(
                f"| `{t.command}` | {sources} | `{t.event}` | {target} | {who} | {'yes' if t.decision else ''} "
                f"| {t.reason or ''} | {t.basis or ''} |"
            )
    return "\n".join(parts) + "\n"
