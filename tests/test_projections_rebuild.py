"""Rebuilt views equal the views built live, whatever the page sizes; a killed rebuild
leaves the old view in place and the next rebuild gives exactly a clean one's result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import System
from domain.case import recorded_at
from domain.errors import DomainError
from domain.values import Role
from projections.eventstore import sql
from projections.runner import REBUILD_SUFFIX, catch_up, positions, rebuild
from projections.views.annual_report import AnnualReportView
from projections.views.annual_report import _Replay as annual_report_replay
from projections.views.audit_trail import AuditTrail
from projections.views.audit_trail import _Replay as audit_trail_replay
from projections.views.case_index import CaseIndex
from projections.views.case_index import _Replay as case_index_replay
from tests.builders import Clock, actor, applicant, finding, foreigner, passport, stay_application, validity
from tests.stores import fresh_system

VIEWS = (CaseIndex(), AnnualReportView(), AuditTrail())


def snapshot(system: System, views=VIEWS) -> dict[str, list[tuple]]:
    with sql.connection(system.store) as conn:
        return {
            table: sorted(sql.fetchall(conn, f"SELECT * FROM {table}"), key=repr)
            for view in views
            for table in view.tables
        }


# --- a random office day, through the real application ---------------------------------

OPERATIONS = (
    "submit",
    "advance",
    "refuse",
    "postpone",
    "apply_permit",
    "advance_permit",
    "open_case",
    "advance_case",
    "target",
    "operation",
)


def run_operation(system: System, state: dict, operation: str, pick: int, variant: int, at: datetime) -> None:
    """One command chosen by the test; commands the case's state forbids are skipped."""
    app, officer, boss = system.app, state["officer"], state["supervisor"]
    opts = {"occurred_at": at}

    def pick_from(kind: str):
        cases = state[kind]
        return cases[pick % len(cases)] if cases else None

    with recorded_at(at + timedelta(days=variant % 3)), suppress(DomainError):
        if operation == "submit":
            state["passports"].append(
                app.submit_passport_application(
                    officer,
                    channel="WALK_IN",
                    applicant=applicant(),
                    application_type=("NEW", "REPLACE_LOST", "REPLACE_EXPIRED")[variant % 3],
                    product=("ELECTRONIC", "NON_ELECTRONIC")[variant % 2],
                    validity_years=(5, 10)[variant % 2],
                    expedited=variant % 5 == 0,
                    purpose="tourism",
                    destination="JPN",
                    regency_code="3507",
                    occurred_at=at,
                )
            )
        elif operation in ("advance", "refuse", "postpone") and (case_id := pick_from("passports")):
            status = app.get_case(case_id).status.value
            if operation == "refuse":
                app.refuse_passport(
                    boss, case_id, ("PMI_NONPROCEDURAL", "UNCLEAR_PURPOSE")[variant % 2], "UU 6/2011", **opts
                )
            elif operation == "postpone":
                app.postpone(officer, case_id, ("SUPPORTING_DOCUMENTS", "PURPOSE_UNCLEAR")[variant % 2], **opts)
            else:
                step = {
                    "SUBMITTED": lambda: app.pay_passport_fee(officer, case_id, "8201", **opts),
                    "PAID": lambda: app.capture_biometrics(officer, case_id, **opts),
                    "BIOMETRICS": lambda: app.interview(officer, case_id, "tourism", (), "credible", **opts),
                    "POSTPONED": lambda: app.lift_postponement(officer, case_id, "letter", **opts),
                    "INTERVIEWED": lambda: app.approve_passport(boss, case_id, "Permenkumham 8/2014", **opts),
                    "APPROVED": lambda: app.issue_passport(officer, case_id, f"E{case_id.hex[:8]}", **opts),
                    "ISSUED": lambda: app.hand_over_passport(officer, case_id, "SELF", **opts),
                }.get(status)
                if step:
                    step()
        elif operation == "apply_permit":
            kind, term = (("ITK", "DAYS_30"), ("ITAS", "YEARS_1"), ("ITAP", "YEARS_5"))[variant % 3]
            state["permits"].append(
                app.apply_for_stay_permit(officer, **stay_application(kind=kind, requested_term=term), occurred_at=at)
            )
        elif operation == "advance_permit" and (permit_id := pick_from("permits")):
            permit = app.get_case(permit_id)
            if permit.status.value == "APPLIED":
                app.pay_stay_permit_fee(officer, permit_id, "8202", **opts)
            elif permit.status.value == "PAID":
                dates = validity(permit.requested_term, at.date())
                app.issue_stay_permit(boss, permit_id, f"P{permit_id.hex[:8]}", *dates, "PP 48/2021", **opts)
            elif permit.kind.value == "ITK":
                new_end = permit.valid_until + timedelta(days=30)
                app.extend_stay_permit(officer, permit_id, "8203", "DAYS_30", new_end, **opts)
        elif operation == "open_case":
            fields = {k: v for k, v in finding().items() if k != "summary"}
            state["cases"].append(
                app.open_enforcement_case(
                    officer, source="COUNTER", occurred_at=at, **fields | {"subject": foreigner()}
                )
            )
        elif operation == "advance_case" and (case_id := pick_from("cases")):
            status = app.get_case(case_id).status.value
            if status == "OPENED":
                app.examine(officer, case_id, "BAP-1", **opts)
            elif status == "EXAMINED":
                action = ("DEPORTATION", "CHARGE", "BANNED_FROM_PLACE")[variant % 3]
                app.impose_action(boss, case_id, action, "KEP-1", "OVERSTAY", "Pasal 75 UU 6/2011", **opts)
            else:
                app.deport(officer, case_id, "Juanda", **opts)
        elif operation == "target":
            app.set_revenue_target(boss, 2024, Decimal(1_000_000 * (variant + 1)), "DIPA", occurred_at=at)
        elif operation == "operation":
            op_id = app.plan_joint_operation(officer, agencies=("POLRI",), area="Kota Batu", occurred_at=at)
            app.execute_joint_operation(officer, op_id, ("Jl. Panglima Sudirman",), variant, **opts)


