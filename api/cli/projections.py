"""``berkas projections``: follow the log, rebuild views from scratch, show how far they are."""

from __future__ import annotations

import signal
import threading

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.bootstrap import System, settings_from_environment, store_for
from api.cli.common import system
from projections.runner import Projection, lease, rebuild, run_forever, status

app = typer.Typer(help="Projections (read models) built from the event log.", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def _chosen(built: System, names: list[str] | None) -> list[Projection]:
    available = {p.name: p for p in built.projections()}
    unknown = [name for name in names or () if name not in available]
    if unknown:
        raise typer.BadParameter(f"no projection named {unknown[0]!r} (known: {', '.join(available)})")
    return [available[name] for name in names] if names else list(available.values())


@app.command("run")
def run(
    names: list[str] = typer.Argument(None, help="Projections to follow (default: all)"),
    poll: float = typer.Option(0.5, "--poll", help="Seconds between polls when idle; appends wake it at once"),
) -> None:
    """Follow the log continuously; on PostgreSQL one worker at a time per projection."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with system() as built:
        chosen = _chosen(built, names)
        out.print(f"following the log for {', '.join(p.name for p in chosen)} (Ctrl-C to stop)")
        try:
            run_forever(
                built.store, chosen, poll_interval=poll, stop=stop, lease_seconds=built.settings.worker_lease_seconds
            )
        except lease.SessionLost as lost:
            # Its supervisor starts it anew; meanwhile another worker follows its projections.
            err.print(f"berkas: {lost}: stopping", markup=False, highlight=False)
            raise typer.Exit(1) from None


@app.command("rebuild")
def rebuild_command(name: str = typer.Argument(None, help="Projection to rebuild (default: all, in one pass)")) -> None:
    """Replay the whole log once into fresh tables of the chosen projections, then swap them in at once."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} ids"),
        TextColumn("{task.fields[rate]:,.0f} ids/s"),
        TimeRemainingColumn(),
    )
    with system() as built:
        chosen = _chosen(built, [name] if name else None)  # before the bar, which leaves a line even unused
        with Progress(*columns, console=out) as bar:
            task = bar.add_task(
                ", ".join(p.name for p in chosen), total=built.app.recorder.max_notification_id() or 0, rate=0.0
            )

            def advance(position: int, last: int) -> None:
                bar.update(task, completed=position, total=last)
                bar.update(task, rate=bar.tasks[task].speed or 0.0)

            rebuild(built.store, chosen, progress=advance)
    out.print("rebuilt: " + ", ".join(p.name for p in chosen))


@app.command("status")
def status_command() -> None:
    """Each projection's position in the log, how many of its events it is behind, and any
    rows of the log that no projection will read (written around the application)."""
    with system() as built:
        found = status(built.store, built.projections())
    table = Table(title=f"Projections (log readable up to notification id {found.last_id:,})")
    table.add_column("projection")
    table.add_column("position", justify="right")
    table.add_column("lag (events)", justify="right")
    for name, events in found.lag.items():
        table.add_row(name, f"{found.positions.get(name, 0):,}", f"{events:,}")
    out.print(table)
    for anomaly in found.anomalies:
        err.print(f"berkas: anomaly in the event log: {anomaly}", markup=False, highlight=False)
    if found.anomalies:
        raise typer.Exit(1)


@app.command("alive")
def alive_command() -> None:
    """Exit 0 if a worker on this machine has beaten within its lease (a container's
    healthcheck), 1 if none has: a hung or stopped worker fails it."""
    settings = settings_from_environment()
    store = store_for(settings)
    try:
        beating = lease.alive(store, settings.worker_lease_seconds)
    finally:
        store.close()
    if not beating:
        out.print(f"no projection worker on this machine has beaten within {settings.worker_lease_seconds:.0f} s")
        raise typer.Exit(1)
    out.print("a projection worker on this machine is beating")
