"""Concurrent writers: one decision per version wins, the others get a conflict; one claim
of a unique number wins (both databases);
large batches (written by COPY) stay contiguous and in order in the log."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import IntegrityError

from domain.errors import ConflictError, KeyTaken
from domain.values import Role, Uniqueness
from projections.eventstore.fast_append import CopyApplicationRecorder
from tests.builders import APPLICANT_NAME, LEGAL_BASIS, Clock, actor, interviewed_passport, officer_of, passport
from tests.stores import fresh_system

THREADS = 8


def test_eight_supervisors_approving_the_same_version_yield_one_approval(pg_system, officer):
    app = pg_system.app
    case_id = interviewed_passport(app, officer)
    version = app.get_case(case_id).version
    supervisors = [actor(Role.SUPERVISOR) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def approve(supervisor):
        barrier.wait()
        try:
            return app.approve_passport(supervisor, case_id, LEGAL_BASIS, expected_version=version)
        except ConflictError as conflict:
            return conflict

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(approve, supervisors))

    wins = [o for o in outcomes if isinstance(o, int)]
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    assert wins == [version + 1]
    assert len(conflicts) == THREADS - 1
    assert all(c.case_id == case_id and c.current_version == version + 1 for c in conflicts)

    history = app.history(case_id)
    assert [e.originator_version for e in history] == list(range(1, version + 2))
    assert [type(e).__name__ for e in history].count("Approved") == 1
    case = app.get_case(case_id)
    assert case.adjudicator in {s.id for s in supervisors}
    assert case.status.value == "APPROVED"


def test_concurrent_commands_on_different_cases_all_succeed(pg_system, officer):
    app = pg_system.app
    case_ids = [interviewed_passport(app, officer) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    supervisor = actor(Role.SUPERVISOR)

    def approve(case_id):
        barrier.wait()
        return app.approve_passport(supervisor, case_id, LEGAL_BASIS, expected_version=4)

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(approve, case_ids)) == [5] * THREADS
    assert {app.get_case(c).status.value for c in case_ids} == {"APPROVED"}


# --- large batches go by COPY (projections.fast_append) --------------------------------


def _applications(count: int) -> list:
    clock = Clock()
    return [passport(clock, "BIOMETRICS") for _ in range(count)]


def test_a_large_bulk_save_returns_notification_ids_in_the_order_of_its_events(pg_system):
    app = pg_system.app
    assert isinstance(app.recorder, CopyApplicationRecorder)
    cases = _applications(60)  # 180 events: above the COPY threshold
    pending = [event for case in cases for event in case.pending_events]
    recordings = app.save(*cases)
    assert [r.domain_event for r in recordings] == pending
    ids = [r.notification.id for r in recordings]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    stored = app.recorder.select_notifications(ids[0], len(ids))
    assert [(n.originator_id, n.originator_version) for n in stored] == [
        (e.originator_id, e.originator_version) for e in pending
    ]
    assert app.get_case(cases[-1].id).status.value == "BIOMETRICS"


def test_a_large_batch_with_one_stale_case_writes_nothing(pg_system):
    app = pg_system.app
    cases = _applications(60)
    app.save(cases[0])
    stale = app.get_case(cases[0].id)
    fresh = _applications(59)
    clock = Clock(now=datetime(2024, 3, 20, tzinfo=UTC))
    competitor = app.get_case(cases[0].id)
    competitor.withdraw(officer_of(clock), "changed plans")
    stale.withdraw(officer_of(clock), "changed plans")
    app.save(competitor)
    before = app.recorder.max_notification_id()
    with pytest.raises(IntegrityError):
        app.save(*fresh, stale)
    assert app.recorder.max_notification_id() == before
    assert not any(app.exists(case.id) for case in fresh)


def test_concurrent_bulk_saves_keep_each_batch_contiguous_in_the_log(pg_system):
    app = pg_system.app
    batches = [_applications(40) for _ in range(4)]
    barrier = threading.Barrier(len(batches))

    def save(cases):
        barrier.wait()
        return [r.notification.id for r in app.save(*cases)]

    with ThreadPoolExecutor(len(batches)) as pool:
        id_lists = list(pool.map(save, batches))
    for ids in id_lists:
        assert ids == list(range(ids[0], ids[0] + len(ids)))
    flat = sorted(i for ids in id_lists for i in ids)
    assert len(set(flat)) == len(flat) == 4 * 40 * 3


def test_a_row_forged_far_ahead_of_the_id_counter_does_not_stop_large_appends(pg_admin_url, tmp_path):
    with fresh_system("postgres", pg_admin_url, tmp_path) as system:
        app = system.app
        app.save(*_applications(40))
        with system.store.connect() as conn:
            conn.execute(
                "INSERT INTO berkas_events (notification_id, originator_id, originator_version, topic, state) "
                "SELECT notification_id + 10000000, gen_random_uuid(), 1, topic, state FROM berkas_events "
                "ORDER BY notification_id DESC LIMIT 1"
            )
        cases = _applications(40)
        ids = [r.notification.id for r in app.save(*cases)]
        assert ids == list(range(ids[0], ids[0] + 120)) and ids[-1] < 10_000_000
        assert app.get_case(cases[-1].id).status.value == "BIOMETRICS"


# --- uniqueness under concurrency (reservations) ---------------------------------------


def test_eight_officers_issuing_one_passport_number_to_eight_cases_yield_one_passport(system, officer):
    """On both databases: the reservation's version conflict lets exactly one claim win."""
    app = system.app
    supervisor = actor(Role.SUPERVISOR)
    case_ids = [interviewed_passport(app, officer) for _ in range(THREADS)]
    for case_id in case_ids:
        app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    number = f"E{uuid.uuid4().hex[:7].upper()}"
    barrier = threading.Barrier(THREADS)

    def issue(case_id):
        barrier.wait()
        try:
            return app.issue_passport(officer, case_id, number)
        except KeyTaken as taken:
            return taken

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(issue, case_ids))

    winners = [case_id for case_id, outcome in zip(case_ids, outcomes, strict=True) if isinstance(outcome, int)]
    assert len(winners) == 1
    assert all(isinstance(o, KeyTaken) and o.holder_id == winners[0] for o in outcomes if not isinstance(o, int))
    assert [app.get_case(c).status.value for c in case_ids].count("ISSUED") == 1
    reservation = app.reservation(Uniqueness.PASSPORT_NUMBER, number)
    assert reservation.holder_id == winners[0] and reservation.version == 1


