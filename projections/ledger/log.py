"""Reading the events table as the ledger must: every row, whatever its id or its values.

The projection runner reads typed rows from the first notification id on; the ledger
reads each row's values as the database holds them (a ``state`` turned into text, an
integer or NULL stays what it is) and from the lowest id there is, so that no row can
sit outside the tree. ``Divergence`` is how every finding is named: a kind, the
notification id, the case when it can be read, and a sentence.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from projections.eventstore import sql

LOWEST = -(2**63)


@dataclass(frozen=True)
class Row:
    notification_id: Any
    originator_id: Any
    originator_version: Any
    topic: Any
    state: Any

    @property
    def case_id(self) -> uuid.UUID | None:
        return self.originator_id if type(self.originator_id) is uuid.UUID else None

    def wrong_type(self) -> str | None:
        """Why this row cannot have been written by the application, if it cannot."""
        expected = (
            ("case id", self.originator_id, uuid.UUID),
            ("version", self.originator_version, int),
            ("topic", self.topic, str),
            ("state", self.state, bytes),
        )
        for name, value, kind in expected:
            if type(value) is not kind:
                found = "NULL" if value is None else type(value).__name__
                return f"its {name} is {found}, not {kind.__name__}"
        if self.originator_version < 1:
            return f"its version {self.originator_version} is not positive"
        return None


@dataclass(frozen=True)
class Divergence:
    kind: str  # type, id, gap, ahead, changed, missing, inserted, reordered, checkpoint, signature, against
    notification_id: int | None
    case_id: uuid.UUID | None
    detail: str

    def describe(self) -> str:
        where = f" at notification id {self.notification_id}" if self.notification_id is not None else ""
        case = f" (case {self.case_id})" if self.case_id else ""
        return f"{self.kind}{where}{case}: {self.detail}"


def _case(value: Any) -> Any:
    """A case id kept as 32 lowercase hex digits (SQLite's form) is that UUID; anything
    else stays as stored."""
    if type(value) is str and len(value) == 32:
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            return value
        return parsed if parsed.hex == value else value
    return value


Values = tuple[Any, Any, Any, Any, Any]  # a row's five values, as ``Row`` names them


def read(conn: Any, after: int, limit: int) -> list[Values]:
    """Up to ``limit`` rows with a notification id above ``after``, in notification order,
    as plain tuples: the verifier's hot path builds a ``Row`` only for a row gone wrong."""
    table, column = conn.dialect.events_table, conn.dialect.id_column
    statement = (
        f"SELECT {column}, originator_id, originator_version, topic, state FROM {table} "
        f"WHERE {column} > ? ORDER BY {column} LIMIT ?"
    )
    found = conn.dialect.raw_rows(conn, statement, (after, limit))
    if found and type(found[0][1]) is not uuid.UUID:
        return [(n, _case(o), v, t, s) for n, o, v, t, s in found]
    return found


def rows(conn: Any, after: int = LOWEST, page: int = 20_000) -> Iterator[list[Values]]:
    while True:
        found = read(conn, after, page)
        if found:
            yield found
        if len(found) < page:
            return
        after = found[-1][0]


def count(conn: Any) -> int:
    table = conn.dialect.events_table
    if not sql.table_exists(conn, table):
        return 0
    return int(sql.fetchall(conn, f"SELECT COUNT(*) FROM {table}")[0][0])
