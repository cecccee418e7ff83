"""Systems on their own empty event store, for tests that look at the whole log or forge
rows into it (never the shared test database, where other tests' events live)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.bootstrap import System, bootstrap
from api.settings import Settings
from projections.ledger import keys


@cache
def shared_ledger_key_path() -> Path:
    """The one key file that signs this run's shared PostgreSQL database (``pg_system``'s
    setting, and every test's that signs there): its ledger, like an installation's, is
    signed by its current key only (a second fresh key is refused)."""
    path = Path(tempfile.mkdtemp(prefix="berkas-shared-ledger-")) / "ledger.key"
    keys.generate(path)
    return path


@cache
def shared_ledger_key() -> Ed25519PrivateKey:
    """That key, for tests that sign with a key in hand (``checkpoint_now``)."""
    return keys.load_private(shared_ledger_key_path())


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


@contextmanager
def database_and_role(admin_url: str, prefix: str, password: str) -> Iterator[tuple[str, str]]:
    """(owner URL, URL of a login role not yet created) of a fresh PostgreSQL database, as a
    deployment's ``init`` (the owner) and its API (``store create-app-role``) see them; the
    database and the role are dropped afterwards."""
    name, role = f"{prefix}_{uuid.uuid4().hex[:12]}", f"{prefix}_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    owner = f"{admin_url.rpartition('/')[0]}/{name}"
    parts = urlsplit(owner)
    role_url = urlunsplit(parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"))
    try:
        yield owner, role_url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
