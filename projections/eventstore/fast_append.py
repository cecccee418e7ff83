"""Large appends through COPY: imports, the demo generator, ``bulk_save`` and ``bulk_append``.

The library inserts a batch as one ``INSERT ... SELECT FROM unnest(%s::stored_event[])``,
and most of its time goes into dumping that array of composites as text. COPY in binary
format sends the same rows for a fraction of the cost. Everything else that makes the
log safe to follow is kept: the ``EXCLUSIVE`` table lock taken before the first row (so
commit order is notification order), the NOTIFY, one transaction per batch, the
library's error types (a duplicate version is still an ``IntegrityError``), and the
notification ids returned in the order of the events given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import PoolTimeout

T = TypeVar("T")


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
        # The id sequence's counter (readable with USAGE, which the app role has). Not the
        # rows' maximum: a row forged far ahead of the counter must not stop appends.
        self.last_assigned_statement = SQL("SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, %s)::regclass)")
        self.qualified_table = f"{self.datastore.schema}.{self.events_table_name}"

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


def bulk_append(app: Application, aggregates: Iterable[Aggregate], batch_size: int = 500) -> int:
    """Append the pending events of many aggregates, ``batch_size`` aggregates per
    transaction, straight through the application's mapper and recorder; returns the
    number of events written.

    ``Application.save`` builds a processing event, a recording and a notification per
    event and checks protocols per aggregate, for caches, snapshots and followers in the
    same process that Berkas does not use; an import or a generated year does not need
    them. What makes the log safe is in the recorder and kept: the table lock, the NOTIFY,
    one transaction per batch, a stale version refused with ``IntegrityError``; and an
    event store of the application's own (one that seals personal data) is used as it is.
    """
    to_stored = app.mapper.to_stored_event
    # An event store of its own (sealing personal data, say) keeps its ``put``.
    plain = type(app.events) is EventStore
    written = 0
    batch: list[Aggregate] = []

    def flush() -> int:
        events = [event for aggregate in batch for event in aggregate.collect_events()]
        batch.clear()
        if events and plain:
            app.recorder.insert_events([to_stored(event) for event in events])
        elif events:
            app.events.put(events)
        return len(events)

    for aggregate in aggregates:
        batch.append(aggregate)
        if len(batch) >= batch_size:
            written += flush()
    return written + flush()
