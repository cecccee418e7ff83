"""The annual report (laporan tahunan) of an office, or national: query and rendering.

The figures are the ones a Kantor Imigrasi reports at year end (section 1 of DESIGN.md),
grouped as its own report groups them, with the Indonesian label beside the English one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rich.table import Table

from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.runner import catch_up
from projections.views.annual_report import FIGURES, AnnualReportView


@dataclass(frozen=True)
class AnnualReport:
    year: int
    office: str | None  # None: national, the sum over offices
    as_known_at: date | None  # only events recorded on or before this day
    figures: dict[str, dict[str, int]] = field(default_factory=dict)  # metric -> key -> year total
    monthly: dict[str, dict[int, int]] = field(default_factory=dict)  # metric -> month -> total

    def total(self, metric: str, key: str | None = None) -> int:
        values = self.figures.get(metric, {})
        return values.get(key, 0) if key is not None else sum(values.values())

    @property
    def percent_of_target(self) -> Decimal | None:
        """Passport-service PNBP as a share of the target (persen dari target)."""
        target = self.total("revenue_target")
        if target <= 0:
            return None
        share = Decimal(self.total("passport_revenue")) * 100 / Decimal(target)
        return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def summary(self) -> dict[str, int]:
        return {name: self.total(metric, key) for name, (metric, key, _id, _en) in SUMMARY.items()}

    def to_dict(self) -> dict[str, Any]:
        percent = self.percent_of_target
        return {
            "year": self.year,
            "office": self.office,
            "as_known_at": self.as_known_at.isoformat() if self.as_known_at else None,
            "summary": self.summary() | {"percent_of_target": float(percent) if percent is not None else None},
            "figures": self.figures,
            "monthly": {metric: {str(m): v for m, v in months.items()} for metric, months in self.monthly.items()},
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "metric", "key", "label_id", "label_en", "value"])
        for section, lines in sections(self):
            for metric, key, label_id, label_en, value in lines:
                writer.writerow([section, metric, key, label_id, label_en, value])
        return out.getvalue()


# name -> (metric, key or None for all keys, Indonesian label, English label)
SUMMARY: dict[str, tuple[str, str | None, str, str]] = {
    "passports_issued": ("passports_issued", None, "Paspor diterbitkan", "Passports issued"),
    "electronic_passports": ("passports_issued", "ELECTRONIC", "termasuk paspor elektronik", "of which electronic"),
    "refusals_pmi_nonprocedural": (
        "refusals",
        "PMI_NONPROCEDURAL",
        "Penolakan terindikasi PMI nonprosedural",
        "Refused, suspected non-procedural migrant worker",
    ),
    "refusals": ("refusals", None, "Penolakan permohonan (semua alasan)", "Applications refused (all reasons)"),
    "postponements": ("postponements", None, "Penundaan permohonan", "Applications postponed"),
    "stay_permit_documents": (
        "stay_permit_documents",
        None,
        "Dokumen izin tinggal",
        "Stay-permit documents (ITK extensions + ITAS + ITAP)",
    ),
    "administrative_actions": (
        "administrative_actions",
        None,
        "Tindakan administratif keimigrasian",
        "Administrative actions (TAK)",
    ),
    "deportations": ("deportations_decided", None, "termasuk deportasi", "of which deportations"),
    "deportations_executed": ("deportations_executed", None, "Deportasi dilaksanakan", "Deportations carried out"),
    "joint_operations": ("joint_operations", None, "Operasi gabungan (TIMPORA)", "Joint operations"),
    "passport_revenue": ("passport_revenue", None, "PNBP pelayanan paspor", "Passport-service revenue"),
    "stay_permit_revenue": ("stay_permit_revenue", None, "PNBP izin tinggal", "Stay-permit revenue"),
    "enforcement_revenue": ("enforcement_revenue", None, "PNBP penindakan (biaya beban)", "Enforcement revenue"),
    "revenue_target": ("revenue_target", None, "Target PNBP", "Revenue target"),
}

_SECTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Pelayanan Paspor (Passport services)",
        ("passports_issued", "electronic_passports", "refusals_pmi_nonprocedural", "refusals", "postponements"),
        ("passports_issued_by_type", "refusals"),
    ),
    ("Pelayanan Izin Tinggal (Stay permits)", ("stay_permit_documents",), ("stay_permit_documents",)),
    (
        "Pengawasan dan Penindakan Keimigrasian (Supervision and enforcement)",
        ("administrative_actions", "deportations", "deportations_executed", "joint_operations"),
        ("administrative_actions",),
    ),
    (
        "PNBP (State revenue)",
        ("passport_revenue", "revenue_target", "stay_permit_revenue", "enforcement_revenue"),
        ("passport_revenue",),
    ),
)
_BREAKDOWN_ID = {
    "passports_issued_by_type": "menurut jenis permohonan",
    "refusals": "penolakan menurut alasan",
    "stay_permit_documents": "menurut jenis dokumen",
    "administrative_actions": "menurut jenis tindakan (Pasal 75)",
    "passport_revenue": "menurut kode tarif",
}

Line = tuple[str, str, str, str, int]  # metric, key, label_id, label_en, value


def sections(report: AnnualReport) -> list[tuple[str, list[Line]]]:
    """The report's lines in the office's own order: headline figures, then breakdowns."""
    grouped = []
    for title, headlines, breakdowns in _SECTIONS:
        lines: list[Line] = []
        for name in headlines:
            metric, key, label_id, label_en = SUMMARY[name]
            lines.append((metric, key or "", label_id, label_en, report.total(metric, key)))
        for metric in breakdowns:
            for key, value in sorted(report.figures.get(metric, {}).items()):
                lines.append((metric, key, f"  {_BREAKDOWN_ID[metric]}: {key}", f"  by {key}", value))
        grouped.append((title, lines))
    return grouped


def annual_report(
    store: Store, year: int, office: str | None = None, as_known_at: date | None = None, *, current: bool = True
) -> AnnualReport:
    """Sum the view's figures; ``current`` first brings the view up to the end of the log."""
    if current:
        catch_up(store, [AnnualReportView()])
    where, params = ["year = ?"], [year]
    if office is not None:
        where.append("office = ?")
        params.append(office)
    if as_known_at is not None:
        where.append("recorded_on <= ?")
        params.append(as_known_at.isoformat())
    figures: dict[str, dict[str, int]] = {}
    monthly: dict[str, dict[int, int]] = {}
    with store.read() as conn:
        if sql.table_exists(conn, FIGURES):
            found = sql.fetchall(
                conn,
                f"SELECT metric, key, month, SUM(value) FROM {FIGURES} WHERE {' AND '.join(where)} "
                "GROUP BY metric, key, month ORDER BY metric, key, month",
                params,
            )
            for metric, key, month, value in found:
                value = int(value)
                by_key = figures.setdefault(metric, {})
                by_key[key] = by_key.get(key, 0) + value
                if month:
                    by_month = monthly.setdefault(metric, {})
                    by_month[month] = by_month.get(month, 0) + value
    return AnnualReport(year, office, as_known_at, figures, monthly)


