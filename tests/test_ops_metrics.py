"""``GET /metrics`` after a journey: requests by route template, commands by outcome, the
log, the views' positions and lag, rebuild jobs and the ledger, in Prometheus' format."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api import logs
from api.bootstrap import System
from api.http.app import create_app
from domain.case import recorded_at
from projections import runner
from projections.ledger import keys
from projections.ledger.seal import checkpoint_now
from tests.api_support import auth, key, passport_body, token_for
from tests.builders import APPLICANT_NAME, APPLICANT_NIK, Clock, passport
from tests.ledger_support import verified_over_http


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def samples(client: TestClient) -> dict[tuple[str, frozenset], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_metrics_name_routes_commands_views_and_the_ledger_after_a_journey(client, system):
    officer = token_for(system, "OFFICER")
    created = client.post("/passport-applications", json=passport_body(), headers=auth(officer))
    assert created.status_code == 201
    path = f"/passport-applications/{created.json()['id']}"
    paid = client.post(f"{path}/payment", json={"billing_code": "820240300001"}, headers=auth(officer))
    again = client.post(f"{path}/payment", json={"billing_code": "820240300001"}, headers=auth(officer))
    assert (paid.status_code, again.status_code) == (200, 409)
    assert client.get(path, headers=auth(officer)).status_code == 200
    assert client.get(f"/passport-applications/{uuid.uuid4()}", headers=auth(officer)).status_code == 404
    auditor = token_for(system, "AUDITOR")
    runner.catch_up(system.store, system.projections())
    assert verified_over_http(client, auth(auditor))["ok"] is True

    found = samples(client)
    assert value(found, "berkas_ledger_verification_failed") == 0
    assert value(found, "berkas_ledger_verification_timestamp_seconds") > 0
    case_route = "/passport-applications/{case_id}"
    assert any(
        name == "berkas_http_request_duration_seconds_count"
        and dict(labels) == {"method": "GET", "route": case_route, "status": "200"}
        for name, labels in found
    ), sorted(dict(labels).get("route") for name, labels in found if name.startswith("berkas_http"))
    assert value(found, "berkas_http_request_duration_seconds_count", method="GET", route=case_route, status="404")
    submitted = value(found, "berkas_commands_total", kind="/passport-applications", outcome="accepted")
    assert submitted == 1
    payment = "/passport-applications/{case_id}/payment"
    assert value(found, "berkas_commands_total", kind=payment, outcome="accepted") == 1
    assert value(found, "berkas_commands_total", kind=payment, outcome="conflict") == 1
    head = system.app.recorder.max_notification_id()
    assert value(found, "berkas_events_appended_total") == head
    for projection in system.projections():
        assert value(found, "berkas_projection_position", view=projection.name) == head
        assert value(found, "berkas_projection_lag_events", view=projection.name) == 0
    assert value(found, "berkas_rebuild_jobs", state="running") == 0
    assert value(found, "berkas_store_up") == 1
    # No personal data in any label or value of the exposition.
    text = client.get("/metrics").text
    assert APPLICANT_NAME not in text and APPLICANT_NIK not in text
    assert created.json()["id"] not in text


def test_a_view_behind_the_log_shows_its_lag(client, system):
    officer = token_for(system, "OFFICER")
    runner.catch_up(system.store, system.projections())
    client.post("/passport-applications", json=passport_body(), headers=auth(officer, **{"Idempotency-Key": key()}))
    found = samples(client)
    head = system.app.recorder.max_notification_id()
    lags = {dict(labels)["view"]: v for (name, labels), v in found.items() if name == "berkas_projection_lag_events"}
    assert lags and all(lag >= 1 for lag in lags.values())
    assert value(found, "berkas_events_appended_total") == head


def test_every_request_has_an_id_echoed_and_a_json_line_without_personal_data(client, system, caplog):
    officer = token_for(system, "OFFICER")
    with caplog.at_level(logging.INFO, logger="berkas.access"):
        created = client.post(
            "/passport-applications", json=passport_body(), headers=auth(officer, **{"X-Request-ID": "req-42.a"})
        )
        fresh = client.get("/healthz", headers={"X-Request-ID": "not a plain id; <script>"})
    assert created.headers["X-Request-ID"] == "req-42.a"
    assert fresh.headers["X-Request-ID"] != "not a plain id; <script>" and len(fresh.headers["X-Request-ID"]) == 32
    formatter = logs.JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records if record.name == "berkas.access"]
    line = next(entry for entry in lines if entry.get("request_id") == "req-42.a")
    assert line["route"] == "/passport-applications" and line["status"] == 201 and line["method"] == "POST"
    assert line["duration_ms"] >= 0 and line["level"] == "info"
    assert line["actor_id"] == str(system.app.repository.get(_user_id(officer)).id)
    rendered = "\n".join(json.dumps(entry) for entry in lines)
    assert APPLICANT_NAME not in rendered and APPLICANT_NIK not in rendered and officer not in rendered


def _user_id(token: str):
    from domain.usecases.users import user_id_for

    return user_id_for(token)


def test_the_log_format_is_text_on_a_terminal_and_json_elsewhere():
    class Terminal:
        def isatty(self) -> bool:
            return True

    class Pipe:
        def isatty(self) -> bool:
            return False

    assert logs.chosen_format("auto", Terminal()) == "text"
    assert logs.chosen_format("auto", Pipe()) == "json"
    assert logs.chosen_format("json", Terminal()) == "json"
    record = logging.LogRecord("berkas.access", logging.INFO, __file__, 1, "GET %s %s", ("/healthz", 200), None)
    record.request_id, record.status = "abc", 200
    assert "request_id=abc" in logs.TextFormatter().format(record)
    assert json.loads(logs.JsonFormatter().format(record))["message"] == "GET /healthz 200"


def test_the_age_of_the_newest_signed_checkpoint_is_exposed(sqlite_system, tmp_path):
    """On a store of its own: the shared PostgreSQL test database has today's checkpoints."""
    system = sqlite_system
    client = TestClient(create_app(system))
    assert value(samples(client), "berkas_ledger_checkpoint_age_seconds") is None
    when = datetime(2024, 5, 1, 1, tzinfo=UTC)
    with recorded_at(when):
        system.app.save(passport(Clock(now=when), "ISSUED"))
    checkpoint_now(system.store, keys.generate(tmp_path / "ledger.pem"))
    age = value(samples(client), "berkas_ledger_checkpoint_age_seconds")
    newest = datetime(2024, 5, 2, tzinfo=UTC)  # the end of the day it covers
    assert age == pytest.approx((datetime.now(UTC) - newest).total_seconds(), abs=120)


