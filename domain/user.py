"""User: an account of the API (pengguna), registered and revoked as events.

Accounts live in the same event log as the cases, so who was given which role and
office, by whom and when, is on record as firmly as any decision. The id is derived
from the token's hash, so authenticating a request is one ``repository.get``.
"""

from __future__ import annotations

import hashlib
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.case import check_enum, check_occurred_at, check_text
from domain.errors import IllegalTransition
from domain.reference import office as lookup_office
from domain.values import Provenance, Role

_T = "berkas:User."


class _Account(Aggregate):
    """A base without the library's generic ``Created`` event, which has no explicit topic."""


del _Account.Created


class AccountRevoked(IllegalTransition):
    """A revocation of an account revoked already: names the rule, not the account's id."""

    def __init__(self, user_id: UUID):
        super().__init__("account", user_id, "REVOKED", "revoke")
        self.args = ("this account is revoked already: a revocation is final, there is nothing left to revoke",)


class User(_Account):
    """Pengguna: a named person with one role in one office, until revoked."""

    TOPIC = "berkas:User"

    @classmethod
    def register(cls, user_id: UUID, provenance: Provenance, name: str, role: Role, office: str) -> User:
        check_text("name", name)
        check_enum("role", role, Role)
        lookup_office(office)
        check_occurred_at(provenance.occurred_at)
        return cls._create(cls.Registered, id=user_id, provenance=provenance, name=name, role=role, office=office)

    @event("Registered", topic=_T + "Registered")
    def __init__(self, provenance: Provenance, name: str, role: Role, office: str):
        self.name = name
        self.role = role
        self.office = office
        self.revoked = False

    def revoke(self, provenance: Provenance, reason: str) -> None:
        """Pencabutan akses: the token stops working at once; the record stays."""
        if self.revoked:
            raise AccountRevoked(self.id)
        check_text("reason", reason)
        self._revoked(provenance=provenance, reason=reason)

    @event("Revoked", topic=_T + "Revoked")
    def _revoked(self, provenance: Provenance, reason: str) -> None:
        self.revoked = True


class AccountKey(_Account):
    """An account registered under an idempotency key (a command id): its id is derived from
    the key and it is saved in the same atomic save as the account, so of two concurrent
    registrations under one key only one can write it; the other's save fails whole (no
    second account) and answers the first. It holds the account's id, never the key."""

    TOPIC = "berkas:AccountKey"

    @staticmethod
    def id_for(command_key: str) -> UUID:
        digest = hashlib.sha256(command_key.encode("utf-8")).hexdigest()
        return uuid5(NAMESPACE_URL, f"berkas:account-key:{digest}")

    @classmethod
    def claim(cls, command_key: str, user: User, provenance: Provenance) -> AccountKey:
        return cls._create(cls.Claimed, id=cls.id_for(command_key), provenance=provenance, user_id=user.id)

    @event("Claimed", topic="berkas:AccountKey.Claimed")
    def __init__(self, provenance: Provenance, user_id: UUID):
        self.user_id = user_id
