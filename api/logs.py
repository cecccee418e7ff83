"""Log lines: one JSON object a line for collectors, plain text on a terminal.

The request id of the request being served rides on a context variable, so every line
logged while serving it carries it, and problem responses can quote it. Nothing here
logs personal data: callers pass ids, codes and route templates, never request bodies.
"""

from __future__ import annotations

import collections
import json
import logging
import logging.config
import sys
import threading
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id: ContextVar[str | None] = ContextVar("berkas_request_id", default=None)

# Fields a record may carry through ``extra=``; anything else is left out of the line.
FIELDS = ("request_id", "method", "route", "status", "duration_ms", "actor_id")


def current_request_id() -> str | None:
    """The id of the request being served, if any (also echoed as ``X-Request-ID``)."""
    return request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "message": ..., <fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's text may quote the data it choked on.
            line["error"] = record.exc_info[0].__name__
        try:
            return orjson.dumps(line).decode()  # compact, UTF-8 as is: json's output, quicker
        except TypeError:  # a value orjson does not take (an int beyond 64 bits)
            return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """``12:00:01 INFO  berkas.access GET /cases/{case_id} 200 3.1 ms [req 9f…]`` for people."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extra = " ".join(f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None))
        text = f"{stamp} {record.levelname:<5} {record.name} {record.getMessage()}"
        return f"{text}  {extra}" if extra else text


# How long a record may wait before the writer thread takes it, and how many records wake it
# sooner. The code that logs never wakes the thread for a record of its own (under load that
# wake-up, one per request, cost the event loop a thread switch each); a process killed
# outright (SIGKILL, power) loses at most the records of the last WINDOW seconds. A normal
# stop (``close``, which ``logging.shutdown`` calls at exit) writes every record.
WINDOW = 0.05
BATCH = 512
# At most this many records wait (a stream that stalls for good, a full pipe, must not eat
# the memory): beyond it new records are counted, not kept, and a line says how many.
LIMIT = 50_000


class BackgroundHandler(logging.Handler):
    """Writes to ``stream`` from a thread of its own: a record is held where it is logged
    (the event loop, for the access log), and formatted and written by the thread, so a
    slow stream (a full pipe, a terminal) never stalls the requests being served. The
    thread wakes every ``WINDOW`` seconds (or once ``BATCH`` records wait), takes every
    record held and writes them in one go.

    Filters run where the record is logged (the request id is read there); the formatter
    is the stream's, used in the thread. Closing the handler writes what is held."""

    def __init__(self, stream: Any = None):
        super().__init__()
        self.target = logging.StreamHandler(stream or sys.stderr)
        self.held: collections.deque[logging.LogRecord] = collections.deque()
        self.dropped = 0
        self._wake = threading.Event()
        self._stopping = False
        self._writer: threading.Thread | None = threading.Thread(target=self._write, name="berkas-log", daemon=True)
        self._writer.start()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        self.target.setFormatter(fmt)

    def handle(self, record: logging.LogRecord) -> bool:
        # ``Handler.handle`` without its lock: ``deque.append`` is atomic.
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        held = self.held
        if len(held) >= LIMIT:
            self.dropped += 1
            return
        held.append(record)  # the record itself, formatted in the thread (no copy made here)
        if len(held) == BATCH:
            self._wake.set()

    def _take(self) -> list[logging.LogRecord]:
        held, records = self.held, []
        while held:
            records.append(held.popleft())
        return records

    def _write(self) -> None:
        while True:
            self._wake.wait(WINDOW)
            self._wake.clear()
            stopping = self._stopping  # read before taking: what was held by then is written
            records = self._take()
            lines = []
            if self.dropped:
                dropped, self.dropped = self.dropped, 0
                lines.append(
                    f"berkas: {dropped} log records dropped, the log stream fell behind{self.target.terminator}"
                )
            for record in records:
                try:
                    lines.append(self.target.format(record) + self.target.terminator)
                except Exception:
                    self.target.handleError(record)
            if lines:
                with self.target.lock:  # type: ignore[union-attr]
                    try:
                        self.target.stream.write("".join(lines))
                        self.target.flush()
                    except Exception:
                        self.target.handleError(records[-1] if records else _STOP)
            if stopping:
                return

    def flush(self) -> None:
        """Asks the thread to write what is held now (it does not wait for the write)."""
        self._wake.set()

    def close(self) -> None:
        if self._writer is not None:
            self._stopping = True
            self._wake.set()
            self._writer.join()
            self._writer = None
        self.target.close()
        super().close()


_STOP = logging.makeLogRecord({"msg": "stop"})  # stands for no record in handleError


def chosen_format(log_format: str, stream: Any = None) -> str:
    """``auto`` is text on a terminal and JSON everywhere else (containers, files, pipes)."""
    if log_format != "auto":
        return log_format
    stream = stream or sys.stderr
    return "text" if hasattr(stream, "isatty") and stream.isatty() else "json"


def config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers and uvicorn's (which ``berkas serve``
    hands to uvicorn, so its own lines match ours; its access log is ours instead)."""
    formatter = "json" if chosen_format(log_format) == "json" else "text"
    handler = {"class": "api.logs.BackgroundHandler", "formatter": formatter, "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"stderr": handler | {"stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # One line per request comes from berkas.access, with the request id and route.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def configure(log_format: str, level: str = "INFO") -> None:
    logging.config.dictConfig(config(log_format, level))
