"""API accounts (akun pengguna): bearer tokens, of which only a hash is ever stored.

Accounts are ``User`` aggregates in the event log (see ``domain/user.py``): the id is
derived from the SHA-256 of the token, so a token is checked with one indexed read,
and the token itself exists only in the one answer that hands it out.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Notification

from domain.application import Berkas
from domain.case import FINGERPRINT_MARK
from domain.errors import CaseNotFound, DomainError
from domain.usecases.base import Actor, as_enum
from domain.user import AccountKey, AccountRevoked, User
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


def _provenance(by: Actor, command_id: str | None = None) -> Provenance:
    return Provenance(by.id, by.role, by.office, datetime.now(UTC), command_id)


def register(
    app: Berkas, by: Actor, name: str, role: str | Role, office: str, command_id: str | None = None
) -> tuple[User, str | None]:
    """A new account and its token; the token is returned once and never stored. A command
    (``command_id``: an idempotency key) run again answers the account it created, without
    its token: never a second account with a second live token."""
    if command_id is not None and (done := registered_under(app, command_id)) is not None:
        return done, None
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    provenance = _provenance(by, command_id)
    user = User.register(user_id_for(token), provenance, name.strip(), as_enum(Role, role, "role"), office)
    if command_id is None:
        app.save(user)
        return user, token
    # The key is claimed in the account's own save, as a case's creation lands on an id of
    # the key's: of two concurrent registrations under it, the second's save fails whole.
    try:
        app.save(user, AccountKey.claim(_command_key(command_id), user, provenance))
    except IntegrityError:
        if (done := registered_under(app, command_id)) is not None:
            return done, None
        raise
    return user, token


def _command_key(command_id: str) -> str:
    return command_id.partition(FINGERPRINT_MARK)[0]


def registered_under(app: Berkas, command_id: str) -> User | None:
    """The account a command created: by its key's claim, or (an account registered before
    keys were claimed) by the registrations' events, few."""
    try:
        claimed = app.repository.get(AccountKey.id_for(_command_key(command_id)))
    except AggregateNotFoundError:
        pass
    else:
        if isinstance(claimed, AccountKey):  # the key is bound to one request (``idempotency``)
            return get_user(app, claimed.user_id)
    for notification in _registrations(app):
        event = app.mapper.to_domain_event(notification)
        if event.provenance.command_id == command_id:  # type: ignore[attr-defined]
            return get_user(app, event.originator_id)
    return None


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
        raise AccountNotFound(user_id) from None
    if not isinstance(user, User):
        raise AccountNotFound(user_id)
    return user


class AccountNotFound(CaseNotFound):
    """An account id that names no account (the id is the caller's: not repeated)."""

    def __init__(self, user_id: UUID):
        self.case_id = user_id
        DomainError.__init__(self, "no account has this id")


def revoke(app: Berkas, by: Actor, user_id: UUID, reason: str, command_id: str | None = None) -> User:
    """Pencabutan akun. A command (``command_id``: an idempotency key) run again answers the
    account as it revoked it, instead of refusing to revoke a revoked account."""
    user = get_user(app, user_id)
    if _revoked_by(app, user, command_id):
        return user
    user.revoke(_provenance(by, command_id), reason)
    try:
        app.save(user)
    except IntegrityError:  # revoked meanwhile: by this very command, retried?
        current = get_user(app, user_id)
        if _revoked_by(app, current, command_id):
            return current
        raise AccountRevoked(user_id) from None
    return user


def _revoked_by(app: Berkas, user: User, command_id: str | None) -> bool:
    """Whether the command revoked the account (a revocation is an account's last event)."""
    if command_id is None or not user.revoked:
        return False
    return app.history(user.id)[-1].provenance.command_id == command_id  # type: ignore[attr-defined]


def _registrations(app: Berkas) -> Iterator[Notification]:
    """Every account's registration, in order (a short scan of the log by topic)."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start, PAGE, topics=[User.Registered.TOPIC])
        yield from page
        if len(page) < PAGE:
            break
        start = page[-1].id + 1


def all_users(app: Berkas) -> list[User]:
    """Every account ever registered, in order."""
    return [get_user(app, n.originator_id) for n in _registrations(app)]
