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

from babel.numbers import format_decimal
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
    monthly_by_key: dict[str, dict[str, dict[int, int]]] = field(default_factory=dict)  # metric -> key -> month

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
        """Every figure, by the names the CSV uses too: the headline ``summary`` (with the
        share of target), ``figures`` (every metric by key: the breakdowns) and ``monthly``
        (every metric, month 1 to 12 of the office's calendar)."""
        percent = self.percent_of_target
        return {
            "year": self.year,
            "office": self.office,
            "as_known_at": self.as_known_at.isoformat() if self.as_known_at else None,
            "summary": self.summary() | {"percent_of_target": float(percent) if percent is not None else None},
            "figures": {metric: dict(sorted(keys.items())) for metric, keys in sorted(self.figures.items())},
            "monthly": {
                metric: {str(month): self.monthly.get(metric, {}).get(month, 0) for month in range(1, 13)}
                for metric in sorted(set(self.monthly) | set(MONTHLY_METRICS))
            },
        }

    def rows(self) -> list[Row]:
        """The CSV's rows: exactly the numbers of ``to_dict``, each under its part and name."""
        data = self.to_dict()
        found: list[Row] = []
        for name, value in data["summary"].items():
            label_id, label_en = SUMMARY[name][2:] if name in SUMMARY else PERCENT_LABELS
            found.append(("summary", name, "", "", value, label_id, label_en))
        for metric, keys in data["figures"].items():
            label_id, label_en = metric_labels(metric)
            for key, value in keys.items():
                found.append(("figures", metric, key, "", value, label_id, label_en))
        for metric, months in data["monthly"].items():
            label_id, label_en = metric_labels(metric)
            for month, value in months.items():
                found.append(("monthly", metric, "", month, value, label_id, label_en))
        return found

    def to_csv(self, numbers: str = "plain") -> str:
        """CSV of ``rows()``; ``numbers="id"`` writes them as an Indonesian spreadsheet
        reads them (73.338 and 333,68), separated by semicolons."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", delimiter=";" if numbers == "id" else ",")
        writer.writerow(CSV_COLUMNS)
        for part, name, key, month, value, label_id, label_en in self.rows():
            writer.writerow([part, name, key, month, number_text(value, numbers), label_id, label_en])
        return out.getvalue()


# The metrics counted by month (the view's, all but the year's ``revenue_target``): every
# report lists each of them, twelve months long, with figures or without (a year that has
# only a target, or nothing yet, has the same shape as any other).
MONTHLY_METRICS = (
    "administrative_actions",
    "deportations_decided",
    "deportations_executed",
    "enforcement_revenue",
    "joint_operations",
    "passport_revenue",
    "passports_issued",
    "passports_issued_by_type",
    "postponements",
    "refusals",
    "stay_permit_documents",
    "stay_permit_revenue",
)

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

# Each section's headlines, in the office's order.
_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Pelayanan Paspor (Passport services)",
        ("passports_issued", "electronic_passports", "refusals_pmi_nonprocedural", "refusals", "postponements"),
    ),
    ("Pelayanan Izin Tinggal (Stay permits)", ("stay_permit_documents",)),
    (
        "Pengawasan dan Penindakan Keimigrasian (Supervision and enforcement)",
        ("administrative_actions", "deportations", "deportations_executed", "joint_operations"),
    ),
    (
        "PNBP (State revenue)",
        ("passport_revenue", "revenue_target", "stay_permit_revenue", "enforcement_revenue"),
    ),
)
# A headline broken down, and by what: the breakdown's rows follow the headline they add up
# to, not the section's last line (where "Penundaan 0" then "by NEW 1" read as one figure).
# headline -> (metric, Indonesian label, English label)
_BREAKDOWNS = {
    "passports_issued": ("passports_issued_by_type", "menurut jenis permohonan", "by application type"),
    "refusals": ("refusals", "penolakan menurut alasan", "by reason"),
    "stay_permit_documents": ("stay_permit_documents", "menurut jenis dokumen", "by document type"),
    "administrative_actions": ("administrative_actions", "menurut jenis tindakan (Pasal 75)", "by action (Pasal 75)"),
    "passport_revenue": ("passport_revenue", "menurut kode tarif", "by tariff code"),
}

Line = tuple[str, str, str, str, int]  # metric, key, label_id, label_en, value
Row = tuple[str, str, str, str, int | float | None, str, str]  # part, name, key, month, value, labels
CSV_COLUMNS = ("part", "name", "key", "month", "value", "label_id", "label_en")
PERCENT_LABELS = ("Persentase PNBP paspor dari target", "Passport-service revenue as a share of the target (%)")
_METRIC_LABELS = {
    "passports_issued_by_type": ("Paspor diterbitkan menurut jenis permohonan", "Passports issued by application type")
}


def metric_labels(metric: str) -> tuple[str, str]:
    """A metric's labels: its headline's, where it has one."""
    if metric in _METRIC_LABELS:
        return _METRIC_LABELS[metric]
    headline = next((names for (m, key, *names) in SUMMARY.values() if m == metric and key is None), None)
    return (headline[0], headline[1]) if headline else (metric, metric)


def number_text(value: int | float | Decimal | None, numbers: str = "plain") -> str:
    """A figure as text: plain (73338, 333.68) or Indonesian (73.338, 333,68)."""
    if value is None:
        return ""
    whole = isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral_value())
    if numbers != "id":
        return str(int(value)) if whole else f"{value:.2f}"
    return format_decimal(value, format="#,##0" if whole else "#,##0.00", locale="id_ID")


def sections(report: AnnualReport) -> list[tuple[str, list[Line]]]:
    """The report's lines in the office's own order: each headline figure, followed by its
    breakdown (indented) if it has one."""
    grouped = []
    for title, headlines in _SECTIONS:
        lines: list[Line] = []
        for name in headlines:
            metric, key, label_id, label_en = SUMMARY[name]
            lines.append((metric, key or "", label_id, label_en, report.total(metric, key)))
            if name in _BREAKDOWNS:
                by, by_id, by_en = _BREAKDOWNS[name]
                for part, value in sorted(report.figures.get(by, {}).items()):
                    lines.append((by, part, f"  {by_id}: {part}", f"  {by_en}: {part}", value))
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
    monthly_by_key: dict[str, dict[str, dict[int, int]]] = {}
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
                    keyed = monthly_by_key.setdefault(metric, {}).setdefault(key, {})
                    keyed[month] = keyed.get(month, 0) + value
    return AnnualReport(year, office, as_known_at, figures, monthly, monthly_by_key)


def rupiah_text(amount: int, numbers: str = "plain") -> str:
    """Rupiah in the table: every amount whole, in one form (Rp 33,810,000,000 and Rp 950,000;
    in Indonesian numbers Rp 33.810.000.000), so that each reads as the CSV's and the JSON's
    figure does and no two are written in different units (the web dashboard rounds to
    miliar and juta for the eye, ``api.ui.i18n.rupiah``)."""
    return f"Rp {amount:,}" if numbers != "id" else f"Rp {number_text(amount, numbers)}"


def _two(value: Decimal, numbers: str) -> str:
    return f"{value:.2f}" if numbers != "id" else format_decimal(value, format="#,##0.00", locale="id_ID")


def is_rupiah(metric: str) -> bool:
    """Revenue and targets are amounts in rupiah; every other figure is a count."""
    return metric.endswith(("revenue", "target"))


def _value_text(metric: str, value: int, numbers: str) -> str:
    if is_rupiah(metric):
        return rupiah_text(value, numbers)
    return f"{value:,}" if numbers != "id" else number_text(value, numbers)


def render_table(report: AnnualReport, numbers: str = "plain") -> Table:
    where = report.office or "nasional (national)"
    title = f"Laporan tahunan {report.year} — {where}"
    if report.as_known_at is not None:
        title += f" — as known on {report.as_known_at.isoformat()}"
    table = Table(title=title, show_lines=False)
    table.add_column("Indikator")
    table.add_column("Indicator")
    table.add_column("Nilai / Value", justify="right", no_wrap=True)  # a figure is never cut in two
    for section, lines in sections(report):
        table.add_section()
        table.add_row(f"[bold]{section}[/bold]", "", "")
        for metric, key, label_id, label_en, value in lines:
            table.add_row(label_id, label_en, _value_text(metric, value, numbers))
            if metric == "revenue_target" and not key:  # the share is passport revenue's, of this target
                percent = report.percent_of_target
                shown = f"{_two(percent, numbers)} %" if percent is not None else "—"
                table.add_row(*(f"  {label.removesuffix(' (%)')}" for label in PERCENT_LABELS), shown)
    return table
