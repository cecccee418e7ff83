"""Every request once: its id, its log line and its metrics, in one ASGI middleware.

The request id is the caller's ``X-Request-ID`` when it is a plain token, else a new one;
it is echoed in the answer's ``X-Request-ID`` and set for everything logged meanwhile.
The line names the route template (``/cases/{case_id}``), never the path or query, which
may carry what a person typed; the actor is the id of the account the gate authenticated.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import logs
from api.http.metrics import Metrics

log = logging.getLogger("berkas.access")

HEADER = b"x-request-id"
_PLAIN = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", ()) if key == name), None)


def _request_id(scope: Scope) -> str:
    given = _header(scope, HEADER)
    # A new one: 32 random hex digits, as a uuid4's hex (without its version bits) at a third the cost.
    return given.decode() if given is not None and _PLAIN.fullmatch(given) else os.urandom(16).hex()


def _actor_id(scope: Scope) -> str | None:
    """The account the gate authenticated, if any (an id, never a name)."""
    actor = scope.get("state", {}).get("actor")
    return getattr(actor, "id", None)


def _templates(app: Any) -> list[tuple[str, re.Pattern[str]]]:
    """Every path template of the app's schema as a pattern, literal ones first."""
    found = []
    for path in app.openapi().get("paths", {}):
        parts = re.split(r"(\{[^/}]+\})", path)
        found.append((path, re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")))
    return sorted(found, key=lambda item: item[0].count("{"))


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics
        self.templates: list[tuple[str, re.Pattern[str]]] | None = None

    def route(self, scope: Scope) -> str:
        """The matched route's template; for a request refused before routing (the gate's
        401 and 413), the template its path fits; else ``unmatched``."""
        route: Any = scope.get("route")
        if getattr(route, "path", None):
            return route.path
        if self.templates is None and "app" in scope:
            self.templates = _templates(scope["app"])
        return next((path for path, pattern in self.templates or () if pattern.match(scope["path"])), "unmatched")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = logs.request_id.set(request_id)
        # Where problem responses find it (``request.state.request_id``).
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = self.route(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "actor_id": _actor_id(scope),
                },
            )
            logs.request_id.reset(token)
