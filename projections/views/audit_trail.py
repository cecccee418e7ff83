"""Audit trail (jejak audit): one row per decision, who decided, when, on which basis, and
whether it was a late entry (pencatatan terlambat) and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import LIFECYCLES
from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store
from projections.views.decode import fields, peeled
from projections.views.timefmt import from_utc_text, iso_to_utc_text, utc_text

TABLE = "audit_trail"
COLUMNS = (
    "notification_id",
    "case_id",
    "kind",
    "event",
    "actor_id",
    "actor_role",
    "office",
    "occurred_at",
    "recorded_at",
    "reason_code",
    "legal_basis",
    "late_entry_reason",
)

COLUMN_TYPES = tuple((column, "bigint" if column == "notification_id" else "text") for column in COLUMNS)

# Decisions (keputusan) and the fields that hold their reason and their legal basis,
# from the lifecycle tables.
DECISIONS: dict[str, tuple[str | None, str | None]] = {
    lc.topic(t): (t.reason, t.basis) for lc in LIFECYCLES.values() for t in lc if t.decision
}


def _entry(row: StoredRow) -> tuple[Any, ...]:
    decoded = fields(row)
    actor_id, role, office, occurred_at, _command, *late = decoded.provenance.data
    kind, _, event = row.topic.removeprefix("berkas:").partition(".")
    reason_field, basis_field = DECISIONS[row.topic]
    return (
        row.notification_id,
        row.case_id,
        kind,
        event,
        actor_id,
        role,
        office,
        iso_to_utc_text(occurred_at),
        iso_to_utc_text(decoded.timestamp.data),
        peeled(getattr(decoded, reason_field)) if reason_field else None,
        peeled(getattr(decoded, basis_field)) if basis_field else None,
        late[0] if late else None,  # a late entry's reason (pencatatan terlambat)
    )


class _Replay:
    """The audit trail rebuilt: its rows held and written by COPY in batches of ``HELD``
    (one COPY per page of the log would be a statement, and its fixed cost, per page)."""

    HELD = 20_000

    def __init__(self, table: str):
        self.table = table
        self.held: list[tuple[Any, ...]] = []

    def apply(self, conn: Any, rows: list[StoredRow]) -> None:
        self.held += [_entry(row) for row in rows]
        if len(self.held) >= self.HELD:
            self.finish(conn)

    def finish(self, conn: Any) -> None:
        if self.held:
            sql.copy_rows(conn, self.table, COLUMN_TYPES, self.held)
            self.held = []


class AuditTrail:
    name = "audit_trail"
    topics = tuple(DECISIONS)
    tables = (TABLE,)

    def create_tables(self, conn: Any, suffix: str) -> None:
        table = TABLE + suffix
        sql.execute(
            conn,
            f"CREATE TABLE IF NOT EXISTS {table} (notification_id BIGINT PRIMARY KEY, case_id TEXT, kind TEXT, "
            "event TEXT, actor_id TEXT, actor_role TEXT, office TEXT, occurred_at TEXT, recorded_at TEXT, "
            "reason_code TEXT, legal_basis TEXT, late_entry_reason TEXT)",
        )
        # A table made before late entries were flagged gets the column (its rows had none).
        sql.add_column(conn, table, "late_entry_reason", "TEXT")
        sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {table}_actor ON {table} (actor_id, notification_id)")
        sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {table}_case ON {table} (case_id, notification_id)")

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None:
        # Only ever new rows (one per decision, exactly once): COPY, the quickest way in.
        sql.copy_rows(conn, TABLE + suffix, COLUMN_TYPES, [_entry(row) for row in rows])

    def replay(self, suffix: str) -> _Replay:
        return _Replay(TABLE + suffix)


def has_reason(store: Store, reason: str) -> bool:
    """Whether any decision recorded ``reason`` as its reason code (in any office)."""
    with store.read() as conn:
        if not sql.table_exists(conn, TABLE):
            return False
        return bool(sql.fetchall(conn, f"SELECT 1 FROM {TABLE} WHERE reason_code = ? LIMIT 1", [reason]))


def decisions(
    store: Store,
    *,
    officer: str | None = None,
    reason: str | None = None,
    office: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Decisions in the order they were recorded; ``after`` is the last row's notification_id."""
    where, params = ["1 = 1"], []
    for clause, value in (
        ("actor_id = ?", officer),
        ("reason_code = ?", reason),
        ("office = ?", office),
        ("occurred_at >= ?", occurred_from and utc_text(occurred_from)),
        ("occurred_at <= ?", occurred_to and utc_text(occurred_to)),
        ("notification_id > ?", after),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    with store.read() as conn:
        if not sql.table_exists(conn, TABLE):
            return []
        found = sql.fetchall(
            conn,
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE {' AND '.join(where)} ORDER BY notification_id LIMIT ?",
            [*params, limit],
        )
    rows = []
    for values in found:
        row = dict(zip(COLUMNS, values, strict=True))
        row["occurred_at"] = from_utc_text(row["occurred_at"])
        row["recorded_at"] = from_utc_text(row["recorded_at"])
        rows.append(row)
    return rows
