"""Reservation: uniqueness the event-sourced way (klaim nomor dan permohonan).

A natural key that must be unique (a passport number, a permit number, the one open
passport application of a person for a product, the one open stay-permit application of a
foreigner for a permit kind) is an aggregate of its own, whose id is derived from the key.
The case that claims the key saves the reservation's event in the same atomic ``save`` as
its own, so of two claims only one can write the reservation's next version: the other
fails on the version conflict, on either database and under any concurrency. Releasing a
key (a withdrawal, a refusal, a hand-over, a permit's issue) is an event too.

The key itself is never stored: only its derived id, the rule and the case that holds
it. A key about a person is their data subject's id (random; only the subject vault, under
its keys, links it to a NIK), never the NIK: a reservation's id, derived with a public
namespace, must not let anyone who guesses NIKs find a person's applications. A document number's key
is likewise a keyed digest of the number (``SubjectSeal.reservation_key``): the numbers are
sealed with their holder's key, and a reservation must not re-identify an erased holder.
"""

from __future__ import annotations

from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.case import Case, check_provenance
from domain.errors import KeyTaken
from domain.lifecycle import Lifecycle, Transition
from domain.values import Provenance, Uniqueness

Rule = Uniqueness

RULE_TEXT = {
    Rule.PASSPORT_NUMBER: "a passport number is issued once",
    Rule.PERMIT_NUMBER: "a stay permit number is issued once",
    Rule.OPEN_APPLICATION: "a person has one open application per passport product",
    Rule.OPEN_STAY_PERMIT: "a foreigner has one open application per stay permit kind",
}


# The document a number reservation is about: the case kind that is issued it, and its field.
DOCUMENTS = {
    Rule.PASSPORT_NUMBER: ("PassportApplication", "passport_number"),
    Rule.PERMIT_NUMBER: ("StayPermit", "permit_number"),
}


class ReservationStatus(Enum):
    HELD = "HELD"
    RELEASED = "RELEASED"


S = ReservationStatus
_T = "berkas:Reservation."

LIFECYCLE = Lifecycle(
    "Reservation",
    ReservationStatus,
    (
        Transition("claim_new", "Claimed", (), S.HELD),
        Transition("claim", "Reclaimed", (S.RELEASED,), S.HELD),
        Transition("release", "Released", (S.HELD,), S.RELEASED),
    ),
)


def reservation_id(rule: Rule, key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"berkas:reservation:{rule.value}:{key.strip().upper()}")


class Reservation(Case):
    """Klaim atas kunci unik, held by one case at a time; national, not per office."""

    TOPIC = "berkas:Reservation"
    KIND = "Reservation"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def claim_new(cls, rule: Rule, key: str, holder: Case, provenance: Provenance) -> Reservation:
        check_provenance(provenance)
        return cls._create(
            cls.Claimed,
            id=reservation_id(rule, key),
            provenance=provenance,
            rule=rule,
            holder_id=holder.id,
            holder_kind=holder.KIND,
        )

    @event("Claimed", topic=_T + "Claimed")
    def __init__(self, provenance: Provenance, rule: Rule, holder_id: UUID, holder_kind: str):
        self.rule = rule
        self.holder_id: UUID | None = holder_id
        self.holder_kind = holder_kind

    def check_free_for(self, holder: Case) -> None:
        if self.status is S.HELD and self.holder_id != holder.id:
            raise KeyTaken(RULE_TEXT[self.rule], self.holder_kind, self.holder_id)

    def claim(self, holder: Case, provenance: Provenance) -> None:
        """Claim a released key again (a person's next application after the last ended)."""
        self.check_free_for(holder)
        if self.status is S.HELD:
            return  # already this case's
        check_provenance(provenance)
        self._reclaimed(provenance=provenance, holder_id=holder.id, holder_kind=holder.KIND)

    @event("Reclaimed", topic=_T + "Reclaimed")
    def _reclaimed(self, provenance: Provenance, holder_id: UUID, holder_kind: str) -> None:
        self.holder_id = holder_id
        self.holder_kind = holder_kind

    def release(self, holder: Case, provenance: Provenance, reason: str) -> None:
        """The holder gives the key back (its application ended); a no-op if it holds it no more."""
        if self.status is not S.HELD or self.holder_id != holder.id:
            return
        self._released(provenance=provenance, holder_id=holder.id, reason=reason)

    @event("Released", topic=_T + "Released")
    def _released(self, provenance: Provenance, holder_id: UUID, reason: str) -> None:
        self.holder_id = None


def claim(existing: Reservation | None, rule: Rule, key: str, holder: Case, provenance: Provenance) -> Reservation:
    """The reservation ``holder`` must save with its own event: a new one, or ``existing``
    claimed again; ``KeyTaken`` if another case holds the key."""
    if existing is None:
        return Reservation.claim_new(rule, key, holder, provenance)
    existing.claim(holder, provenance)
    return existing


def open_application_key(person: str, product: Enum) -> str:
    """``person``: the applicant's data subject id (a bare application without personal-data
    keys, which stores the NIK in plaintext anyway, has only the NIK); ``product``: what the
    application is for (a passport product, a stay permit kind)."""
    return f"{person}:{product.value}"
