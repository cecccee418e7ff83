"""The ledger's verification results (a log of runs, not a fact): what
``GET /ledger/verification`` serves without recomputing the whole log per call."""

from __future__ import annotations

import json
from typing import Any

from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.ledger import facts
from projections.ledger.verify import Verification

RESULTS = "ledger_verifications"


def create_results(conn: Any) -> None:
    sql.execute(
        conn, f"CREATE TABLE IF NOT EXISTS {RESULTS} (id {conn.dialect.serial}, finished_at TEXT NOT NULL, result TEXT)"
    )


def record(store: Store, result: Verification, finished_at: str | None = None) -> None:
    """Keep the result for ``GET /ledger/verification`` (a log of runs, not a fact)."""
    with store.connect() as conn:
        if not sql.table_exists(conn, RESULTS):
            create_results(conn)
        sql.execute(
            conn,
            f"INSERT INTO {RESULTS} (finished_at, result) VALUES (?, ?)",
            (finished_at or facts.now(), json.dumps(result.as_dict(), default=str)),
        )


def last_recorded(store: Store) -> tuple[str, dict[str, Any]] | None:
    with store.connect() as conn:
        if not sql.table_exists(conn, RESULTS):
            return None
        found = sql.fetchall(conn, f"SELECT finished_at, result FROM {RESULTS} ORDER BY id DESC LIMIT 1")
    return (found[0][0], json.loads(found[0][1])) if found else None