steps = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.integers(0, 50),
        st.integers(0, 11),
        st.booleans(),
        st.integers(1, 40),
    ),
    min_size=1,
    max_size=60,
)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps)
def test_a_rebuilt_view_equals_the_view_built_live_page_by_page(backend, script, pg_admin_url, tmp_path):
    with fresh_system(backend, pg_admin_url, tmp_path) as system:
        state = {
            "officer": actor(Role.OFFICER),
            "supervisor": actor(Role.SUPERVISOR),
            "passports": [],
            "permits": [],
            "cases": [],
        }
        at = datetime(2024, 1, 5, 1, tzinfo=UTC)
        for operation, pick, variant, follow, page_size in script:
            at += timedelta(hours=7)
            run_operation(system, state, operation, pick, variant, at)
            if follow:
                catch_up(system.store, VIEWS, page_size=page_size)
        catch_up(system.store, VIEWS, page_size=script[0][4])
        live, live_positions = snapshot(system), positions(system.store)
        for view in VIEWS:
            rebuild(system.store, [view], page_size=script[-1][4])
        assert snapshot(system) == live
        assert positions(system.store) == live_positions
        rebuild(system.store, VIEWS, page_size=script[0][4])  # all of them in one pass
        assert snapshot(system) == live
        assert positions(system.store) == live_positions
        with holding_little():  # what a replay holds spills to its tables on nearly every page
            rebuild(system.store, VIEWS, page_size=script[-1][4])
        assert snapshot(system) == live
        assert positions(system.store) == live_positions


@contextmanager
def holding_little() -> Iterator[None]:
    replays = (case_index_replay, annual_report_replay, audit_trail_replay)
    before = [replay.HELD for replay in replays]
    for replay in replays:
        replay.HELD = 2
    try:
        yield
    finally:
        for replay, held in zip(replays, before, strict=True):
            replay.HELD = held


