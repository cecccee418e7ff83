"""A stay permit's term that does not fit its kind is refused naming the field the request
sent: `requested_term` of an application or a transfer, `term` of an extension. Found by the
review (round 2): all three said `term`, which an application and a transfer have not.
Jayapura 2026, real HTTP, both backends."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api_on_both import client
from tests.api_support import auth, person, token_for
from tests.builders import validity

__all__ = ["client"]  # fixture

BASIS = "Pasal 48 UU 6/2011"


def _application(kind: str, term: str) -> dict:
    foreigner = person("Kim Min-jun", "9471" + str(uuid.uuid4().int)[:12])
    return {
        "kind": kind, "basis": "VISA", "foreigner": foreigner, "nationality": "KOR",
        "passport_number": f"M{uuid.uuid4().hex[:8].upper()}", "sponsor": "PT Freeport", "requested_term": term,
    }  # fmt: skip


def _fields(answer) -> list[str]:
    assert answer.status_code == 422, answer.text[:300]
    return [error["field"] for error in answer.json()["errors"]]


def test_a_term_that_does_not_fit_is_refused_naming_the_field_sent(client: TestClient, system):
    officer, supervisor = auth(token_for(system, "OFFICER", "JYP")), auth(token_for(system, "SUPERVISOR", "JYP"))
    assert _fields(client.post("/stay-permits", json=_application("ITAP", "DAYS_30"), headers=officer)) == [
        "requested_term"
    ]
    made = client.post("/stay-permits", json=_application("ITK", "DAYS_30"), headers=officer)
    permit = made.json()["id"]
    assert client.post(f"/stay-permits/{permit}/payment", json={"billing_code": "8202601"}, headers=officer).is_success
    issued = {"permit_number": f"ITK{uuid.uuid4().hex[:7]}", "legal_basis": BASIS}
    valid_from, valid_until = validity("DAYS_30")  # near the decision, made now
    issued |= {"valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()}
    assert client.post(f"/stay-permits/{permit}/issuance", json=issued, headers=supervisor).is_success
    transfer = {"requested_term": "YEARS_5", "legal_basis": "Pasal 54 UU 6/2011"}  # not a term of an ITAS
    assert _fields(client.post(f"/stay-permits/{permit}/transfer", json=transfer, headers=supervisor)) == [
        "requested_term"
    ]
    new_end = (valid_until + timedelta(days=30)).isoformat()
    extension = {"billing_code": "8202602", "term": "YEARS_5", "new_end": new_end}
    assert _fields(client.post(f"/stay-permits/{permit}/extension", json=extension, headers=officer)) == ["term"]
