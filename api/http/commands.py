"""The one way a route runs a command: the body carries the aggregate method's arguments,
the domain checks who may act before what the state allows, the use case loads the case
once, saves once and returns what it saved; the answer is that case (so a retry with the
same Idempotency-Key gets the very same answer), with its ETag.

Command routes are declared as data (path -> lifecycle command and body model); their
descriptions come from the lifecycle table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Response

from api.bootstrap import System
from api.http import access
from api.http.deps import ActorDep, CommandIdDep, ExpectedVersionDep, IdempotencyKey, SystemDep, bound
from api.http.present import case_public
from api.http.reading import CaseReads, ReadsDep
from api.http.schemas.cases import CASE_MODELS, CasePublic
from api.http.schemas.common import CommandCreate, errors
from domain.case import Case
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
        """A new case: 201 with Location."""
        with bound(self.key) as command_id:  # in the command's thread, just before it runs
            case = self.system.app.create(kind, self.actor, **body.arguments(), **self._options(body, command_id))
        return self._created(case)

    def on(self, kind: type[Case], case_id: UUID, command: str, body: CommandCreate) -> Case:
        """A lifecycle command on a case; returns the case as the command left it."""
        with bound(self.key) as command_id:
            options = self._options(body, command_id) | {"expected_version": self.expected_version}
            case = self.system.app.act(kind, case_id, self.actor, command, **body.arguments(), **options)
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
    expected_version: ExpectedVersionDep,
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
        responses=errors(401, 403, 404, 409, 422),
        summary=route.summary + (" (supervisor)" if transition.supervisor_only else ""),
        description=transition.describe(),
        name=route.command,
    )(endpoint)
