"""The two databases Berkas speaks to, each one class: every difference between PostgreSQL
and SQLite lives here, and nowhere else asks which of the two it is talking to.

The store picks its dialect once, when it is built. Every connection the store opens is of
a class that carries that dialect (``conn.dialect``), so code holding only a connection,
the views and the ledger, reaches the right SQL without asking.

Statements are written once with ``?`` placeholders; the PostgreSQL dialect rewrites them
to psycopg's ``%s``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict

from projections.eventstore.log import StoredRow
from projections.eventstore.sqlite_settings import configure_sqlite
from projections.eventstore.wake import LocalWaiter

if TYPE_CHECKING:
    from projections.eventstore.store import Store

Columns = Sequence[tuple[str, str]]  # (name, PostgreSQL type: int8, text, bytea, ...)
APPEND_ONLY_MESSAGE = "the event log is append-only"
# The only tables the application changes in place: the subject vault's (data keys are
# destroyed on erasure, so they cannot live in the log). The app role may write them.
VAULT_TABLES = ("personal_data_subjects", "personal_data_cases", "personal_data_index", "personal_data_meta")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Dialect:
    """What both databases are asked; the two subclasses answer it each their own way."""

    name: ClassVar[str]
    events_table: ClassVar[str]  # the library names it after the application on PostgreSQL only
    id_column: ClassVar[str]  # the notification id as the table stores it
    case_id_text: ClassVar[str]  # the case id selected as text (what ``stored_rows`` reads)
    blob: ClassVar[str]  # the column type of raw bytes

    def native(self, statement: str) -> str:
        return statement

    def describe(self, store: Store) -> str:
        raise NotImplementedError

    def library_env(self, store: Store) -> dict[str, str]:
        raise NotImplementedError

    # --- connections -------------------------------------------------------------------

    @contextmanager
    def connect(self, store: Store, *, autocommit: bool = False) -> Iterator[Any]:
        """A connection, closed on leaving; without ``autocommit`` one transaction,
        committed on success. With it, the caller opens transactions with ``transaction``."""
        raise NotImplementedError
        yield

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        raise NotImplementedError
        yield

    def read_pool(self, store: Store) -> Any:
        """Connections for reading views (``.connection()`` and ``.close()``)."""
        raise NotImplementedError

    @contextmanager
    def setup_lock(self, store: Store) -> Iterator[None]:
        yield

    def lock(self, conn: Any, key: str) -> None:
        """A lock held until the end of the current transaction, across processes."""

    def try_own(self, conn: Any, key: str) -> bool:
        """Try to take a lock held as long as ``conn`` stays open (a worker's ownership)."""
        return True

    def snapshot(self, conn: Any) -> None:
        """Make the rest of this transaction read one consistent snapshot."""
        raise NotImplementedError

    def waiter(self, conn: Any, store: Store) -> Any:
        """Something whose ``wait(timeout)`` returns True as soon as events are appended
        (or False after ``timeout``); ``conn`` is the follower's own session."""
        raise NotImplementedError

    # --- statements --------------------------------------------------------------------

    def execute(self, conn: Any, statement: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.native(statement), params)

    def fetchall(self, conn: Any, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(conn, statement, params).fetchall())

    def executemany(self, conn: Any, statement: str, rows: list[Sequence[Any]]) -> None:
        raise NotImplementedError

    def insert_rows(
        self, conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: list[Sequence[Any]], on_conflict: str
    ) -> None:
        """Insert many rows in one go; ``columns`` are (name, PostgreSQL type: int8, text, bytea...)."""
        raise NotImplementedError

    def copy_rows(self, conn: Any, table: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        """Insert many new rows by the quickest path there is (no conflict handling)."""
        raise NotImplementedError

    def delete_keys(self, conn: Any, table: str, column: str, keys: list[Any]) -> None:
        raise NotImplementedError

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def table_exists(self, conn: Any, table: str) -> bool:
        raise NotImplementedError

    def add_column(self, conn: Any, table: str, column: str, definition: str) -> None:
        """Add a column to a table made before it existed; two processes starting at once
        over one store may both find it missing, and the second must not fail."""
        raise NotImplementedError

    def rename_indexes(self, conn: Any, table: str, suffix: str) -> None:
        """Index names are global: give a swapped-in table's indexes their live names back."""
        raise NotImplementedError

    def take_secondary_indexes(self, conn: Any, table: str) -> list[str]:
        """Drop the table's indexes other than its primary key and unique ones; returns the
        statements that build them again."""
        raise NotImplementedError

    def lazy_commit(self, conn: Any) -> None:
        """Let this transaction's commit return before it is on disk: for work a crash
        would only make start over (a rebuild's pages), never for the log or positions."""

    # --- the events table ----------------------------------------------------------------

    def case_key(self, case_id: UUID) -> Any:
        """A case id as the events table stores it, for a WHERE clause."""
        raise NotImplementedError

    def stored_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[StoredRow]:
        """Rows of (notification id, case id, version, topic, state) as ``StoredRow``."""
        raise NotImplementedError

    def follow_the_ids(self, conn: Any) -> None:
        """Let the rest of this transaction read windows of the log along the id index,
        in order, whatever the planner's statistics say."""

    def assigned_upto(self, conn: Any) -> int | None:
        """The highest notification id the database itself has handed out, where it keeps
        count apart from the rows (None: ids always follow the highest row)."""
        return None

    def guards_installed(self, conn: Any) -> bool:
        raise NotImplementedError

    def install_guards(self, conn: Any) -> None:
        raise NotImplementedError

    def create_app_role(self, conn: Any, name: str, password: str, appends_to: Sequence[str] = ()) -> None:
        raise ValueError("application roles exist on PostgreSQL only")

    # --- what the ledger asks -------------------------------------------------------------

    gapless: ClassVar[bool]  # whether honest notification ids run 1, 2, 3... without a hole
    serial: ClassVar[str]  # an auto-numbered primary key column

    def raw_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows exactly as stored: no value converted, whatever its type (a tampered one too)."""
        raise NotImplementedError

    def make_append_only(self, conn: Any, tables: Sequence[str], message: str) -> None:
        """Triggers refusing UPDATE, DELETE (and TRUNCATE where there is one) on each table."""
        raise NotImplementedError


# --- PostgreSQL ----------------------------------------------------------------------------

_PG_GUARD = """
CREATE OR REPLACE FUNCTION berkas_reject_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'berkas: % on % refused: {message}', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER berkas_events_append_only
    BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION berkas_reject_event_change();
CREATE OR REPLACE TRIGGER berkas_events_no_truncate
    BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION berkas_reject_event_change();
""".replace("{message}", APPEND_ONLY_MESSAGE)


_PG_LEDGER_GUARD = """
CREATE OR REPLACE FUNCTION berkas_reject_ledger_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'berkas: % on % refused: {message}', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


class PostgreSQL(Dialect):
    name = "postgresql"
    events_table = "berkas_events"
    id_column = "notification_id"
    # Made by the server as it sends the row: cheaper than a UUID made and printed here.
    case_id_text = "originator_id::text"
    blob = "BYTEA"

    def native(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def describe(self, store: Store) -> str:
        return "PostgreSQL"

    def library_env(self, store: Store) -> dict[str, str]:
        parts = conninfo_to_dict(store.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": str(parts.get("dbname") or "postgres"),
            "POSTGRES_HOST": str(parts.get("host") or "127.0.0.1"),
            "POSTGRES_PORT": str(parts.get("port") or 5432),
            "POSTGRES_USER": str(parts.get("user") or "postgres"),
            "POSTGRES_PASSWORD": str(parts.get("password") or ""),
            "POSTGRES_POOL_SIZE": str(store.pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, round(store.timeout))),
            "POSTGRES_LOCK_TIMEOUT": "5",
            "APPLICATION_RECORDER_TOPIC": "projections.eventstore.group_commit:GroupCommitRecorder",
            # Never POSTGRES_ENABLE_DB_FUNCTIONS: it drops the table lock, and readers
            # following the log would skip events committed out of order.
        }

    @contextmanager
    def connect(self, store: Store, *, autocommit: bool = False) -> Iterator[Any]:
        # A database that never answers must not hang a command: the same connect timeout as the pools.
        timeout = max(1, round(store.timeout))
        with PostgresConnection.connect(store.database_url, autocommit=autocommit, connect_timeout=timeout) as conn:
            yield conn

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        with conn.transaction():
            yield

    def read_pool(self, store: Store) -> Any:
        from psycopg_pool import ConnectionPool

        return ConnectionPool(
            store.database_url,
            min_size=1,
            max_size=max(store.pool_size, 2),
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(store.timeout)),
                "options": f"-c statement_timeout={int(store.timeout * 1000)}",
            },
            connection_class=PostgresConnection,
            timeout=store.timeout,
            open=True,
        )

    # A start-up takes well under a second; one idle this long holding the set-up lock is
    # hung (its process stopped), and the server ends its session so others may start.
    SETUP_IDLE_SECONDS = 60

    @contextmanager
    def setup_lock(self, store: Store) -> Iterator[None]:
        # The library's CREATE TABLE / CREATE OR REPLACE FUNCTION collide ("tuple
        # concurrently updated") when two workers start at once.
        with self.connect(store, autocommit=True) as conn:
            conn.execute("SELECT set_config('idle_session_timeout', %s, false)", (f"{self.SETUP_IDLE_SECONDS}s",))
            conn.execute("SELECT pg_advisory_lock(hashtext('berkas:setup'))")
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('berkas:setup'))")

    def lock(self, conn: Any, key: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

    def try_own(self, conn: Any, key: str) -> bool:
        return bool(conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0])

    def snapshot(self, conn: Any) -> None:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def waiter(self, conn: Any, store: Store) -> Any:
        return _Notifications(conn, self.events_table)

    def executemany(self, conn: Any, statement: str, rows: list[Sequence[Any]]) -> None:
        with conn.cursor() as cur:
            cur.executemany(self.native(statement), rows)

    def insert_rows(
        self, conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: list[Sequence[Any]], on_conflict: str
    ) -> None:
        # One ``unnest`` statement: row-by-row executemany costs ~20 µs a row here. Binary
        # parameters (%b): text arrays dumped as text are scanned for quoting, row by row.
        if len(rows) >= self.STAGE_FROM:
            self._staged(conn, table, columns, rows, on_conflict)
            return
        names = ", ".join(name for name, _ in columns)
        arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)
        statement = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}"
        conn.execute(statement, [list(values) for values in zip(*rows, strict=True)])

    # From this many rows, COPY into a staging table and one INSERT ... SELECT from it
    # costs a third of the client's CPU of dumping the arrays (50,000 rows: 0.035 s
    # against 0.10-0.15 s here), the server's the same.
    STAGE_FROM = 2_000

    def _staged(self, conn: Any, table: str, columns: Columns, rows: list[Sequence[Any]], on_conflict: str) -> None:
        names = ", ".join(name for name, _ in columns)
        staging = f"staging_{table}"
        conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {table} WITH NO DATA"
        )
        self.copy_rows(conn, staging, columns, rows)
        conn.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} {on_conflict}")
        conn.execute(f"DELETE FROM {staging}")

    def copy_rows(self, conn: Any, table: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        names = ", ".join(name for name, _ in columns)
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([kind for _, kind in columns])
            for row in rows:
                copy.write_row(row)

    def delete_keys(self, conn: Any, table: str, column: str, keys: list[Any]) -> None:
        conn.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [keys])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]

    def table_exists(self, conn: Any, table: str) -> bool:
        return conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None

    def add_column(self, conn: Any, table: str, column: str, definition: str) -> None:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")

    def rename_indexes(self, conn: Any, table: str, suffix: str) -> None:
        for (name,) in self.fetchall(conn, "SELECT indexname FROM pg_indexes WHERE tablename = ?", (table,)):
            if suffix in name:
                conn.execute(f'ALTER INDEX "{name}" RENAME TO "{name.replace(suffix, "")}"')

    def take_secondary_indexes(self, conn: Any, table: str) -> list[str]:
        found = self.fetchall(
            conn,
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = ?::regclass AND NOT i.indisprimary AND NOT i.indisunique ORDER BY c.relname",
            (table,),
        )
        for name, _ in found:
            conn.execute(pgsql.SQL("DROP INDEX {}").format(pgsql.Identifier(name)))
        return [definition for _, definition in found]

    def lazy_commit(self, conn: Any) -> None:
        conn.execute("SET LOCAL synchronous_commit = off")

    def case_key(self, case_id: UUID) -> Any:
        return case_id

    def follow_the_ids(self, conn: Any) -> None:
        # Without statistics (a log just loaded, not yet analysed) the planner reads a
        # window by bitmap and sorts it: five times the work of the index scan, which
        # reads it in order (measured: 14 against 3 ms for 5,000 rows). Outside a
        # transaction there is nothing to set it for.
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            conn.execute("SET LOCAL enable_bitmapscan = off")

    def stored_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[StoredRow]:
        with conn.cursor(binary=True) as cur:
            cur.execute(self.native(statement), params)
            return [StoredRow(*row) for row in cur.fetchall()]

    def assigned_upto(self, conn: Any) -> int | None:
        # The sequence, not the rows: a row forged with an id far ahead of it must not
        # carry followers past the ids real appends will still be given.
        found = conn.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, %s)::regclass)",
            (self.events_table, self.id_column),
        ).fetchone()
        return int(found[0] or 0)

    gapless = False  # a rolled-back insert consumes its sequence value
    serial = "BIGSERIAL PRIMARY KEY"

    def raw_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with conn.cursor(binary=True) as cur:
            cur.execute(self.native(statement), params)
            return cur.fetchall()

    def make_append_only(self, conn: Any, tables: Sequence[str], message: str) -> None:
        conn.execute(_PG_LEDGER_GUARD.replace("{message}", message))
        for table in tables:
            conn.execute(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION berkas_reject_ledger_change();"
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION berkas_reject_ledger_change();"
            )

    def guards_installed(self, conn: Any) -> bool:
        found = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'berkas_events_%%'",
            (self.events_table,),
        ).fetchone()[0]
        return found >= 2

    def install_guards(self, conn: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:guards'))")
            cur.execute(_PG_GUARD.replace("{table}", self.events_table))

    def create_app_role(self, conn: Any, name: str, password: str, appends_to: Sequence[str] = ()) -> None:
        if not _ROLE_NAME.fullmatch(name):
            raise ValueError("a role name is 1-63 lowercase letters, digits and underscores, not starting with a digit")
        role, table = pgsql.Identifier(name), pgsql.Identifier(self.events_table)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(pgsql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role, pgsql.Literal(password)))
        database = conn.execute("SELECT current_database()").fetchone()[0]
        sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'notification_id')", (self.events_table,))
        for grant in (
            pgsql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(pgsql.Identifier(database), role),
            pgsql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
            # The projection worker and rebuild jobs run as this role too: it creates, owns
            # and swaps the view tables. Owning nothing else, it still cannot touch the log.
            pgsql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(role),
            # INSERT on the four columns only: the database numbers every event, so the
            # role cannot place one before the log (id -1) or far ahead of it.
            pgsql.SQL("REVOKE INSERT ON {} FROM {}").format(table, role),
            pgsql.SQL("GRANT SELECT, UPDATE ON {} TO {}").format(table, role),
            pgsql.SQL("GRANT INSERT (originator_id, originator_version, topic, state) ON {} TO {}").format(table, role),
            pgsql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(pgsql.SQL(sequence.fetchone()[0]), role),
            # The API reads the views, which the projection worker (the owner) creates and
            # swaps in on rebuild: reading rights on those, present and future.
            pgsql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role),
            pgsql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(role),
            pgsql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                pgsql.SQL(", ").join(map(pgsql.Identifier, VAULT_TABLES)), role
            ),
        ):
            conn.execute(grant)
        # Tables beside the log that the application itself adds rows to (and their counters).
        for other in appends_to:
            conn.execute(pgsql.SQL("GRANT INSERT ON {} TO {}").format(pgsql.Identifier(other), role))
            serials = conn.execute(
                "SELECT pg_get_serial_sequence(table_name, column_name) FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s AND column_default LIKE 'nextval%%'",
                (other,),
            ).fetchall()
            for (serial,) in serials:
                conn.execute(pgsql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(pgsql.SQL(serial), role))


