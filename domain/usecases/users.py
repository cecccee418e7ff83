"""API accounts (akun pengguna): bearer tokens, of which only a hash is ever stored.

Accounts are ``User`` aggregates in the event log (see ``domain/user.py``): the id is
derived from the SHA-256 of the token, so a token is checked with one indexed read,
and the token itself exists only in the one answer that hands it out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from domain.application import Berkas
from domain.errors import CaseNotFound
from domain.usecases.base import Actor, as_enum
from domain.user import User
from domain.values import Provenance, Role

TOKEN_PREFIX = "bk_"  # noqa: S105 - a marker, not a secret
# Tokens are 256 random bits, so a plain SHA-256 cannot be reversed by guessing:
# no pepper or slow hash is needed (those protect low-entropy passwords).
TOKEN_BYTES = 32
PAGE = 500


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_id_for(token: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"berkas:user:{token_hash(token)}")


def _provenance(by: Actor) -> Provenance:
    return Provenance(by.id, by.role, by.office, datetime.now(UTC))


def register(app: Berkas, by: Actor, name: str, role: str | Role, office: str) -> tuple[User, str]:
    """A new account and its token; the token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    user = User.register(user_id_for(token), _provenance(by), name.strip(), as_enum(Role, role, "role"), office)
    app.save(user)
    return user, token


def authenticate(app: Berkas, token: str) -> Actor | None:
    """The acting user for a bearer token, or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    try:
        user = app.repository.get(user_id_for(token))
    except AggregateNotFoundError:
        return None
    if not isinstance(user, User) or user.revoked:
        return None
    return Actor(str(user.id), user.role, user.office)


def get_user(app: Berkas, user_id: UUID) -> User:
    try:
        user = app.repository.get(user_id)
    except AggregateNotFoundError:
        raise CaseNotFound(user_id) from None
    if not isinstance(user, User):
        raise CaseNotFound(user_id)
    return user


def revoke(app: Berkas, by: Actor, user_id: UUID, reason: str) -> User:
    user = get_user(app, user_id)
    user.revoke(_provenance(by), reason)
    app.save(user)
    return user


def all_users(app: Berkas) -> list[User]:
    """Every account ever registered, in order (a short scan of the log by topic)."""
    topic = User.Registered.TOPIC
    ids: list[UUID] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start, PAGE, topics=[topic])
        ids.extend(n.originator_id for n in page)
        if len(page) < PAGE:
            break
        start = page[-1].id + 1
    return [get_user(app, user_id) for user_id in ids]
