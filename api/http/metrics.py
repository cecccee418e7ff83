"""``GET /metrics``: the API's and the store's figures in Prometheus' text format.

Two kinds of series. What happens in this process (request latency, commands, ledger
verifications) is counted as it happens; under ``berkas serve --workers N`` each process
writes its counts to ``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up. What the
database knows (events appended, each view's position and lag, the newest signed ledger
checkpoint) is read at scrape time, so every process answers the same. Labels are route
templates, status codes, command kinds and view names: never ids or personal data.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.bootstrap import System
from api.http.jobs import JOBS
from projections import runner
from projections.eventstore import sql
from projections.ledger import facts

log = logging.getLogger("berkas.metrics")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# What a command's HTTP status says about it, for ``berkas_commands_total{outcome}``.
OUTCOMES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid"}


def outcome(status: int) -> str:
    if status < 400:
        return "accepted"
    if status >= 500:
        return "error"
    return OUTCOMES.get(status, "rejected")


class StoreCollector(Collector):
    """Series read from the database at scrape time."""

    def __init__(self, system: System):
        self.system = system

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("berkas_store_up", "1 if the event store answered this scrape")
        try:
            found = list(self._from_store())
        except (psycopg.Error, sqlite3.Error, OSError) as error:
            log.warning("metrics: the event store did not answer (%s)", type(error).__name__)
            found = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from found

    def _from_store(self) -> Iterator[Metric]:
        store = self.system.store
        head = self.system.app.recorder.max_notification_id() or 0
        appended = CounterMetricFamily(
            "berkas_events_appended", "Events appended to the log (its last notification id)"
        )
        appended.add_metric([], head)
        yield appended
        where = runner.positions(store)
        position = GaugeMetricFamily(
            "berkas_projection_position", "Notification id a view has reached", labels=["view"]
        )
        lag = GaugeMetricFamily(
            "berkas_projection_lag_events", "Notification ids a view is behind the log", labels=["view"]
        )
        for projection in self.system.projections():
            reached = where.get(projection.name, 0)
            position.add_metric([projection.name], reached)
            lag.add_metric([projection.name], max(head - reached, 0))
        yield position
        yield lag
        yield from self._jobs()
        newest = _newest_signed_day(store)
        if newest is not None:
            age = GaugeMetricFamily(
                "berkas_ledger_checkpoint_age_seconds",
                "Seconds since the end of the (UTC) day covered by the newest signed ledger checkpoint",
            )
            closed = datetime.combine(newest + timedelta(days=1), datetime.min.time(), UTC)
            age.add_metric([], max((datetime.now(UTC) - closed).total_seconds(), 0.0))
            yield age

    def _jobs(self) -> Iterator[Metric]:
        """Rebuild jobs are rows of the database: every process reports them all."""
        with self.system.store.read() as conn:
            if not sql.table_exists(conn, JOBS):
                return
            states = dict(sql.fetchall(conn, f"SELECT state, COUNT(*) FROM {JOBS} GROUP BY state"))
            running = sql.fetchall(conn, f"SELECT projections, done, total FROM {JOBS} WHERE state = 'running'")
        jobs = GaugeMetricFamily("berkas_rebuild_jobs", "View rebuild jobs by state", labels=["state"])
        for state in sorted({"running", "succeeded", "failed", *states}):
            jobs.add_metric([state], int(states.get(state, 0)))
        yield jobs
        progress = GaugeMetricFamily(
            "berkas_rebuild_job_progress_ratio", "Share of the log a running rebuild has replayed", labels=["views"]
        )
        for views, done, total in running:
            progress.add_metric([views], done / total if total else 0.0)
        yield progress


def _newest_signed_day(store: Any) -> date | None:
    with store.read() as conn:
        found = facts.newest_signed_day(conn)
    return date.fromisoformat(found) if found else None


class Metrics:
    """One per app, each with its own registry: tests build as many apps as they like."""

    def __init__(self, system: System):
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "berkas_http_request_duration_seconds",
            "Time to answer a request, by method, route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "berkas_commands",
            "Commands (POSTs) by kind (route template) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        # "Failed" rather than "ok": before any verification the gauge reads 0, no false alarm.
        self.verification_failed = Gauge(
            "berkas_ledger_verification_failed",
            "1 if the last ledger verification found a divergence, 0 if it passed (or none ran yet)",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.verified_at = Gauge(
            "berkas_ledger_verification_timestamp_seconds",
            "When the last ledger verification ran (Unix time)",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.store = StoreCollector(system)
        self.registry.register(self.store)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).observe(seconds)
        if method == "POST" and route != "unmatched":
            self.commands.labels(route, outcome(status)).inc()

    def verified(self, ok: bool) -> None:
        self.verification_failed.set(0 if ok else 1)
        self.verified_at.set(time.time())

    def exposition(self) -> bytes:
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)
            registry.register(self.store)
            return generate_latest(registry)
        return generate_latest(self.registry)


def prepare_multiprocess_dir(path: str) -> None:
    """Before the server starts its processes: an empty directory for their counts (files
    left by an earlier run would be added in)."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    os.environ[MULTIPROCESS_DIR] = path


router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics (no personal data; keep it off the public side of the proxy)."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
