"""Keep the views current inside the API process, for single-process deployments.

With a separate worker (``berkas projections run``, as in docker-compose) both may run:
on PostgreSQL an advisory lock gives each projection to one follower at a time.
"""

from __future__ import annotations

import logging
import threading

from api.http.errors import VIEWS_STOPPED, VIEWS_UNDECODABLE
from projections.eventstore.store import Store
from projections.runner import Projection, run_forever

log = logging.getLogger("berkas.follower")


class Follower:
    def __init__(self, store: Store, projections: list[Projection], poll_interval: float = 0.5):
        self.store = store
        self.projections = projections
        self.poll_interval = poll_interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="berkas-projections", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                run_forever(self.store, self.projections, self.poll_interval, self.stop)
            except VIEWS_UNDECODABLE as error:  # a row altered with psql: retried, in case it is mended
                log.error("projection follower: %s (%s); retrying in 5 s", VIEWS_STOPPED, type(error).__name__)
                self.stop.wait(5)
            except Exception as error:  # a dropped connection must not stop the views for good
                # The type only: an exception's text may quote the data it choked on.
                log.error("projection follower failed (%s); retrying in 5 s", type(error).__name__)
                self.stop.wait(5)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
