"""The one way a route runs a command: check role and office, call the use case,
answer with the case at the version the command produced (so a retry with the same
Idempotency-Key gets the very same answer), with its ETag."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Response

from api.bootstrap import System
from api.http import access
from api.http.deps import ActorDep, CommandIdDep, ExpectedVersionDep, SystemDep
from api.http.present import case_body
from api.http.schemas.common import CasePublic, CommandCreate
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
    return CasePublic(**case_body(case, access.reveals_personal_data(actor, case.office)))


def read(system: System, actor: Actor, kind: type[Case], case_id: UUID, response: Response) -> CasePublic:
    case = system.app.get_typed(case_id, kind)
    access.require_case_reader(actor, case.office)
    return answer(system, actor, case, response)


@dataclass
class Commands:
    system: System
    actor: Actor
    expected_version: int | None
    command_id: str | None
    response: Response

    def _options(self, body: CommandCreate) -> dict[str, Any]:
        return {"occurred_at": body.occurred_at, "command_id": self.command_id}

    def _created(self, case_id: UUID) -> CasePublic:
        case = self.system.app.get_case(case_id, version=1)
        self.response.headers["Location"] = f"{PATHS[case.KIND]}/{case_id}"
        return answer(self.system, self.actor, case, self.response)

    def _scoped(self, kind: type[Case], case_id: UUID, decision: bool) -> None:
        access.require_worker(self.actor, decision=decision)
        case = self.system.app.get_typed(case_id, kind)
        access.require_own_office(self.actor, case.office)

    def create(self, call: Callable[..., UUID], body: CommandCreate, *, decision: bool = False) -> CasePublic:
        """A new case (201 with Location); ``call(actor, **options)`` returns its id."""
        access.require_worker(self.actor, decision=decision)
        return self._created(call(self.actor, **self._options(body)))

    def on(
        self, kind: type[Case], case_id: UUID, call: Callable[..., int], body: CommandCreate, *, decision: bool = False
    ) -> CasePublic:
        """A command on a case; ``call(actor, **options)`` returns the version it produced."""
        self._scoped(kind, case_id, decision)
        version = call(self.actor, expected_version=self.expected_version, **self._options(body))
        case = self.system.app.get_case(case_id, version=version)
        return answer(self.system, self.actor, case, self.response)

    def spawn(
        self, kind: type[Case], case_id: UUID, call: Callable[..., UUID], body: CommandCreate, *, decision: bool = False
    ) -> CasePublic:
        """A command on a case that opens another one (a finding, a status transfer): 201."""
        self._scoped(kind, case_id, decision)
        return self._created(call(self.actor, expected_version=self.expected_version, **self._options(body)))


async def commands(
    system: SystemDep,
    actor: ActorDep,
    expected_version: ExpectedVersionDep,
    command_id: CommandIdDep,
    response: Response,
) -> Commands:
    return Commands(system, actor, expected_version, command_id, response)


CommandsDep = Annotated[Commands, Depends(commands)]
