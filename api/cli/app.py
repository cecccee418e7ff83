"""Root of the ``berkas`` CLI. Sub-commands live in one module per area."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from rich.console import Console

from api.cli import store as store_commands
from api.cli import targets as target_commands
from domain.errors import DomainError

app = typer.Typer(
    name="berkas",
    help="Berkas: event-sourced case management for Kantor Imigrasi.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(store_commands.app, name="store")
app.add_typer(target_commands.app, name="target")

err = Console(stderr=True)


def main() -> None:
    """Console-script entry: domain and settings errors become one line and exit code 2."""
    try:
        app()
    except DomainError as error:
        err.print(f"berkas: {error}", markup=False, highlight=False)
        sys.exit(2)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        err.print(f"berkas: {field}: {first['msg']}", markup=False, highlight=False)
        sys.exit(2)
