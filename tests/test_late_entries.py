"""Late entries (pencatatan terlambat): business time more than the late-entry days (setting,
default 30) before an entry is recorded needs a supervisor and a reason code, which the event
keeps and the case history and the audit trail show. Every refusal appends nothing, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest

from api.demo.passports import LATE_ENTRY
from api.demo.plan import LATE_FROM
from api.settings import Settings
from domain.case import LATE_ENTRY_DAYS, LateEntries, recorded_at
from domain.errors import InvalidCommand, NotPermitted
from domain.values import LateEntryReason, Provenance, Role
from projections.catalog import by_name
from projections.eventstore import sql
from projections.runner import catch_up
from projections.views.audit_trail import AuditTrail, decisions
from tests.api_support import auth, client, passport_body, token_for
from tests.builders import Clock, officer_of, passport, submission, supervisor_of
from tests.test_domain_integrity import nothing_appended

__all__ = ["client"]


def days_ago(days: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


def test_an_entry_within_the_late_entry_days_is_an_officers_and_takes_no_reason(system, officer):
    case_id = system.app.submit_passport_application(officer, occurred_at=days_ago(29), **submission())
    assert system.app.history(case_id)[0].provenance.late_entry_reason is None
    with nothing_appended(system.app), pytest.raises(InvalidCommand) as refused:
        system.app.pay_passport_fee(
            officer, case_id, "8201", occurred_at=days_ago(28), late_entry_reason="MISSED_ENTRY"
        )
    assert refused.value.field == "late_entry_reason" and "only for a late entry" in refused.value.rule


def test_an_officer_may_not_record_a_late_entry_and_nothing_is_written(system, officer):
    with nothing_appended(system.app), pytest.raises(NotPermitted, match=r"late entry .*30 days.*supervisor"):
        system.app.submit_passport_application(officer, occurred_at=days_ago(31), **submission())
    # Not with a reason either: the reason is a supervisor's.
    with nothing_appended(system.app), pytest.raises(NotPermitted, match="late entry"):
        system.app.submit_passport_application(
            officer, occurred_at=days_ago(31), late_entry_reason="SYSTEM_OUTAGE", **submission()
        )


def test_a_supervisor_records_a_late_entry_only_with_a_reason_code(system, supervisor):
    with nothing_appended(system.app), pytest.raises(InvalidCommand) as missing:
        system.app.submit_passport_application(supervisor, occurred_at=days_ago(400), **submission())
    assert missing.value.field == "late_entry_reason" and "required" in missing.value.rule
    with nothing_appended(system.app), pytest.raises(InvalidCommand) as unknown:
        system.app.submit_passport_application(
            supervisor, occurred_at=days_ago(400), late_entry_reason="the officer was ill", **submission()
        )
    assert unknown.value.field == "late_entry_reason" and "SYSTEM_OUTAGE" in unknown.value.rule

    case_id = system.app.submit_passport_application(
        supervisor, occurred_at=days_ago(400), late_entry_reason="OFFLINE_SERVICE", **submission()
    )
    system.app.pay_passport_fee(
        supervisor, case_id, "8201", occurred_at=days_ago(399), late_entry_reason="SYSTEM_OUTAGE"
    )
    submitted, paid = system.app.history(case_id)
    assert submitted.provenance.late_entry_reason is LateEntryReason.OFFLINE_SERVICE
    assert paid.provenance.late_entry_reason is LateEntryReason.SYSTEM_OUTAGE
    assert system.app.get_case(case_id).status.value == "PAID"


def test_a_late_command_on_an_existing_case_follows_the_same_rule(system, officer, supervisor):
    case_id = system.app.submit_passport_application(
        supervisor, occurred_at=days_ago(60), late_entry_reason="DATA_MIGRATION", **submission()
    )
    with nothing_appended(system.app), pytest.raises(NotPermitted, match="late entry"):
        system.app.pay_passport_fee(officer, case_id, "8201", occurred_at=days_ago(59))
    # Today's entry on the same case is an officer's again, without a reason.
    assert system.app.pay_passport_fee(officer, case_id, "8201") == 2


def test_a_late_decision_shows_its_reason_in_the_audit_trail(system, officer, supervisor):
    case_id = system.app.submit_passport_application(
        supervisor, occurred_at=days_ago(90), late_entry_reason="DATA_MIGRATION", **submission()
    )
    system.app.pay_passport_fee(
        supervisor, case_id, "8201", occurred_at=days_ago(89), late_entry_reason="DATA_MIGRATION"
    )
    system.app.refuse_passport(
        supervisor,
        case_id,
        "INCOMPLETE_DOCUMENTS",
        "Pasal 18 UU 6/2011",
        occurred_at=days_ago(88),
        late_entry_reason="COURT_OR_AUDIT_ORDER",
    )
    other = system.app.submit_passport_application(officer, **submission())
    system.app.pay_passport_fee(officer, other, "8201")
    system.app.refuse_passport(supervisor, other, "INCOMPLETE_DOCUMENTS", "Pasal 18 UU 6/2011")
    catch_up(system.store, [by_name("audit_trail")])
    rows = {row["case_id"]: row for row in decisions(system.store, officer=supervisor.id)}
    assert rows[str(case_id)]["late_entry_reason"] == "COURT_OR_AUDIT_ORDER"
    assert rows[str(other)]["late_entry_reason"] is None


def test_the_recording_time_is_the_simulated_one_in_a_replayed_year(system, officer):
    """``berkas demo`` records a past year as if live: its entries are late only against their
    own recording time (the New Year backlog, a week, is not a late entry)."""
    with recorded_at(datetime(2024, 6, 10, 3, tzinfo=UTC)):
        system.app.submit_passport_application(officer, occurred_at=datetime(2024, 6, 3, 2, tzinfo=UTC), **submission())
        with pytest.raises(NotPermitted, match="late entry"):
            system.app.submit_passport_application(
                officer, occurred_at=datetime(2024, 5, 1, 2, tzinfo=UTC), **submission()
            )


# --- the policy itself ------------------------------------------------------------------


def provenance(role: Role, occurred_at: datetime, reason: LateEntryReason | None = None) -> Provenance:
    return Provenance(f"{role.value.lower()}-1", role, "MLG", occurred_at, None, reason)


def test_the_boundary_is_the_number_of_days_exactly():
    policy, now = LateEntries(30), datetime(2024, 6, 30, 12, tzinfo=UTC)
    policy.check(provenance(Role.OFFICER, now - timedelta(days=30)), now)
    with pytest.raises(NotPermitted):
        policy.check(provenance(Role.OFFICER, now - timedelta(days=30, seconds=1)), now)
    LateEntries(0).check(provenance(Role.OFFICER, now), now)
    with pytest.raises(NotPermitted):
        LateEntries(0).check(provenance(Role.OFFICER, now - timedelta(seconds=1)), now)


@pytest.mark.parametrize("days", [-1, 1.5, True, "30"])
def test_the_late_entry_days_are_a_whole_number_not_below_zero(days):
    with pytest.raises(ValueError, match="late entry days"):
        LateEntries(days)


def test_the_late_entry_days_come_from_the_settings(monkeypatch):
    assert Settings().late_entry_days == LATE_ENTRY_DAYS == 30
    monkeypatch.setenv("BERKAS_LATE_ENTRY_DAYS", "7")
    assert Settings().late_entry_days == 7
    monkeypatch.setenv("BERKAS_LATE_ENTRY_DAYS", "-1")
    with pytest.raises(ValueError, match="late_entry_days"):
        Settings()


def test_an_aggregate_refuses_a_late_entry_reason_from_an_officer():
    """Whoever drives the aggregate directly, the reason stays a supervisor's."""
    clock = Clock()
    case = passport(clock)
    marked = officer_of(clock)
    marked = Provenance(marked.actor_id, Role.OFFICER, "MLG", marked.occurred_at, None, LateEntryReason.MISSED_ENTRY)
    with pytest.raises(NotPermitted, match="late entry"):
        case.pay(marked, "8201")
    assert case.version == 1
    by_supervisor = supervisor_of(clock)
    case.pay(
        Provenance(
            by_supervisor.actor_id,
            Role.SUPERVISOR,
            "MLG",
            by_supervisor.occurred_at,
            None,
            LateEntryReason.MISSED_ENTRY,
        ),
        "8201",
    )
    assert case.pending_events[-1].provenance.late_entry_reason is LateEntryReason.MISSED_ENTRY