class _Notifications:
    """LISTEN on the channel the library's recorder NOTIFYs on every append."""

    def __init__(self, conn: Any, channel: str):
        self.conn = conn
        conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))

    def wait(self, timeout: float) -> bool:
        woke = any(True for _ in self.conn.notifies(timeout=timeout, stop_after=1))
        if woke:
            # Appends that arrived meanwhile are covered by the catch-up this wakes.
            for _ in self.conn.notifies(timeout=0):
                pass
        return woke


# --- SQLite --------------------------------------------------------------------------------

_SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS berkas_events_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'berkas: UPDATE on {table} refused: {message}'); END;
CREATE TRIGGER IF NOT EXISTS berkas_events_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'berkas: DELETE on {table} refused: {message}'); END;
""".replace("{message}", APPEND_ONLY_MESSAGE)


def _dashed(case_id: str) -> str:
    """A case id as text with its dashes (the library stores SQLite's as 32 hex digits)."""
    if len(case_id) != 32:
        return str(UUID(case_id))
    return f"{case_id[:8]}-{case_id[8:12]}-{case_id[12:16]}-{case_id[16:20]}-{case_id[20:]}"


class _FreshConnections:
    """SQLite's stand-in for a pool: a new connection is cheaper than sharing one."""

    def __init__(self, dialect: SQLite, store: Store):
        self.dialect, self.store = dialect, store

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self.dialect.connect(self.store) as conn:
            yield conn

    def close(self) -> None:
        """Nothing is kept open."""


class SQLite(Dialect):
    name = "sqlite"
    events_table = "stored_events"
    id_column = "rowid"
    case_id_text = "originator_id"  # stored as 32 hex digits
    blob = "BLOB"

    def describe(self, store: Store) -> str:
        return f"SQLite file {store.sqlite_path}"

    def library_env(self, store: Store) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(store.sqlite_path),
            "APPLICATION_RECORDER_TOPIC": "projections.eventstore.wake:AnnouncingSQLiteRecorder",
        }

    @contextmanager
    def connect(self, store: Store, *, autocommit: bool = False) -> Iterator[Any]:
        isolation = None if autocommit else ""
        # Any thread may close it: a connection is still used by one thread at a time.
        conn = sqlite3.connect(
            store.sqlite_path, timeout=30, isolation_level=isolation, factory=SQLiteConnection, check_same_thread=False
        )
        try:
            configure_sqlite(conn)
            if autocommit:
                yield conn
            else:
                with conn:
                    yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so reading a tracking position and
        # moving it cannot interleave with another writer: SQLite's ``lock``.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read_pool(self, store: Store) -> Any:
        return _FreshConnections(self, store)

    def snapshot(self, conn: Any) -> None:
        conn.execute("BEGIN")

    def waiter(self, conn: Any, store: Store) -> Any:
        return LocalWaiter(store.sqlite_path)

    def executemany(self, conn: Any, statement: str, rows: list[Sequence[Any]]) -> None:
        conn.executemany(statement, rows)

    def insert_rows(
        self, conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: list[Sequence[Any]], on_conflict: str
    ) -> None:
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}", rows)

    def copy_rows(self, conn: Any, table: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        self.insert_rows(conn, table, columns, list(rows), "")

    def delete_keys(self, conn: Any, table: str, column: str, keys: list[Any]) -> None:
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(key,) for key in keys])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    def table_exists(self, conn: Any, table: str) -> bool:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchall()
        return bool(found)

    def add_column(self, conn: Any, table: str, column: str, definition: str) -> None:
        try:  # SQLite has no IF NOT EXISTS here: the loser of a race finds the column there
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.OperationalError:
            described = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description
            if column not in {found[0] for found in described}:
                raise

    def rename_indexes(self, conn: Any, table: str, suffix: str) -> None:
        # SQLite cannot rename an index: drop it and create it again under its live name.
        found = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
        ).fetchall()
        for name, definition in found:
            if suffix in name:
                conn.execute(f"DROP INDEX {name}")
                conn.execute(definition.replace(name, name.replace(suffix, ""), 1))

    def take_secondary_indexes(self, conn: Any, table: str) -> list[str]:
        found = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            (table,),
        ).fetchall()
        for name, _ in found:
            conn.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]

    def case_key(self, case_id: UUID) -> Any:
        return case_id.hex

    def stored_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[StoredRow]:
        return [StoredRow(n, _dashed(o), v, t, s) for n, o, v, t, s in conn.execute(statement, params)]

    gapless = True  # a new rowid is the largest plus one; a rollback takes nothing
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def raw_rows(self, conn: Any, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return conn.execute(statement, params).fetchall()

    def make_append_only(self, conn: Any, tables: Sequence[str], message: str) -> None:
        for table in tables:
            for verb in ("UPDATE", "DELETE"):
                conn.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'berkas: {verb} on {table} refused: {message}'); END"
                )

    def guards_installed(self, conn: Any) -> bool:
        found = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (self.events_table,)
        ).fetchone()[0]
        return found >= 2

    def install_guards(self, conn: Any) -> None:
        conn.executescript(_SQLITE_GUARD.replace("{table}", self.events_table))


# The connection classes carry their dialect, so a connection is never asked what it is.
class PostgresConnection(psycopg.Connection[Any]):
    dialect: ClassVar[Dialect] = PostgreSQL()


class SQLiteConnection(sqlite3.Connection):
    dialect: ClassVar[Dialect] = SQLite()


POSTGRESQL = PostgresConnection.dialect
SQLITE = SQLiteConnection.dialect