def test_the_sample_dashboard_asks_only_for_series_the_api_exposes(client, system):
    dashboard = json.loads((Path(__file__).resolve().parent.parent / "docs" / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    asked = {name for expr in expressions for name in re.findall(r"berkas_[a-z_]+", expr)}
    client.get("/healthz")
    client.post("/passport-applications", json={}, headers=auth(token_for(system, "OFFICER")))
    exposed = {name for name, _ in samples(client)} | {
        "berkas_ledger_checkpoint_age_seconds",  # once a day is signed
        "berkas_rebuild_job_progress_ratio",  # while a rebuild runs
    }
    assert asked and asked <= exposed, asked - exposed


def test_problem_answers_quote_the_request_id_even_the_gates_refusals(client, system):
    officer = token_for(system, "OFFICER")
    missing = client.get(f"/passport-applications/{uuid.uuid4()}", headers=auth(officer, **{"X-Request-ID": "r-404"}))
    refused = client.get("/passport-applications", headers={"X-Request-ID": "r-401"})
    for answer, expected in ((missing, "r-404"), (refused, "r-401")):
        assert answer.headers["X-Request-ID"] == expected
        assert answer.json()["request_id"] == expected
    found = samples(client)
    assert value(
        found, "berkas_http_request_duration_seconds_count", method="GET", route="/passport-applications", status="401"
    )


def test_rebuild_jobs_are_counted_by_state_from_the_database(client, system):
    admin = token_for(system, "ADMIN")
    started = client.post("/reports/rebuild", json={"projection": "case_index"}, headers=auth(admin))
    assert started.status_code == 202, started.text
    job = started.headers["Location"]
    deadline = time.monotonic() + 60
    while client.get(job, headers=auth(admin)).json()["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    found = samples(client)
    jobs = {dict(labels)["state"]: v for (name, labels), v in found.items() if name == "berkas_rebuild_jobs"}
    assert jobs["succeeded"] >= 1 and jobs["running"] == 0


def test_a_stalled_log_stream_never_stalls_the_code_that_logs():
    """The access log is written from a thread of its own (``logs.BackgroundHandler``): a
    stream that blocks (a full pipe) holds up no request; what was logged is written later."""

    class Stalled(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.go = threading.Event()

        def write(self, text: str) -> int:
            self.go.wait(10)
            return super().write(text)

    stream = Stalled()
    handler = logs.BackgroundHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.Logger("berkas.test-stall")
    logger.addHandler(handler)
    token = logs.request_id.set("req-stalled")
    started = time.monotonic()
    for n in range(100):
        logger.info("GET %s %s", "/healthz", 200, extra={"status": 200, "duration_ms": n})
    logs.request_id.reset(token)
    assert time.monotonic() - started < 5 and stream.getvalue() == ""
    stream.go.set()
    handler.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 100 and lines[-1]["duration_ms"] == 99 and lines[0]["request_id"] == "req-stalled"
