"""`GET /cases`: the cases of every kind in one list, under the per-kind lists' contract
(the case index, the same office scope per role, opaque cursors, an absolute `Link`, dates as
the office's day), with a `kind` filter; a status or reason code that no kind, or not the given
kind, has is a 422 naming it; following `next` to the end answers every case once while cases
change and are added; personal data in the URL is still refused, naming the field, never the
value. Real HTTP over the app, on SQLite and PostgreSQL.

Each test's cases live in a window of business time of their own (some hours of a random day
from 2020 to 2023), and its lists are filtered to that window: on the shared PostgreSQL database other
tests' cases never count."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.commands import PATHS
from projections.runner import catch_up
from tests import builders
from tests.api_on_both import client
from tests.api_support import auth, token_for

__all__ = ["client"]  # fixture

KINDS = tuple(PATHS)
REGENCY = {"MLG": "3573", "DPS": "5171", "JYP": "9471"}  # one each office serves


def _start() -> datetime:
    """A random instant, the start of one test's window: no other test's cases fall in it."""
    pick = random.Random(uuid.uuid4().int)
    day = date(2020, 1, 1) + timedelta(days=pick.randrange(365 * 4))  # under the tariff of PP 28/2019
    return datetime(day.year, day.month, day.day, 2, pick.randrange(60), tzinfo=UTC)


class Window:
    """A test's own span of business time: a clock within it, and the list filter bounding it."""

    def __init__(self) -> None:
        self.start = _start()
        self.clock = builders.Clock(now=self.start, step=timedelta(minutes=3))

    def at(self, instant: datetime) -> builders.Clock:
        """A clock whose next reading is ``instant`` and which then stands still (equal times)."""
        return builders.Clock(now=instant, step=timedelta(0))

    @property
    def params(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": (self.start + timedelta(days=1)).isoformat()}


@pytest.fixture
def window() -> Window:
    return Window()


def opened(clock: builders.Clock, kind: str, office: str) -> Any:
    """A case of ``kind`` in ``office``: an enforcement case with an action (reason OVERSTAY)."""
    return {
        "PassportApplication": lambda: builders.passport(clock, office=office, regency_code=REGENCY[office]),
        "StayPermit": lambda: builders.stay_permit(clock, office=office),
        "EnforcementCase": lambda: builders.enforcement_case(clock, "ACTION_IMPOSED", office=office),
        "JointOperation": lambda: builders.joint_operation(clock, office=office),
    }[kind]()


def saved(system: System, *cases: Any) -> dict[str, tuple[str, str]]:
    """Cases saved and indexed: their ids, each with its kind and office."""
    system.app.save(*cases)
    catch_up(system.store, system.projections())
    return {str(case.id): (case.KIND, case.office) for case in cases}


@pytest.fixture
def seeded(system: System, window: Window) -> dict[str, tuple[str, str]]:
    """Every kind in Malang and in Denpasar, and a refused passport application in Malang."""
    cases = [opened(window.clock, kind, office) for office in ("MLG", "DPS") for kind in KINDS]
    cases.append(builders.passport(window.clock, until="REFUSED", office="MLG"))
    return saved(system, *cases)


def every_page(client: TestClient, token: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of every page, each next page fetched from the absolute URL in `Link`."""
    rows: list[dict[str, Any]] = []
    url, query = "/cases", params
    while True:
        page = client.get(url, params=query, headers=auth(token))
        assert page.status_code == 200, page.text
        rows += page.json()["data"]
        if "Link" not in page.headers:
            assert page.json()["next"] is None
            return rows
        url, query = page.headers["Link"].removeprefix("<").split(">;")[0], None
        assert url.startswith("http://testserver/cases?") and f"after={page.json()['next']}" in url


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def of(seeded: dict[str, tuple[str, str]], office: str | None = None, kind: str | None = None) -> set[str]:
    return {i for i, (k, o) in seeded.items() if office in (None, o) and kind in (None, k)}


@pytest.mark.parametrize("role", ["OFFICER", "SUPERVISOR"])
def test_malangs_staff_list_every_kind_of_malangs_cases_and_nothing_else(client, system, window, seeded, role):
    token = token_for(system, role, "MLG")
    rows = every_page(client, token, limit=2, **window.params)
    assert set(ids(rows)) == of(seeded, "MLG")
    assert {row["kind"] for row in rows} == set(KINDS)
    assert {row["office"] for row in every_page(client, token, limit=200)} == {"MLG"}  # beyond the window too
    refused = client.get("/cases", params={"office": "DPS"}, headers=auth(token))
    assert refused.status_code == 403 and "DPS" in refused.json()["detail"]


def test_an_auditor_lists_every_office_or_the_one_named(client, system, window, seeded):
    auditor = token_for(system, "AUDITOR", "SBY")
    assert set(ids(every_page(client, auditor, **window.params))) == of(seeded)
    denpasar = every_page(client, auditor, office="DPS", **window.params)
    assert set(ids(denpasar)) == of(seeded, "DPS")
    assert client.get("/cases", params={"office": "XXX"}, headers=auth(auditor)).status_code == 422


@pytest.mark.parametrize("role", ["OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN"])
def test_each_role_is_answered_as_the_per_kind_lists_answer_it(client, system, window, seeded, role):
    """Same status for the same office filter; where answered, `kind=K` lists exactly what K's list does."""
    token = token_for(system, role, "MLG")
    for office in (None, "MLG", "DPS"):
        scope = {"office": office} if office else {}
        for kind, path in PATHS.items():
            params = window.params | scope
            alone = client.get(path, params=params | {"limit": 200}, headers=auth(token))
            mixed = client.get("/cases", params=params | {"kind": kind, "limit": 200}, headers=auth(token))
            assert mixed.status_code == alone.status_code, (office, kind, mixed.text)
            if alone.status_code == 200:
                assert set(ids(mixed.json()["data"])) == set(ids(alone.json()["data"])), (office, kind)
                assert {row["kind"] for row in mixed.json()["data"]} <= {kind}
    assert client.get("/cases", headers=auth(token)).status_code == (403 if role == "ADMIN" else 200)


def test_a_kind_filter_lists_that_kind_only(client, system, window, seeded):
    auditor = token_for(system, "AUDITOR", "SBY")
    for kind in KINDS:
        rows = every_page(client, auditor, kind=kind, **window.params)
        assert set(ids(rows)) == of(seeded, kind=kind) and {row["kind"] for row in rows} == {kind}


def test_a_status_or_reason_of_some_kind_filters_across_kinds_and_within_one(client, system, window, seeded):
    auditor = token_for(system, "AUDITOR", "SBY")
    stay_permits = of(seeded, kind="StayPermit")
    assert set(ids(every_page(client, auditor, status="APPLIED", **window.params))) == stay_permits
    both = every_page(client, auditor, kind="StayPermit", status="APPLIED", **window.params)
    assert set(ids(both)) == stay_permits
    overstay = every_page(client, auditor, reason="OVERSTAY", **window.params)
    assert set(ids(overstay)) == of(seeded, kind="EnforcementCase")
    refused = every_page(client, auditor, kind="PassportApplication", reason="PMI_NONPROCEDURAL", **window.params)
    assert [row["status"] for row in refused] == ["REFUSED"]


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"kind": "Passport"}, "kind", "PassportApplication"),
        ({"kind": "RevenueTarget"}, "kind", "JointOperation"),  # in the case index, not a case of this list
        ({"status": "NOPE"}, "status", "SUBMITTED"),
        ({"status": "SET"}, "status", "SUBMITTED"),  # a revenue target's
        ({"kind": "PassportApplication", "status": "APPLIED"}, "status", "not a status of PassportApplication"),
        ({"kind": "JointOperation", "reason": "OVERSTAY"}, "reason", "of EnforcementCase, not of JointOperation"),
        ({"kind": "StayPermit", "reason": "PMI_NONPROCEDURAL"}, "reason", "of PassportApplication, not of StayPermit"),
        ({"reason": "TRAFFICKING_VICTIM"}, "reason", "no case keeps"),  # a zero tariff's group, its basis
        ({"reason": "NOT_A_REASON_AT_ALL"}, "reason", "any recorded decision"),
        ({"regency": "9999"}, "regency", "regency"),
        ({"from": "2024-06-30T00:00:00"}, "from", "time zone"),
        ({"to": "2024-02-30"}, "to", "date"),
        ({"after": "garbage"}, "after", "cursor"),
        ({"limit": 201}, "limit", "200"),
    ],
)
def test_a_filter_no_kind_or_not_the_given_kind_has_is_a_422_naming_it(client, system, params, field, rule):
    answer = client.get("/cases", params=params, headers=auth(token_for(system, "AUDITOR", "SBY")))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    (error,) = answer.json()["errors"]
    assert error["field"] == field and rule in error["detail"], error


