"""Root of the ``berkas`` CLI. Sub-commands live in one module per area."""

from __future__ import annotations

import sqlite3
import sys
from importlib.metadata import version

import psycopg
import typer
from eventsourcing import persistence
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError
from rich.console import Console

from api.bootstrap import StoreNotReady
from api.cli import case as case_commands
from api.cli import demo as demo_command
from api.cli import ledger as ledger_commands
from api.cli import lifecycles as lifecycle_command
from api.cli import projections as projection_commands
from api.cli import report as report_commands
from api.cli import serve as serve_command
from api.cli import store as store_commands
from api.cli import subjects as subject_commands
from api.cli import targets as target_commands
from api.cli import users as user_commands
from api.http.errors import LOG_ALTERED, UNDECODABLE, VIEWS_STOPPED, VIEWS_UNDECODABLE
from domain.errors import DomainError
from domain.privacy import PersonalDataUnreadable

app = typer.Typer(
    name="berkas",
    help="Berkas: event-sourced case management for Kantor Imigrasi.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(asked: bool) -> None:
    if asked:
        typer.echo(f"berkas {version('berkas')}")
        raise typer.Exit()


@app.callback()
def _root(
    _: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Berkas: event-sourced case management for Kantor Imigrasi."""


app.add_typer(store_commands.app, name="store")
app.add_typer(target_commands.app, name="target")
app.add_typer(serve_command.app, name="serve")
app.add_typer(user_commands.app, name="users")
app.add_typer(projection_commands.app, name="projections")
app.add_typer(report_commands.app, name="report")
app.add_typer(ledger_commands.app, name="ledger")
app.add_typer(case_commands.app, name="case")
app.add_typer(demo_command.app, name="demo")
app.add_typer(lifecycle_command.app, name="lifecycles")
app.add_typer(subject_commands.app, name="subjects")

err = Console(stderr=True, soft_wrap=True)


def say(message: str) -> None:
    """One line on stderr, however long (no wrapping: scripts read it as one line)."""
    err.print(f"berkas: {' '.join(message.split())}", markup=False, highlight=False, crop=False)


# What a SQLSTATE's class (its first two characters) means: a database error is shown by
# its class, its code and this, never by its text, which may quote the values or the SQL
# it refused (a unique violation's "Key (nik)=(...)", a trigger's message).
SQLSTATE_CLASSES = {
    "08": "connection exception",
    "22": "data exception",
    "23": "integrity constraint violation",
    "25": "invalid transaction state",
    "28": "invalid user or password",
    "3D": "the database does not exist",
    "40": "transaction rolled back (serialization failure or deadlock)",
    "42": "syntax error or access rule violation (a missing table or privilege)",
    "53": "insufficient resources (disk, memory, connections)",
    "55": "object not in prerequisite state (a lock not available)",
    "57": "operator intervention (the server shutting down, a statement cancelled or timed out)",
    "58": "system error",
    "P0": "refused by a database function or trigger",
    "XX": "internal error",
}
# Connection failures that happen before the server answers carry no SQLSTATE: a few of
# libpq's messages are recognised (never quoted: they name hosts and users).
CONNECTION_FAILURES = {
    "connection refused": "connection refused",
    "timeout expired": "connection timed out",
    "could not translate host name": "unknown host",
    "failed to resolve host": "unknown host",  # psycopg 3 resolves names itself
    "password authentication failed": "invalid user or password",
    "does not exist": "the database or user does not exist",
    "no such file or directory": "no server at that socket",
    "invalid integer value": "malformed URL",
    "invalid connection option": "malformed URL",
    "invalid port": "malformed URL",
}
UNAVAILABLE = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
)
_UNREACHABLE = ("08", "28", "3D", "53", "57")
_SQLITE_NOT_A_DATABASE = ("SQLITE_NOTADB", "SQLITE_CORRUPT")


def database_error(error: BaseException) -> str:
    """One line naming a database error by its classes, SQLSTATE (or SQLite error name) and
    a generic description: never its text."""
    cause = error if isinstance(error, (psycopg.Error, sqlite3.Error)) else error.__cause__ or error
    names = list(dict.fromkeys([type(error).__name__, type(cause).__name__]))
    sqlstate = getattr(cause, "sqlstate", None)
    sqlite_name = getattr(cause, "sqlite_errorname", None)
    if sqlite_name in _SQLITE_NOT_A_DATABASE:
        return f"the SQLite file (BERKAS_SQLITE_PATH) is not a Berkas database: {'/'.join(names)}, {sqlite_name}"
    if sqlstate:
        code = f"SQLSTATE {sqlstate} ({SQLSTATE_CLASSES.get(sqlstate[:2], 'class ' + sqlstate[:2])})"
    elif sqlite_name:
        code = sqlite_name
    else:
        text = str(cause).lower()
        code = next((said for found, said in CONNECTION_FAILURES.items() if found in text), "no SQLSTATE")
    names_and_code = f"{'/'.join(names)}, {code}"
    operational = isinstance(error, UNAVAILABLE) or isinstance(cause, UNAVAILABLE)
    if operational and (sqlstate is None or sqlstate[:2] in _UNREACHABLE) and sqlite_name is None:
        return f"the database is not reachable (BERKAS_DATABASE_URL): {names_and_code}"
    return f"the database refused the operation: {names_and_code}; its message is not shown, as it may quote data"


def main() -> None:
    """Console-script entry: whatever goes wrong is one line on stderr and a non-zero exit,
    never a traceback (2: the input or the domain refused; 1: the environment failed)."""
    sys.exit(run(sys.argv[1:]))


def run(arguments: list[str]) -> int:
    try:
        outcome = app(args=arguments, standalone_mode=False)
    except typer.Abort:
        say("interrupted")
        return 130
    except typer.exceptions.TyperException as error:  # usage: an unknown option, a missing argument
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        if message:  # (``berkas`` alone has printed its help)
            say(message)
        return int(getattr(error, "exit_code", 2))
    except (DomainError, StoreNotReady) as error:
        say(str(error))
        return 2
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        say(f"{field}: {first['msg']}")
        return 2
    except (psycopg.Error, PersistenceError, sqlite3.DatabaseError) as error:
        say(database_error(error))
        return 1
    except VIEWS_UNDECODABLE as error:  # its text quotes the event
        say(f"{VIEWS_STOPPED} ({type(error).__name__})")
        return 1
    except UNDECODABLE as error:  # the library's text quotes the event
        if isinstance(error.__cause__, PersonalDataUnreadable):  # names a random subject id only
            say(f"personal data does not open: {error.__cause__}")
        else:
            say(f"{LOG_ALTERED} ({type(error).__name__})")
        return 1
    except OSError as error:  # a missing directory, a file that cannot be read or written
        where = f"{error.filename}: " if error.filename else ""
        say(f"{where}{error.strerror or type(error).__name__}")
        return 1
    except Exception as error:  # the type only: an exception's text may quote the data it choked on
        say(f"unexpected {type(error).__name__}; nothing more is shown, so no data leaks into a terminal or a log")
        return 1
    return outcome if isinstance(outcome, int) else 0
