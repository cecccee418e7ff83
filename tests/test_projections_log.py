"""A runner's window of the log is read along the id index, in order, even from a log
just loaded whose statistics the database has not gathered yet (its planner then
picked a bitmap scan and sorted every page)."""

from __future__ import annotations

from datetime import UTC, datetime

from projections.eventstore import log, sql
from projections.runner.tracking import topics_wanted
from projections.views.annual_report import AnnualReportView
from projections.views.case_index import CaseIndex
from tests.builders import Clock, passport
from tests.stores import fresh_system


def test_a_window_of_a_log_never_analysed_is_read_along_the_id_index(pg_admin_url, tmp_path):
    with fresh_system("postgres", pg_admin_url, tmp_path) as system:
        clock = Clock(now=datetime(2024, 3, 1, 1, tzinfo=UTC))
        system.app.bulk_save((passport(clock, "HANDED_OVER") for _ in range(300)), batch_size=100)
        with sql.connection(system.store) as conn:
            table, column = conn.dialect.events_table, conn.dialect.id_column
            never = sql.fetchall(
                conn, "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables WHERE relname = ?", (table,)
            )
            for topics in ((), topics_wanted([AnnualReportView(), CaseIndex()])):
                with sql.transaction(conn):
                    upto = log.readable_upto(conn)
                    rows = log.read_page(conn, topics, 0, upto)
                    where = f"{column} > 0 AND {column} <= {upto}" + (" AND topic = ANY(?)" if topics else "")
                    plan = sql.fetchall(
                        conn,
                        f"EXPLAIN SELECT {column}, state FROM {table} WHERE {where} ORDER BY {column}",
                        [list(topics)] if topics else [],
                    )
                ids = [row.notification_id for row in rows]
                assert ids == sorted(ids) and len(ids) > 1_000
                shown = "\n".join(line for (line,) in plan)
                assert "Index Scan" in shown and "Sort" not in shown and "Bitmap" not in shown, shown
    assert never == [(None, None)]  # the planner had no statistics to go by
