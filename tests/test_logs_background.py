"""The log's writer thread (``logs.BackgroundHandler``): records are held where they are
logged and written every ``WINDOW`` seconds (or once ``BATCH`` wait), so the event loop
never wakes a thread per request. What this must not cost: a record lost at a normal stop,
more than the window's records lost at a crash, or memory without bound."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

from api import logs

ROOT = Path(__file__).resolve().parents[1]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_every_record_is_written_at_a_normal_exit_without_closing_anything():
    """``logs.configure`` (as ``berkas serve`` does) and 20,000 lines logged as fast as they
    come, then the interpreter exits: ``logging.shutdown`` closes the handler, which writes
    all that is held."""
    done = run(
        "import logging\n"
        "from api import logs\n"
        "logs.configure('json')\n"
        "log = logging.getLogger('berkas.access')\n"
        "for n in range(20000):\n"
        "    log.info('GET %s %s', '/healthz', 200, extra={'status': 200, 'duration_ms': n})\n"
    )
    assert done.returncode == 0
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["duration_ms"] for line in lines] == list(range(20000))


def test_a_process_killed_outright_loses_at_most_the_last_window():
    """SIGKILL gives no chance to write what is held: a record logged more than ``WINDOW``
    before the kill is written all the same (here 20 windows before, for a loaded machine)."""
    done = run(
        "import logging, os, signal, time\n"
        "from api import logs\n"
        "logs.configure('json')\n"
        "log = logging.getLogger('berkas.access')\n"
        "for n in range(5):\n"
        "    log.info('GET %s %s', '/healthz', 200, extra={'status': 200, 'duration_ms': n})\n"
        "time.sleep(20 * logs.WINDOW)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    assert done.returncode == -9
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["duration_ms"] for line in lines] == list(range(5))


def handler_on(stream: io.StringIO) -> tuple[logs.BackgroundHandler, logging.Logger]:
    handler = logs.BackgroundHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.Logger("berkas.test-background")
    logger.addHandler(handler)
    return handler, logger


def test_a_full_batch_wakes_the_writer_before_its_window(monkeypatch):
    monkeypatch.setattr(logs, "WINDOW", 3600.0)
    stream = io.StringIO()
    handler, logger = handler_on(stream)
    try:
        time.sleep(0.05)  # the thread is asleep on its (hour-long) window
        for n in range(logs.BATCH):
            logger.info("GET %s", n, extra={"duration_ms": n})
        deadline = time.monotonic() + 30
        while stream.getvalue().count("\n") < logs.BATCH and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stream.getvalue().count("\n") == logs.BATCH
    finally:
        handler.close()


def test_close_writes_what_is_held_without_waiting_for_the_window(monkeypatch):
    monkeypatch.setattr(logs, "WINDOW", 3600.0)
    stream = io.StringIO()
    handler, logger = handler_on(stream)
    for n in range(3):
        logger.info("GET %s", n, extra={"duration_ms": n})
    closing = threading.Thread(target=handler.close)
    closing.start()
    closing.join(60)  # an hour's window would never end here
    assert not closing.is_alive()
    assert [json.loads(line)["duration_ms"] for line in stream.getvalue().splitlines()] == [0, 1, 2]


def test_a_stalled_stream_holds_at_most_limit_records_and_says_how_many_it_dropped(monkeypatch):
    monkeypatch.setattr(logs, "LIMIT", 1000)

    class Stalled(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.go = threading.Event()

        def write(self, text: str) -> int:
            self.go.wait(30)
            return super().write(text)

    stream = Stalled()
    handler, logger = handler_on(stream)
    logger.info("first", extra={"duration_ms": -1})
    deadline = time.monotonic() + 30
    while handler.held and time.monotonic() < deadline:  # the thread took it and is stuck writing it
        time.sleep(0.01)
    for n in range(1500):
        logger.info("GET %s", n, extra={"duration_ms": n})
    assert len(handler.held) == 1000 and handler.dropped == 500
    stream.go.set()
    handler.close()
    lines = stream.getvalue().splitlines()
    assert json.loads(lines[0])["duration_ms"] == -1
    assert lines[1] == "berkas: 500 log records dropped, the log stream fell behind"
    assert [json.loads(line)["duration_ms"] for line in lines[2:]] == list(range(1000))
