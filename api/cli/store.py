"""``berkas store``: the event store itself."""

from __future__ import annotations

import typer
from rich.console import Console

from api.cli.common import system
from projections.privacy.legacy import plaintext_events

app = typer.Typer(help="The event store (tables, append-only guards).", no_args_is_help=True)
out = Console()


@app.command("init")
def init() -> None:
    """Create the event tables and the append-only triggers (safe to repeat)."""
    with system() as built:
        out.print(f"event store ready: {built.store.describe()}, table {built.store.events_table} is append-only")


@app.command("info")
def info() -> None:
    """Where the store is and how many events it holds."""
    with system() as built:
        last = built.app.recorder.max_notification_id() or 0
        out.print(f"{built.store.describe()}: {last} events (last notification id)")
        plain = plaintext_events(built.store)
        if plain:
            out.print(
                f"{plain} events hold personal data in plaintext (written before per-subject encryption): "
                "it cannot be erased; regenerate the store (e.g. `berkas demo` into a new one)",
                soft_wrap=True,
            )
        else:
            out.print(f"personal data is sealed per subject; key file {built.settings.personal_data_key_file}")


@app.command("create-app-role")
def create_app_role(
    name: str = typer.Argument(..., help="Role name, e.g. berkas_app"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="BERKAS_APP_ROLE_PASSWORD"
    ),
) -> None:
    """PostgreSQL: create (or update) the application's login role: SELECT and INSERT on the
    event log (and the UPDATE the library's table lock needs, which the trigger refuses),
    no DELETE, TRUNCATE or DDL. Run as the table owner; start the API as this role."""
    with system() as built:
        try:
            built.store.create_app_role(name, password)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    out.print(f"role {name} may read and append to {built.store.events_table}, nothing more")