def test_only_a_late_entry_carries_the_sixth_provenance_element(system, officer, supervisor):
    """The log stays as compact as before for every timely entry."""
    timely = system.app.submit_passport_application(officer, **submission())
    late = system.app.submit_passport_application(
        supervisor, occurred_at=days_ago(45), late_entry_reason="SYSTEM_OUTAGE", **submission()
    )
    for case_id, size in ((timely, 5), (late, 6)):
        (stored,) = system.app.recorder.select_events(case_id, limit=1)
        assert len(orjson.loads(stored.state)["provenance"]["_data_"]) == size


# --- over HTTP --------------------------------------------------------------------------


@pytest.fixture
def tokens(pg_system) -> dict[str, str]:
    return {role: token_for(pg_system, role) for role in ("OFFICER", "SUPERVISOR", "AUDITOR")}


@pytest.mark.postgres
def test_http_an_officers_late_entry_is_403_and_a_supervisors_without_reason_422(client, pg_system, tokens):
    late = days_ago(45).isoformat()
    with nothing_appended(pg_system.app):
        by_officer = client.post(
            "/passport-applications", json=passport_body(occurred_at=late), headers=auth(tokens["OFFICER"])
        )
        without = client.post(
            "/passport-applications", json=passport_body(occurred_at=late), headers=auth(tokens["SUPERVISOR"])
        )
        unknown = client.post(
            "/passport-applications",
            json=passport_body(occurred_at=late, late_entry_reason="because"),
            headers=auth(tokens["SUPERVISOR"]),
        )
    assert by_officer.status_code == 403 and "late entry" in by_officer.json()["detail"]
    assert "30 days" in by_officer.json()["detail"]
    assert without.status_code == 422 and without.json()["errors"][0]["field"] == "late_entry_reason"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "late_entry_reason"
    assert "because" not in unknown.text


