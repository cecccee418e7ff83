"""The tables the API keeps beside the log and the views: rebuild jobs and idempotency keys.

``berkas store init`` creates them as their owner, so an application role that may not
create tables can still run the API; the API creates them itself only when its settings
let it create tables (development, tests)."""

from __future__ import annotations

from psycopg import sql as pgsql

from api.http import idempotency, jobs
from projections.eventstore.store import Store

# What the application role does to each: jobs change state and give back their claims;
# a key is bound afresh once it expired, and expired keys are pruned.
PRIVILEGES = {
    jobs.JOBS: "SELECT, INSERT, UPDATE",
    jobs.CLAIMS: "SELECT, INSERT, DELETE",
    idempotency.KEYS: "SELECT, INSERT, UPDATE, DELETE",
}


def create(store: Store) -> None:
    with store.connect() as conn:
        jobs.create_tables(conn)
        idempotency.create_tables(conn)


def grant(store: Store, role: str) -> None:
    """PostgreSQL: let ``role`` (the application's) use them, and nothing more."""
    with store.connect() as conn:
        for table, privileges in PRIVILEGES.items():
            conn.execute(
                pgsql.SQL("GRANT {} ON {} TO {}").format(
                    pgsql.SQL(privileges), pgsql.Identifier(table), pgsql.Identifier(role)
                )
            )
