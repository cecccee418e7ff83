"""``berkas users``: API accounts. A token is printed once; only its hash is kept."""

from __future__ import annotations

from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from api import accounts
from api.cli.common import console_admin, literal, office_code, system
from domain.usecases import users

app = typer.Typer(help="API accounts and their bearer tokens.", no_args_is_help=True)
out = Console()


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The person's name"),
    role: str = typer.Option(
        ..., "--role", help="OFFICER, SUPERVISOR, AUDITOR or ADMIN, in any case (as POST /users takes it)"
    ),
    office: str = typer.Option(..., "--office", help="Office code, e.g. MLG", callback=office_code),
    first: bool = typer.Option(
        False, "--first", help="Only if no admin account exists yet (for an install's set-up, run on every start)"
    ),
) -> None:
    """Create an account and print its token (shown this once, never stored)."""
    with system() as built:
        if first and any(user.role.value == "ADMIN" for user in users.all_users(built.app)):
            out.print("an admin account exists already: none added, no token printed")
            return
        user, token = users.register(built.app, console_admin(office), name, role.upper(), office.upper())
    out.print(f"user {user.id} ({user.role.value.lower()}, {user.office})", markup=False, highlight=False)
    out.print(f"token: {token}", markup=False, highlight=False)
    out.print("Keep the token now: only its hash is stored, it cannot be shown again.", style="dim")


@app.command("revoke")
def revoke(
    user_id: UUID = typer.Argument(..., help="The account's id, as printed by `users add`"),
    reason: str = typer.Option("revoked by an administrator", "--reason"),
) -> None:
    """Revoke an account: its token stops working at once, its web sessions end."""
    with system() as built:
        user = users.get_user(built.app, user_id)
        accounts.revoke(built, console_admin(user.office), user_id, reason)
    out.print(f"user {user_id} revoked")


@app.command("list")
def list_users() -> None:
    """Every account: id, role, office, whether revoked (never tokens)."""
    table = Table()
    # The id is what `users revoke` takes: printed whole, never cut to fit the terminal.
    table.add_column("id", no_wrap=True, min_width=36)
    for heading in ("name", "role", "office", "revoked"):
        table.add_column(heading)
    with system() as built:
        for user in users.all_users(built.app):
            revoked = "yes" if user.revoked else ""
            table.add_row(str(user.id), literal(user.name), user.role.value.lower(), user.office, revoked)
    out.print(table)
