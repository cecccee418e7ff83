"""Conditional requests as RFC 9110 §13.1 has them. Every ETag Berkas sends is strong (the
version, `"2"`). `If-Match` uses the strong comparison: a weak tag never matches, so
`If-Match: W/"1"` on a case at version 1 is a 412 and changes nothing (it was taken as a match,
on the lean command route and the FastAPI one alike); the strong tag and `*` keep working.
`If-None-Match` on a GET uses the weak comparison: `W/"1"`, a list naming the tag, and `*`
answer 304 (only the exact `"1"` did; the revenue target ignored the header). Found by the
outside review. Real HTTP, both backends."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.api_on_both import client, officer
from tests.api_support import auth, passport_body, token_for

__all__ = ["client", "officer"]  # fixtures, on both backends
PAY = {"billing_code": "8201"}
TARGET = {"amount": "1500000000", "legal_basis": "DIPA 2026"}


def _submitted(client: TestClient, token: str) -> str:
    response = client.post("/passport-applications", json=passport_body(), headers=auth(token))
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'  # strong
    return f"/passport-applications/{response.json()['id']}"


@pytest.mark.parametrize("content_type", ["application/json", "application/vnd.berkas+json"])
def test_a_weak_if_match_never_matches_and_changes_nothing(client, officer, content_type):
    """application/json goes by the lean command route, +json by the FastAPI route."""
    path = _submitted(client, officer)
    body = json.dumps(PAY).encode()
    for weak in ('W/"1"', ' W/"1" '):
        headers = auth(officer, **{"If-Match": weak, "Content-Type": content_type})
        refused = client.post(f"{path}/payment", content=body, headers=headers)
        assert refused.status_code == 412, refused.text
        problem = refused.json()
        assert problem["type"] == "urn:berkas:problem:precondition-failed" and "If-Match" in problem["detail"]
    assert client.get(path, headers=auth(officer)).json()["version"] == 1
    strong = client.post(
        f"{path}/payment", content=body, headers=auth(officer, **{"If-Match": '"1"', "Content-Type": content_type})
    )
    assert strong.status_code == 200 and strong.headers["ETag"] == '"2"', strong.text
    anything = client.post(
        f"{path}/biometrics", content=b"{}", headers=auth(officer, **{"If-Match": "*", "Content-Type": content_type})
    )
    assert anything.status_code == 200 and anything.headers["ETag"] == '"3"', anything.text


def test_a_weak_if_match_on_a_revenue_target_is_a_412(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    etag = client.put("/revenue-targets/2061", json=TARGET, headers=auth(supervisor)).headers["ETag"]
    weak = client.put("/revenue-targets/2061", json=TARGET, headers=auth(supervisor, **{"If-Match": f"W/{etag}"}))
    assert weak.status_code == 412, weak.text
    strong = client.put("/revenue-targets/2061", json=TARGET, headers=auth(supervisor, **{"If-Match": etag}))
    assert strong.status_code == 200 and strong.headers["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'


@pytest.mark.parametrize("if_none_match", ['"1"', 'W/"1"', '"7", W/"1"', "*"])
def test_if_none_match_on_a_get_uses_the_weak_comparison(client, officer, if_none_match):
    path = _submitted(client, officer)
    for method in ("GET", "HEAD"):
        unchanged = client.request(method, path, headers=auth(officer, **{"If-None-Match": if_none_match}))
        assert unchanged.status_code == 304 and unchanged.headers["ETag"] == '"1"' and not unchanged.content
    other = client.get(path, headers=auth(officer, **{"If-None-Match": '"7", W/"2"'}))
    assert other.status_code == 200 and other.headers["ETag"] == '"1"'


@pytest.mark.parametrize("weak", [False, True])
def test_an_unchanged_revenue_target_answers_if_none_match_with_304(client, system, weak):
    supervisor = token_for(system, "SUPERVISOR")
    etag = client.put("/revenue-targets/2062", json=TARGET, headers=auth(supervisor)).headers["ETag"]
    for named in (f"W/{etag}" if weak else etag, "*"):
        unchanged = client.get("/revenue-targets/2062", headers=auth(supervisor, **{"If-None-Match": named}))
        assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.content
    changed = client.get("/revenue-targets/2062", headers=auth(supervisor, **{"If-None-Match": 'W/"999"'}))
    assert changed.status_code == 200 and changed.headers["ETag"] == etag
