"""``berkas store``: the event store itself."""

from __future__ import annotations

import typer
from rich.console import Console

from api.cli.common import system

app = typer.Typer(help="The event store (tables, append-only guards).", no_args_is_help=True)
out = Console()


@app.command("init")
def init() -> None:
    """Create the event tables and the append-only triggers (safe to repeat)."""
    with system() as built:
        where = "PostgreSQL" if built.store.is_postgres else f"SQLite file {built.store.sqlite_path}"
        out.print(f"event store ready: {where}, table {built.store.events_table} is append-only")


@app.command("info")
def info() -> None:
    """Where the store is and how many events it holds."""
    with system() as built:
        last = built.app.recorder.max_notification_id() or 0
        where = "PostgreSQL" if built.store.is_postgres else f"SQLite file {built.store.sqlite_path}"
        out.print(f"{where}: {last} events (last notification id)")
