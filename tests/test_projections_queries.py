"""The views answer the API's questions: case lists, decisions, the annual report as known
on a day. Each test makes its own cases in a time window of its own and filters on it."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from typer.testing import CliRunner

from api.cli.app import app as cli
from domain.case import recorded_at
from domain.revenue_target import revenue_target_id
from projections.catalog import by_name
from projections.eventstore import sql
from projections.reports import annual_report, render_table, rupiah_text
from projections.runner import catch_up
from projections.views.audit_trail import decisions
from projections.views.case_index import list_cases
from tests.builders import (
    APPLICANT_NAME,
    FOREIGNER_NAME,
    interviewed_passport,
    stay_application,
    submission,
)


def a_window() -> datetime:
    """A business-time window no other test writes in (random minute of 2021)."""
    return datetime(2021, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(500_000))


def test_case_list_filters_by_status_reason_kind_and_time_and_pages_by_sort_key(system, officer, supervisor):
    app, start = system.app, a_window()
    times = iter(start + timedelta(minutes=i) for i in range(1, 100))

    def refused(reason):
        case_id = app.submit_passport_application(officer, **submission(), occurred_at=next(times))
        app.pay_passport_fee(officer, case_id, "8201", occurred_at=next(times))
        app.capture_biometrics(officer, case_id, occurred_at=next(times))
        app.interview(officer, case_id, "work", (), "unclear", occurred_at=next(times))
        app.refuse_passport(supervisor, case_id, reason, "Pasal 18 UU 6/2011", occurred_at=next(times))
        return case_id

    with recorded_at(start + timedelta(days=1)):  # entered soon after, not late entries
        pmi, unclear = refused("PMI_NONPROCEDURAL"), refused("UNCLEAR_PURPOSE")
        submitted = app.submit_passport_application(officer, **submission(), occurred_at=next(times))
        permit = app.apply_for_stay_permit(officer, **stay_application(), occurred_at=next(times))
    catch_up(system.store, [by_name("case_index")])
    window = {"occurred_from": start, "occurred_to": start + timedelta(hours=2)}

    found = list_cases(system.store, office="MLG", status="REFUSED", reason="PMI_NONPROCEDURAL", **window)
    assert [c["case_id"] for c in found] == [str(pmi)]
    assert found[0]["kind"] == "PassportApplication" and found[0]["subtype"] == "ELECTRONIC"
    assert found[0]["regency"] == "3573" and found[0]["version"] == 5
    assert {c["case_id"] for c in list_cases(system.store, kind="StayPermit", **window)} == {str(permit)}
    assert list_cases(system.store, office="SBY", **window) == []

    # Most recently active first, one row a page, each page after the last row's sort key.
    pages, after = [], None
    while page := list_cases(system.store, after=after, limit=1, **window):
        pages.append(page[0]["case_id"])
        after = page[0]["sort_key"]
    assert pages == [str(permit), str(submitted), str(unclear), str(pmi)]


def test_decisions_list_who_decided_what_on_which_basis_filtered_and_paged(system, officer, supervisor):
    app, at = system.app, a_window()
    case_id = interviewed_passport(app, officer)
    app.refuse_passport(supervisor, case_id, "PMI_NONPROCEDURAL", "Pasal 18 UU 6/2011", "Kemnaker", "via BP3MI")
    other = interviewed_passport(app, officer)
    app.approve_passport(supervisor, other, "Permenkumham 8/2014")
    # A target year no other test has set: one target per office and year, revisions keep time order.
    year = next(y for y in random.sample(range(2000, 2100), 100) if not app.exists(revenue_target_id("MLG", y)))
    app.set_revenue_target(
        supervisor, year, Decimal(10_132_500_000), "DIPA 2021", occurred_at=at, late_entry_reason="DATA_MIGRATION"
    )
    catch_up(system.store, [by_name("audit_trail")])

    mine = decisions(system.store, officer=supervisor.id)
    assert [(d["event"], d["reason_code"], d["legal_basis"], d["late_entry_reason"]) for d in mine] == [
        ("Refused", "PMI_NONPROCEDURAL", "Pasal 18 UU 6/2011", None),
        ("Approved", None, "Permenkumham 8/2014", None),
        ("Set", None, "DIPA 2021", "DATA_MIGRATION"),  # recorded years after it happened
    ]
    assert mine[0]["case_id"] == str(case_id) and mine[0]["actor_role"] == "SUPERVISOR"
    assert mine[0]["kind"] == "PassportApplication" and mine[0]["recorded_at"] >= mine[0]["occurred_at"]
    refused = decisions(system.store, officer=supervisor.id, reason="PMI_NONPROCEDURAL")
    assert [d["case_id"] for d in refused] == [str(case_id)]
    assert decisions(system.store, officer=supervisor.id, office="SBY") == []
    in_2021 = decisions(system.store, officer=supervisor.id, occurred_to=at + timedelta(seconds=1))
    assert [d["event"] for d in in_2021] == ["Set"]
    rest = decisions(system.store, officer=supervisor.id, after=mine[0]["notification_id"], limit=1)
    assert [d["event"] for d in rest] == ["Approved"]


def test_no_view_holds_personal_data(system, officer, supervisor):
    case_id = interviewed_passport(system.app, officer)
    nik = system.app.get_case(case_id).applicant.nik
    system.app.refuse_passport(supervisor, case_id, "PMI_NONPROCEDURAL", "Pasal 18 UU 6/2011")
    system.app.apply_for_stay_permit(officer, **stay_application())
    catch_up(system.store, [by_name(n) for n in ("case_index", "annual_report", "audit_trail")])
    with sql.connection(system.store) as conn:
        for view in ("case_index", "annual_report", "audit_trail"):
            for table in by_name(view).tables:
                text = repr(sql.fetchall(conn, f"SELECT * FROM {table}"))
                for secret in (APPLICANT_NAME, nik, FOREIGNER_NAME, "1990-12-05"):
                    assert secret not in text


def test_report_as_known_on_a_day_leaves_out_what_was_recorded_later(system, officer, supervisor):
    """Bitemporal: a passport issued in December but recorded in January is in the
    report as known today, not in the report as known on 5 January."""
    cut_off = date(2025, 1, 5)
    before_all = annual_report(system.store, 2024, "MLG")
    before_cut = annual_report(system.store, 2024, "MLG", as_known_at=cut_off)

    def issue(occurred: datetime, recorded: datetime) -> None:
        app, times = system.app, iter(occurred - timedelta(hours=5 - i) for i in range(6))
        with recorded_at(recorded):
            case_id = app.submit_passport_application(officer, **submission(), occurred_at=next(times))
            app.pay_passport_fee(officer, case_id, "8201", occurred_at=next(times))
            app.capture_biometrics(officer, case_id, occurred_at=next(times))
            app.interview(officer, case_id, "tourism", (), "credible", occurred_at=next(times))
            app.approve_passport(supervisor, case_id, "Permenkumham 8/2014", occurred_at=next(times))
            app.issue_passport(officer, case_id, f"E{case_id.hex[:7]}", occurred_at=next(times))

    issue(datetime(2024, 12, 20, 3, tzinfo=UTC), datetime(2024, 12, 20, 4, tzinfo=UTC))
    issue(datetime(2024, 12, 28, 3, tzinfo=UTC), datetime(2025, 1, 10, 2, tzinfo=UTC))

    known_now = annual_report(system.store, 2024, "MLG")
    known_then = annual_report(system.store, 2024, "MLG", as_known_at=cut_off)
    assert known_now.total("passports_issued") - before_all.total("passports_issued") == 2
    assert known_then.total("passports_issued") - before_cut.total("passports_issued") == 1
    assert known_now.monthly["passports_issued"][12] >= 2
    national = annual_report(system.store, 2024)
    assert national.total("passports_issued") >= known_now.total("passports_issued")


def test_report_renders_revenue_in_whole_rupiah_and_the_share_of_target(system, supervisor, monkeypatch):
    assert rupiah_text(33_810_000_000) == "Rp 33,810,000,000"
    assert rupiah_text(512_500_000, "id") == "Rp 512.500.000"
    system.app.set_revenue_target(supervisor, 2024, Decimal(10_132_500_000), "DIPA 2024")
    report = annual_report(system.store, 2024, "MLG")
    assert report.total("revenue_target") == 10_132_500_000
    expected = Decimal(report.total("passport_revenue")) * 100 / Decimal(10_132_500_000)
    assert report.percent_of_target == expected.quantize(Decimal("0.01"))
    assert report.to_dict()["summary"]["revenue_target"] == 10_132_500_000
    assert report.to_csv().splitlines()[0] == "part,name,key,month,value,label_id,label_en"
    assert render_table(report).row_count > 10

    if system.store.database_url:
        monkeypatch.setenv("BERKAS_DATABASE_URL", system.store.database_url)
    else:
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        monkeypatch.setenv("BERKAS_SQLITE_PATH", str(system.store.sqlite_path))
    table = CliRunner().invoke(cli, ["report", "annual", "2024", "--office", "MLG"], terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "Pelayanan Paspor" in table.output and "Rp 10,132,500,000" in table.output
    as_json = CliRunner().invoke(cli, ["report", "annual", "2024", "--office", "MLG", "--format", "json"])
    assert orjson.loads(as_json.output)["summary"]["revenue_target"] == 10_132_500_000


def test_decoded_events_are_plain_values_without_personal_data(system, officer):
    from projections.eventstore.log import read_page
    from projections.views.decode import decode_state

    case_id = system.app.submit_passport_application(officer, **submission())
    system.app.pay_passport_fee(officer, case_id, "8201")
    with sql.connection(system.store) as conn:
        last = system.app.recorder.max_notification_id()
        # (the submission also claims the applicant's open application: a reservation's event)
        rows = [row for row in read_page(conn, (), last - 3, last) if row.originator_id == case_id]
        submitted, paid = (decode_state(row.state) for row in rows)
    assert submitted["applicant"] is None and submitted["product"] == "ELECTRONIC"
    assert submitted["provenance"]["actor_id"] == officer.id
    assert submitted["provenance"]["occurred_at"].tzinfo is not None
    assert paid["total"] == Decimal(950_000) and paid["fee"]["lines"][0]["code"] == "PASSPORT_ELECTRONIC_10Y"
    assert paid["timestamp"] >= submitted["timestamp"]


def test_the_views_decoder_gives_each_field_a_view_reads_as_stored_and_nothing_else(system, officer, supervisor):
    """The rebuild's compiled decoder keeps ``VIEW_FIELDS`` (tags and all, as ``orjson``
    gives them) and the provenance and timestamp; personal data is never built, and a
    field no view declared cannot be read by accident."""
    from projections.eventstore.log import read_page
    from projections.views.decode import VIEW_FIELDS, fields

    case_id = system.app.submit_passport_application(officer, **submission())
    system.app.pay_passport_fee(officer, case_id, "8201")
    system.app.refuse_passport(supervisor, case_id, "PMI_NONPROCEDURAL", "UU 6/2011")
    with sql.connection(system.store) as conn:
        last = system.app.recorder.max_notification_id()
        rows = [row for row in read_page(conn, (), last - 5, last) if row.originator_id == case_id]
    assert [row.topic.rpartition(".")[2] for row in rows] == ["Submitted", "FeePaid", "Refused"]
    for row in rows:
        stored, decoded = orjson.loads(row.state), fields(row)
        assert decoded is fields(row)  # decoded once, shared by every view
        assert decoded.provenance.data == stored["provenance"]["_data_"]
        assert decoded.timestamp.data == stored["timestamp"]["_data_"]
        kept = {name: getattr(decoded, name) for name in VIEW_FIELDS}
        assert kept == {name: stored.get(name) for name in VIEW_FIELDS}
        assert APPLICANT_NAME not in repr(decoded)
        with pytest.raises(AttributeError):
            decoded.applicant  # noqa: B018  (personal data: not a field any view reads)