def test_a_cursor_of_another_list_is_not_one_of_this_list(client, system, window, seeded):
    officer = token_for(system, "OFFICER", "MLG")
    theirs = client.get("/passport-applications", params={"limit": 1}, headers=auth(officer)).json()["next"]
    ours = client.get("/cases", params={"limit": 1}, headers=auth(officer)).json()["next"]
    assert theirs and ours
    for path, cursor in (("/cases", theirs), ("/passport-applications", ours)):
        answer = client.get(path, params={"after": cursor}, headers=auth(officer))
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "after", (path, answer.text)


def test_paging_answers_every_case_once_while_cases_change_and_are_added(client, system, window):
    """Cases opened at one instant (ties a page boundary falls between), others before and
    after; between pages, cases not yet listed get new events (a list by latest activity would
    move them past the cursor), listed ones too, and new cases are opened before and after the
    pages' position. Every case there at the start is answered once; none twice; a new case
    opened before the position is answered too."""
    auditor = token_for(system, "AUDITOR", "SBY")
    earliest = [opened(window.clock, kind, "MLG") for kind in KINDS]
    tied_at = window.clock.next()
    tied = [opened(window.at(tied_at), kind, office) for office in ("MLG", "DPS") for kind in KINDS]
    latest = [opened(window.clock, kind, "DPS") for kind in KINDS]
    start = saved(system, *earliest, *tied, *latest)
    later = builders.Clock(now=window.clock.now + timedelta(hours=2), step=timedelta(minutes=1))

    rows, pages, touched = [], 0, set()
    url, query = "/cases", window.params | {"limit": 3}
    while url:
        page = client.get(url, params=query, headers=auth(auditor))
        assert page.status_code == 200, page.text
        rows += page.json()["data"]
        pages += 1
        link = page.headers.get("Link")
        url, query = (link.removeprefix("<").split(">;")[0], None) if link else (None, None)
        if pages > 4:
            continue
        seen = set(ids(rows))
        fresh = [case for case in (*earliest, *tied, *latest) if case.id not in touched]
        unseen = [case for case in fresh if str(case.id) not in seen]
        listed = [case for case in fresh if str(case.id) in seen]
        for case in unseen[-1:] + listed[:1]:
            current = system.app.repository.get(case.id)
            _touch(current, later)
            system.app.save(current)
            touched.add(case.id)
        # A case opened before the pages' position (backdated, within the window) and one after it.
        before = opened(window.at(window.start + timedelta(seconds=pages)), "StayPermit", "MLG")
        saved(system, before, opened(later, "JointOperation", "DPS"))
        start[str(before.id)] = ("StayPermit", "MLG")
    answered = ids(rows)
    assert len(answered) == len(set(answered)), "a case answered twice"
    assert set(start) <= set(answered), "a case never answered"
    assert pages >= 6
    opening = [datetime.fromisoformat(row["opened_at"]) for row in rows]
    assert opening == sorted(opening, reverse=True)


