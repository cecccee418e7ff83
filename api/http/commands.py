"""The one way a route runs a command: the body carries the aggregate method's arguments,
the domain checks who may act before what the state allows, the use case loads the case
once, saves once and returns what it saved; the answer is that case (so a retry with the
same Idempotency-Key gets the very same answer), with its ETag.

Command routes are declared as data (path -> lifecycle command and body model); their
descriptions come from the lifecycle table.
"""

import asyncio
import contextvars
import json
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Response
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.routing import Match, get_route_path
from starlette.routing import Route as StarletteRoute
from starlette.types import Message, Receive, Scope, Send

from api.bootstrap import System
from api.http import access
from api.http.deps import (
    ETAG,
    NEVER,
    ActorDep,
    CaseExpectedVersionDep,
    CommandIdDep,
    IdempotencyKey,
    SystemDep,
    bound,
    request_fingerprint,
    weak_if_match,
)
from api.http.present import case_public
from api.http.reading import CaseReads, LeanRoutes, ReadsDep, Template
from api.http.schemas.cases import CASE_MODELS, CasePublic
from api.http.schemas.common import CommandCreate, errors
from domain.case import Case
from domain.errors import ConflictError
from domain.usecases.base import Actor

PATHS = {
    "PassportApplication": "/passport-applications",
    "StayPermit": "/stay-permits",
    "EnforcementCase": "/enforcement-cases",
    "JointOperation": "/joint-operations",
}


def answer(system: System, actor: Actor, case: Case, response: Response) -> CasePublic:
    response.headers["ETag"] = f'"{case.version}"'
    return case_public(case, access.reveals_personal_data(actor, case.office))


@dataclass
class Commands:
    system: System
    actor: Actor
    expected_version: int | None
    key: IdempotencyKey | None
    response: Response
    reads: CaseReads

    def create(self, kind: type[Case], body: CommandCreate) -> CasePublic:
        """A new case: 201 with Location (a weak If-Match refused first, as it was)."""
        if self.expected_version == NEVER:
            raise weak_if_match()
        with bound(self.key) as command_id:  # in the command's thread, just before it runs
            case = self.system.app.create(kind, self.actor, **body.arguments(), **self._options(body, command_id))
        return self._created(case)

    def on(self, kind: type[Case], case_id: UUID, command: str, body: CommandCreate, **kept: Any) -> Case:
        """A lifecycle command on a case; returns the case as the command left it. ``kept``:
        ``current`` and ``on_saved`` (``BerkasBase.execute``).

        ``If-Match`` is evaluated where RFC 9110 §13.2.1 puts it: after what the request would
        fail on without it. A case that does not exist is a 404 whatever the tag, not a 412: a
        POST to it is a 404 without the header (§13.1.1's false condition where there is no
        current representation counts where the request would succeed without it, as a PUT
        creating a revenue target would). A caller who may not act on the case is a 403, never
        told its version. Only then is a stale tag a 409 naming the version, a weak one a 412."""
        try:
            with bound(self.key) as command_id:
                options = self._options(body, command_id) | {"expected_version": self.expected_version} | kept
                case = self.system.app.act(kind, case_id, self.actor, command, **body.arguments(), **options)
        except ConflictError:
            if self.expected_version == NEVER:  # the key was released: nothing was written
                raise weak_if_match() from None
            raise
        self.reads.forget(case_id)  # read-your-writes in this process, before the log follower sees it
        return case

    def answer(self, case: Case) -> CasePublic:
        return answer(self.system, self.actor, case, self.response)

    @staticmethod
    def _options(body: CommandCreate, command_id: str | None) -> dict[str, Any]:
        return {"occurred_at": body.occurred_at, "late_entry_reason": body.late_entry_reason, "command_id": command_id}

    def _created(self, case: Case) -> CasePublic:
        self.response.headers["Location"] = f"{PATHS[case.KIND]}/{case.id}"
        return self.answer(case)

    def opened(self, case_id: UUID) -> CasePublic:
        """The case a command opened (a finding's enforcement case, a transfer's successor)."""
        return self._created(self.system.app.get_case(case_id, version=1))


async def commands(
    system: SystemDep,
    actor: ActorDep,
    expected_version: CaseExpectedVersionDep,
    command_id: CommandIdDep,
    response: Response,
    reads: ReadsDep,
) -> Commands:
    return Commands(system, actor, expected_version, command_id, response, reads)


