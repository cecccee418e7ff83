"""RevenueTarget: target PNBP of an office for a year, set (and revised) by a command."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.case import Case, whole_rupiah
from domain.errors import InvalidCommand
from domain.lifecycle import SUPERVISORS, Lifecycle, Transition
from domain.plain_text import check_document
from domain.values import Provenance


class TargetStatus(Enum):
    SET = "SET"


_T = "berkas:RevenueTarget."
_DECISION = {"roles": SUPERVISORS, "decision": True, "basis": "legal_basis"}
LIFECYCLE = Lifecycle(
    "RevenueTarget",
    TargetStatus,
    (
        Transition("set_for", "Set", (), TargetStatus.SET, **_DECISION),
        Transition("revise", "Revised", (TargetStatus.SET,), None, **_DECISION),
    ),
)


def revenue_target_id(office: str, year: int) -> UUID:
    """One target per office and year: its id is derived, so revisions find it."""
    return uuid5(NAMESPACE_URL, f"berkas:revenue-target:{office}:{year}")


def check_target(year: int, amount: Decimal) -> Decimal:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidCommand("year", "must be a year between 2000 and 2100")
    return whole_rupiah("amount", amount)


class RevenueTarget(Case):
    """Target penerimaan negara bukan pajak (PNBP) kantor."""

    TOPIC = "berkas:RevenueTarget"
    KIND = "RevenueTarget"
    LIFECYCLE = LIFECYCLE

    @classmethod
    def set_for(cls, provenance: Provenance, year: int, amount: Decimal, legal_basis: str) -> RevenueTarget:
        cls.check_creation(provenance)
        amount = check_target(year, amount)
        check_document("legal_basis", legal_basis)
        return cls._create(
            cls.Set,
            id=revenue_target_id(provenance.office, year),
            provenance=provenance,
            year=year,
            amount=amount,
            legal_basis=legal_basis,
        )

    @event("Set", topic=_T + "Set")
    def __init__(self, provenance: Provenance, year: int, amount: Decimal, legal_basis: str):
        self.year = year
        self.amount = amount

    def revise(self, provenance: Provenance, amount: Decimal, legal_basis: str) -> None:
        """Revisi target (e.g. after a budget revision, DIPA revisi)."""
        self.check_can("revise", provenance)
        amount = check_target(self.year, amount)
        check_document("legal_basis", legal_basis)
        self._revised(provenance=provenance, year=self.year, amount=amount, legal_basis=legal_basis)

    @event("Revised", topic=_T + "Revised")
    def _revised(self, provenance: Provenance, year: int, amount: Decimal, legal_basis: str) -> None:
        self.amount = amount
