"""Helpers shared by CLI commands: building the system, the acting user."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from api.bootstrap import System, bootstrap
from domain.usecases.base import Actor
from domain.values import Role


@contextmanager
def system() -> Iterator[System]:
    built = bootstrap()
    try:
        yield built
    finally:
        built.close()


def office_code(value: str | None) -> str | None:
    """An ``--office`` as typed: ``jyp`` is JYP, as ``berkas users add`` always took it."""
    return value.strip().upper() if value else value


def console_admin(office: str) -> Actor:
    """Whoever runs the CLI on the server is trusted as an administrator."""
    return Actor(f"console:{getpass.getuser()}", Role.ADMIN, office)