@pytest.mark.postgres
def test_http_a_late_entry_shows_its_reason_in_the_history_and_the_audit_trail(client, pg_system, tokens):
    supervisor = auth(tokens["SUPERVISOR"])
    case = client.post(
        "/passport-applications",
        json=passport_body(occurred_at=days_ago(45).isoformat(), late_entry_reason="SYSTEM_OUTAGE"),
        headers=supervisor,
    ).json()
    path = f"/passport-applications/{case['id']}"
    paid = client.post(f"{path}/payment", json={"billing_code": "8201"}, headers=auth(tokens["OFFICER"]))
    assert paid.status_code == 200
    refusal = {
        "reason_code": "INCOMPLETE_DOCUMENTS",
        "legal_basis": "Pasal 18 UU 6/2011",
        "occurred_at": datetime.now(UTC).isoformat(),
        "late_entry_reason": "SYSTEM_OUTAGE",  # a timely entry takes none
    }
    assert client.post(f"{path}/refusal", json=refusal, headers=supervisor).status_code == 422
    timely = {k: refusal[k] for k in ("reason_code", "legal_basis")}
    assert client.post(f"{path}/refusal", json=timely, headers=supervisor).status_code == 200

    history = client.get(f"/cases/{case['id']}/history", headers=auth(tokens["AUDITOR"])).json()["data"]
    assert [event["late_entry_reason"] for event in history] == ["SYSTEM_OUTAGE", None, None]
    catch_up(pg_system.store, [by_name("audit_trail")])
    late_case = client.post(
        "/passport-applications",
        json=passport_body(occurred_at=days_ago(50).isoformat(), late_entry_reason="DATA_MIGRATION"),
        headers=supervisor,
    ).json()
    late_path = f"/passport-applications/{late_case['id']}"
    for step, body in (("payment", {"billing_code": "8201"}), ("refusal", refusal)):
        body = body | {"occurred_at": days_ago(49).isoformat(), "late_entry_reason": "DATA_MIGRATION"}
        assert client.post(f"{late_path}/{step}", json=body, headers=supervisor).status_code == 200
    catch_up(pg_system.store, [by_name("audit_trail")])
    rows = client.get(
        "/audit/decisions", params={"officer": history[0]["actor_id"]}, headers=auth(tokens["AUDITOR"])
    ).json()["data"]
    reasons = {row["case_id"]: row["late_entry_reason"] for row in rows}
    assert reasons[case["id"]] is None and reasons[late_case["id"]] == "DATA_MIGRATION"


@pytest.mark.postgres
def test_http_every_command_body_documents_the_late_entry_reason(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    bodies = [name for name, schema in schemas.items() if "occurred_at" in schema.get("properties", {})]
    assert bodies and all("late_entry_reason" in schemas[name]["properties"] for name in bodies)


def test_the_demos_new_year_backlog_is_within_the_late_entry_days():
    """The demo drives the aggregates as if live; its only entries made after the fact (the
    last December week's issuances, entered after the New Year break) are not late entries."""
    earliest = datetime.combine(LATE_FROM, datetime.min.time(), tzinfo=LATE_ENTRY.tzinfo)
    assert not LateEntries().is_late(earliest, LATE_ENTRY + timedelta(hours=4))


def test_an_audit_trail_table_made_before_late_entries_gets_the_column(system):
    """A store upgraded in place: the view's table of an older version has no late-entry
    column; starting the view adds it, and its rows (no late entries then) read None."""
    table_suffix = f"_old_{uuid4().hex[:8]}"
    table = f"audit_trail{table_suffix}"
    with sql.connection(system.store) as conn, sql.transaction(conn):
        sql.execute(
            conn,
            f"CREATE TABLE {table} (notification_id BIGINT PRIMARY KEY, case_id TEXT, kind TEXT, event TEXT, "
            "actor_id TEXT, actor_role TEXT, office TEXT, occurred_at TEXT, recorded_at TEXT, reason_code TEXT, "
            "legal_basis TEXT)",
        )
        sql.execute(conn, f"INSERT INTO {table} (notification_id, event) VALUES (1, 'Refused')")
        AuditTrail().create_tables(conn, table_suffix)
        AuditTrail().create_tables(conn, table_suffix)  # and again: nothing to add
        rows = sql.fetchall(conn, f"SELECT event, late_entry_reason FROM {table}")
        sql.execute(conn, f"DROP TABLE {table}")
    assert rows == [("Refused", None)]
