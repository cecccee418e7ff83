"""Fixtures: a fresh PostgreSQL database per test run, SQLite files per test, and the
same application tests on both backends through the ``system`` fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from api.bootstrap import System, bootstrap
from api.settings import Settings
from domain.usecases.base import Actor
from domain.values import Role

_KEY_FOLDER = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """One personal-data key file for the run: every store the tests make, and every CLI
    they start, seals with it (stores on the shared PostgreSQL database see one another)."""
    if "BERKAS_PERSONAL_DATA_KEY_PATH" not in os.environ:
        folder = tempfile.mkdtemp(prefix="berkas-keys-")
        os.environ["BERKAS_PERSONAL_DATA_KEY_PATH"] = os.path.join(folder, "personal-data.key")
        config.stash[_KEY_FOLDER] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_KEY_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("BERKAS_PERSONAL_DATA_KEY_PATH", None)


_REPOSITORY = Path(__file__).resolve().parent.parent
_KEY_FILES = ("*.personal-data.key", "*.ledger-key", "berkas-ledger.key", "personal-data.key")


def _key_files() -> set[Path]:
    folders = {_REPOSITORY, _REPOSITORY / "tests", Path.cwd().resolve()}
    return {path for folder in folders for pattern in _KEY_FILES for path in folder.glob(pattern)}


@pytest.fixture(scope="session", autouse=True)
def no_key_files_left_in_the_repository() -> Iterator[None]:
    """A key file beside a relative database path lands in the working directory, the
    repository's tree when tests run: every store a test makes keeps its keys elsewhere."""
    before = _key_files()
    yield
    left = sorted(str(path) for path in _key_files() - before)
    assert not left, f"the test run left key files in the repository tree: {', '.join(left)}"


# Stores that the ledger's tests tamper with, on both backends.
pytest_plugins = ["tests.ledger_support", "tests.ui_support"]


def _admin_url() -> str:
    url = os.environ.get("BERKAS_TEST_DATABASE_URL")
    if url:
        return url
    found = subprocess.run([sys.executable, "-m", "tests.ensure_postgres"], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        pytest.exit(found.stderr.strip() or "berkas: no PostgreSQL for the tests", returncode=1)
    return found.stdout.strip()


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return _admin_url()


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str) -> Iterator[str]:
    """This run's own database: runs never see each other's data."""
    name = f"berkas_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class MalangDemo:
    url: str  # a database of its own: other tests record Malang 2024 cases in the shared one
    output: str  # what the first `berkas demo` printed
    ledger_key: Path  # the key the demo created and signed its days with


@pytest.fixture(scope="session")
def malang_demo(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MalangDemo]:
    """Kanim Malang's 2024 year, written once per run by `berkas demo` (about a minute):
    the demo's own test and the web dashboard's tests read it; nothing else writes there."""
    from typer.testing import CliRunner

    from api.cli import app as cli

    name = f"berkas_demo_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(pg_admin_url, name)
    ledger_key = tmp_path_factory.mktemp("malang-demo") / "ledger.key"
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("BERKAS_DATABASE_URL", url)
            env.setenv("BERKAS_LEDGER_KEY_PATH", str(ledger_key))
            first = CliRunner().invoke(cli, ["demo"], terminal_width=200)
        assert first.exit_code == 0, first.output
        yield MalangDemo(url, first.output, ledger_key)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_system(database_url: str, tmp_path) -> Iterator[System]:
    system = bootstrap(Settings(database_url=database_url, sqlite_path=tmp_path / "unused.db"))
    yield system
    system.close()


@pytest.fixture
def sqlite_system(tmp_path) -> Iterator[System]:
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "berkas.db"))
    yield system
    system.close()


@pytest.fixture(params=["sqlite", "postgres"])
def system(request: pytest.FixtureRequest) -> System:
    """The same application tests run on an SQLite file and on PostgreSQL."""
    return request.getfixturevalue({"sqlite": "sqlite_system", "postgres": "pg_system"}[request.param])


@pytest.fixture
def officer() -> Actor:
    return Actor(f"officer-{uuid.uuid4().hex[:6]}", Role.OFFICER, "MLG")


@pytest.fixture
def supervisor() -> Actor:
    return Actor(f"supervisor-{uuid.uuid4().hex[:6]}", Role.SUPERVISOR, "MLG")
