"""The annual report (laporan tahunan) as JSON: the same figures, under the same names, as
its CSV (``part,name,key,month``: ``summary.passports_issued``, ``figures.refusals.PMI_NONPROCEDURAL``,
``monthly.passports_issued.3``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field, create_model

from projections.reports import PERCENT_LABELS, SUMMARY


def _summary_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: (int, Field(description=f"{label_en} ({label_id})"))
        for name, (_metric, _key, label_id, label_en) in SUMMARY.items()
    }
    label_id, label_en = PERCENT_LABELS
    fields["percent_of_target"] = (
        float | None,
        Field(description=f"{label_en} ({label_id}), two decimals; null without a target", examples=[333.68]),
    )
    return fields


ReportSummaryPublic = create_model(  # one field per headline figure, named as the report names it
    "ReportSummaryPublic", __doc__="The headline figures (money in whole rupiah)", **_summary_fields()
)


class ReportPublic(BaseModel):
    """Laporan tahunan of an office, or national (the sum of every office)."""

    year: int
    office: str | None = Field(description="The office; null for the national report")
    as_known_at: date | None = Field(description="Only events recorded on or before this day; null: everything")
    summary: ReportSummaryPublic  # type: ignore[valid-type]
    figures: dict[str, dict[str, int]] = Field(
        description="Every metric by key (the breakdowns): e.g. `refusals` by reason code, "
        "`passports_issued_by_type` by application type, `passport_revenue` by tariff code"
    )
    monthly: dict[str, dict[str, int]] = Field(
        description="Every metric counted by month, by month `1` to `12` of the office's calendar "
        "(zeros included; the same metrics in every year, even one with no figures yet)"
    )
