"""``If-Match`` on a case command is evaluated where RFC 9110 §13.2.1 puts it: after what the
request would fail on without it. A case that does not exist is a 404 whatever the tag (a weak
one was a 412); a caller who may not act on the case (another office, an auditor, an admin, an
officer for a supervisor's decision) is a 403 whatever the tag, never a 409 naming the case's
version (a stale strong tag told it to them) nor a 412. Only the office's own officer is told a
tag is stale (409) or weak (412). Revenue targets keep their documented answers: a PUT may
create the target, so a tag on a year with none fails (409, version 0; weak: 412). Every command
route of every kind, by the lean route (application/json) and the FastAPI one; both backends."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.http.commands import PATHS, ROUTES
from tests.api_on_both import client, officer
from tests.api_support import auth, passport_body, token_for
from tests.ui_support import csrf_of, nonce_for, sign_in

__all__ = ["client", "officer"]  # fixtures, on both backends
LEAN, ROUTED = "application/json", "application/vnd.berkas+json"
TAGS = ('"3"', 'W/"3"', "*", '"0"')
NOT_PERMITTED = "urn:berkas:problem:not-permitted"


def _example(route) -> bytes:
    """The command's documented example body (every request model has one)."""
    return json.dumps(route.body.model_config["json_schema_extra"]["examples"][-1]).encode()


def _submitted(client: TestClient, token: str) -> str:
    made = client.post("/passport-applications", json=passport_body(), headers=auth(token))
    assert made.status_code == 201, made.text
    return f"/passport-applications/{made.json()['id']}"


@pytest.mark.parametrize("content_type", [LEAN, ROUTED])
def test_a_command_on_a_case_that_does_not_exist_is_a_404_whatever_its_if_match(client, system, content_type):
    supervisor = token_for(system, "SUPERVISOR")  # may run every command, decisions too
    answered = set()
    for kind, routes in ROUTES.items():
        for path, route in routes.items():
            for tag in TAGS:
                missing = uuid4()
                headers = auth(supervisor, **{"If-Match": tag, "Content-Type": content_type})
                refused = client.post(f"{PATHS[kind]}/{missing}/{path}", content=_example(route), headers=headers)
                assert refused.status_code == 404, (kind, path, tag, refused.status_code, refused.text[:300])
                problem = refused.json()
                assert problem["type"] == "urn:berkas:problem:not-found" and str(missing) in problem["detail"]
                assert "ETag" not in refused.headers
                answered.add((kind, path))
    assert len(answered) == sum(len(routes) for routes in ROUTES.values()) >= 30


@pytest.mark.parametrize("content_type", [LEAN, ROUTED])
def test_a_caller_who_may_not_act_is_a_403_whatever_the_tag_and_is_not_told_the_version(
    client, system, officer, content_type
):
    path = _submitted(client, officer)
    callers = {
        "another office's officer": (token_for(system, "OFFICER", "JKT"), "payment", {"billing_code": "8201"}),
        "an auditor": (token_for(system, "AUDITOR"), "payment", {"billing_code": "8201"}),
        "an admin": (token_for(system, "ADMIN"), "payment", {"billing_code": "8201"}),
        "an officer, for a decision": (officer, "approval", {"legal_basis": "Pasal 27 Permenkumham 8/2014"}),
    }
    for who, (token, command, body) in callers.items():
        for tag in (None, '"7"', '"1"', 'W/"1"', "*"):
            headers = auth(token, **{"Content-Type": content_type}, **({"If-Match": tag} if tag else {}))
            refused = client.post(f"{path}/{command}", content=json.dumps(body).encode(), headers=headers)
            assert refused.status_code == 403, (who, tag, refused.status_code, refused.text[:300])
            problem = refused.json()
            assert problem["type"] == NOT_PERMITTED and "current_version" not in problem, (who, tag)
            assert "ETag" not in refused.headers and "version" not in problem["detail"], (who, tag)
    assert client.get(path, headers=auth(officer)).json()["version"] == 1


@pytest.mark.parametrize("content_type", [LEAN, ROUTED])
def test_the_offices_officer_is_told_a_tag_is_stale_or_weak(client, officer, content_type):
    path = _submitted(client, officer)
    pay = json.dumps({"billing_code": "8201"}).encode()

    def paid(tag: str, **more: str):
        headers = auth(officer, **{"If-Match": tag, "Content-Type": content_type}, **more)
        return client.post(f"{path}/payment", content=pay, headers=headers)

    stale = paid('"7"')
    assert stale.status_code == 409 and stale.json()["current_version"] == 1 and stale.headers["ETag"] == '"1"'
    # A weak tag refused (412) releases its Idempotency-Key: the same key with the strong tag runs.
    weak = paid('W/"1"', **{"Idempotency-Key": "weak-then-strong"})
    assert weak.status_code == 412, weak.text
    assert weak.json()["type"] == "urn:berkas:problem:precondition-failed" and "weak" in weak.json()["detail"]
    done = paid('"1"', **{"Idempotency-Key": "weak-then-strong"})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"', done.text
    assert paid('"1"', **{"Idempotency-Key": "weak-then-strong"}).headers["ETag"] == '"2"'  # its retry


def test_a_weak_if_match_on_a_creation_is_still_a_412(client, system, officer):
    weak = client.post("/passport-applications", json=passport_body(), headers=auth(officer, **{"If-Match": 'W/"1"'}))
    assert weak.status_code == 412, weak.text
    assert "Location" not in weak.headers


def test_revenue_targets_keep_their_documented_answers_on_a_year_with_no_target(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    year = 2070 + uuid4().int % 25
    target = {"amount": "1500000000", "legal_basis": "DIPA 2070"}
    stale = client.put(f"/revenue-targets/{year}", json=target, headers=auth(supervisor, **{"If-Match": '"3"'}))
    assert stale.status_code == 409 and stale.json()["current_version"] == 0, stale.text
    weak = client.put(f"/revenue-targets/{year}", json=target, headers=auth(supervisor, **{"If-Match": 'W/"3"'}))
    assert weak.status_code == 412, weak.text
    office = token_for(system, "OFFICER")
    absent = client.get(f"/revenue-targets/{year}", headers=auth(office))
    assert absent.status_code == 404, absent.text  # neither wrote a target


def test_the_web_interfaces_command_on_a_case_that_does_not_exist_is_a_404(client, system, officer):
    sign_in(client, officer)
    csrf = csrf_of(client.get(f"/ui/cases/{_submitted(client, officer).rsplit('/', 1)[1]}").text)
    form = {"csrf": csrf, "version": "3", "nonce": nonce_for("payment"), "billing_code": "8201"}
    refused = client.post(f"/ui/cases/{uuid4()}/commands/payment", data=form, follow_redirects=False)
    assert refused.status_code == 404, refused.text[:300]
