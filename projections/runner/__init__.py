"""The pull-based projection runner: pages of the log, fed once to every projection given.

A catch-up or a rebuild reads each page of the log once and hands it to every projection
that wants its topics; each projection keeps its own position, and every page's view
updates and positions commit in one transaction, so whatever crashes, each event counts
exactly once. Works on SQLite and PostgreSQL alike. On PostgreSQL the library serialises
writers with a table lock, so notification ids become visible in order and a keyset
``notification_id > position`` never skips.

The runner is handed its projections; it knows no list of its own (``projections.catalog``).
"""

from projections.runner import lease
from projections.runner.follow import run_forever
from projections.runner.pages import catch_up
from projections.runner.status import Status, lag, positions, status
from projections.runner.swap import rebuild
from projections.runner.tracking import REBUILD_SUFFIX, TRACKING, Progress, Projection, ensure_tracking

__all__ = [
    "REBUILD_SUFFIX",
    "TRACKING",
    "Progress",
    "Projection",
    "Status",
    "catch_up",
    "ensure_tracking",
    "lag",
    "lease",
    "positions",
    "rebuild",
    "run_forever",
    "status",
]
