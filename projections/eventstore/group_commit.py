"""Group commit: the commands saving at the same moment in one process share one durable commit.

Every append takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` (so that commit order is
notification order) and holds it through its commit, a flush of the write-ahead log to
disk: concurrent commands wait for each other's flush, one at a time. PostgreSQL's own
``commit_delay`` cannot gather them, since none of them gets past the lock. So the
gathering is done here: a command's save queues its events; whichever save finds no
batch being written leads, and writes everything queued in one transaction (one lock,
one NOTIFY, one insert, one flush); saves arriving meanwhile queue for the next batch,
led by the first of them.

Each save keeps its own outcome, as if it had been written alone:

- Optimistic concurrency: under the lock, the batch reads the latest version of every
  aggregate it touches; a save whose events are not all new (another writer, or an
  earlier save of the same batch, got there first) is refused with the library's
  ``IntegrityError``, exactly what its own insert would have raised; the others go in.
  (An aggregate's versions run 1, 2, 3... without a hole, so "not new" is "at or below
  the latest".) The table's primary key still refuses any duplicate.
- A batch that fails before its commit for any other reason (a row the database refuses,
  a lost connection) is written again save by save, each in its own transaction, so that
  one save's failure is never another's. A connection that cannot be had (the database is
  down) fails the whole batch at once: the API answers 503 and the clients retry.
- A batch is one transaction: after a crash, all of it or none of it is in the log.

Large appends (imports, ``bulk_save``) keep the COPY path, unbatched.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import PoolTimeout

from projections.eventstore.fast_append import CopyApplicationRecorder

CONFLICT = "duplicate key value violates unique constraint: version {version} of {originator_id} exists"


class _Save:
    """One save waiting in the queue: its events, then its outcome."""

    __slots__ = ("done", "error", "events", "leads", "notification_ids")

    def __init__(self, events: Sequence[StoredEvent]):
        self.events = events
        self.done = threading.Event()
        self.leads = False  # set when it is handed the writing of the next batch
        self.notification_ids: list[int] | None = None
        self.error: BaseException | None = None

    @property
    def settled(self) -> bool:
        return self.notification_ids is not None or self.error is not None


class GroupCommitRecorder(CopyApplicationRecorder):
    """The COPY recorder, whose small appends (a command's save) are written in batches."""

    MAX_BATCH = 128  # saves per transaction

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._queue: list[_Save] = []
        self._queue_lock = threading.Lock()
        self._writing = False
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        # A command's statements, rendered once: psycopg renders a composed statement on
        # every execution, which cost more than anything else of the write but the waits.
        notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        self._begin_lock_and_notify_sql = b"; ".join(
            [b"BEGIN", *(s.as_bytes(None) for s in [*self.lock_table_statements, notify])]
        )
        # By scalar parameters, which psycopg dumps in C (arrays it dumps in Python), one
        # statement text per count, made once.
        self._table_sql = table.as_bytes(None)
        self._latest_sql: dict[int, bytes] = {}
        self._insert_sql: dict[int, bytes] = {}
        self._select_sql = (
            SQL(
                "SELECT originator_id, originator_version, topic, state FROM {0} "
                "WHERE originator_id = %s ORDER BY originator_version ASC"
            )
            .format(table)
            .as_bytes(None)
        )
        self.batches = 0  # transactions written, for tests and the benchmark

    def _latest_statement(self, count: int) -> bytes:
        found = self._latest_sql.get(count)
        if found is None:
            found = self._latest_sql[count] = (
                b"SELECT originator_id, max(originator_version) FROM %s WHERE originator_id IN (%s) "
                b"GROUP BY originator_id" % (self._table_sql, b", ".join([b"%s"] * count))
            )
        return found

    def _insert_statement(self, count: int) -> bytes:
        """Rows in the order given; their ids are returned in that order (the library's
        own insert relies on the same)."""
        found = self._insert_sql.get(count)
        if found is None:
            found = self._insert_sql[count] = (
                b"INSERT INTO %s (originator_id, originator_version, topic, state) VALUES %s "
                b"RETURNING notification_id" % (self._table_sql, b", ".join([b"(%s, %s, %s, %s)"] * count))
            )
        return found

    def select_events(
        self,
        originator_id: Any,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        # The common read, every event of one aggregate (a command loading its case), by a
        # statement rendered once; any other by the library's.
        if gt is not None or lte is not None or desc or limit is not None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return self._once_more(GroupCommitRecorder._select_all, originator_id)

    def _select_all(self, originator_id: Any) -> list[StoredEvent]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._select_sql, (originator_id,), prepare=True)
            return [StoredEvent(row[0], row[1], row[2], bytes(row[3])) for row in curs.fetchall()]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The application passes ``tracking=None``; a process application's tracking record
        # belongs to its own transaction.
        alone = any(value is not None for value in kwargs.values())
        if alone or not stored_events or len(stored_events) >= self.COPY_THRESHOLD:
            return super().insert_events(stored_events, **kwargs)
        save = _Save(stored_events)
        with self._queue_lock:
            self._queue.append(save)
            if not self._writing:
                self._writing = save.leads = True
        if not save.leads:
            save.done.wait()
        if save.leads:
            self._write_next_batch()
        if save.error is not None:
            raise save.error
        return save.notification_ids

    def _write_next_batch(self) -> None:
        with self._queue_lock:
            batch, self._queue[: self.MAX_BATCH] = self._queue[: self.MAX_BATCH], []
        try:
            self._write(batch)
        except BaseException as error:  # never leave a save waiting without an outcome
            for save in batch:
                if not save.settled:
                    save.error = error
            raise
        finally:
            with self._queue_lock:
                if self._queue:
                    following = self._queue[0]
                    following.leads = True
                    following.done.set()
                else:
                    self._writing = False
            for save in batch:
                save.done.set()

    def _write(self, batch: list[_Save]) -> None:
        try:
            self._write_together(batch)
        except (InterfaceError, OperationalError) as error:
            if isinstance(error.__cause__, PoolTimeout):  # no connection to be had: down
                raise
            # A connection that died with a restarted server: replace the dead ones, once more.
            self.datastore.pool.check()
            self._write_alone(batch)
        except Exception:
            self._write_alone(batch)

    def _write_alone(self, batch: list[_Save]) -> None:
        """Each save in its own transaction, with its own outcome."""
        for save in batch:
            if save.settled:
                continue
            try:
                save.notification_ids = list(CopyApplicationRecorder.insert_events(self, save.events) or [])
            except Exception as error:
                save.error = error

    def _write_together(self, batch: list[_Save]) -> None:
        """One transaction: lock, refuse the saves that are not new, insert the rest, commit.
        Raises, with nothing written and no save settled, if anything else went wrong."""
        try:
            with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
                try:
                    # One round trip, by the simple protocol: begin, lock, and the NOTIFY, which
                    # is sent at the commit (harmless should every save be refused). A lock
                    # that times out leaves the transaction open and failed: rolled back below.
                    curs.execute(self._begin_lock_and_notify_sql)
                    if len(batch) == 1:
                        # A save alone needs no look-up: the table's primary key refuses it
                        # if it is not new, failing the batch, which is written again alone
                        # and refused with the library's IntegrityError.
                        accepted = [save for save in batch if self._accept(save, {})]
                    else:
                        originators = list({event.originator_id: None for save in batch for event in save.events})
                        curs.execute(self._latest_statement(len(originators)), originators)
                        latest = {str(row[0]): row[1] for row in curs.fetchall()}
                        accepted = [save for save in batch if self._accept(save, latest)]
                    if accepted:
                        events = [event for save in accepted for event in save.events]
                        values = [v for e in events for v in (e.originator_id, e.originator_version, e.topic, e.state)]
                        curs.execute(self._insert_statement(len(events)), values)
                        ids = [row[0] for row in curs.fetchall()]
                        if len(ids) != len(events):
                            raise OperationalError(f"inserted {len(events)} events, {len(ids)} ids returned")
                except BaseException:
                    self._roll_back(conn)
                    raise
                curs.execute(b"COMMIT")
        except BaseException:
            # Nothing was written: a refusal may have been for a save that did not go in either.
            for save in batch:
                save.error = None
            raise
        self.batches += 1
        start = 0
        for save in accepted:
            save.notification_ids = list(ids[start : start + len(save.events)])
            start += len(save.events)

    @staticmethod
    def _roll_back(conn: Any) -> None:
        """End the failed transaction here (a connection dead already is the pool's to drop)."""
        if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            try:
                conn.execute(b"ROLLBACK")
            except Exception:  # noqa: S110 - the batch's own error is the one to raise
                pass

    @staticmethod
    def _accept(save: _Save, latest: dict[str, int]) -> bool:
        """Whether every event of ``save`` is new given ``latest`` (updated if so); else the
        save gets the ``IntegrityError`` its own insert would have raised."""
        proposed: dict[str, int] = {}
        for event in save.events:
            key = str(event.originator_id)
            if event.originator_version <= proposed.get(key, latest.get(key, 0)):
                save.error = IntegrityError(
                    CONFLICT.format(version=event.originator_version, originator_id=event.originator_id)
                )
                return False
            proposed[key] = event.originator_version
        latest.update(proposed)
        return True
