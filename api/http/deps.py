"""Typed dependencies: the system, the authenticated actor, concurrency and idempotency headers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.bootstrap import System
from api.http import idempotency
from api.http.errors import UNDECODABLE
from domain.case import FINGERPRINT_MARK
from domain.errors import CaseNotFound, ConflictError, IllegalTransition, InvalidCommand, KeyTaken, NotPermitted
from domain.privacy import PersonalDataUnreadable
from domain.subject import ErasureRefused
from domain.usecases.base import Actor
from projections.eventstore.store import Store

# Every ETag this API sends is strong: the version, ``"3"`` (RFC 9110 §8.8.3).
ETAG = re.compile(r'\s*"?([0-9]{1,9})"?\s*')
WEAK = "W/"


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names the current ``etag``: ``*``, or any tag of its list by
    the weak comparison (RFC 9110 §13.1.2: ``W/"3"`` names ``"3"``)."""
    if if_none_match is None:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix(WEAK) == etag for tag in tags)


bearer = HTTPBearer(auto_error=False, description="A token from `berkas users add`")


# Dependencies that neither block nor touch the database are ``async``: FastAPI runs
# every sync dependency in the thread pool, and each hop costs more than the work.
async def get_system(request: Request) -> System:
    return request.app.state.system


SystemDep = Annotated[System, Depends(get_system)]


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    """The authenticated user is the actor on every event, never the request body.

    The gate (``api.http.gate``) has already looked the token up, before the body was
    read; a route it does not guard looks it up here, through the same cache."""
    actor = getattr(request.state, "actor", None)
    if actor is None and credentials is not None:
        actor = await request.app.state.tokens.actor_async(credentials.credentials)
    if actor is None:
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


# The version a weak If-Match stands for: none (the strong comparison, RFC 9110 §13.1.1: a
# weak tag matches nothing; a client's tag has digits only, so it never sends this one).
NEVER = -1
WEAK_IF_MATCH = 'If-Match takes the strong ETag as read, e.g. "3": a weak one never matches (RFC 9110 §13.1.1)'


def weak_if_match() -> HTTPException:
    return HTTPException(412, WEAK_IF_MATCH)


def _if_match(if_match: str | None) -> int | None:
    """The version ``If-Match`` names (None: none, or ``*``; ``NEVER``: a weak tag)."""
    if if_match is None or if_match.strip() == "*":
        return None
    if if_match.lstrip().startswith(WEAK):
        return NEVER
    found = ETAG.fullmatch(if_match)
    if found is None:
        rule = 'must be an ETag such as "3"'
        raise RequestValidationError([{"loc": ("header", "If-Match"), "msg": rule, "type": "etag"}])
    return int(found.group(1))


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=32,
            description='The ETag you read, e.g. "3": stale, or no target yet (version 0), gives 409; '
            'a weak one (W/"3") never matches: 412',
        ),
    ] = None,
) -> int | None:
    """A revenue target's: a weak tag is refused at once (a PUT without it may create the
    target, so the precondition is always evaluated, RFC 9110 §13.2.1)."""
    expected = _if_match(if_match)
    if expected == NEVER:
        raise weak_if_match()
    return expected


async def case_expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=32,
            description='The ETag you read, e.g. "3": stale gives 409; a weak one (W/"3") never matches: 412. '
            "A command on a case evaluates it once the case is found and you may act on it: a case that does "
            "not exist is a 404 whatever the tag, a case you may not act on a 403 (RFC 9110 §13.2.1)",
        ),
    ] = None,
) -> int | None:
    """A case command's: a weak tag stands as ``NEVER``, refused (412) only where a strong tag
    could be (``commands.Commands.on``)."""
    return _if_match(if_match)


def request_fingerprint(system: System, method: str, path: str, body: bytes) -> str:
    """What a key binds: method, path (with its query, if any) and body (JSON compared as
    data, not as bytes), as a keyed hash, so the log never holds a guessable digest of the
    personal data in a body."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")) if body else ""
    except ValueError:
        canonical = body.hex()
    return system.vault.blind.digest("idempotency-request", f"{method} {path} {canonical}")[:16]


@dataclass(frozen=True)
class IdempotencyKey:
    """A request's Idempotency-Key, scoped to its user, with its request's fingerprint. It is
    bound (``idempotency.bind``) by ``running()``, entered in the worker thread that runs
    the command: a hop to the thread pool of its own would cost more than the binding."""

    store: Store
    actor_id: str
    key: str
    fingerprint: str
    ttl: timedelta

    @contextmanager
    def running(self) -> Iterator[str]:
        """Bind the key, give the command id to run the command under, and release the
        binding if the command was refused (it wrote nothing: a 4xx from the domain)."""
        scoped = f"{self.actor_id}:{self.key}"
        binding = idempotency.bind(self.store, scoped, self.fingerprint, self.ttl)
        generation = binding.generation
        # The generation keeps a key bound anew after it expired from matching its predecessor.
        remembered = scoped if generation is None else f"{self.actor_id}:{generation}:{self.key}"
        try:
            yield f"{remembered}{FINGERPRINT_MARK}{self.fingerprint}"
        except Exception as error:
            if binding.made and refused(error):
                idempotency.release(self.store, scoped, self.fingerprint, generation)
            raise


# What a command is refused with before it writes anything. Not an unexpected error: a
# command that failed after its save committed must keep its key.
REFUSALS = (
    InvalidCommand,
    CaseNotFound,
    IllegalTransition,
    ConflictError,
    KeyTaken,
    NotPermitted,
    ErasureRefused,
    PersonalDataUnreadable,  # a case (or a subject's key) that does not open: nothing was decided on it
)


def refused(error: BaseException) -> bool:
    """Whether ``error`` refused the command before it wrote: one of ``REFUSALS``, or personal
    data that did not open while the case's events were decoded (answered as the same 409
    personal-data-unreadable, ``errors.log_altered``)."""
    if isinstance(error, REFUSALS):
        return True
    return isinstance(error, UNDECODABLE) and isinstance(error.__cause__, PersonalDataUnreadable)


@contextmanager
def bound(key: IdempotencyKey | None) -> Iterator[str | None]:
    """The command id to run a command under (binding its key first, in the command's
    thread; released if the command is refused), or None without a key."""
    if key is None:
        yield None
    else:
        with key.running() as command_id:
            yield command_id


async def command_id(
    request: Request,
    system: SystemDep,
    actor: ActorDep,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            pattern=r"^[!-~]+$",
            description="Any unique string; a retry with the same key returns the first outcome",
        ),
    ] = None,
) -> IdempotencyKey | None:
    # Scoped to the user: two clients picking the same key never share an outcome. The
    # key is bound to its request's fingerprint, across every path (``idempotency``), and
    # the fingerprint travels with the command to the case, which answers a retry.
    if key is None:
        return None
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    fingerprint = request_fingerprint(system, request.method, path, await request.body())
    ttl = timedelta(hours=system.settings.idempotency_ttl_hours)
    return IdempotencyKey(system.store, actor.id, key, fingerprint, ttl)


ExpectedVersionDep = Annotated[int | None, Depends(expected_version)]
CaseExpectedVersionDep = Annotated[int | None, Depends(case_expected_version)]
CommandIdDep = Annotated[IdempotencyKey | None, Depends(command_id)]
