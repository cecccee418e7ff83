"""Every projection the runner knows, by name."""

from __future__ import annotations

from projections.annual_report import AnnualReportView
from projections.audit_trail import AuditTrail
from projections.case_index import CaseIndex
from projections.ledger.seal import SealProjection
from projections.runner import Projection


def all_projections() -> list[Projection]:
    return [CaseIndex(), AnnualReportView(), AuditTrail(), SealProjection()]


def by_name(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in all_projections())
    raise KeyError(f"no projection named {name!r} (known: {known})")
