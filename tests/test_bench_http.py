"""`bench http`'s wrk script sends each case's steps in order: the postpone/lift line sends a
case's postponement, then its lifting, then its postponement again..., so a step sent out of
turn is a refusal (409) and the bench exits 1. Checked against a small server that records
the paths in the order they arrive, one connection per wrk thread so that arrival order is the
order the script built them (no database: this is about wrk and the script, not Berkas)."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bench import http

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

CASES = 40  # even, as bench http's HISTORIES: a case's steps stay on one wrk thread


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_every_case_gets_its_steps_in_turn_from_the_first_request_on():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.daemon_threads = True
    Recorder.seen = []
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        steps = ("postponement", "postponement-lifting")
        paths = [f"/cases/{case}/{step}" for step in steps for case in range(CASES)]
        bodies = [f'{{"step": "{step}"}}' for step in steps for _ in range(CASES)]
        script = http.wrk_script("POST", paths, bodies, {})
        # one connection per wrk thread: each thread's requests arrive in the order it built them
        result = http.by_wrk("steps", f"http://127.0.0.1:{server.server_address[1]}", script, 1, http.WRK_THREADS)
    finally:
        server.shutdown()
        server.server_close()
    assert result.errors == 0
    seen = list(Recorder.seen)
    assert len(seen) > 4 * len(paths)  # several turns of every case
    for case in range(CASES):
        sent = [path.rsplit("/", 1)[1] for path in seen if path.startswith(f"/cases/{case}/")]
        expected = [steps[n % 2] for n in range(len(sent))]
        assert sent == expected, f"case {case}: {sent[:4]}..."
