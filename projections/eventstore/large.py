"""Working through large batches of events (a rebuild, a generated year, an import)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Hundreds of thousands of short-lived objects (decoded events) beside a large live
    set (what a rebuild holds, every open case of a generated year): at the default
    thresholds the collector rescans that set thousands of times, and decoding alone
    costs two to three times what it does without it."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
