"""The event log is append-only in the database itself, on both backends."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from projections.eventstore import sql
from projections.eventstore.log import case_rows
from projections.eventstore.store import APPEND_ONLY_MESSAGE
from tests.builders import submission


def _rows(store, case_id):
    with store.connect() as conn:
        return [(row.originator_version, row.topic, row.state) for row in case_rows(conn, case_id)]


def _submitted_case(system, officer):
    case_id = system.app.submit_passport_application(officer, **submission())
    system.app.pay_passport_fee(officer, case_id, "8201")
    return case_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET topic = 'berkas:forged' WHERE originator_id = {id}",
        "UPDATE {table} SET state = state WHERE originator_id = {id}",
        "DELETE FROM {table} WHERE originator_id = {id}",
    ],
    ids=["update-topic", "update-noop", "delete"],
)
def test_raw_updates_and_deletes_of_events_are_refused_and_change_nothing(system, officer, statement):
    store = system.store
    case_id = _submitted_case(system, officer)
    before = _rows(store, case_id)
    assert len(before) == 2
    with pytest.raises((psycopg.Error, sqlite3.Error)) as raised, store.connect() as conn:
        sql.execute(conn, statement.format(table=store.events_table, id="?"), (conn.dialect.case_key(case_id),))
    assert APPEND_ONLY_MESSAGE in str(raised.value)
    assert _rows(store, case_id) == before
    assert system.app.get_case(case_id).version == 2


def test_truncating_the_event_log_is_refused_on_postgres(pg_system, officer):
    store = pg_system.store
    case_id = _submitted_case(pg_system, officer)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=APPEND_ONLY_MESSAGE), store.connect() as conn:
        conn.execute(f"TRUNCATE {store.events_table}")
    assert len(_rows(store, case_id)) == 2


def test_appending_still_works_with_the_guards_installed_twice(system, officer):
    system.store.install_guards()
    case_id = _submitted_case(system, officer)
    system.app.capture_biometrics(officer, case_id)
    assert system.app.get_case(case_id).version == 3
