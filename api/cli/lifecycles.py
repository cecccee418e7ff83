"""``berkas lifecycles``: the lifecycle tables as a page with a state diagram per case kind."""

from __future__ import annotations

from pathlib import Path

import typer

from domain import LIFECYCLES
from domain.errors import InvalidCommand
from domain.lifecycle import document

app = typer.Typer(help="The lifecycle tables and their state diagrams (docs/lifecycles.md).")


def page() -> str:
    return document(LIFECYCLES.values())


@app.callback(invoke_without_command=True)
def lifecycles(
    write: Path = typer.Option(None, "--write", help="Write the page here (e.g. docs/lifecycles.md) instead of stdout"),
) -> None:
    if write is None:
        typer.echo(page(), nl=False)
        return
    if not write.parent.is_dir():
        raise InvalidCommand("--write", f"no directory {write.parent}")
    write.write_text(page(), encoding="utf-8")
