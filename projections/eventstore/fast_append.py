"""Large appends through COPY: imports, the demo generator and ``bulk_save`` batches.

The library inserts a batch as one ``INSERT ... SELECT FROM unnest(%s::stored_event[])``,
and most of its time goes into dumping that array of composites as text. COPY in binary
format sends the same rows for a fraction of the cost. Everything else that makes the
log safe to follow is kept: the ``EXCLUSIVE`` table lock taken before the first row (so
commit order is notification order), the NOTIFY, one transaction per batch, the
library's error types (a duplicate version is still an ``IntegrityError``), and the
notification ids returned in the order of the events given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier


class CopyApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder, except that batches of ``COPY_THRESHOLD`` events or more go by COPY."""

    # Below this, one ordinary INSERT is as quick and a command's save stays on the library's path.
    COPY_THRESHOLD = 100

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        self.copy_statement = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table)
        # Under the table lock nobody else inserts, so the rows above the previous
        # maximum are exactly this batch.
        self.copied_ids_statement = SQL(
            "SELECT originator_id, originator_version, notification_id FROM {0} WHERE notification_id > %s"
        ).format(table)

    # One attempt where the library makes ten (0.2 s apart, each waiting for a pooled
    # connection): over an outage those held a request for tens of seconds. Retrying is
    # the caller's decision: the API answers 503 with Retry-After, followers retry later.
    select_events = PostgresApplicationRecorder.select_events.__wrapped__  # type: ignore[attr-defined]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if len(stored_events) < self.COPY_THRESHOLD:
            return PostgresApplicationRecorder.insert_events.__wrapped__(self, stored_events, **kwargs)  # type: ignore[attr-defined]
        return self._copy_events(stored_events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _copy_events(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(self.max_notification_id_statement)
            row = curs.fetchone()
            previous_max = (row["max"] if row else None) or 0
            with curs.copy(self.copy_statement) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for event in stored_events:
                    copy.write_row((event.originator_id, event.originator_version, event.topic, event.state))
            with conn.cursor(row_factory=tuple_row) as rows:
                rows.execute(self.copied_ids_statement, (previous_max,))
                ids: dict[tuple[UUID, int], int] = {(o, v): n for o, v, n in rows.fetchall()}
            try:
                return [ids[(_as_uuid(e.originator_id), e.originator_version)] for e in stored_events]
            except KeyError:
                # Leaving the block by an exception rolls the batch back.
                raise ProgrammingError(f"copied {len(stored_events)} events, found {len(ids)} new rows") from None


def _as_uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
