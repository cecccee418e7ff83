"""Root of the ``berkas`` CLI. Sub-commands live in one module per area."""

from __future__ import annotations

import sqlite3
import sys
from importlib.metadata import version

import psycopg
import typer
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
from domain.errors import DomainError

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
    except (psycopg.OperationalError, PersistenceError) as error:
        say(f"the database is not reachable (BERKAS_DATABASE_URL): {str(error) or type(error).__name__}")
        return 1
    except sqlite3.DatabaseError as error:
        say(f"the SQLite file (BERKAS_SQLITE_PATH) is not a Berkas database: {error}")
        return 1
    except OSError as error:  # a missing directory, a file that cannot be read or written
        where = f"{error.filename}: " if error.filename else ""
        say(f"{where}{error.strerror or type(error).__name__}")
        return 1
    except Exception as error:  # the type only: an exception's text may quote the data it choked on
        say(f"unexpected {type(error).__name__}; nothing more is shown, so no data leaks into a terminal or a log")
        return 1
    return outcome if isinstance(outcome, int) else 0
