"""Annual report view (laporan capaian kinerja): figures per office, month, metric and key,
and per recorded day, so "as known on D" is a filtered sum (bitemporal).

Business months follow the office's own calendar (WIB/WITA/WIT); the recorded day is the
office's calendar day of the event's recorded ``timestamp``. Built for replay speed: a
page's increments are summed in dicts, then written with one upsert per table.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.views.decode import tagged
from projections.views.timefmt import local_day

FIGURES = "annual_report"
PASSPORTS = "annual_report_passports"  # application type of applications not yet issued
PERMITS = "annual_report_permits"  # kind of every stay permit (ITK, ITAS, ITAP)
TARGETS = "annual_report_targets"  # the latest target per office and year

P, SP, EC = "berkas:PassportApplication.", "berkas:StayPermit.", "berkas:EnforcementCase."
TOPICS = (
    P + "Submitted",
    P + "FeePaid",
    P + "Issued",
    P + "Refused",
    P + "Postponed",
    SP + "Applied",
    SP + "FeePaid",
    SP + "Issued",
    SP + "Extended",
    EC + "ActionImposed",
    EC + "Deported",
    EC + "ChargePaid",
    "berkas:JointOperation.Executed",
    "berkas:RevenueTarget.Set",
    "berkas:RevenueTarget.Revised",
)

Key = tuple[str, int, int, str, str, str]  # office, year, month, metric, key, recorded_on
FIGURE_COLUMNS = (
    ("office", "text"),
    ("year", "integer"),
    ("month", "integer"),
    ("metric", "text"),
    ("key", "text"),
    ("recorded_on", "text"),
    ("value", "bigint"),
)


def rupiah(text: str) -> int:
    """PNBP is billed in whole rupiah (SIMPONI has no sen) and the domain records no other
    amount, so the figures are exact integer sums: a fraction would be an error, never cut off."""
    if text.isdigit():
        return int(text)
    amount = Decimal(text)
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise ValueError(f"an amount of whole rupiah was expected, not {text!r}")
    return int(amount)


def _fee_lines(raw: dict[str, Any]) -> list[tuple[str, int]]:
    lines = raw["fee"]["_data_"]["lines"]
    return [(line["_data_"]["code"], rupiah(line["_data_"]["amount"]["_data_"])) for line in lines]


class _Page:
    """One page's increments and the lookup rows it adds."""

    def __init__(self, conn: Any, suffix: str, rows: list[StoredRow]):
        self.conn, self.suffix = conn, suffix
        self.figures: dict[Key, int] = defaultdict(int)
        self.events = [(row.topic, row.case_id, row.data) for row in rows]
        self.passports = {cid: raw["application_type"]["_data_"] for t, cid, raw in self.events if t == P + "Submitted"}
        self.permits = {cid: raw["kind"]["_data_"] for t, cid, raw in self.events if t == SP + "Applied"}
        self.issued: list[str] = []
        self.targets: dict[tuple[str, int], int] = {}

    def lookup(self, table: str, column: str, known: dict[str, str], topics: tuple[str, ...]) -> None:
        """Complete ``known`` with the stored values of cases begun on earlier pages."""
        wanted = sorted({cid for t, cid, _ in self.events if t in topics and cid not in known})
        if wanted:
            clause, params = sql.in_list(self.conn, "case_id", wanted)
            statement = f"SELECT case_id, {column} FROM {table + self.suffix} WHERE {clause}"
            known.update(dict(sql.fetchall(self.conn, statement, params)))

    def stored_targets(self) -> None:
        wanted = {(raw["provenance"]["_data_"][2], raw["year"]) for t, _, raw in self.events if "RevenueTarget" in t}
        for office, year in sorted(wanted):
            found = sql.fetchall(
                self.conn, f"SELECT amount FROM {TARGETS + self.suffix} WHERE office = ? AND year = ?", (office, year)
            )
            self.targets[(office, year)] = int(found[0][0]) if found else 0

    def count(self) -> None:
        figures = self.figures
        for topic, cid, raw in self.events:
            _actor, _role, office, occurred_at, *_rest = raw["provenance"]["_data_"]
            day = local_day(occurred_at, office)
            recorded = local_day(raw["timestamp"]["_data_"], office).isoformat()
            at = (office, day.year, day.month)
            if topic == P + "Issued":
                figures[(*at, "passports_issued", raw["product"]["_data_"], recorded)] += 1
                figures[(*at, "passports_issued_by_type", self.passports.pop(cid, "UNKNOWN"), recorded)] += 1
                self.issued.append(cid)
            elif topic == P + "FeePaid":
                for code, amount in _fee_lines(raw):
                    figures[(*at, "passport_revenue", code, recorded)] += amount
            elif topic == P + "Refused":
                figures[(*at, "refusals", raw["reason_code"]["_data_"], recorded)] += 1
            elif topic == P + "Postponed":
                # Codes only (version 1 events carried free text, never a key: OTHER).
                figures[(*at, "postponements", tagged(raw, "reason_code") or "OTHER", recorded)] += 1
            elif topic in (SP + "FeePaid", SP + "Extended"):
                for code, amount in _fee_lines(raw):
                    figures[(*at, "stay_permit_revenue", code, recorded)] += amount
                if topic == SP + "Extended" and self.permits.get(cid) == "ITK":
                    figures[(*at, "stay_permit_documents", "ITK_EXTENSION", recorded)] += 1
            elif topic == SP + "Issued" and self.permits.get(cid) in ("ITAS", "ITAP"):
                figures[(*at, "stay_permit_documents", f"{self.permits[cid]}_ISSUED", recorded)] += 1
            elif topic == EC + "ActionImposed":
                action = raw["action"]["_data_"]
                figures[(*at, "administrative_actions", action, recorded)] += 1
                if action == "DEPORTATION":
                    figures[(*at, "deportations_decided", "", recorded)] += 1
            elif topic == EC + "Deported":
                figures[(*at, "deportations_executed", "", recorded)] += 1
            elif topic == EC + "ChargePaid":
                figures[(*at, "enforcement_revenue", "CHARGE", recorded)] += rupiah(raw["amount"]["_data_"])
            elif topic == "berkas:JointOperation.Executed":
                figures[(*at, "joint_operations", "", recorded)] += 1
            elif topic.startswith("berkas:RevenueTarget."):
                # The target is the latest amount: store the change, so sums stay bitemporal.
                year, amount = raw["year"], rupiah(raw["amount"]["_data_"])
                figures[(office, year, 0, "revenue_target", "", recorded)] += amount - self.targets[(office, year)]
                self.targets[(office, year)] = amount


