"""The event store's setup: library settings, append-only guards, raw connections.

Everything here that speaks SQL to the events table lives in this one module.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

APPEND_ONLY_MESSAGE = "the event log is append-only"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

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

_SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS berkas_events_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'berkas: UPDATE on {table} refused: {message}'); END;
CREATE TRIGGER IF NOT EXISTS berkas_events_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'berkas: DELETE on {table} refused: {message}'); END;
""".replace("{message}", APPEND_ONLY_MESSAGE)


@dataclass(frozen=True)
class Store:
    """Where the one event log lives: a PostgreSQL database or an SQLite file."""

    database_url: str | None
    sqlite_path: Path
    pool_size: int = 5
    # Seconds to wait for a PostgreSQL connection (and, reading views, for a statement)
    # before giving up: a request then answers 503 instead of hanging.
    timeout: float = 3.0

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def events_table(self) -> str:
        # The library names the table after the application on PostgreSQL only.
        return "berkas_events" if self.is_postgres else "stored_events"

    def library_env(self) -> dict[str, str]:
        """Settings for ``eventsourcing``'s infrastructure factory."""
        if not self.is_postgres:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(self.sqlite_path)}
        parts = urlsplit(self.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, round(self.timeout))),
            "POSTGRES_LOCK_TIMEOUT": "5",
            "APPLICATION_RECORDER_TOPIC": "projections.fast_append:CopyApplicationRecorder",
            # Never POSTGRES_ENABLE_DB_FUNCTIONS: it drops the table lock, and readers
            # following the log would skip events committed out of order.
        }

    def guards_installed(self) -> bool:
        with self.connect() as conn:
            if self.is_postgres:
                found = conn.execute(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'berkas_events_%%'",
                    (self.events_table,),
                ).fetchone()[0]
            else:
                found = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (self.events_table,)
                ).fetchone()[0]
        return found >= 2

    def install_guards(self) -> None:
        """Make the events table append-only in the database itself (idempotent)."""
        with self.connect() as conn:
            if self.is_postgres:
                with conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext('berkas:guards'))")
                    cur.execute(_PG_GUARD.replace("{table}", self.events_table))
            else:
                conn.executescript(_SQLITE_GUARD.replace("{table}", self.events_table))

    def create_app_role(self, name: str, password: str) -> None:
        """A login role for the application: it reads and appends to the event log, nothing more.

        UPDATE is granted only because the library's ``LOCK TABLE ... IN EXCLUSIVE MODE``
        (what keeps notification order equal to commit order) requires it before
        PostgreSQL 17; the append-only trigger refuses every actual UPDATE, and a role
        that owns nothing can neither drop that trigger nor bypass it. No DELETE, no
        TRUNCATE, no DDL: run the application with ``CREATE_TABLE=false``.
        """
        if not self.is_postgres:
            raise ValueError("application roles exist on PostgreSQL only")
        if not _ROLE_NAME.fullmatch(name):
            raise ValueError("a role name is 1-63 lowercase letters, digits and underscores, not starting with a digit")
        from psycopg import sql

        role, table = sql.Identifier(name), sql.Identifier(self.events_table)
        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password)))
            database = conn.execute("SELECT current_database()").fetchone()[0]
            sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'notification_id')", (self.events_table,))
            for grant in (
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
                sql.SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(table, role),
                sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(sequence.fetchone()[0]), role),
                # The API reads the views, which the projection worker (the owner) creates and
                # swaps in on rebuild: reading rights on those, present and future.
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role),
                sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(role),
            ):
                conn.execute(grant)

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Serialise start-up across processes: the library's CREATE TABLE / CREATE OR REPLACE
        FUNCTION statements collide ("tuple concurrently updated") when two workers start at once."""
        if not self.is_postgres:
            yield
            return
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('berkas:setup'))")
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('berkas:setup'))")

    @cached_property
    def _read_pool(self) -> Any:
        from psycopg_pool import ConnectionPool

        limits = {
            "connect_timeout": max(1, round(self.timeout)),
            "options": f"-c statement_timeout={int(self.timeout * 1000)}",
        }
        return ConnectionPool(
            self.database_url,
            min_size=1,
            max_size=max(self.pool_size, 2),
            kwargs={"autocommit": True, **limits},
            timeout=self.timeout,
            open=True,
        )

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A connection for reading views: pooled on PostgreSQL, where a new connection per
        API request would cost more than the query; a fresh one on SQLite, where it is cheap."""
        if not self.is_postgres:
            with self.connect() as conn:
                yield conn
            return
        with self._read_pool.connection() as conn:
            yield conn

    def close(self) -> None:
        if "_read_pool" in self.__dict__:
            self.__dict__.pop("_read_pool").close()

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A raw connection in a transaction, committed on success (psycopg or sqlite3)."""
        if self.is_postgres:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                yield conn
        else:
            conn = sqlite3.connect(self.sqlite_path, timeout=30)
            try:
                with conn:
                    yield conn
            finally:
                conn.close()
