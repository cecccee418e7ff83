"""Projection rebuilds run in a background thread; a job records their progress."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from projections import runner
from projections.eventstore.store import Store

log = logging.getLogger("berkas.http.jobs")


@dataclass
class Job:
    id: str
    projections: list[Any]
    state: str = "running"
    projection: str | None = None
    done: int = 0
    total: int = 0
    events: int = 0
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def rate(self) -> float:
        elapsed = (self.finished or time.monotonic()) - self.started
        return round(self.done / elapsed, 1) if elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "projection": self.projection,
            "done": self.done,
            "total": self.total,
            "rate": self.rate,
            "events": self.events,
            "error": self.error,
        }


def projection_name(projection: Any) -> str:
    return str(getattr(projection, "name", type(projection).__name__))


class Jobs:
    """At most one rebuild at a time: two would fight over the same view tables."""

    def __init__(self, store: Store):
        self.store = store
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def running(self) -> Job | None:
        return next((job for job in self._jobs.values() if job.state == "running"), None)

    def start(self, projections: list[Any]) -> Job | None:
        """The new job, or None when one is already running."""
        with self._lock:
            if self.running() is not None:
                return None
            job = Job(id=uuid.uuid4().hex, projections=projections)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"rebuild-{job.id[:8]}", daemon=True).start()
        return job

    def _run(self, job: Job) -> None:
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            # All of them in one pass over the log.
            job.projection = ", ".join(projection_name(p) for p in job.projections)
            job.events += runner.rebuild(self.store, job.projections, progress=progress)
            job.state = "succeeded"
        except Exception as error:  # the job reports it; the server goes on
            job.state = "failed"
            job.error = type(error).__name__
            log.error("rebuild %s failed: %s", job.id, type(error).__name__)
        finally:
            job.finished = time.monotonic()