class AnnualReportView:
    name = "annual_report"
    topics = TOPICS
    tables = (FIGURES, PASSPORTS, PERMITS, TARGETS)

    def create_tables(self, conn: Any, suffix: str) -> None:
        sql.execute(
            conn,
            f"CREATE TABLE IF NOT EXISTS {FIGURES + suffix} (office TEXT NOT NULL, year INTEGER NOT NULL, "
            "month INTEGER NOT NULL, metric TEXT NOT NULL, key TEXT NOT NULL, recorded_on TEXT NOT NULL, "
            "value BIGINT NOT NULL, PRIMARY KEY (year, office, metric, key, month, recorded_on))",
        )
        sql.execute(conn, f"CREATE TABLE IF NOT EXISTS {PASSPORTS + suffix} (case_id TEXT PRIMARY KEY, type TEXT)")
        sql.execute(conn, f"CREATE TABLE IF NOT EXISTS {PERMITS + suffix} (case_id TEXT PRIMARY KEY, kind TEXT)")
        sql.execute(
            conn,
            f"CREATE TABLE IF NOT EXISTS {TARGETS + suffix} (office TEXT NOT NULL, year INTEGER NOT NULL, "
            "amount BIGINT NOT NULL, PRIMARY KEY (office, year))",
        )

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None:
        page = _Page(conn, suffix, rows)
        new_passports, new_permits = dict(page.passports), dict(page.permits)
        page.lookup(PASSPORTS, "type", page.passports, (P + "Issued",))
        page.lookup(PERMITS, "kind", page.permits, (SP + "Issued", SP + "Extended"))
        page.stored_targets()
        page.count()
        figures = FIGURES + suffix
        sql.insert_rows(
            conn,
            figures,
            FIGURE_COLUMNS,
            [(*key, value) for key, value in sorted(page.figures.items())],
            f"ON CONFLICT (year, office, metric, key, month, recorded_on) "
            f"DO UPDATE SET value = {figures}.value + excluded.value",
        )
        issued = set(page.issued)
        sql.insert_rows(
            conn,
            PASSPORTS + suffix,
            (("case_id", "text"), ("type", "text")),
            [(cid, kind) for cid, kind in new_passports.items() if cid not in issued],
        )
        sql.delete_keys(conn, PASSPORTS + suffix, "case_id", [cid for cid in page.issued if cid not in new_passports])
        sql.insert_rows(conn, PERMITS + suffix, (("case_id", "text"), ("kind", "text")), new_permits.items())
        sql.insert_rows(
            conn,
            TARGETS + suffix,
            (("office", "text"), ("year", "integer"), ("amount", "bigint")),
            [(office, year, amount) for (office, year), amount in page.targets.items()],
            "ON CONFLICT (office, year) DO UPDATE SET amount = excluded.amount",
        )
