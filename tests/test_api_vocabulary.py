"""One vocabulary and honest lists: ids, times in the office's offset, whole rupiah, typed
cases; pages linked by absolute URLs; a filter or cursor the API does not know is a 422."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from projections import runner
from tests.api_support import Clock, auth, client, fresh_foreigner_in, passport_body, token_for

__all__ = ["client"]
pytestmark = pytest.mark.postgres
OFFSET = re.compile(r"[+-]\d\d:\d\d$")


def submitted(client: TestClient, officer: str, count: int, **body) -> list[dict]:
    cases = []
    for _ in range(count):
        response = client.post("/passport-applications", json=passport_body(**body), headers=auth(officer))
        assert response.status_code == 201, response.text
        cases.append(response.json())
    return cases


def test_a_case_speaks_the_one_vocabulary(client: TestClient, pg_system: System):
    officer = token_for(pg_system, "OFFICER")
    at = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    case = submitted(client, officer, 1, occurred_at=at.isoformat().replace("+00:00", "Z"))[0]
    assert "id" in case and "case_id" not in case and "attributes" not in case
    assert case["kind"] == "PassportApplication" and case["status"] == "SUBMITTED"
    assert case["last_occurred_at"] == at.astimezone(timezone(timedelta(hours=7))).isoformat()  # Malang: WIB
    assert case["fee_paid"] == 0 and isinstance(case["fee_paid"], int)
    paid = client.post(
        f"/passport-applications/{case['id']}/payment", json={"billing_code": "82"}, headers=auth(officer)
    )
    assert paid.json()["fee_paid"] == 950000

    history = client.get(f"/cases/{case['id']}/history", headers=auth(token_for(pg_system, "AUDITOR")))
    for event in history.json()["data"]:
        assert event["occurred_at"].endswith("+07:00") and event["recorded_at"].endswith("+07:00")
        assert event["actor_role"] == "OFFICER"


def test_a_stay_permit_names_its_permit_kind_apart_from_the_case_kind(client: TestClient, pg_system: System):
    officer = token_for(pg_system, "OFFICER")
    app = client.app
    body = fresh_foreigner_in(app.openapi()["components"]["schemas"]["StayPermitCreate"]["examples"][0])
    permit = client.post("/stay-permits", json=body, headers=auth(officer)).json()
    assert (permit["kind"], permit["permit_kind"]) == ("StayPermit", "ITAS")
    assert client.get(f"/cases/{permit['id']}", headers=auth(officer)).json()["kind"] == "StayPermit"


def test_pages_link_to_the_next_by_an_absolute_url_until_the_last(client: TestClient, pg_system: System):
    officer = token_for(pg_system, "OFFICER")
    regency = "3507"  # Kabupaten Malang: a filter no other test uses, so the count is ours
    mine = {case["id"] for case in submitted(client, officer, 5, regency_code=regency)}
    runner.catch_up(pg_system.store, pg_system.projections())
    seen: list[str] = []
    url = "/passport-applications"
    params: dict | None = {"regency": regency, "status": "SUBMITTED", "limit": 2}
    pages = 0
    while url:
        page = client.get(url, params=params, headers=auth(officer))
        assert page.status_code == 200, page.text
        seen += [row["id"] for row in page.json()["data"]]
        link = page.headers.get("Link")
        pages += 1
        if link is None:
            assert page.json()["next"] is None
            break
        target = re.fullmatch(r'<(http[^>]+)>; rel="next"', link)
        assert target, link
        assert f"after={page.json()['next']}" in target.group(1) and "regency=3507" in target.group(1)
        url, params = target.group(1), None
    assert mine <= set(seen) and len(seen) == len(set(seen))
    assert pages >= 3
    row = client.get("/passport-applications", params={"regency": regency}, headers=auth(officer)).json()["data"][0]
    assert OFFSET.search(row["opened_at"]) and row["opened_at"].endswith("+07:00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "BOGUS"}, "status"),
        ({"status": "submitted"}, "status"),
        ({"reason": "NOT_A_REASON"}, "reason"),
        ({"regency": "9999"}, "regency"),
        ({"after": "garbage"}, "after"),
        ({"after": "MjAyNHx4"}, "after"),  # base64 of "2024|x": ours in shape, not in content
        ({"office": "XXX"}, "office"),
        ({"from": "2024-06-30T00:00:00"}, "from"),
    ],
)
def test_an_unknown_filter_value_or_cursor_is_a_422_naming_it(client: TestClient, pg_system: System, params, field):
    auditor = token_for(pg_system, "AUDITOR")
    response = client.get("/passport-applications", params=params, headers=auth(auditor))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_status_of_another_kind_is_refused_for_this_kind(client: TestClient, pg_system: System):
    officer = token_for(pg_system, "OFFICER")
    assert client.get("/stay-permits", params={"status": "APPLIED"}, headers=auth(officer)).status_code == 200
    assert client.get("/passport-applications", params={"status": "APPLIED"}, headers=auth(officer)).status_code == 422


def test_an_instant_pasted_with_a_bare_plus_means_what_it_says(client: TestClient, pg_system: System):
    officer, auditor = token_for(pg_system, "OFFICER"), token_for(pg_system, "AUDITOR")
    clock = Clock()
    submitted_at = clock.next()
    case = submitted(client, officer, 1, occurred_at=submitted_at)[0]
    later = datetime.fromisoformat(clock.next()).astimezone().isoformat()
    assert "+" in later or "-" in later[19:]
    pasted = f"/cases/{case['id']}?as_of={later}"  # the README's example, pasted: the + is not encoded
    response = client.get(pasted, headers=auth(auditor))
    if "+" in later[19:]:
        assert " " in client.build_request("GET", pasted).url.params["as_of"]
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1
    encoded = client.get(f"/cases/{case['id']}", params={"as_of": later}, headers=auth(auditor))
    assert encoded.json() == response.json()
