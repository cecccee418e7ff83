"""Systems on their own empty event store, for tests that look at the whole log or forge
rows into it (never the shared test database, where other tests' events live)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from api.bootstrap import System, bootstrap
from api.settings import Settings


@contextmanager
def fresh_system(backend: str, admin_url: str, folder: Path) -> Iterator[System]:
    """A system on its own empty database (``backend``: "sqlite" or "postgres")."""
    if backend == "sqlite":
        built = bootstrap(Settings(database_url=None, sqlite_path=folder / f"{uuid.uuid4().hex}.db"))
        try:
            yield built
        finally:
            built.close()
        return
    name = f"berkas_proj_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    built = bootstrap(Settings(database_url=f"{admin_url.rpartition('/')[0]}/{name}", sqlite_path=folder / "unused"))
    try:
        yield built
    finally:
        built.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
