"""Rebuild jobs as rows in the database: every worker and process sees the same job, and
one view is rebuilt by one job at a time (a claim per view, a primary key, decides).

The job runs in a thread of the process that accepted it and writes its progress to its
row; a job whose process died stops beating and counts as abandoned, so its claims can
be taken over by the next request.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from projections import runner
from projections.eventstore import sql
from projections.eventstore.store import Store

log = logging.getLogger("berkas.http.jobs")

JOBS, CLAIMS = "berkas_jobs", "berkas_job_claims"
# A running job writes at least this often; one silent for ABANDONED has lost its process.
BEAT = 1.0
ABANDONED = timedelta(seconds=60)
_COLUMNS = ("id", "projections", "state", "done", "total", "events", "error", "requested_by", "office")
_TIMES = ("started_at", "heartbeat_at", "finished_at")


class JobBusy(Exception):
    """A view asked for is being rebuilt by another job."""

    def __init__(self, projection: str, job_id: str):
        self.projection = projection
        self.job_id = job_id
        super().__init__(f"{projection} is being rebuilt by job {job_id}")


@dataclass(frozen=True)
class Job:
    id: str
    projections: tuple[str, ...]
    state: str
    done: int
    total: int
    events: int
    error: str | None
    requested_by: str
    office: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None

    @property
    def rate(self) -> float:
        """Events per second so far."""
        elapsed = ((self.finished_at or self.heartbeat_at) - self.started_at).total_seconds()
        return round(self.done / elapsed, 1) if elapsed > 0 else 0.0


def projection_name(projection: Any) -> str:
    return str(getattr(projection, "name", type(projection).__name__))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _job(row: Sequence[Any]) -> Job:
    values = dict(zip(_COLUMNS + _TIMES, row, strict=True))
    times = {name: datetime.fromisoformat(values[name]) if values[name] else None for name in _TIMES}
    return Job(**(values | times | {"projections": tuple(values["projections"].split(","))}))


def create_tables(conn: Any) -> None:
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {JOBS} (id TEXT PRIMARY KEY, projections TEXT NOT NULL, "
        "state TEXT NOT NULL, done BIGINT NOT NULL, total BIGINT NOT NULL, events BIGINT NOT NULL, "
        "error TEXT, requested_by TEXT NOT NULL, office TEXT NOT NULL, started_at TEXT NOT NULL, "
        "heartbeat_at TEXT NOT NULL, finished_at TEXT)",
    )
    sql.execute(conn, f"CREATE TABLE IF NOT EXISTS {CLAIMS} (projection TEXT PRIMARY KEY, job_id TEXT)")


class Jobs:
    def __init__(self, store: Store):
        self.store = store

    def get(self, job_id: str) -> Job | None:
        with self.store.connect() as conn:
            if not sql.table_exists(conn, JOBS):
                return None
            self._settle_abandoned(conn)
            found = sql.fetchall(conn, f"SELECT {', '.join(_COLUMNS + _TIMES)} FROM {JOBS} WHERE id = ?", [job_id])
        return _job(found[0]) if found else None

    def recent(self, limit: int = 10) -> list[Job]:
        """The latest jobs, newest first (the web interface's operations page)."""
        with self.store.connect() as conn:
            if not sql.table_exists(conn, JOBS):
                return []
            self._settle_abandoned(conn)
            found = sql.fetchall(
                conn, f"SELECT {', '.join(_COLUMNS + _TIMES)} FROM {JOBS} ORDER BY started_at DESC LIMIT ?", [limit]
            )
        return [_job(row) for row in found]

    def start(self, projections: list[Any], requested_by: str, office: str) -> Job:
        """Claim every view, record the job, run it in a thread; ``JobBusy`` if one is taken."""
        names = [projection_name(p) for p in projections]
        job_id = uuid.uuid4().hex
        now = _now()
        try:
            with self.store.connect() as conn:
                self._settle_abandoned(conn)
                for name in names:
                    held = sql.fetchall(conn, f"SELECT job_id FROM {CLAIMS} WHERE projection = ?", [name])
                    if held:
                        raise JobBusy(name, held[0][0])
                    sql.execute(conn, f"INSERT INTO {CLAIMS} (projection, job_id) VALUES (?, ?)", [name, job_id])
                sql.execute(
                    conn,
                    f"INSERT INTO {JOBS} ({', '.join(_COLUMNS + _TIMES)}) VALUES ({', '.join('?' * 12)})",
                    [job_id, ",".join(names), "running", 0, 0, 0, None, requested_by, office, now, now, None],
                )
        except (psycopg.errors.UniqueViolation, sqlite3.IntegrityError):
            # Another process claimed the same view between our look and our insert.
            raise JobBusy(",".join(names), "(another)") from None
        thread = threading.Thread(target=self._run, args=(job_id, projections), name=f"rebuild-{job_id[:8]}")
        thread.daemon = True
        thread.start()
        job = self.get(job_id)
        assert job is not None
        return job

    def _settle_abandoned(self, conn: Any) -> None:
        cutoff = (datetime.now(UTC) - ABANDONED).isoformat(timespec="microseconds")
        sql.execute(
            conn,
            f"UPDATE {JOBS} SET state = 'failed', error = 'abandoned: its process stopped', finished_at = ? "
            "WHERE state = 'running' AND heartbeat_at < ?",
            [_now(), cutoff],
        )
        sql.execute(conn, f"DELETE FROM {CLAIMS} WHERE job_id NOT IN (SELECT id FROM {JOBS} WHERE state = 'running')")

    def _update(self, job_id: str, **values: Any) -> None:
        values["heartbeat_at"] = _now()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.store.connect() as conn:
            sql.execute(conn, f"UPDATE {JOBS} SET {assignments} WHERE id = ?", [*values.values(), job_id])
            if values.get("state", "running") != "running":
                sql.execute(conn, f"DELETE FROM {CLAIMS} WHERE job_id = ?", [job_id])

    def _run(self, job_id: str, projections: list[Any]) -> None:
        reached = {"done": 0, "total": 0, "written": 0.0}

        def progress(done: int, total: int) -> None:
            """Positions in the log: where the pass is, and the log's end when it began."""
            reached.update(done=done, total=total)
            if time.monotonic() - reached["written"] >= BEAT / 2:
                reached["written"] = time.monotonic()
                self._update(job_id, done=done, total=total)

        try:
            # Every view asked for in one pass over the log.
            applied = runner.rebuild(self.store, projections, progress=progress)
            done, total = reached["done"], reached["total"]
            self._update(job_id, state="succeeded", done=done, total=total, events=applied, finished_at=_now())
        except Exception as error:  # the job reports it; the server goes on
            log.error("rebuild %s failed: %s", job_id, type(error).__name__)
            try:
                self._update(job_id, state="failed", error=type(error).__name__, finished_at=_now())
            except Exception as lost:  # the database itself is gone: the job will count as abandoned
                log.error("rebuild %s could not record its failure: %s", job_id, type(lost).__name__)
