"""Every projection the runner knows, by name."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.ledger.seal import SealProjection
from projections.runner import Projection
from projections.views.annual_report import AnnualReportView
from projections.views.audit_trail import AuditTrail
from projections.views.case_index import CaseIndex


def all_projections(signing_key: Ed25519PrivateKey | None = None) -> list[Projection]:
    """With the ledger's key, the seal signs each day's checkpoint as soon as the day completes."""
    return [CaseIndex(), AnnualReportView(), AuditTrail(), SealProjection(signing_key)]


def by_name(name: str, signing_key: Ed25519PrivateKey | None = None) -> Projection:
    for projection in all_projections(signing_key):
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in all_projections())
    raise KeyError(f"no projection named {name!r} (known: {known})")