CommandsDep = Annotated[Commands, Depends(commands)]


@dataclass(frozen=True)
class Route:
    """A command route: ``POST /{case_id}/<path>`` runs ``command`` with the body's fields.

    ``opens`` names the case the command opened (answered 201 with its Location)."""

    command: str
    body: type[CommandCreate]
    summary: str
    opens: Callable[[Any], UUID] | None = None
    body_optional: bool = False


# Every kind's command routes by path, as registered: the web interface builds its forms from them.
ROUTES: dict[str, dict[str, Route]] = {}


def command_routes(router: APIRouter, kind: type[Case], routes: dict[str, Route]) -> None:
    """Register the command routes of a case kind."""
    ROUTES[kind.KIND] = dict(routes)
    for path, route in routes.items():
        _register(router, kind, path, route)


def _register(router: APIRouter, kind: type[Case], path: str, route: Route) -> None:
    transition = kind.LIFECYCLE.command(route.command)
    model = route.body

    if route.body_optional:

        def endpoint(case_id: UUID, commands: CommandsDep, body: Annotated[model | None, Body()] = None) -> CasePublic:
            return run(case_id, commands, body or model())
    else:

        def endpoint(case_id: UUID, body: model, commands: CommandsDep) -> CasePublic:  # type: ignore[valid-type]
            return run(case_id, commands, body)

    def run(case_id: UUID, commands: Commands, body: CommandCreate) -> CasePublic:
        case = commands.on(kind, case_id, route.command, body)
        return commands.opened(route.opens(case)) if route.opens else commands.answer(case)

    endpoint.__name__ = route.command
    router.post(
        f"/{{case_id}}/{path}",
        status_code=201 if route.opens else 200,
        # A command that opens a case answers with that case, of its own kind.
        response_model=CasePublic if route.opens else CASE_MODELS[kind.KIND],
        responses=errors(401, 403, 404, 409, 412, 422),
        summary=route.summary + (" (supervisor)" if transition.supervisor_only else ""),
        description=transition.describe(),
        name=route.command,
    )(endpoint)


class LeanCommand:
    """``POST <prefix>/{case_id}/<path>`` of a command that answers its own case, without
    FastAPI's per-request machinery (its dependency tree, a second validation of the answer):
    the body is validated once, by the same model, the command runs in one worker-thread hop,
    and the answer is serialised as FastAPI would (by the route's response model, to JSON
    bytes). Anything unusual (not JSON, a body the model refuses, a header out of its rules,
    no actor) is handed, body and all, to the FastAPI route, which answers it as it always
    did: the OpenAPI contract and the problem+json answers are that route's."""

    def __init__(self, kind: type[Case], route: Route):
        self.kind = kind
        self.route = route
        self.response_model = TypeAdapter(CASE_MODELS[kind.KIND])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        answer = self._parse(request, body)
        if answer is None:
            await self._fall_back(scope, body, send)
            return
        actor, expected, key, parsed = answer
        system: System = request.app.state.system
        case_id: UUID = scope["path_params"]["case_id"]
        if key is not None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            key_of = IdempotencyKey(
                system.store,
                actor.id,
                key,
                "",
                timedelta(hours=system.settings.idempotency_ttl_hours),
            )
        else:
            path, key_of = "", None

        def work() -> tuple[bytes, str]:
            bound_key = key_of
            if bound_key is not None:
                fingerprint = request_fingerprint(system, "POST", path, body)
                bound_key = replace(bound_key, fingerprint=fingerprint)
            holder = Response()
            reads: CaseReads = request.app.state.reads
            commands = Commands(system, actor, expected, bound_key, holder, reads)
            # The case as this process's last command on it saved it, if any: no load.
            taken = reads.take_state(case_id)
            loaded = time.monotonic()  # a case loaded now holds personal data opened now
            saved: list[Case] = []
            current = None if taken is None else taken[0]
            case = commands.on(self.kind, case_id, self.route.command, parsed, current=current, on_saved=saved.append)
            public = commands.answer(case)
            content = self.response_model.dump_json(public, by_alias=True)
            if saved:  # kept once its answer is made: the next command changes it in place
                reads.keep_state(saved[0], taken[1] if taken is not None and saved[0] is current else loaded)
            return content, holder.headers["ETag"]

        content, etag = await _WORKERS.run(work)
        await Response(content, media_type="application/json", headers={"ETag": etag})(scope, receive, send)

    def _parse(self, request: Request, body: bytes) -> tuple[Actor, int | None, str | None, CommandCreate] | None:
        actor = getattr(request.state, "actor", None)
        if actor is None:
            return None
        headers = request.headers
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return None
        if_match = headers.get("if-match")
        expected: int | None = None
        if if_match is not None and if_match.strip() != "*":
            found = ETAG.fullmatch(if_match)
            if len(if_match) > 32 or found is None:
                return None
            expected = int(found.group(1))
        key = headers.get("idempotency-key")
        if key is not None and not _KEY.fullmatch(key):
            return None
        try:
            parsed = self.route.body.model_validate(json.loads(body))
        except (ValueError, ValidationError):  # json's errors and pydantic's are both ValueErrors
            return None
        return actor, expected, key, parsed

    async def _fall_back(self, scope: Scope, body: bytes, send: Send) -> None:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        # Routed again, past the lean routes, to the FastAPI route.
        await scope["app"].router({**scope, DECLINED: True}, replay, send)


