"""/users: accounts and their bearer tokens, managed by admins."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.http import access
from api.http.deps import ActorDep, SystemDep
from api.http.schemas.admin import RevocationCreate, UserCreate, UserPublic, UsersPublic
from api.http.schemas.common import errors
from domain.usecases import users
from domain.user import User
from domain.values import Role

router = APIRouter(prefix="/users", tags=["users"])


def _public(user: User, token: str | None = None) -> UserPublic:
    return UserPublic(
        id=str(user.id), name=user.name, role=user.role.value, office=user.office, revoked=user.revoked, token=token
    )


@router.post("", status_code=201, response_model=UserPublic, responses=errors(401, 403, 422))
def add_user(body: UserCreate, system: SystemDep, actor: ActorDep) -> UserPublic:
    """A new account; the answer carries its token, the only time it is ever shown."""
    access.require_role(actor, Role.ADMIN)
    user, token = users.register(system.app, actor, body.name, body.role, body.office)
    return _public(user, token)


@router.get("", response_model=UsersPublic, responses=errors(401, 403))
def list_users(system: SystemDep, actor: ActorDep) -> UsersPublic:
    access.require_role(actor, Role.ADMIN)
    found = [_public(user) for user in users.all_users(system.app)]
    return UsersPublic(data=found, count=len(found))


@router.post("/{user_id}/revocation", response_model=UserPublic, responses=errors(401, 403, 404, 409, 422))
def revoke_user(user_id: UUID, body: RevocationCreate, system: SystemDep, actor: ActorDep) -> UserPublic:
    """Revoke an account: its token stops working at once."""
    access.require_role(actor, Role.ADMIN)
    return _public(users.revoke(system.app, actor, user_id, body.reason))
