"""Revoking an account (pencabutan akun), whichever way it comes (HTTP, CLI, web UI): the
revocation's event, then every web session the account holds ends in the database, so a
cookie of it names nothing in any process. Each process's token cache is its caller's to
forget (the CLI has none)."""

from __future__ import annotations

from uuid import UUID

from api.bootstrap import System
from api.ui import session as ui_sessions
from domain.usecases import users
from domain.usecases.base import Actor
from domain.user import User


def revoke(system: System, by: Actor, user_id: UUID, reason: str, command_id: str | None = None) -> User:
    revoked = users.revoke(system.app, by, user_id, reason, command_id)
    ui_sessions.end_all(system.store, str(user_id))
    return revoked