DECLINED = "berkas.lean_declined"


class _LeanRoute(StarletteRoute):
    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get(DECLINED):
            return Match.NONE, {}
        return super().matches(scope)


class _LeanRoutes(LeanRoutes):
    """Every lean command route as one entry of the app's routes, looked up by its prefix
    and its last segment (``reading.LeanRoutes``)."""

    scope_key = "berkas.lean_route"

    def key(self, scope: Scope) -> Any:
        if scope.get(DECLINED):
            return None
        parts = get_route_path(scope).rsplit("/", 2)  # prefix, case id, command path
        return (parts[0], parts[-1]) if len(parts) == 3 else None

    def add(self, prefix: str, path: str, route: _LeanRoute) -> None:
        self.routes[(prefix, path)] = (route, Template(f"{prefix}/{{case_id}}/{path}"))


_KEY = re.compile(r"[!-~]{1,128}")


class _Workers:
    """The command threads, fed by one queue. A command hops to one and back with a single
    wake-up of the event loop (``call_soon_threadsafe`` settling an asyncio future): an
    executor's hop (``run_in_executor``) also makes, locks and chains a concurrent future
    to it, on the event loop, and AnyIO's (``run_in_threadpool``) wakes its worker through
    a Python-level condition and a cancel scope. Threads start as commands wait for one,
    up to ``most``."""

    def __init__(self, most: int, name: str):
        self.most = most
        self.name = name
        self._jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def run(self, work: Callable[[], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((loop, future, contextvars.copy_context(), work))
        with self._lock:  # an idle thread is promised this job, else a new one starts for it
            start = self._idle == 0 and self._threads < self.most
            if start:
                self._threads += 1
                name = f"{self.name}_{self._threads}"
            elif self._idle:
                self._idle -= 1
        if start:
            threading.Thread(target=self._serve, name=name, daemon=True).start()
        return future

    def _serve(self) -> None:
        while True:
            loop, future, context, work = self._jobs.get()
            try:
                outcome = (context.run(work), None)
            except BaseException as error:  # the command's own, raised again on the event loop
                outcome = (None, error)
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:  # its event loop is closed: nobody waits for the answer
                pass
            with self._lock:
                self._idle += 1


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_WORKERS = _Workers(40, "berkas-command")  # AnyIO's default limit


def serve_first(app: Any, prefixes: dict[type[Case], str]) -> None:
    """Put a ``LeanCommand`` ahead of each FastAPI command route that answers its own case
    (measured with ``python -m bench http``). The FastAPI routes stay: they document the
    operations and answer whatever the lean route hands them."""
    lean = _LeanRoutes()
    for kind, prefix in prefixes.items():
        for path, route in ROUTES.get(kind.KIND, {}).items():
            if route.opens or route.body_optional:
                continue
            lean.add(
                prefix,
                path,
                _LeanRoute(f"{prefix}/{{case_id:uuid}}/{path}", LeanCommand(kind, route), methods=["POST"]),
            )
    app.router.routes.insert(0, lean)
