"""What every request passes before the app reads a byte of its body: a size limit and the
bearer token (FastAPI reads and parses the body before it resolves any dependency, so a
large body from a stranger would be parsed before authentication could refuse it).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import problem
from domain.usecases.base import Actor

log = logging.getLogger("berkas.http")
UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}
_BEARER = re.compile(r"bearer\s+(\S+)\s*", re.IGNORECASE)


class TokenCache:
    """Bearer token -> actor for ``ttl`` seconds: a request then costs no database query.

    A revocation in this process takes effect at once (``forget``); one made in another
    process within ``ttl`` seconds. Unknown tokens are remembered too: a token cannot
    become valid later (the account's id is derived from it). A token in use is looked
    up again in the background once half its time is gone, and a token nobody holds an
    answer for is looked up once however many requests wait for it: requests never queue
    behind a lookup of a busy token.
    """

    def __init__(self, lookup: Callable[[str], Actor | None], ttl: float, size: int = 10_000):
        self.lookup = lookup
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[Actor | None, float]] = {}
        self._pending: dict[str, asyncio.Future[Actor | None]] = {}
        self._lock = threading.Lock()

    def remember(self, token: str, actor: Actor | None) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[token] = (actor, time.monotonic() + self.ttl)

    async def actor_async(self, token: str) -> Actor | None:
        entry = self._entries.get(token)
        now = time.monotonic()
        if entry is not None and entry[1] >= now:
            if entry[1] - now < self.ttl / 2 and token not in self._pending:
                self._start(token, quiet=True)
            return entry[0]
        pending = self._pending.get(token) or self._start(token, quiet=False)
        return await asyncio.shield(pending)

    def _start(self, token: str, *, quiet: bool) -> asyncio.Future[Actor | None]:
        future = asyncio.get_running_loop().run_in_executor(None, self._fresh, token, quiet)
        self._pending[token] = future
        # Cleared on the loop, after the result: a lookup that finishes at once still counts as pending until then.
        future.add_done_callback(lambda done: self._pending.pop(token) if self._pending.get(token) is done else None)
        return future

    def _fresh(self, token: str, quiet: bool) -> Actor | None:
        try:
            actor = self.lookup(token)
            self.remember(token, actor)
            return actor
        except Exception as error:
            if not quiet:
                raise
            # A background refresh: the entry stays until it expires; the next miss retries.
            log.warning("token refresh failed (%s)", type(error).__name__)
            return None

    def forget(self, user_id: str) -> None:
        with self._lock:
            for token, (actor, _) in list(self._entries.items()):
                if actor is not None and actor.id == user_id:
                    del self._entries[token]


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            found = _BEARER.fullmatch(value.decode("latin-1"))
            return found.group(1) if found else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class Gate:
    """Refuses a body over ``max_body`` bytes (413) and, on the routes that require a
    bearer token, a request without a valid one (401), before the body is read."""

    def __init__(self, app: ASGIApp, *, max_body: int, tokens: TokenCache, guarded: GuardedRoutes):
        self.app = app
        self.max_body = max_body
        self.tokens = tokens
        self.guarded = guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await self._refuse(scope, receive, send, 413, f"the body may be at most {self.max_body} bytes")
            return
        token = bearer_token(scope)
        actor = await self.tokens.actor_async(token) if token else None
        if actor is None and self.guarded.requires_token(scope["method"], scope["path"]):
            why = "the bearer token is unknown or revoked" if token else "send Authorization: Bearer <token>"
            await self._refuse(scope, receive, send, 401, why, UNAUTHENTICATED)
            return
        scope.setdefault("state", {})["actor"] = actor
        await self.app(scope, self._limited(receive), send)

    def _limited(self, receive: Receive) -> Receive:
        """Counts what a body without (or with a false) Content-Length really sends."""
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise HTTPException(413, f"the body may be at most {self.max_body} bytes")
            return message

        return limited

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str, headers: dict | None = None
    ) -> None:
        name = "body-too-large" if status == 413 else "unauthenticated"
        headers = {**(headers or {}), "Connection": "close"} if status == 413 else headers
        await problem(Request(scope), status, name, detail, headers)(scope, receive, send)


class GuardedRoutes:
    """The (method, path template) pairs whose OpenAPI operation requires a bearer token,
    read from the app's schema on first use (every route is registered by then)."""

    def __init__(self, app: Any):
        self.app = app
        self._patterns: list[tuple[str, re.Pattern[str]]] | None = None

    def _compile(self) -> list[tuple[str, re.Pattern[str]]]:
        patterns = []
        for path, operations in self.app.openapi().get("paths", {}).items():
            parts = re.split(r"(\{[^/}]+\})", path)
            pattern = re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")
            patterns += [(method.upper(), pattern) for method, op in operations.items() if op.get("security")]
        return patterns

    def requires_token(self, method: str, path: str) -> bool:
        if self._patterns is None:
            self._patterns = self._compile()
        return any(method == m and pattern.match(path) for m, pattern in self._patterns)
