"""Root of the ``berkas`` CLI. Sub-commands live in one module per area."""

from __future__ import annotations

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


def main() -> None:
    """Console-script entry: domain and settings errors become one line and exit code 2."""
    try:
        app()
    except (DomainError, StoreNotReady) as error:
        err.print(f"berkas: {error}", markup=False, highlight=False)
        sys.exit(2)
    except (psycopg.OperationalError, PersistenceError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        err.print(
            f"berkas: the database is not reachable (BERKAS_DATABASE_URL): {reason}", markup=False, highlight=False
        )
        sys.exit(1)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        err.print(f"berkas: {field}: {first['msg']}", markup=False, highlight=False)
        sys.exit(2)
