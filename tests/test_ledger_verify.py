"""``berkas ledger verify``: an untouched log verifies; every kind of tampering by a
superuser who bypasses the append-only trigger is caught and located."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.bootstrap import System, bootstrap
from api.settings import Settings
from domain.case import recorded_at
from projections.eventstore import sql
from projections.eventstore.log import read_page
from projections.ledger import chain
from projections.ledger.seal import SealProjection, checkpoint_now
from projections.ledger.verify import verify
from projections.runner import catch_up
from tests import builders

DAYS = (datetime(2024, 3, 4, 2, tzinfo=UTC), datetime(2024, 3, 5, 2, tzinfo=UTC), datetime(2024, 3, 6, 2, tzinfo=UTC))


@pytest.fixture
def ledger_db(pg_admin_url: str, tmp_path) -> Iterator[System]:
    """A database of its own: these tests tamper with the log, others must not see it."""
    name = f"berkas_ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    system = bootstrap(Settings(database_url=pg_admin_url.rpartition("/")[0] + f"/{name}", sqlite_path=tmp_path / "x"))
    yield system
    system.close()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def record_three_days(system: System, gap_before_day: int | None = None) -> list:
    """Four passport cases (seven events each) recorded on each of three days."""
    clock = builders.Clock()
    cases = []
    for n, moment in enumerate(DAYS):
        if n == gap_before_day:
            # A rolled-back insert leaves a hole in the notification ids, as in production.
            tamper(system, "SELECT nextval(pg_get_serial_sequence('berkas_events', 'notification_id'))")
        with recorded_at(moment):
            batch = [builders.passport(clock, until="HANDED_OVER") for _ in range(4)]
            system.app.bulk_save(batch)
        cases += batch
    return cases


def sealed(system: System, key: Ed25519PrivateKey) -> None:
    catch_up(system.store, [SealProjection(key)], page_size=10)
    checkpoint_now(system.store, key)


def tamper(system: System, statement: str, params: tuple = ()) -> None:
    """As a superuser, with triggers off for this transaction only."""
    with psycopg.connect(system.store.database_url) as conn:
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(statement, params)


def event_at(system: System, nid: int) -> tuple[uuid.UUID, bytes]:
    with psycopg.connect(system.store.database_url) as conn:
        found = conn.execute("SELECT originator_id, state FROM berkas_events WHERE notification_id = %s", (nid,))
        return found.fetchone()


def test_an_untouched_log_verifies_every_event_against_signed_checkpoints(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    result = verify(ledger_db.store, key.public_key())
    assert result.ok, result.describe()
    assert (result.events, result.last_notification_id, result.unsigned) == (84, 84, 0)
    # Two complete days and the open day signed so far.
    assert result.checkpoints == 3
    assert result.describe().startswith("verified 84 events up to notification id 84")


def test_one_changed_byte_of_one_event_is_named_with_its_case(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    case_id, state = event_at(ledger_db, 40)
    forged = state[:60] + bytes([state[60] ^ 1]) + state[61:]
    tamper(ledger_db, "UPDATE berkas_events SET state = %s WHERE notification_id = 40", (forged,))
    divergence = verify(ledger_db.store, key.public_key()).divergence
    assert (divergence.kind, divergence.notification_id, divergence.case_id) == ("changed", 40, case_id)


def test_a_deleted_event_is_missing_at_its_notification_id(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    case_id, _ = event_at(ledger_db, 33)
    tamper(ledger_db, "DELETE FROM berkas_events WHERE notification_id = 33")
    divergence = verify(ledger_db.store, key.public_key()).divergence
    assert (divergence.kind, divergence.notification_id, divergence.case_id) == ("missing", 33, case_id)


def test_a_forged_event_slipped_into_a_gap_of_the_sealed_range_is_inserted(ledger_db, key):
    cases = record_three_days(ledger_db, gap_before_day=1)
    sealed(ledger_db, key)
    # Day two starts after the hole at notification id 29.
    assert event_at(ledger_db, 29) is None
    _, state = event_at(ledger_db, 30)
    tamper(
        ledger_db,
        "INSERT INTO berkas_events (notification_id, originator_id, originator_version, topic, state) "
        "VALUES (29, %s, 8, 'berkas:PassportApplication.Withdrawn', %s)",
        (cases[0].id, state),
    )
    divergence = verify(ledger_db.store, key.public_key()).divergence
    assert (divergence.kind, divergence.notification_id, divergence.case_id) == ("inserted", 29, cases[0].id)


def test_two_swapped_events_are_reported_as_reordered_at_the_first(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    moved_case, _ = event_at(ledger_db, 50)
    tamper(
        ledger_db,
        "UPDATE berkas_events SET notification_id = -1 WHERE notification_id = 45;"
        "UPDATE berkas_events SET notification_id = 45 WHERE notification_id = 50;"
        "UPDATE berkas_events SET notification_id = 50 WHERE notification_id = -1",
    )
    divergence = verify(ledger_db.store, key.public_key()).divergence
    assert (divergence.kind, divergence.notification_id) == ("reordered", 45)
    assert f"case {moved_case}, sealed at notification id 50" in divergence.detail


def test_events_and_seal_rewritten_together_are_caught_by_the_signed_checkpoint(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    _, state = event_at(ledger_db, 40)
    tamper(
        ledger_db,
        "UPDATE berkas_events SET state = %s WHERE notification_id = 40",
        (state[:60] + bytes([state[60] ^ 1]) + state[61:],),
    )
    # The forger also recomputes the seal from the changed event onwards.
    with psycopg.connect(ledger_db.store.database_url) as conn:
        link = bytes(conn.execute("SELECT chain FROM ledger_seal WHERE notification_id = 39").fetchone()[0])
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM berkas_events "
            "WHERE notification_id >= 40 ORDER BY notification_id"
        ).fetchall()
        for nid, case, version, topic, stored in rows:
            leaf = chain.leaf_hash(nid, case, version, topic, stored)
            link = chain.link(link, leaf)
            conn.execute("UPDATE ledger_seal SET leaf = %s, chain = %s WHERE notification_id = %s", (leaf, link, nid))
    divergence = verify(ledger_db.store, key.public_key()).divergence
    assert divergence.kind == "checkpoint"
    assert "2024-03-05 (notification ids 29..56)" in divergence.detail


def test_a_checkpoint_signed_by_another_key_fails(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    result = verify(ledger_db.store, Ed25519PrivateKey.generate().public_key())
    assert result.divergence.kind == "signature"
    assert result.divergence.notification_id == 1


def test_verify_from_a_day_starts_at_its_signed_predecessor(ledger_db, key):
    record_three_days(ledger_db)
    sealed(ledger_db, key)
    result = verify(ledger_db.store, key.public_key(), from_day="2024-03-06")
    assert result.ok and result.events == 28


def test_the_seal_resumes_after_a_crash_exactly_where_it_stopped(ledger_db, key, sqlite_system):
    for system in (ledger_db, sqlite_system):
        record_three_days(system)

        class CrashingSeal(SealProjection):
            pages = 0

            def apply(self, conn, rows, suffix):
                super().apply(conn, rows, suffix)
                CrashingSeal.pages += 1
                if CrashingSeal.pages == 4:
                    raise RuntimeError("power cut")

        with pytest.raises(RuntimeError):
            catch_up(system.store, [CrashingSeal(key)], page_size=10)
        catch_up(system.store, [SealProjection(key)], page_size=10)
        with system.store.connect() as conn:
            stored = conn.execute("SELECT notification_id, leaf, chain FROM ledger_seal ORDER BY notification_id")
            resumed = [(nid, bytes(leaf), bytes(link)) for nid, leaf, link in stored.fetchall()]
            days = conn.execute("SELECT day, events FROM ledger_checkpoints ORDER BY day").fetchall()
        with sql.connection(system.store) as conn:
            everything = read_page(conn, (), 0, 10**9, 10**6)
        link, uninterrupted = chain.GENESIS, []
        for row in everything:
            leaf = chain.leaf_hash(row.notification_id, row.originator_id, row.originator_version, row.topic, row.state)
            link = chain.link(link, leaf)
            uninterrupted.append((row.notification_id, leaf, link))
        assert resumed == uninterrupted
        assert [nid for nid, _, _ in resumed] == list(range(1, 85))
        assert days == [("2024-03-04", 28), ("2024-03-05", 28)]
        assert verify(system.store, key.public_key()).ok
