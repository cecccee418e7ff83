"""Readiness follows the views: an event altered with psql before the views read it stops
every view at that row (by design), and /readyz said "ready" all the same, so a load balancer
kept sending requests to an instance whose lists and reports no longer moved. It is a 503
naming the reason (never the event's content) until the row is mended; a view merely behind
is ready unless the probe names a `max_lag` it exceeds; /healthz (liveness) stays 200.
Found by the outside review. Denpasar cases, real HTTP, both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from projections.runner import catch_up
from tests import builders
from tests.ledger_support import event_at, tamper

ALTERED = {"not-json": b"\x00garbage", "other-json": b'{"x":1}'}
ALTER = "UPDATE berkas_events SET state = %s WHERE notification_id = %s"


def _two_denpasar_cases(ledger) -> int:
    """Two applications, the first read by the views, the second not yet: its first event's id."""
    clock = builders.Clock()
    ledger.app.save(builders.passport(clock, office="DPS", regency_code="5171"))
    catch_up(ledger.store, ledger.projections())
    read = ledger.app.recorder.max_notification_id()
    ledger.app.save(builders.passport(clock, office="DPS", regency_code="5171"))
    return read + 1


@pytest.mark.parametrize("alteration", sorted(ALTERED))
def test_readiness_is_503_while_the_views_are_halted_on_an_event_they_cannot_read(ledger, alteration):
    altered = _two_denpasar_cases(ledger)
    _, original = event_at(ledger, altered)
    tamper(ledger, ALTER, (ALTERED[alteration], altered))
    with TestClient(create_app(ledger), raise_server_exceptions=False) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503, ready.text
        body = ready.json()
        assert body["status"] == "halted" and body["halted_at"] == altered
        assert "the event log was changed outside Berkas" in body["reason"] and "berkas ledger verify" in body["reason"]
        assert builders.APPLICANT_NAME not in ready.text and "garbage" not in ready.text
        assert body["lag"]["case_index"] > 0
        assert client.get("/healthz").status_code == 200

        tamper(ledger, ALTER, (original, altered))  # mended: the views move again
        catch_up(ledger.store, ledger.projections())
        mended = client.get("/readyz")
    assert mended.status_code == 200 and mended.json()["status"] == "ready", mended.text
    assert set(mended.json()) == {"status", "database", "lag"}


def test_the_views_behind_but_readable_are_ready_unless_a_max_lag_is_exceeded(system):
    clock = builders.Clock()
    system.app.save(builders.passport(clock, office="DPS", regency_code="5171"))
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        behind = client.get("/readyz")
        assert behind.status_code == 200 and behind.json()["status"] == "ready"
        lag = behind.json()["lag"]
        most = max(lag.values())
        assert most > 0
        assert client.get("/readyz", params={"max_lag": most}).status_code == 200
        lagging = client.get("/readyz", params={"max_lag": most - 1})
        assert lagging.status_code == 503 and lagging.json()["status"] == "lagging"
        name = max(lag, key=lag.get)
        assert f"projection {name} is {most} events behind" in lagging.json()["reason"]
        refused = client.get("/readyz", params={"max_lag": -1})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "max_lag"
        catch_up(system.store, system.projections())
        assert client.get("/readyz", params={"max_lag": 0}).status_code == 200


def test_an_instance_following_the_views_itself_stays_not_ready_past_an_altered_event(ledger):
    """The follower of this process retries the row and cannot pass it: the views do not move,
    and readiness says so on every probe."""
    altered = _two_denpasar_cases(ledger)
    tamper(ledger, ALTER, (ALTERED["other-json"], altered))
    with TestClient(create_app(ledger, follow_projections=True), raise_server_exceptions=False) as client:
        answers = [client.get("/readyz") for _ in range(5)]
    assert [a.status_code for a in answers] == [503] * 5
    assert {a.json()["halted_at"] for a in answers} == {altered}
