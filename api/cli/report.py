"""``berkas report``: the annual report of an office, or national, as a table, JSON or CSV."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import orjson
import typer
from rich.console import Console

from api.cli.common import office_code, system
from domain.case import check_calendar
from domain.errors import InvalidCommand
from domain.reference import office as lookup_office
from projections.reports import annual_report, render_table

app = typer.Typer(help="Reports built from the projections.", no_args_is_help=True)
out = Console()


class Numbers(StrEnum):
    PLAIN = "plain"
    ID = "id"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@app.command("annual")
def annual(
    year: int = typer.Argument(..., help="Report year, e.g. 2024"),
    office: str = typer.Option(
        None, "--office", help="Office code, e.g. MLG (default: national)", callback=office_code
    ),
    as_known_at: str = typer.Option(None, "--as-known-at", help="Only events recorded by this day, YYYY-MM-DD"),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv"),
    numbers: Numbers = typer.Option(Numbers.PLAIN, "--numbers", help="plain (73338) or id: Indonesian (73.338)"),
) -> None:
    """Laporan tahunan: brought up to date with the log first, then summed."""
    # What the API refuses (GET /reports/annual/{year}), before the store is opened.
    if not 2000 <= year <= 2100:
        raise InvalidCommand("year", "must be a year between 2000 and 2100")
    if office is not None:
        lookup_office(office)
    try:
        known = date.fromisoformat(as_known_at) if as_known_at else None
        if known is not None:
            check_calendar("--as-known-at", known)
    except ValueError:
        raise typer.BadParameter("--as-known-at must be a date, YYYY-MM-DD") from None
    except InvalidCommand as refused:
        raise typer.BadParameter(f"--as-known-at {refused.rule}") from None
    with system() as built:
        report = annual_report(built.store, year, office=office, as_known_at=known)
    if fmt is Format.JSON:
        typer.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
    elif fmt is Format.CSV:
        typer.echo(report.to_csv(numbers), nl=False)
    else:
        out.print(render_table(report, numbers))
