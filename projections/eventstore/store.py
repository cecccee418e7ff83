"""Where the one event log lives, and the connections to it.

A store is a PostgreSQL database or an SQLite file; which one is decided here, once, by
choosing its dialect. Everything else asks the dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from projections.eventstore.dialects import APPEND_ONLY_MESSAGE, POSTGRESQL, SQLITE, VAULT_TABLES, Dialect

__all__ = ["APPEND_ONLY_MESSAGE", "VAULT_TABLES", "Store"]


@dataclass(frozen=True)
class Store:
    """The event log in a PostgreSQL database (``database_url``) or else an SQLite file."""

    database_url: str | None
    sqlite_path: Path
    pool_size: int = 5
    # Seconds to wait for a PostgreSQL connection (and, reading views, for a statement)
    # before giving up: an API request then answers 503 instead of hanging.
    timeout: float = 3.0
    dialect: Dialect = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dialect", POSTGRESQL if self.database_url else SQLITE)

    @property
    def events_table(self) -> str:
        return self.dialect.events_table

    def describe(self) -> str:
        """Where the log is, for a human: "PostgreSQL" or "SQLite file berkas.db"."""
        return self.dialect.describe(self)

    def library_env(self) -> dict[str, str]:
        """Settings for ``eventsourcing``'s infrastructure factory."""
        return self.dialect.library_env(self)

    def guards_installed(self) -> bool:
        with self.connect() as conn:
            return self.dialect.guards_installed(conn)

    def install_guards(self) -> None:
        """Make the events table append-only in the database itself (idempotent)."""
        with self.connect() as conn:
            self.dialect.install_guards(conn)

    def create_app_role(self, name: str, password: str, appends_to: Sequence[str] = ()) -> None:
        """A login role for the application (PostgreSQL): it reads and appends to the event
        log, nothing more.

        UPDATE is granted only because the library's ``LOCK TABLE ... IN EXCLUSIVE MODE``
        (what keeps notification order equal to commit order) requires it before
        PostgreSQL 17; the append-only trigger refuses every actual UPDATE, and a role
        that owns nothing can neither drop that trigger nor bypass it. No DELETE, no
        TRUNCATE, no DDL on the log: run the application with ``CREATE_TABLE=false``.
        ``appends_to`` names the other tables it may add rows to (the ledger's).
        """
        with self.connect() as conn:
            self.dialect.create_app_role(conn, name, password, appends_to)

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Serialise start-up across processes."""
        with self.dialect.setup_lock(self):
            yield

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection in one transaction, committed on success."""
        with self.dialect.connect(self) as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[Any]:
        """A connection whose transactions the caller opens with ``transaction``: the
        runner commits page by page on one connection."""
        with self.dialect.connect(self, autocommit=True) as conn:
            yield conn

    @cached_property
    def _read_pool(self) -> Any:
        return self.dialect.read_pool(self)

    @cached_property
    def _tables_seen(self) -> set[str]:
        return set()

    def has_table(self, conn: Any, table: str) -> bool:
        """Whether ``table`` exists, asked of the database until it does: a view's table,
        once created, is only ever swapped for its rebuild in one transaction, never
        dropped alone, so a read need not ask again on every request."""
        if table in self._tables_seen:
            return True
        if self.dialect.table_exists(conn, table):
            self._tables_seen.add(table)
            return True
        return False

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A connection for reading views: pooled on PostgreSQL, where a new connection per
        API request would cost more than the query; a fresh one on SQLite, where it is cheap."""
        with self._read_pool.connection() as conn:
            yield conn

    def close(self) -> None:
        if "_read_pool" in self.__dict__:
            self.__dict__.pop("_read_pool").close()
