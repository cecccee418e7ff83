"""Run every benchmark module in ``bench/`` that defines ``main()``, or the one named.

``python -m bench``                  all of them, in name order, with their defaults
``python -m bench append --n 2000``  one of them, with its own options
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable
from typing import Any

import psycopg

import bench


def benchmarks() -> dict[str, Callable[..., Any]]:
    found = {}
    for module in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"bench.{module.name}")
        if callable(getattr(loaded, "main", None)):
            found[module.name] = loaded.main
    return found


def call(main: Callable[..., Any], argv: list[str]) -> int:
    """A benchmark's ``main`` may take its argument list or nothing (then it reads sys.argv).
    A database it cannot reach or use is one line and exit 1, as in the CLI: the class and
    SQLSTATE only, never the server's own text (which can quote values)."""
    try:
        if inspect.signature(main).parameters:
            result = main(argv)
        else:
            sys.argv = [main.__module__, *argv]
            result = main()
    except psycopg.Error as error:
        state = f" (SQLSTATE {error.sqlstate})" if error.sqlstate else ""
        print(f"{main.__module__}: database error: {type(error).__name__}{state}", file=sys.stderr)
        return 1
    return int(result or 0)


def run(argv: list[str]) -> int:
    available = benchmarks()
    if argv and not argv[0].startswith("-"):
        name, rest = argv[0], argv[1:]
        if name not in available:
            print(f"bench: no benchmark {name!r}; there are: {', '.join(available)}", file=sys.stderr)
            return 2
        return call(available[name], rest)
    failures = 0
    for name, main in available.items():
        print(f"== {name}", flush=True)
        failures += call(main, argv) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
