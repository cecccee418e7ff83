"""/users: accounts and their bearer tokens, managed by the admins of their office;
/people: the directory of who holds an account (officers' names, never applicants')."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from api import accounts
from api.http import access
from api.http.deps import ActorDep, CommandIdDep, SystemDep, bound
from api.http.schemas.admin import PeoplePublic, PersonPublic, RevocationCreate, UserCreate, UserPublic, UsersPublic
from api.http.schemas.common import OfficeCode, errors
from domain.usecases import users
from domain.user import User
from domain.values import Role

router = APIRouter(prefix="/users", tags=["users"])
people = APIRouter(prefix="/people", tags=["users"])
Office = Annotated[OfficeCode | None, Query(description="Office code, e.g. MLG")]


def _public(user: User, token: str | None = None) -> UserPublic:
    return UserPublic(
        id=str(user.id), name=user.name, role=user.role, office=user.office, revoked=user.revoked, token=token
    )


@router.post("", status_code=201, response_model=UserPublic, responses=errors(401, 403, 422))
def add_user(body: UserCreate, system: SystemDep, actor: ActorDep, command_id: CommandIdDep) -> UserPublic:
    """A new account of the admin's office; the answer carries its token, the only time it is ever
    shown. A retry with the same `Idempotency-Key` answers the account that key created with
    `token` null (never a second account): revoke it if its token was lost."""
    with bound(command_id) as command:
        access.require_account_admin(actor, body.office, Role(body.role))
        user, token = users.register(system.app, actor, body.name, body.role, body.office, command)
    return _public(user, token)


@router.get("", response_model=UsersPublic, responses=errors(401, 403, 422))
def list_users(system: SystemDep, actor: ActorDep, office: Office = None) -> UsersPublic:
    """The accounts of the admin's office, revoked ones included."""
    access.require_account_admin(actor, office or actor.office)
    found = [_public(user) for user in users.all_users(system.app) if user.office == (office or actor.office)]
    return UsersPublic(data=found, count=len(found))


@router.post("/{user_id}/revocation", response_model=UserPublic, responses=errors(401, 403, 404, 409, 422))
def revoke_user(
    user_id: UUID, body: RevocationCreate, system: SystemDep, actor: ActorDep, request: Request, key: CommandIdDep
) -> UserPublic:
    """Revoke an account of the admin's office: its web sessions end, its token stops working
    at once in this process, and within the token cache's lifetime (5 s by default) in every other.
    An account revoked already is a 409, unless this is a retry (same `Idempotency-Key`) of the
    revocation that revoked it, which is answered as it was."""
    with bound(key) as command_id:
        account = users.get_user(system.app, user_id)
        access.require_account_admin(actor, account.office, Role(account.role))
        revoked = accounts.revoke(system, actor, user_id, body.reason, command_id)
    request.app.state.tokens.forget(str(user_id))
    return _public(revoked)


@people.get("", response_model=PeoplePublic, responses=errors(401, 403, 422))
def directory(system: SystemDep, actor: ActorDep, office: Office = None) -> PeoplePublic:
    """Who an actor id in a history or the audit trail is: name, role and office of every
    account. Auditors read every office's; everyone else their own office's."""
    scope = access.directory_scope(actor, office)
    found = [
        PersonPublic(id=str(user.id), name=user.name, role=user.role, office=user.office, active=not user.revoked)
        for user in users.all_users(system.app)
        if scope is None or user.office == scope
    ]
    return PeoplePublic(data=found, count=len(found))
