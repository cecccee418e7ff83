"""A command dated before the case's previous event is refused naming that event's time in
the office's own offset, as every time the API shows (+08:00 in Denpasar), not in UTC.
Found by the review (round 2): the refusal said `2026-...+00:00` to a Denpasar officer.
Real HTTP, both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api_on_both import client
from tests.api_support import auth, passport_body, token_for

__all__ = ["client"]  # fixture


def test_an_entry_before_the_previous_event_names_its_time_in_the_office_offset(client: TestClient, system):
    officer = auth(token_for(system, "OFFICER", "DPS"))
    made = client.post("/passport-applications", json=passport_body(regency_code="5171"), headers=officer)
    assert made.status_code == 201, made.text[:300]
    submitted = made.json()["last_occurred_at"]
    assert submitted.endswith("+08:00"), submitted
    earlier = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    payment = {"billing_code": "820260001", "occurred_at": earlier}
    refused = client.post(f"/passport-applications/{made.json()['id']}/payment", json=payment, headers=officer)
    assert refused.status_code == 422, refused.text[:300]
    assert refused.json()["detail"] == f"occurred_at must not be before the case's previous event ({submitted})"