def rupiah_text(amount: int) -> str:
    """Rupiah as an office report writes it: Rp 33.81 miliar, Rp 512.50 juta."""
    if abs(amount) >= 10**9:
        return f"Rp {Decimal(amount) / 10**9:.2f} miliar"
    if abs(amount) >= 10**6:
        return f"Rp {Decimal(amount) / 10**6:.2f} juta"
    return f"Rp {amount:,}"


def _value_text(metric: str, value: int) -> str:
    return rupiah_text(value) if metric.endswith(("revenue", "target")) else f"{value:,}"


def render_table(report: AnnualReport) -> Table:
    where = report.office or "nasional (national)"
    title = f"Laporan tahunan {report.year} — {where}"
    if report.as_known_at is not None:
        title += f" — as known on {report.as_known_at.isoformat()}"
    table = Table(title=title, show_lines=False)
    table.add_column("Indikator")
    table.add_column("Indicator")
    table.add_column("Nilai / Value", justify="right")
    for section, lines in sections(report):
        table.add_section()
        table.add_row(f"[bold]{section}[/bold]", "", "")
        for metric, _key, label_id, label_en, value in lines:
            table.add_row(label_id, label_en, _value_text(metric, value))
        if section.startswith("PNBP"):
            percent = report.percent_of_target
            shown = f"{percent:.2f} %" if percent is not None else "—"
            table.add_row("Persentase dari target", "Share of target", shown)
    return table
