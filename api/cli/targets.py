"""``berkas target``: an office's revenue (PNBP) target, recorded as an event."""

from __future__ import annotations

import typer
from rich.console import Console

from api.cli.common import acting_user, office_code, system
from domain.case import rupiah_from_text
from domain.values import Role

app = typer.Typer(help="Revenue targets (target PNBP) per office and year.", no_args_is_help=True)
out = Console()


@app.command("set")
def set_target(
    year: int = typer.Argument(..., help="Budget year, e.g. 2024"),
    amount: str = typer.Argument(..., help="Target in rupiah, e.g. 10132500000"),
    supervisor: str = typer.Option(
        ..., "--as", help="The supervisor's account id (berkas users list): the target is their office's"
    ),
    office: str | None = typer.Option(
        None,
        "--office",
        help="Optional check, e.g. MLG: refused unless it is the account's office",
        callback=office_code,
    ),
    legal_basis: str = typer.Option("DIPA", "--legal-basis", help="Where the target comes from"),
) -> None:
    """Set or revise the target of the supervisor's office; the change is an event, so
    earlier targets stay on record."""
    value = rupiah_from_text("amount", amount)
    with system() as built:
        actor = acting_user(built, supervisor, (Role.SUPERVISOR,), "set a revenue target", office)
        version = built.app.set_revenue_target(actor, year, value, legal_basis)
    out.print(f"target for {actor.office} {year} set to Rp {value:,.0f} (version {version})")
