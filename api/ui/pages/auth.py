"""Signing in with a pasted token, signing out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.ui import i18n
from api.ui.session import COOKIE
from api.ui.web import (
    LANG_COOKIE,
    FormDep,
    ViewerDep,
    VisitorDep,
    check_csrf,
    page,
    safe_next,
    set_session_cookie,
    state_of,
)
from domain.usecases import users
from domain.values import Role

router = APIRouter()

HOME = {
    Role.OFFICER: "/ui/cases",
    Role.SUPERVISOR: "/ui/reports",
    Role.AUDITOR: "/ui/reports",
    Role.ADMIN: "/ui/ops",
}


@router.get("/")
def home(viewer: ViewerDep) -> RedirectResponse:
    assert viewer.actor is not None
    return RedirectResponse(HOME[viewer.actor.role], status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, viewer: VisitorDep, next_page: Annotated[str, Query(alias="next")] = "/ui/"):
    return page(request, viewer, "sign_in.html", next_page=next_page if safe_next(next_page) else "/ui/")


@router.post("/sign-in")
def sign_in(request: Request, viewer: VisitorDep, form: FormDep) -> Response:
    check_csrf(request, viewer, form)
    ui = state_of(request)
    actor = users.authenticate(ui.system.app, form.get("token", "").strip())
    target = form.get("next", "/ui/")
    if actor is None:
        return page(request, viewer, "sign_in.html", 401, next_page=target, failed=True)
    session = ui.sessions.start(actor.id)
    response = RedirectResponse(target if safe_next(target) else "/ui/", status_code=303)
    set_session_cookie(request, response, session.key)
    return response


@router.post("/sign-out")
def sign_out(request: Request, viewer: VisitorDep, form: FormDep) -> Response:
    check_csrf(request, viewer, form)
    state_of(request).sessions.end(viewer.session)
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/ui", httponly=True, samesite="strict")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, next_page: Annotated[str, Query(alias="next")] = "/ui/") -> Response:
    response = RedirectResponse(next_page if safe_next(next_page) else "/ui/", status_code=303)
    response.set_cookie(LANG_COOKIE, i18n.language(lang), max_age=365 * 86400, path="/ui", samesite="lax")
    return response
