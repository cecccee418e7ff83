"""The ``berkas`` command line: one Typer app, one sub-app per area."""

from __future__ import annotations

from api.cli.app import app, main

__all__ = ["app", "main"]
