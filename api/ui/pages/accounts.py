"""Accounts from the operations page (akun pengguna): an admin creates one for their office
and is shown its token once, or revokes one, which ends its sessions at once. The same use
cases and office rule as ``POST /users`` and ``POST /users/{id}/revocation``.

An account and its token are one thing (the account's id derives from the token's hash):
issuing a token is creating an account, revoking the token is deactivating it.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api import accounts
from api.http import access
from api.http.schemas.admin import RevocationCreate, UserCreate
from api.ui.forms import validated
from api.ui.pages.ops import admin, ops_page
from api.ui.web import FormDep, ViewerDep, check_csrf, state_of
from domain.usecases import users
from domain.values import Role

router = APIRouter()


@router.post("/ops/users")
def create_account(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(request, viewer, form)
    admin(viewer)
    assert viewer.actor is not None
    # Validated by ``POST /users``'s own model: what the API refuses, this form refuses too.
    body = validated(
        UserCreate,
        {"name": form.get("name", ""), "role": form.get("role", ""), "office": form.get("office", "").strip().upper()},
    )
    access.require_account_admin(viewer.actor, body.office, Role(body.role))
    user, token = users.register(state_of(request).system.app, viewer.actor, body.name, body.role, body.office)
    # Answered here, never redirected: the token must not travel in a URL or be shown twice.
    return ops_page(request, viewer, 201, created=user, token=token)


@router.post("/ops/users/{user_id}/revocation")
def revoke_account(request: Request, viewer: ViewerDep, form: FormDep, user_id: UUID) -> Response:
    check_csrf(request, viewer, form)
    admin(viewer)
    assert viewer.actor is not None
    ui = state_of(request)
    account = users.get_user(ui.system.app, user_id)
    access.require_account_admin(viewer.actor, account.office, Role(account.role))
    body = validated(RevocationCreate, {"reason": form.get("reason", "")})
    accounts.revoke(ui.system, viewer.actor, user_id, body.reason)
    if ui.tokens is not None:
        ui.tokens.forget(str(user_id))  # the API's token cache in this process
    return RedirectResponse(f"/ui/ops?revoked={user_id}#users-h", status_code=303)
