"""`GET /audit/decisions?from=2025-12-01`, a date without a time, was a 422 ("must carry a time
zone") while the web interface's audit page takes dates. A date is now read as the web
interface reads it (``api.http.days``): the office's calendar day, from its start (`from`) or
through its end (`to`); in a national list each decision's own office's day, never UTC nor the
caller's zone. Instants keep their meaning, a malformed value stays a 422 naming its field.
Found by the outside review. Decisions in Denpasar (WITA), Malang (WIB) and Jayapura (WIT)
around midnight, real HTTP, both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for

DAY = "2019-07-17"
REGENCY = {"DPS": "5171", "MLG": "3573", "JYP": "9471"}  # one each office serves
# Each approval's local time in its office: (office, local instant, whether it is on DAY there).
APPROVALS = {
    "dps-early": ("DPS", "2019-07-17T00:30:00+08:00", True),  # 16 July in UTC
    "dps-late": ("DPS", "2019-07-17T23:30:00+08:00", True),
    "dps-next": ("DPS", "2019-07-18T00:10:00+08:00", False),  # 17 July in UTC
    "dps-before": ("DPS", "2019-07-16T23:50:00+08:00", False),
    "mlg-late": ("MLG", "2019-07-17T23:30:00+07:00", True),  # 18 July in Denpasar
    "jyp-early": ("JYP", "2019-07-17T00:20:00+09:00", True),  # 16 July in Malang and in UTC
}


@pytest.fixture
def approvals(system) -> dict[str, str]:
    """One approved passport application per entry, its approval at the entry's instant: case ids."""
    ids = {}
    for name, (office, at, _) in APPROVALS.items():
        step = timedelta(seconds=1)
        clock = builders.Clock(now=datetime.fromisoformat(at) - 5 * step, step=step)  # approval: 5th reading
        case = builders.passport(clock, until="APPROVED", office=office, regency_code=REGENCY[office])
        system.app.save(case)
        ids[name] = str(case.id)
    catch_up(system.store, system.projections())
    return ids


@pytest.fixture
def client(system) -> TestClient:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def _decided(client: TestClient, token: str, approvals: dict[str, str], **params: str) -> set[str]:
    """The entries whose approvals the list answers, every page followed by its `next`."""
    found, cursor = [], None
    while True:
        query = params | ({"after": cursor} if cursor else {})
        answer = client.get("/audit/decisions", params=query, headers=auth(token))
        assert answer.status_code == 200, answer.text
        found += [d["case_id"] for d in answer.json()["data"] if d["event"] == "Approved"]
        cursor = answer.json()["next"]
        if cursor is None:
            break
    by_id = {case_id: name for name, case_id in approvals.items()}
    return {by_id[case_id] for case_id in found if case_id in by_id}


def test_a_date_is_the_offices_own_calendar_day(client, system, approvals):
    denpasar = {name for name, (office, _, on_day) in APPROVALS.items() if office == "DPS" and on_day}
    auditor, supervisor = token_for(system, "AUDITOR"), token_for(system, "SUPERVISOR", "DPS")
    assert _decided(client, auditor, approvals, office="DPS", **{"from": DAY, "to": DAY}) == denpasar
    assert _decided(client, supervisor, approvals, **{"from": DAY, "to": DAY}) == denpasar  # the caller's office
    assert _decided(client, supervisor, approvals, **{"from": DAY}) == denpasar | {"dps-next"}
    assert _decided(client, supervisor, approvals, **{"to": DAY}) == denpasar | {"dps-before"}


def test_a_national_list_takes_each_decisions_own_offices_day(client, system, approvals):
    auditor = token_for(system, "AUDITOR")
    on_day = {name for name, (_, _, on) in APPROVALS.items() if on}
    assert _decided(client, auditor, approvals, **{"from": DAY, "to": DAY}) == on_day
    # Page by page (a page filtered by days may hold fewer rows): the same decisions, none lost.
    assert _decided(client, auditor, approvals, limit="1", **{"from": DAY, "to": DAY}) == on_day


def test_instants_keep_their_meaning_beside_dates(client, system, approvals):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    noon = {"from": DAY, "to": f"{DAY}T12:00:00+08:00"}
    assert _decided(client, supervisor, approvals, **noon) == {"dps-early"}
    utc_day = {"from": f"{DAY}T00:00:00+00:00", "to": f"{DAY}T23:59:59+00:00"}
    assert _decided(client, supervisor, approvals, **utc_day) == {"dps-late", "dps-next"}


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("from", "2019-13-01", "date"),
        ("to", "2019-02-30", "date"),
        ("from", "yesterday", "datetime"),
        ("to", f"{DAY}T10:00:00", "must carry a time zone"),
        ("from", "1899-12-31", "1900"),
    ],
)
def test_a_malformed_date_is_a_422_naming_its_field(client, system, field, value, rule):
    answer = client.get("/audit/decisions", params={field: value}, headers=auth(token_for(system, "AUDITOR")))
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["field"] == field and error["location"] == "query" and rule in error["detail"], error
