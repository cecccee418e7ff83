"""Annual report view (laporan capaian kinerja): figures per office, month, metric and key,
and per recorded day, so "as known on D" is a filtered sum (bitemporal).

Business months follow the office's own calendar (WIB/WITA/WIT); the recorded day is the
office's calendar day of the event's recorded ``timestamp``. Built for replay speed: a
page's increments are summed in dicts, then written with one upsert per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.views.decode import fields, peeled
from projections.views.timefmt import local_day_parts

FIGURES = "annual_report"
PASSPORTS = "annual_report_passports"  # application type of applications not yet issued
PERMITS = "annual_report_permits"  # kind of every stay permit (ITK, ITAS, ITAP)
TARGETS = "annual_report_targets"  # the latest target per office and year

P, SP, EC = "berkas:PassportApplication.", "berkas:StayPermit.", "berkas:EnforcementCase."

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


def _fee_lines(raw: Any) -> list[tuple[str, int]]:
    lines = raw.fee["_data_"]["lines"]
    return [(line["_data_"]["code"], rupiah(line["_data_"]["amount"]["_data_"])) for line in lines]


class _Tally:
    """Increments and the lookups counting needs: the type of applications not issued yet,
    the kind of every stay permit, the latest target per office and year."""

    def __init__(self) -> None:
        self.figures: dict[Key, int] = defaultdict(int)
        self.passports: dict[str, str] = {}
        self.permits: dict[str, str] = {}
        self.targets: dict[tuple[str, int], int] = {}
        self.issued: list[str] = []

    def count(self, events: list[tuple[str, str, Any]]) -> None:
        counters, nothing = _COUNTERS, _Tally.nothing
        for topic, cid, raw in events:
            counter = counters[topic]
            if counter is nothing:
                continue
            prov = raw.provenance.data
            office = prov[2]
            year, month, _ = local_day_parts(prov[3], office)
            recorded = local_day_parts(raw.timestamp.data, office)[2]
            counter(self, (office, year, month), recorded, cid, raw)

    def passport_issued(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        figures = self.figures
        figures[(*at, "passports_issued", raw.product["_data_"], recorded)] += 1
        figures[(*at, "passports_issued_by_type", self.passports.pop(cid, "UNKNOWN"), recorded)] += 1
        self.issued.append(cid)

    def passport_paid(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        for code, amount in _fee_lines(raw):
            self.figures[(*at, "passport_revenue", code, recorded)] += amount

    def refused(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        self.figures[(*at, "refusals", raw.reason_code["_data_"], recorded)] += 1

    def postponed(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        # Codes only (version 1 events carried free text, never a key: OTHER).
        self.figures[(*at, "postponements", peeled(raw.reason_code) or "OTHER", recorded)] += 1

    def permit_paid(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        for code, amount in _fee_lines(raw):
            self.figures[(*at, "stay_permit_revenue", code, recorded)] += amount

    def permit_extended(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        self.permit_paid(at, recorded, cid, raw)
        if self.permits.get(cid) == "ITK":
            self.figures[(*at, "stay_permit_documents", "ITK_EXTENSION", recorded)] += 1

    def permit_issued(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        kind = self.permits.get(cid)
        if kind in ("ITAS", "ITAP"):
            self.figures[(*at, "stay_permit_documents", f"{kind}_ISSUED", recorded)] += 1

    def action_imposed(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        action = raw.action["_data_"]
        self.figures[(*at, "administrative_actions", action, recorded)] += 1
        if action == "DEPORTATION":
            self.figures[(*at, "deportations_decided", "", recorded)] += 1

    def deported(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        self.figures[(*at, "deportations_executed", "", recorded)] += 1

    def charge_paid(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        self.figures[(*at, "enforcement_revenue", "CHARGE", recorded)] += rupiah(raw.amount["_data_"])

    def joint_operation(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        self.figures[(*at, "joint_operations", "", recorded)] += 1

    def target(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        # The target is the latest amount: store the change, so sums stay bitemporal.
        office, year, amount = at[0], raw.year, rupiah(raw.amount["_data_"])
        self.figures[(office, year, 0, "revenue_target", "", recorded)] += amount - self.targets[(office, year)]
        self.targets[(office, year)] = amount

    def nothing(self, at: tuple[str, int, int], recorded: str, cid: str, raw: Any) -> None:
        """Read for a lookup only (what an application or a permit is)."""


_COUNTERS = {
    P + "Submitted": _Tally.nothing,
    P + "FeePaid": _Tally.passport_paid,
    P + "Issued": _Tally.passport_issued,
    P + "Refused": _Tally.refused,
    P + "Postponed": _Tally.postponed,
    SP + "Applied": _Tally.nothing,
    SP + "FeePaid": _Tally.permit_paid,
    SP + "Issued": _Tally.permit_issued,
    SP + "Extended": _Tally.permit_extended,
    EC + "ActionImposed": _Tally.action_imposed,
    EC + "Deported": _Tally.deported,
    EC + "ChargePaid": _Tally.charge_paid,
    "berkas:JointOperation.Executed": _Tally.joint_operation,
    "berkas:RevenueTarget.Set": _Tally.target,
    "berkas:RevenueTarget.Revised": _Tally.target,
}
TOPICS = tuple(_COUNTERS)


class _Tables:
    """The view's tables under one suffix, and what a page reads from and writes to them."""

    def __init__(self, suffix: str):
        self.figures, self.passports, self.permits, self.targets = (t + suffix for t in AnnualReportView.tables)

    @staticmethod
    def events(rows: list[StoredRow]) -> list[tuple[str, str, Any]]:
        return [(row.topic, row.case_id, fields(row)) for row in rows]

    @staticmethod
    def begun(events: list[tuple[str, str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
        """The application type and permit kind of the cases these events begin."""
        passports = {cid: raw.application_type["_data_"] for t, cid, raw in events if t == P + "Submitted"}
        permits = {cid: raw.kind["_data_"] for t, cid, raw in events if t == SP + "Applied"}
        return passports, permits

    def lookup(self, conn: Any, events: list[tuple[str, str, Any]], tally: _Tally) -> set[str]:
        """Complete the tally's types and kinds with the stored ones of cases begun earlier
        and its targets with the stored ones; returns the applications found stored."""
        found = self._lookup(conn, self.passports, "type", tally.passports, events, (P + "Issued",))
        self._lookup(conn, self.permits, "kind", tally.permits, events, (SP + "Issued", SP + "Extended"))
        wanted = {(raw.provenance.data[2], raw.year) for t, _, raw in events if "RevenueTarget" in t}
        for office, year in sorted(wanted - set(tally.targets)):
            stored = sql.fetchall(
                conn, f"SELECT amount FROM {self.targets} WHERE office = ? AND year = ?", (office, year)
            )
            tally.targets[(office, year)] = int(stored[0][0]) if stored else 0
        return found

    @staticmethod
    def _lookup(conn: Any, table: str, column: str, known: dict[str, str], events: list, topics: tuple) -> set[str]:
        wanted = sorted({cid for t, cid, _ in events if t in topics and cid not in known})
        if not wanted:
            return set()
        clause, params = sql.in_list(conn, "case_id", wanted)
        stored = dict(sql.fetchall(conn, f"SELECT case_id, {column} FROM {table} WHERE {clause}", params))
        known.update(stored)
        return set(stored)

    def write_figures(self, conn: Any, figures: dict[Key, int], *, fresh: bool = False) -> None:
        """Add the figures to the stored ones; ``fresh``: the table holds none yet (a
        replay's first write), so they go in by COPY."""
        if fresh:
            sql.copy_rows(conn, self.figures, FIGURE_COLUMNS, [(*key, value) for key, value in figures.items()])
            return
        sql.insert_rows(
            conn,
            self.figures,
            FIGURE_COLUMNS,
            [(*key, value) for key, value in sorted(figures.items())],
            f"ON CONFLICT (year, office, metric, key, month, recorded_on) "
            f"DO UPDATE SET value = {self.figures}.value + excluded.value",
        )

    def write_passports(self, conn: Any, passports: Iterable[tuple[str, str]]) -> None:
        sql.insert_rows(conn, self.passports, (("case_id", "text"), ("type", "text")), passports)

    def forget_passports(self, conn: Any, case_ids: Iterable[str]) -> None:
        sql.delete_keys(conn, self.passports, "case_id", sorted(case_ids))

    def write_permits(self, conn: Any, permits: Iterable[tuple[str, str]]) -> None:
        sql.insert_rows(conn, self.permits, (("case_id", "text"), ("kind", "text")), permits)

    def write_targets(self, conn: Any, targets: dict[tuple[str, int], int]) -> None:
        sql.insert_rows(
            conn,
            self.targets,
            (("office", "text"), ("year", "integer"), ("amount", "bigint")),
            [(office, year, amount) for (office, year), amount in targets.items()],
            "ON CONFLICT (office, year) DO UPDATE SET amount = excluded.amount",
        )


class _Replay:
    """The annual report rebuilt: figures summed across pages, the types of applications
    not issued yet and the kinds of permits held in memory, all written in large batches.
    Each holding is bounded (``HELD``): past it, figures are written out, and the oldest
    half of the applications and the permits go to their tables, where later pages look
    them up as the live view does."""

    HELD = 100_000

    def __init__(self, suffix: str):
        self.tables = _Tables(suffix)
        self.tally = _Tally()
        self.new_permits: dict[str, str] = {}  # held, not yet in their table
        self.stored_issued: set[str] = set()  # in the table, issued since
        self.figures_written = False

    def apply(self, conn: Any, rows: list[StoredRow]) -> None:
        tables, tally = self.tables, self.tally
        events = tables.events(rows)
        passports, permits = tables.begun(events)
        tally.passports.update(passports)
        tally.permits.update(permits)
        self.new_permits.update(permits)
        self.stored_issued |= tables.lookup(conn, events, tally)
        tally.count(events)
        tally.issued.clear()
        if len(tally.figures) > self.HELD:
            self._write_figures(conn)
        if len(tally.passports) > self.HELD:
            oldest = list(tally.passports)[: len(tally.passports) - self.HELD // 2]
            tables.write_passports(conn, [(cid, tally.passports.pop(cid)) for cid in oldest])
        if len(tally.permits) > self.HELD:
            tables.write_permits(conn, self.new_permits.items())
            self.new_permits.clear()
            tally.permits.clear()

    def finish(self, conn: Any) -> None:
        tables, tally = self.tables, self.tally
        self._write_figures(conn)
        tables.write_passports(conn, tally.passports.items())
        tables.forget_passports(conn, self.stored_issued - set(tally.passports))
        tables.write_permits(conn, self.new_permits.items())
        tables.write_targets(conn, tally.targets)
        tally.passports.clear()
        self.new_permits.clear()
        self.stored_issued.clear()

    def _write_figures(self, conn: Any) -> None:
        self.tables.write_figures(conn, self.tally.figures, fresh=not self.figures_written)
        self.figures_written = True
        self.tally.figures.clear()


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
        tables, tally = _Tables(suffix), _Tally()
        events = tables.events(rows)
        passports, permits = tables.begun(events)
        tally.passports.update(passports)
        tally.permits.update(permits)
        tables.lookup(conn, events, tally)
        tally.count(events)
        tables.write_figures(conn, tally.figures)
        issued = set(tally.issued)
        tables.write_passports(conn, [(cid, kind) for cid, kind in passports.items() if cid not in issued])
        tables.forget_passports(conn, [cid for cid in tally.issued if cid not in passports])
        tables.write_permits(conn, permits.items())
        tables.write_targets(conn, tally.targets)

    def replay(self, suffix: str) -> _Replay:
        return _Replay(suffix)
