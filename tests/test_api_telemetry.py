"""FastAPI's own OpenTelemetry instrumentation is off: a tracer or meter provider installed on
the host (an operator's auto-instrumentation) receives no span or metric from Berkas, whose
request paths and queries must follow the access log's rules, never a third party's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from opentelemetry import metrics, trace

from api.http.app import create_app
from tests.api_support import auth, passport_body, token_for


class CountingTracerProvider(trace.TracerProvider):
    """A configured provider (not one of the API's deferred proxies) that counts tracers asked
    for; FastAPI asks for one before it opens a request's span."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_tracer(self, instrumenting_module_name, *args, **kwargs):
        self.asked.append(instrumenting_module_name)
        return trace.NoOpTracer()


class CountingMeterProvider(metrics.MeterProvider):
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_meter(self, name, *args, **kwargs):
        self.asked.append(name)
        return metrics.NoOpMeter(name)


def test_a_host_telemetry_provider_receives_nothing_from_berkas(system, monkeypatch):
    tracers, meters = CountingTracerProvider(), CountingMeterProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: tracers)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: meters)
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        officer = token_for(system, "OFFICER")
        created = client.post("/passport-applications", json=passport_body(), headers=auth(officer))
        assert created.status_code == 201
        read = client.get(f"/passport-applications/{created.json()['id']}", headers=auth(officer))
        assert read.status_code == 200
        assert client.get("/passport-applications?status=BOGUS", headers=auth(officer)).status_code == 422
    assert tracers.asked == []
    assert meters.asked == []
