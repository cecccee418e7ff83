"""Stores written before per-subject encryption hold personal data in plaintext: find them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.utils import get_topic

import domain
from domain.transcodings import PLAINTEXT_TAGS
from domain.values import PersonalNote
from projections.eventstore import sql
from projections.eventstore.store import Store


def plaintext_events(store: Store) -> int:
    """How many stored events carry personal data unsealed: tagged with a plaintext tag, or
    a plain string where the domain now records a sealed note (``PersonalNote | str``: a
    referral's instructions, an operation's area, places and report, a purpose, a sponsor)."""
    table = store.events_table
    tagged = [f'"_type_":"{tag}",'.encode() for tag in PLAINTEXT_TAGS]
    with store.connect() as conn:
        if not sql.table_exists(conn, table):
            return 0
        # A substring of the stored bytes: the one function whose name the two databases
        # do not share (PostgreSQL's bytea, SQLite's blob).
        found = "position(?::bytea in state) > 0" if conn.dialect.name == "postgresql" else "instr(state, ?) > 0"
        where, params = [found] * len(tagged), list(tagged)
        for topic, patterns in plain_text_fields().items():
            where.append(f"(topic = ? AND ({' OR '.join([found] * len(patterns))}))")
            params += [topic, *patterns]
        return sql.fetchall(conn, f"SELECT count(*) FROM {table} WHERE {' OR '.join(where)}", params)[0][0]


@cache
def plain_text_fields() -> dict[str, tuple[bytes, ...]]:
    """Per event topic, how its text fields look in stored JSON when they hold a plain string
    instead of a note (``"area":"``, ``"locations":["``, a referral's ``"instructions":"``).
    Inside a JSON string every quote is escaped, so no text can imitate these."""
    found = {}
    for aggregate in _aggregates():
        for event in _events(aggregate):
            patterns = tuple(dict.fromkeys(_plain_patterns(get_type_hints(event))))
            if patterns:
                found[get_topic(event)] = patterns
    return found


def _aggregates() -> Iterator[type[Aggregate]]:
    for name in domain.__all__:
        obj = getattr(domain, name)
        if isinstance(obj, type) and issubclass(obj, Aggregate):
            yield obj


def _events(aggregate: type[Aggregate]) -> Iterator[type[DomainEvent]]:
    for name in dir(aggregate):
        obj = getattr(aggregate, name)
        if isinstance(obj, type) and issubclass(obj, DomainEvent):
            yield obj


def _plain_patterns(hints: dict[str, Any]) -> Iterator[bytes]:
    for name, hint in hints.items():
        args = get_args(hint)
        if {PersonalNote, str} <= set(args):
            yield f'"{name}":"'.encode()
        elif get_origin(hint) is tuple and args and {PersonalNote, str} <= set(get_args(args[0])):
            yield f'"{name}":["'.encode()
        else:  # a value object holding such a field (a referral), perhaps optional
            for value in args or (hint,):
                if dataclasses.is_dataclass(value) and isinstance(value, type):
                    yield from _plain_patterns(get_type_hints(value))
