"""``berkas demo``: Kanim Malang's 2024 year, generated through the domain, then reported."""

from __future__ import annotations

from time import perf_counter

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from api.bootstrap import System
from api.cli.common import system
from api.demo.calendar import YEAR
from api.demo.run import DEFAULT_SEED, OFFICE, demo_present, generate, recording_days
from projections.reports import annual_report, render_table
from projections.runner import catch_up

app = typer.Typer(help="Generate Kantor Imigrasi Malang's 2024 year and print its annual report.")
out = Console()


def _generate(built: System, seed: int) -> int:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[events]:>9,} events"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out) as progress:
        task = progress.add_task(f"Malang {YEAR}", total=recording_days(), events=0)

        def on_day(day, written):
            progress.update(task, advance=1, description=f"recorded {day:%d %b %Y}", events=written)

        return generate(built.app, seed, on_day)


@app.callback(invoke_without_command=True)
def demo(seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same cases, same ids")) -> None:
    """Write every case of the year through the domain's commands (about half a million
    events), bring the views up to date and print the annual report. Safe to repeat:
    a store that already holds the year is left as it is."""
    started = perf_counter()
    with system() as built:
        where = "PostgreSQL" if built.store.is_postgres else f"SQLite file {built.store.sqlite_path}"
        if demo_present(built.app):
            already = f"{where} already holds Malang {YEAR} (its revenue target is recorded): nothing generated"
            out.print(already, soft_wrap=True)
        else:
            written = _generate(built, seed)
            out.print(f"wrote {written:,} events to {where} in {perf_counter() - started:.1f} s", soft_wrap=True)
        catch_up(built.store)
        out.print(render_table(annual_report(built.store, YEAR, office=OFFICE, current=False)))
    # Unwrapped, so the suggested command can be copied whole.
    out.print(f"berkas demo took {perf_counter() - started:.1f} s", soft_wrap=True)
    out.print(
        f"entries made late, after the New Year break: berkas report annual {YEAR} --office {OFFICE} "
        f"--as-known-at {YEAR + 1}-01-05",
        soft_wrap=True,
    )