# --- bulk_save: straight to the recorder, the log's safety kept ---------------------------


def test_bulk_save_writes_every_event_sealed_in_order_a_batch_a_transaction(system):
    app = system.app
    cases = _applications(25)
    pending = [(e.originator_id, e.originator_version) for case in cases for e in case.pending_events]
    before = app.recorder.max_notification_id() or 0
    assert app.bulk_save(cases, batch_size=10) == len(pending) == 75
    stored = app.recorder.select_notifications(before + 1, len(pending))
    assert [(n.originator_id, n.originator_version) for n in stored] == pending
    assert all(APPLICANT_NAME.encode() not in n.state for n in stored)  # personal data sealed
    assert app.get_case(cases[-1].id).applicant.name == APPLICANT_NAME


def test_bulk_save_of_a_batch_holding_a_stale_case_writes_none_of_that_batch(system):
    app = system.app
    first = _applications(1)[0]
    app.save(first)
    stale, competitor = app.get_case(first.id), app.get_case(first.id)
    clock = Clock(now=datetime(2024, 3, 20, tzinfo=UTC))
    competitor.withdraw(officer_of(clock), "changed plans")
    stale.withdraw(officer_of(clock), "changed plans")
    app.save(competitor)
    fresh = _applications(12)  # 36 events with the stale one: above the COPY threshold
    before = app.recorder.max_notification_id()
    with pytest.raises(IntegrityError):
        app.bulk_save([*fresh, stale], batch_size=100)
    assert app.recorder.max_notification_id() == before
    assert not any(app.exists(case.id) for case in fresh)
