"""GET a case by id, lean: the answer rendered once per version and kept in memory, kept
honest by following the log.

The log is append-only, so a case's answer at a version never changes; it goes stale
only when the case gets a new event. A thread of this process follows the log (woken by
each append: LISTEN on PostgreSQL, the local writer on SQLite, else a short poll) and
forgets the answers of every case it sees written. A cached answer is served only while
that thread has caught up within ``max_lag`` seconds; otherwise (it fell behind, the
database is away) the read asks the database for the case's latest version first, as
every read did before. An erasure of personal data (a ``SubjectErased`` event) empties
the cache; entries also age out after ``max_age`` seconds.
A miss replays the case in a worker thread; a hit costs no database query at all.

A case is replayed ``marking_unreadable``, as ``/cases/{id}`` replays it: personal data that
does not open (a data subject's key row altered in the database) is null and flagged
``personal_data_unreadable`` for a reader it is not shown to (an auditor), and refused (409
personal-data-unreadable) to whoever would be shown it (``api.http.present``); whoever may not
read the case at all (another office, an admin) is refused as for any case (403). A flagged
answer is not cached: a key row mended shows at the next read.

A kind's read takes no query parameter: it answers the case as it stands, its version the
ETag a command's If-Match sends back. The case at a version or an instant is the auditors'
replay, ``GET /cases/{id}?version=…`` or ``?as_of=…``; sent here, either (or any other
parameter) is a 422 naming it and pointing there, never an answer that ignored it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, get_route_path
from starlette.types import Receive, Scope, Send

from api.bootstrap import System
from api.http import access
from api.http.deps import none_match
from api.http.present import case_public
from api.http.schemas.cases import CASE_MODELS
from api.http.schemas.common import NOT_MODIFIED, errors
from api.http.schemas.problems import ProblemPublic
from domain.case import Case
from domain.errors import CaseNotFound
from domain.subject import DataSubject
from domain.transcodings import marking_unreadable
from domain.usecases.base import Actor
from projections.eventstore import log as event_log

JSON = "application/json"
POLL = 0.25  # seconds between looks at the log when no append woke the follower
# Seconds at least from one catch-up to the next (well within ``max_lag``): each is two
# queries, and at 0.01 s, under a stream of commands, they cost 200-250 us of CPU a command.
GATHER = 0.1
ERASED = DataSubject.SubjectErased.TOPIC
RECENT = 100_000  # recent writes remembered, to refuse caching an answer a write overtook

logger = logging.getLogger("berkas.http.reading")


@dataclass(frozen=True)
class Rendered:
    kind: str
    office: str
    version: int
    body: bytes
    born: float


class CaseReads:
    def __init__(self, system: System, max_age: float, max_lag: float = 1.0, size: int = 20_000):
        self.system = system
        self.max_age = max_age
        self.max_lag = max_lag
        self.size = size
        self._cache: OrderedDict[tuple[UUID, bool], Rendered] = OrderedDict()
        # Cases as this process's commands last saved them, each with when it was loaded
        # from the store (``take_state``).
        self._states: OrderedDict[UUID, tuple[Case, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._position = -1  # the log position the follower has seen up to (-1: not yet)
        self._synced = 0.0  # when it last caught up (monotonic)
        # The latest position each recently written case was written at, and their order
        # (to forget the oldest): what a render checks before caching its answer.
        self._written: dict[str, int] = {}
        self._order: deque[tuple[int, str]] = deque()
        self._forgotten = 0  # positions up to here are no longer remembered
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store = system.store
        self._events, self._id = store.dialect.events_table, store.dialect.id_column
        self._version_statement = (
            f"SELECT originator_version FROM {self._events} WHERE originator_id = ? "
            "ORDER BY originator_version DESC LIMIT 1"
        )

    # --- following the log ---------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="berkas-read-cache", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                with self.system.store.session() as conn:
                    waiter = self.system.store.dialect.waiter(conn, self.system.store)
                    while not self._stop.is_set():
                        began = time.monotonic()
                        self._catch_up(conn)
                        if waiter.wait(POLL):
                            # Under a stream of appends, one catch-up per ``GATHER`` at most
                            # (a wake per group commit cost four queries each).
                            self._stop.wait(GATHER - (time.monotonic() - began))
            except Exception as error:  # the database went away: reads check versions meanwhile
                self._synced = 0.0
                logger.warning("read cache follower stopped (%s); retrying", type(error).__name__)
                self._stop.wait(1.0)

    def _catch_up(self, conn: Any) -> None:
        upto = event_log.readable_upto(conn)
        if self._position < 0:  # nothing cached yet: start at the end of the log
            self._position = upto
        if upto > self._position:
            rows = conn.dialect.fetchall(
                conn,
                f"SELECT {self._id}, originator_id, originator_version, topic FROM {self._events} "
                f"WHERE {self._id} > ? AND {self._id} <= ?",
                (self._position, upto),
            )
            with self._lock:
                for position, originator, version, topic in rows:
                    if topic == ERASED:  # personal data gone: no answer rendered before may stay
                        self._cache.clear()
                        self._states.clear()
                        self._forgotten = int(position)
                    self._note_write(int(position), _key(originator), int(version))
                self._position = upto
        self._synced = time.monotonic()

    def _note_write(self, position: int, key: str, version: int) -> None:
        case_id = UUID(key)
        self._cache.pop((case_id, True), None)
        self._cache.pop((case_id, False), None)
        self._drop_state_behind(case_id, version)
        self._written[key] = position
        self._order.append((position, key))
        if len(self._order) > RECENT:
            old, old_key = self._order.popleft()
            self._forgotten = old
            if self._written.get(old_key) == old:
                del self._written[old_key]

    def _drop_state_behind(self, case_id: UUID, version: int) -> None:
        """The case is at ``version`` in the log: a kept case behind it (another process
        wrote since) is dropped (were it used, its save would be refused, then redone)."""
        kept = self._states.get(case_id)
        if kept is not None and kept[0].version < version:
            del self._states[case_id]

    def forget(self, case_id: UUID) -> None:
        """A command of this process changed the case: its next read renders it afresh, and
        a case kept before it (``take_state``) is behind it."""
        with self._lock:
            self._cache.pop((case_id, True), None)
            self._cache.pop((case_id, False), None)
            self._states.pop(case_id, None)

    # --- the cases commands saved, for the next command on them ----------------------------

    def take_state(self, case_id: UUID) -> tuple[Case, float] | None:
        """The case as a command of this process last saved it, and when it was loaded from
        the store; taken out (the caller owns it: the command changes it in place). None
        when there is none, or it may not be used: older than a rendered answer showing
        personal data may be (it holds the case's personal data, opened when it was loaded),
        or the follower is behind (it would not have seen an erasure, which empties these).
        A state may still be behind the log (another process wrote since the follower last
        looked): ``execute`` then finds out from its save, refused, and decides again on
        the case loaded from the store."""
        with self._lock:
            found = self._states.pop(case_id, None)
        if found is None or not self._following():
            return None
        max_age = min(self.max_age, self.system.settings.personal_data_cache_seconds)
        return found if time.monotonic() - found[1] <= max_age else None

    def keep_state(self, case: Case, loaded: float) -> None:
        """Keep ``case`` as a command just saved it (the log holds exactly this version);
        the caller no longer touches it."""
        with self._lock:
            self._states[case.id] = (case, loaded)
            self._states.move_to_end(case.id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)

    def _following(self) -> bool:
        return self._position >= 0 and time.monotonic() - self._synced <= self.max_lag

    # --- answering -----------------------------------------------------------------------

    def _cached(self, case_id: UUID, reveal: bool, version: int | None) -> Rendered | None:
        entry = self._cache.get((case_id, reveal))
        # An answer showing personal data is a copy of what the subject's key opened: it lives
        # no longer than the key may be cached, so another process's erasure (recorded, then
        # the key destroyed) shows within twice ``personal_data_cache_seconds``.
        max_age = min(self.max_age, self.system.settings.personal_data_cache_seconds) if reveal else self.max_age
        if entry is None or time.monotonic() - entry.born > max_age:
            return None
        return entry if version is None or entry.version == version else None

    def _render(self, case_id: UUID, reader: Actor) -> Rendered:
        seen = self._position if self._following() else -1
        started = time.monotonic()  # an answer is as old as the keys it may have opened with
        with marking_unreadable():
            case = self.system.app.get_case(case_id)
        if not isinstance(case, Case) or case.KIND not in CASE_MODELS:  # an account, a revenue target
            raise CaseNotFound(case_id)
        reveal = access.reveals_personal_data(reader, case.office)
        public = case_public(case, reveal)  # shown personal data that did not open: refused here
        entry = Rendered(case.KIND, case.office, case.version, public.model_dump_json().encode(), started)
        with self._lock:
            if seen >= 0 and not self._written_since(case_id, seen) and not public.personal_data_unreadable:
                self._cache[(case_id, reveal)] = entry
                self._cache.move_to_end((case_id, reveal))
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return entry

    def _written_since(self, case_id: UUID, seen: int) -> bool:
        """Whether the case was written after position ``seen`` (True if memory cannot tell)."""
        return seen < self._forgotten or self._written.get(case_id.hex, -1) > seen

    def _latest_version(self, case_id: UUID) -> int | None:
        with self.system.store.read() as conn:
            found = conn.dialect.fetchall(conn, self._version_statement, (conn.dialect.case_key(case_id),))
        return int(found[0][0]) if found else None

    async def answer(self, request: Request, actor: Actor, kind: type[Case], case_id: UUID) -> Response:
        """The case as the JSON of its public model, with its ETag (304 to a matching If-None-Match)."""
        version = None
        if not self._following():
            version = await anyio.to_thread.run_sync(self._latest_version, case_id)
            if version is None:
                raise CaseNotFound(case_id)
        # Whether personal data shows depends on the case's office: either entry tells it.
        entry = self._cached(case_id, True, version) or self._cached(case_id, False, version)
        if entry is not None:
            entry = self._cached(case_id, access.reveals_personal_data(actor, entry.office), version)
        if entry is None:
            entry = await anyio.to_thread.run_sync(self._render, case_id, actor)
        if entry.kind != kind.KIND:
            raise CaseNotFound(case_id)
        access.require_case_reader(actor, entry.office)
        etag = f'"{entry.version}"'
        if none_match(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag})
        return Response(entry.body, media_type=JSON, headers={"ETag": etag})


def _key(originator: Any) -> str:
    return originator.hex if isinstance(originator, UUID) else UUID(str(originator)).hex


async def case_reads(request: Request) -> CaseReads:
    return request.app.state.reads


ReadsDep = Annotated[CaseReads, Depends(case_reads)]
# The hot read takes no dependencies (resolving them cost as much as the read itself):
# the gate has authenticated the request before it gets here, from this declaration.
BEARER = {"security": [{"HTTPBearer": []}]}


def serve_first(app: Any, kinds: dict[type[Case], str]) -> None:
    """Put a plain Starlette route for ``GET <prefix>/{case_id}`` of each kind ahead of the
    FastAPI routes: FastAPI's routing and parameter solving cost twice what the cached read
    does (measured with ``python -m bench http``). The FastAPI route stays: it documents
    the operation and answers what this one does not match (a malformed id: 422)."""
    lean = LeanRoutes()
    for kind, prefix in kinds.items():

        async def endpoint(request: Request, kind: type[Case] = kind) -> Response:
            return await read_case(request, kind, request.path_params["case_id"])

        lean.routes[prefix] = (
            Route(f"{prefix}/{{case_id:uuid}}", endpoint, methods=["GET"]),
            Template(f"{prefix}/{{case_id}}"),
        )
    app.router.routes.insert(0, lean)


@dataclass(frozen=True)
class Template:
    """What the access log and the metrics read off ``scope["route"]``: the FastAPI route's template."""

    path: str


class LeanRoutes(BaseRoute):
    """Lean routes as one entry of the app's routes: a request's path is looked up by
    ``key`` and only the route found is matched (by its own pattern: what matches is exactly
    what matched when each was an entry of its own). The match names the FastAPI route's
    template, so the access log need not search the schema's templates for it."""

    scope_key = "berkas.lean_read"  # where the matched route waits for ``handle``

    def __init__(self) -> None:
        self.routes: dict[Any, tuple[Route, Template]] = {}

    def key(self, scope: Scope) -> Any:
        """The ``routes`` key of a request (None: none of ours)."""
        return get_route_path(scope).rsplit("/", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        found = self.routes.get(self.key(scope))
        if found is None:
            return Match.NONE, {}
        route, template = found
        match, child = route.matches(scope)
        if match is not Match.NONE:
            child["route"] = template
            child[self.scope_key] = route
        return match, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[self.scope_key].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """As each route would answer ``url_for`` (the app's router asks every route)."""
        for route, _ in self.routes.values():
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


async def read_case(request: Request, kind: type[Case], case_id: UUID) -> Response:
    actor = getattr(request.state, "actor", None)
    if actor is None:  # the gate guards every route declaring the bearer scheme
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    if request.scope["query_string"]:
        _refuse_query(request, case_id)
    return await request.app.state.reads.answer(request, actor, kind, case_id)


# What each replay parameter asks for.
REPLAYED = {"version": "the case at a version", "as_of": "the case as it stood at an instant"}
# A parameter's name is repeated in the answer only when it reads as one (every parameter of
# this API does): a name could be anything, a NIK too, and an answer never echoes personal data.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
READ_HELP = (
    "The case as it stands; its version is the ETag (send it back as a command's `If-Match`), and an "
    "unchanged version answers a matching If-None-Match with 304. No query parameters: the case at a "
    "version or as it stood at an instant is `GET /cases/{case_id}?version=…` or `?as_of=…` (the "
    "auditors' replay); `version`, `as_of` or any other parameter here is a 422 naming it."
)
UNREADABLE_409 = {
    "model": ProblemPublic,
    "description": "personal-data-unreadable: personal data you would be shown does not open (a data "
    "subject's key row altered); an auditor is answered the case with it null and flagged instead",
}
READ_RESPONSES = (
    errors(401, 403, 404)
    | {
        409: UNREADABLE_409,
        422: {
            "model": ProblemPublic,
            "description": "A malformed id, or a query parameter: this read takes none (`GET /cases/{case_id}` "
            "takes `version` and `as_of`)",
        },
    }
    | NOT_MODIFIED
)


def _refuse_query(request: Request, case_id: UUID) -> None:
    """A 422 for the query's first parameter (``version`` or ``as_of`` before any other),
    pointing to the replay that takes them; no value of the query is ever repeated."""
    names = list(request.query_params.keys())
    if not names:  # a bare ``?`` or ``?&``: no parameter at all
        return
    replay = f"GET /cases/{case_id}"
    name = next((given for given in names if given in REPLAYED), names[0])
    if name in REPLAYED:
        rule = f"is not taken here, which answers the case as it stands: {REPLAYED[name]} is {replay}?{name}=…"
    elif _NAME.fullmatch(name):
        rule = f"is not a parameter of this read, which takes none (the case at a version or an instant: {replay})"
    else:
        name, rule = "query", f"is not taken by this read (the case at a version or an instant: {replay})"
    raise RequestValidationError([{"loc": ("query", name), "msg": rule, "type": "value_error"}])