def indexes(system: System) -> dict[str, list]:
    """Each view table's indexes (name and definition) and, on PostgreSQL, whether it is logged."""
    with sql.connection(system.store) as conn:
        found = {}
        for view in VIEWS:
            for table in view.tables:
                if conn.dialect.name == "postgresql":
                    found[table] = sql.fetchall(
                        conn,
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ? ORDER BY indexname",
                        (table,),
                    ) + sql.fetchall(conn, "SELECT relpersistence FROM pg_class WHERE relname = ?", (table,))
                else:
                    # SQLite quotes a renamed table's name in its indexes' text.
                    found[table] = [
                        (name, definition and definition.replace('"', ""))
                        for name, definition in sql.fetchall(
                            conn,
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name",
                            (table,),
                        )
                    ]
        return found


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_rebuilt_tables_are_logged_and_indexed_as_the_live_ones(backend, pg_admin_url, tmp_path):
    with fresh_system(backend, pg_admin_url, tmp_path) as system:
        _history(system, 20)
        catch_up(system.store, VIEWS)
        live = indexes(system)
        rebuild(system.store, VIEWS)
        assert indexes(system) == live
        assert any(len(found) > 2 for found in live.values())  # secondary indexes were there to lose


# --- crash safety -----------------------------------------------------------------------

CHILD = """
import sys, time
from pathlib import Path
from projections.eventstore.store import Store
from projections.views.annual_report import AnnualReportView
from projections.runner import rebuild

def progress(position, last):
    print(position, flush=True)
    time.sleep(0.05)  # slow enough to be killed part-way

url = sys.argv[1] or None
rebuild(Store(url, Path(sys.argv[2])), [AnnualReportView()], progress=progress, page_size=40)
"""


def _history(system: System, applications: int) -> None:
    clock = Clock(now=datetime(2024, 2, 1, 1, tzinfo=UTC))
    system.app.bulk_save((passport(clock, "HANDED_OVER") for _ in range(applications)), batch_size=50)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_rebuild_killed_part_way_leaves_the_old_view_and_the_next_rebuild_is_clean(backend, pg_admin_url, tmp_path):
    view = AnnualReportView()
    with fresh_system(backend, pg_admin_url, tmp_path) as system:
        _history(system, 150)
        catch_up(system.store, [view])
        before, position = snapshot(system, [view]), positions(system.store)
        store = system.store
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, store.database_url or "", str(store.sqlite_path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert child.stdout is not None
        child.stdout.readline()
        child.stdout.readline()  # two pages into the fresh tables
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

        assert snapshot(system, [view]) == before
        assert positions(system.store) == position
        with sql.connection(store) as conn:
            assert sql.table_exists(conn, "annual_report" + REBUILD_SUFFIX)

        rebuild(store, [view])
        assert snapshot(system, [view]) == before
        assert positions(system.store) == position
        with sql.connection(store) as conn:
            assert not sql.table_exists(conn, "annual_report" + REBUILD_SUFFIX)


class _Failing(AnnualReportView):
    """The annual report, failing on its second page of a replay."""

    def replay(self, suffix: str):
        inner, pages = super().replay(suffix), []

        class Replay:
            def apply(self, conn, rows):
                pages.append(len(rows))
                if len(pages) == 2:
                    raise RuntimeError("a view failed part-way")
                inner.apply(conn, rows)

            def finish(self, conn):
                inner.finish(conn)

        return Replay()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_rebuild_failing_part_way_leaves_the_old_view_and_the_next_one_is_clean(backend, pg_admin_url, tmp_path):
    """A view raising part-way (its pages before were committed into the fresh tables, and
    the audit trail's replay holds rows) leaves the live view and positions as they were."""
    view = AnnualReportView()
    with fresh_system(backend, pg_admin_url, tmp_path) as system:
        _history(system, 40)
        catch_up(system.store, [view])
        before, position = snapshot(system, [view]), positions(system.store)
        with pytest.raises(RuntimeError, match="part-way"):
            rebuild(system.store, [_Failing()], page_size=10)
        assert snapshot(system, [view]) == before
        assert positions(system.store) == position
        rebuild(system.store, [view], page_size=10)  # the next one runs to the end, reading again
        assert snapshot(system, [view]) == before
