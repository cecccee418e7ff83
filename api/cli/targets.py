"""``berkas target``: an office's revenue (PNBP) target, recorded as an event."""

from __future__ import annotations

import typer
from rich.console import Console

from api.cli.common import office_code, system
from domain.case import rupiah_from_text
from domain.usecases.base import Actor
from domain.values import Role

app = typer.Typer(help="Revenue targets (target PNBP) per office and year.", no_args_is_help=True)
out = Console()


@app.command("set")
def set_target(
    year: int = typer.Argument(..., help="Budget year, e.g. 2024"),
    amount: str = typer.Argument(..., help="Target in rupiah, e.g. 10132500000"),
    office: str = typer.Option(..., "--office", help="Office code, e.g. MLG", callback=office_code),
    supervisor: str = typer.Option("cli-supervisor", "--as", help="Acting supervisor's id"),
    legal_basis: str = typer.Option("DIPA", "--legal-basis", help="Where the target comes from"),
) -> None:
    """Set or revise a target; the change is an event, so earlier targets stay on record."""
    value = rupiah_from_text("amount", amount)
    with system() as built:
        version = built.app.set_revenue_target(Actor(supervisor, Role.SUPERVISOR, office), year, value, legal_basis)
    out.print(f"target for {office} {year} set to Rp {value:,.0f} (version {version})")
