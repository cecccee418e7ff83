"""``berkas serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import os
import shutil
import tempfile

import typer
import uvicorn

from api import logs
from api.bootstrap import StoreNotReady, settings_from_environment
from api.cli.common import system
from api.http import metrics
from projections.ledger.keys import LedgerKeyError

app = typer.Typer(help="Serve the HTTP API.")


@app.callback(invoke_without_command=True)
def serve(
    host: str | None = typer.Option(None, "--host", help="Address to listen on (BERKAS_HOST)"),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port to listen on (BERKAS_PORT)"),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own connection pool"),
) -> None:
    """Run the API; the app is built by a factory in each worker, never at import."""
    settings = settings_from_environment()
    preflight()
    run_server(host or settings.host, port or settings.port, workers)


def preflight() -> None:
    """Open the store once, with both key files, before uvicorn starts a worker: a key file
    missing, foreign or readable by others, or a database that does not answer, is then one
    line and a non-zero exit, not a traceback in each worker (which uvicorn, with
    ``--workers``, starts again and again, or gives up on with exit code 0)."""
    with system() as built:
        try:
            _ = built.ledger_key
        except LedgerKeyError as error:
            raise StoreNotReady(str(error)) from None


def run_server(host: str, port: int, workers: int = 1) -> None:
    # Web sessions signed by one worker verify in every other, and in every other host's
    # workers: without BERKAS_SESSION_SECRET each derives the same one from the personal-data
    # key file (api.ui.web), so nothing is set here (a random one would be this host's alone).
    counts = None
    if workers > 1 and not os.environ.get(metrics.MULTIPROCESS_DIR):
        # Each process counts its own requests; a scrape adds up the files they write here.
        counts = tempfile.mkdtemp(prefix="berkas-metrics-")
        metrics.prepare_multiprocess_dir(counts)
    try:
        uvicorn.run(
            "api.http.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            # Only these proxies' X-Forwarded-Proto counts (the session cookie's Secure flag).
            forwarded_allow_ips=settings_from_environment().forwarded_allow_ips,
            log_config=logs.config(settings_from_environment().log_format),
            access_log=False,  # one line per request comes from berkas.access, with its id and route
        )
    finally:
        if counts is not None:  # gone with its directory: a later app in this process counts alone again
            os.environ.pop(metrics.MULTIPROCESS_DIR, None)
            shutil.rmtree(counts, ignore_errors=True)
