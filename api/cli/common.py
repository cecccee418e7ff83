"""Helpers shared by CLI commands: building the system, the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.bootstrap import System, bootstrap


@contextmanager
def system() -> Iterator[System]:
    built = bootstrap()
    try:
        yield built
    finally:
        built.close()
