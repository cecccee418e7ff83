"""Readiness (siap melayani): whether a load balancer should send this instance requests.

Not ready when the database does not answer, when the views are stopped before a row of
the log they cannot read (an event altered outside Berkas: every view halts there, by
design, until the row is mended or restored), or, when the probe names a limit, when a
view is further behind the log than that. Judged from the database, not from a follower
of this process: in docker-compose the views are followed by a worker of their own.

Not ready either where this instance holds the ledger key and would refuse to sign: the
database no longer holds the checkpoint it signed last (its witness), or the key is not the
ledger's current one. Its follower then seals the days without signing them; an instance
serving from a rewritten history is what an operator must hear of first.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.http.errors import VIEWS_UNDECODABLE
from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.ledger.seal import refusal
from projections.runner import Projection, Status
from projections.runner.pages import read_window
from projections.views.decode import fields

# The window a follower reads in one transaction (``projections.runner.pages``' page): a row
# it cannot read stops it at the start of the window that holds the row.
FOLLOWER_PAGE = 5000


def halted_at(store: Store, projections: Sequence[Projection], found: Status) -> int | None:
    """The notification id of the first row of the next window that the views cannot
    read, if any: the views are then stopped before it. Read only while a view is behind
    (a caught-up instance costs nothing more than the lag's count)."""
    if not any(found.lag.values()):
        return None
    behind = [p for p in projections if found.positions.get(p.name, 0) < found.last_id]
    after = min(found.positions.get(p.name, 0) for p in behind)
    with sql.connection(store) as conn:
        _, rows = read_window(conn, behind, after, found.last_id, FOLLOWER_PAGE)
        for row in rows:
            try:
                fields(row)
            except VIEWS_UNDECODABLE:
                return row.notification_id
    return None


def most_behind(found: Status, max_lag: int | None) -> tuple[str, int] | None:
    """The view furthest behind, if it is more than ``max_lag`` events behind."""
    if max_lag is None or not found.lag:
        return None
    name, events = max(found.lag.items(), key=lambda item: item[1])
    return (name, events) if events > max_lag else None


def signing_refused(store: Store, key: Ed25519PrivateKey | None) -> str | None:
    """Why this instance's ledger key would refuse to sign, if it holds one and would."""
    if key is None:
        return None
    with store.connect() as conn:
        return refusal(conn, key)
