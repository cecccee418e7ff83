"""Large appends through COPY: imports, the demo generator, ``bulk_save``.

The library inserts a batch as one ``INSERT ... SELECT FROM unnest(%s::stored_event[])``,
and most of its time goes into dumping that array of composites as text. COPY in binary
format sends the same rows for a fraction of the cost. Everything else that makes the
log safe to follow is kept: the ``EXCLUSIVE`` table lock taken before the first row (so
commit order is notification order), the NOTIFY, one transaction per batch, the
library's error types (a duplicate version is still an ``IntegrityError``), and the
notification ids returned in the order of the events given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import PoolTimeout

T = TypeVar("T")


class CopyApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder, except that batches of ``COPY_THRESHOLD`` events or more go by COPY."""

    # Below this, one ordinary INSERT is as quick and a command's save stays on the library's
    # path. Measured (bench append --threshold, one run): at 14 events COPY is 0.99 x the
    # INSERT, at 35 1.65 x, at 140 2.4 x.
    COPY_THRESHOLD = 30

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        self.copy_statement = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table)
        # The id sequence's counter (readable with USAGE, which the app role has). Not the
        # rows' maximum: a row forged far ahead of the counter must not stop appends.
        self.last_assigned_statement = SQL("SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, %s)::regclass)")
        self.qualified_table = f"{self.datastore.schema}.{self.events_table_name}"
        # ``guard.check``, set per thread (the vault's ``committing``), runs in a COPY's own
        # transaction, after the table lock and before the rows; raising rolls the batch back.
        self.guard = threading.local()

    def guards(self, count: int) -> bool:
        """Whether an insert of ``count`` events runs ``guard.check`` (in its transaction)."""
        return count >= self.COPY_THRESHOLD

    # Two attempts where the library makes ten (0.2 s apart, each waiting for a pooled
    # connection), which over an outage held a request for tens of seconds: retrying while
    # the database is down is the caller's decision (the API answers 503 with Retry-After,
    # followers retry later). The second attempt is for connections that died with a
    # restarted server: the pool is checked, its dead connections replaced, and it goes again.
    def select_events(self, *args: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        return self._once_more(PostgresApplicationRecorder.select_events.__wrapped__, *args, **kwargs)  # type: ignore[attr-defined]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if len(stored_events) < self.COPY_THRESHOLD:
            insert = PostgresApplicationRecorder.insert_events.__wrapped__  # type: ignore[attr-defined]
            return self._once_more(insert, stored_events, **kwargs)
        return self._copy_events(stored_events)

    def _once_more(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (InterfaceError, OperationalError) as error:
            if isinstance(error.__cause__, PoolTimeout):  # no connection to be had: down
                raise
            self.datastore.pool.check()
            return method(self, *args, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _copy_events(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            check = self.guard.__dict__.get("check")
            if check is not None:
                check(conn)
            before = self._last_assigned(conn)
            with curs.copy(self.copy_statement) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for event in stored_events:
                    copy.write_row((event.originator_id, event.originator_version, event.topic, event.state))
            after = self._last_assigned(conn)
            # Under the table lock only this COPY draws ids, one per row in row order: the
            # batch holds exactly the ids after ``before``, unless something else drew one.
            if after - before != len(stored_events):
                # Leaving the block by an exception rolls the batch back.
                raise ProgrammingError(f"copied {len(stored_events)} events, the id counter moved {after - before}")
            return list(range(before + 1, after + 1))

    def _last_assigned(self, conn: Any) -> int:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(self.last_assigned_statement, (self.qualified_table, "notification_id"))
            return int(cur.fetchone()[0] or 0)