def _touch(case: Any, clock: builders.Clock) -> None:
    """One more event on the case, its business time ``clock``'s next: status unchanged or moved on."""
    by = builders.officer_of(clock, office=case.office)
    if case.KIND == "PassportApplication":
        case.pay(by, "820240300001") if case.status.value == "SUBMITTED" else case.capture_biometrics(by)
    elif case.KIND == "StayPermit":
        case.pay(by, "820240300101")
    elif case.KIND == "EnforcementCase":
        case.file_objection(by, "the stay was extended in time")
    else:
        case.execute(by, ("Jl. Ijen",), 12)


def test_a_date_is_each_rows_own_offices_day(client, system):
    """Around midnight in Denpasar (WITA), Malang (WIB) and Jayapura (WIT): an auditor's
    `from=D&to=D` keeps each case whose latest activity falls on D in its own office."""
    day = _start().date()
    local = {
        "dps-early": ("DPS", "00:30:00+08:00", True),  # the day before, in UTC and in Malang
        "dps-before": ("DPS", "-23:50:00+08:00", False),
        "mlg-late": ("MLG", "23:30:00+07:00", True),  # the next day in Denpasar
        "jyp-early": ("JYP", "00:20:00+09:00", True),
    }
    cases = {}
    for name, (office, at, _) in local.items():
        on = day - timedelta(days=1) if at.startswith("-") else day
        instant = datetime.fromisoformat(f"{on.isoformat()}T{at.lstrip('-')}")
        cases[name] = opened(builders.Clock(now=instant, step=timedelta(0)), "PassportApplication", office)
    by_id = {str(case.id): name for name, case in cases.items()}
    saved(system, *cases.values())
    on_day = {name for name, (_, _, on) in local.items() if on}
    auditor, officer = token_for(system, "AUDITOR", "SBY"), token_for(system, "OFFICER", "MLG")
    for limit in (200, 1):
        rows = every_page(client, auditor, limit=limit, **{"from": day.isoformat(), "to": day.isoformat()})
        assert {by_id[i] for i in ids(rows) if i in by_id} == on_day
    mine = every_page(client, officer, **{"from": day.isoformat(), "to": day.isoformat()})
    assert {by_id[i] for i in ids(mine) if i in by_id} == {"mlg-late"}
    alone = client.get("/passport-applications", params={"from": str(day), "to": str(day)}, headers=auth(officer))
    assert {by_id[i] for i in ids(alone.json()["data"]) if i in by_id} == {"mlg-late"}


@pytest.mark.parametrize("field", ["nik", "passport_number", "name"])
def test_personal_data_in_the_url_is_refused_naming_the_field_never_the_value(client, system, field, caplog):
    value = {"nik": "3573014512900001", "passport_number": "X7654321", "name": "Siti Rahayu Lestari"}[field]
    for role in ("OFFICER", "AUDITOR", "ADMIN"):
        with caplog.at_level(logging.INFO, logger="berkas.access"):
            # Beside list filters, some of them invalid: the personal data is what is answered.
            params = {field: value, "status": "NOPE", "kind": "StayPermit", "limit": 0}
            answer = client.get("/cases", params=params, headers=auth(token_for(system, role, "MLG")))
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert [error["field"] for error in problem["errors"]] == [field]
        assert "POST /cases/search" in problem["detail"]
        assert value not in answer.text and "Traceback" not in answer.text
        assert all(value not in str(vars(record)) for record in caplog.records)
    assert client.get("/cases", params={field: value}).status_code == 401
