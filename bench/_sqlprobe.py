"""A probe, not a rebuild: what a set-based SQL fold of the three views would cost on
PostgreSQL if it parsed each stored state once (``jsonb``), in parallel, into a staging
table of the fields the views read, then built every view table from it by GROUP BY.

It writes scratch tables (``sqlprobe_*``) in one transaction and rolls it back, so the
views are never touched; where the views exist, it counts the rows its tables and theirs
do not share (tests/test_bench_sqlprobe.py: none, on a national sample and on hand-made
histories). The lists it needs (decisions, statuses, zones) come from the views' modules.
It is not the rebuild (issue #9: it measures whether a SQL fold is worth building). Known
differences from the Python folds, none met in a log the domain writes: an amount such as
``1E+3`` fails here where ``rupiah`` accepts it; a tagged value without ``_data_`` is
read as its JSON text; a second issue of one application counts its type, not UNKNOWN.

Two figures:
- ``parse``: the fold from the stored JSON, the staging table built by a parallel query;
- ``columns``: the same fold from the staging table alone, what it would cost if the
  fields were stored beside the JSON as typed columns at append time (a format change).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import psycopg

from bench.common import Timing, backend_cpu, ratio, raw_read
from domain.reference import OFFICES
from projections.views.annual_report import SP, TOPICS, P
from projections.views.audit_trail import DECISIONS
from projections.views.case_index import _DEPENDS, _STATUS, CaseIndex
from projections.views.timefmt import office_zone

_UTC = """to_char(({})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
_LAST = "substr(max(lpad(s.nid::text, 19, '0') || {}) FILTER (WHERE {} IS NOT NULL), 20)"
_PEEL = "coalesce({0}->>'_data_', {0}#>>'{{}}')"


def _values(rows: list[tuple[object, ...]]) -> str:
    def literal(value: object) -> str:
        return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"

    return "(VALUES " + ", ".join("(" + ", ".join(map(literal, row)) + ")" for row in rows) + ")"


def _statements() -> list[str]:
    statuses = sorted(set(_STATUS.values()))
    status = _values([(f"berkas:{t}", statuses.index(s)) for t, s in _STATUS.items()])
    # An event whose status depends on one of its fields (an upheld objection); the field
    # is read for those topics only (the same name holds a sealed note elsewhere).
    index = lambda state: "NULL" if state is None else str(statuses.index(state.value))  # noqa: E731
    depends = " ".join(
        f"WHEN 'berkas:{topic}' THEN CASE WHEN {_PEEL.format('s.' + t.when[0])} = '{t.when[1]}' "
        f"THEN {index(t.when[2])} ELSE {index(t.target)} END"
        for topic, t in _DEPENDS.items()
    )
    depending = "ARRAY[" + ", ".join(f"'berkas:{topic}'" for topic in _DEPENDS) + "]"
    if {t.when[0] for t in _DEPENDS.values()} - {"outcome"}:
        raise ValueError("a status depends on a field the probe does not stage")
    reason = " ".join(
        f"WHEN '{topic}' THEN {'NULL' if field is None else _PEEL.format(field)}"
        for topic, (field, _) in DECISIONS.items()
    )
    basis = " ".join(
        f"WHEN '{topic}' THEN {'NULL' if field is None else _PEEL.format(field)}"
        for topic, (_, field) in DECISIONS.items()
    )
    if {f for pair in DECISIONS.values() for f in pair} - {None, "reason_code", "basis", "legal_basis"}:
        raise ValueError("a decision's reason or basis is in a field the probe does not stage")
    zones = _values([(office, office_zone(office).key) for office in OFFICES])
    status_names = "ARRAY[" + ", ".join(f"'{s}'" for s in statuses) + "]"
    decisions = "ARRAY[" + ", ".join(f"'{t}'" for t in DECISIONS) + "]"
    counted = "ARRAY[" + ", ".join(f"'{t}'" for t in TOPICS) + "]"
    cases = "ARRAY[" + ", ".join(f"'{t}'" for t in CaseIndex.topics) + "]"
    wanted = "ARRAY[" + ", ".join(f"'{t}'" for t in sorted({*CaseIndex.topics, *TOPICS, *DECISIONS})) + "]"
    return [
        f"""CREATE UNLOGGED TABLE sqlprobe_stage AS
        SELECT e.notification_id nid, e.originator_id case_id, e.originator_version version, e.topic,
          r.provenance->'_data_'->>2 office, r.provenance->'_data_'->>3 occurred, r.timestamp->>'_data_' recorded,
          CASE WHEN e.topic = ANY({decisions}) THEN r.provenance->'_data_' END prov,
          r.reason_code, r.regency_code, r.legal_basis, r.basis,
          CASE WHEN e.topic = ANY({depending}) THEN r.outcome END AS outcome,
          coalesce(r.product, r.kind, r.source) subtype, r.application_type,
          r.fee->'_data_'->'lines' lines, r.amount->>'_data_' amount, r.action->>'_data_' action, r.year
        FROM berkas_events e, jsonb_to_record(convert_from(e.state, 'UTF8')::jsonb) AS r(
          timestamp jsonb, provenance jsonb, reason_code jsonb, regency_code text, legal_basis jsonb,
          basis jsonb, outcome jsonb, product jsonb, kind jsonb, source jsonb, application_type jsonb,
          fee jsonb, amount jsonb, action jsonb, year int)
        WHERE e.notification_id <= %(upto)s AND e.topic = ANY({wanted})""",
        # -- from here on, only the staging table: what typed side columns would cost. Each
        # view table is made by CREATE TABLE AS (a parallel query, where INSERT ... SELECT is
        # not one on PostgreSQL 15), its keys built once over the full table.
        f"""CREATE TABLE sqlprobe_case_index AS
        SELECT s.case_id::text AS case_id,
          max(split_part(substr(s.topic, 8), '.', 1)) FILTER (WHERE s.version = 1) AS kind,
          max(s.office) FILTER (WHERE s.version = 1) AS office,
          ({status_names})[max(s.nid * 64 + coalesce(st.idx, CASE s.topic {depends} END)) %% 64 + 1] AS status,
          {_LAST.format(_PEEL.format("s.subtype"), "s.subtype")} AS subtype,
          {_LAST.format(_PEEL.format("s.reason_code"), "s.reason_code")} AS reason_code,
          {_LAST.format("s.regency_code", "s.regency_code")} AS regency,
          {_UTC.format("max(s.occurred) FILTER (WHERE s.version = 1)")} AS opened_at,
          {_UTC.format(_LAST.format("s.occurred", "s.occurred"))} AS last_occurred_at,
          max(s.version)::bigint AS version
        FROM sqlprobe_stage s LEFT JOIN {status} st(topic, idx) ON st.topic = s.topic
        WHERE s.topic = ANY({cases})
        GROUP BY s.case_id""",
        "ALTER TABLE sqlprobe_case_index ADD PRIMARY KEY (case_id)",
        "CREATE INDEX ON sqlprobe_case_index (office, last_occurred_at, case_id)",
        "CREATE INDEX ON sqlprobe_case_index (office, status, last_occurred_at, case_id)",
        f"""CREATE TABLE sqlprobe_audit_trail AS
        SELECT nid AS notification_id, case_id::text AS case_id, split_part(substr(topic, 8), '.', 1) AS kind,
          split_part(topic, '.', 2) AS event, prov->>0 AS actor_id, prov->>1 AS actor_role, prov->>2 AS office,
          {_UTC.format("occurred")} AS occurred_at, {_UTC.format("recorded")} AS recorded_at,
          CASE topic {reason} END AS reason_code, CASE topic {basis} END AS legal_basis,
          prov->>5 AS late_entry_reason
        FROM sqlprobe_stage WHERE prov IS NOT NULL""",
        "ALTER TABLE sqlprobe_audit_trail ADD PRIMARY KEY (notification_id)",
        "CREATE INDEX ON sqlprobe_audit_trail (actor_id, notification_id)",
        "CREATE INDEX ON sqlprobe_audit_trail (case_id, notification_id)",
        f"""CREATE UNLOGGED TABLE sqlprobe_begun AS
        SELECT case_id, nid, topic, coalesce(application_type, subtype)->>'_data_' AS what FROM sqlprobe_stage
        WHERE topic IN ('{P}Submitted', '{SP}Applied')""",
        # One row per event counted, with at most two figures of its own (and its fee lines).
        f"""CREATE UNLOGGED TABLE sqlprobe_counted AS
        SELECT c.office, c.nid, c.year, c.amount, c.topic, c.lines,
          (c.occurred::timestamptz AT TIME ZONE coalesce(z.zone, 'Asia/Jakarta'))::date AS business_day,
          ((c.recorded::timestamptz AT TIME ZONE coalesce(z.zone, 'Asia/Jakarta'))::date)::text AS recorded_on,
          CASE c.topic
            WHEN '{P}Issued' THEN 'passports_issued' WHEN '{P}Refused' THEN 'refusals'
            WHEN '{P}Postponed' THEN 'postponements'
            WHEN '{SP}Issued' THEN CASE WHEN b.what IN ('ITAS', 'ITAP') THEN 'stay_permit_documents' END
            WHEN 'berkas:EnforcementCase.ActionImposed' THEN 'administrative_actions'
            WHEN 'berkas:EnforcementCase.Deported' THEN 'deportations_executed'
            WHEN 'berkas:EnforcementCase.ChargePaid' THEN 'enforcement_revenue'
            WHEN 'berkas:JointOperation.Executed' THEN 'joint_operations' END AS metric,
          CASE c.topic
            WHEN '{P}Issued' THEN c.subtype->>'_data_' WHEN '{P}Refused' THEN c.reason_code->>'_data_'
            WHEN '{P}Postponed' THEN coalesce(nullif({_PEEL.format("c.reason_code")}, ''), 'OTHER')
            WHEN '{SP}Issued' THEN b.what || '_ISSUED'
            WHEN 'berkas:EnforcementCase.ActionImposed' THEN c.action
            WHEN 'berkas:EnforcementCase.ChargePaid' THEN 'CHARGE' ELSE '' END AS key,
          CASE WHEN c.topic = 'berkas:EnforcementCase.ChargePaid' THEN c.amount::bigint ELSE 1 END AS value,
          CASE
            WHEN c.topic = '{P}Issued' THEN 'passports_issued_by_type'
            WHEN c.topic = '{SP}Extended' AND b.what = 'ITK' THEN 'stay_permit_documents'
            WHEN c.action = 'DEPORTATION' THEN 'deportations_decided' END AS second_metric,
          CASE
            WHEN c.topic = '{P}Issued' THEN coalesce(b.what, 'UNKNOWN')
            WHEN c.topic = '{SP}Extended' THEN 'ITK_EXTENSION' ELSE '' END AS second_key
        FROM sqlprobe_stage c LEFT JOIN {zones} z(office, zone) ON z.office = c.office
        LEFT JOIN sqlprobe_begun b ON b.case_id = c.case_id AND b.nid < c.nid
          AND c.topic IN ('{P}Issued', '{SP}Issued', '{SP}Extended')
          AND b.topic = CASE WHEN c.topic = '{P}Issued' THEN '{P}Submitted' ELSE '{SP}Applied' END
        WHERE c.topic = ANY({counted}) AND c.topic NOT IN ('{P}Submitted', '{SP}Applied')""",
        f"""CREATE TABLE sqlprobe_figures AS
        SELECT office, extract(year FROM business_day)::int AS year, extract(month FROM business_day)::int AS month,
          metric, key, recorded_on, sum(value)::bigint AS value
        FROM (
          SELECT office, business_day, recorded_on, metric, key, value FROM sqlprobe_counted WHERE metric IS NOT NULL
          UNION ALL SELECT office, business_day, recorded_on, second_metric, second_key, 1
          FROM sqlprobe_counted WHERE second_metric IS NOT NULL
          UNION ALL SELECT office, business_day, recorded_on,
            CASE WHEN topic = '{P}FeePaid' THEN 'passport_revenue' ELSE 'stay_permit_revenue' END,
            l->'_data_'->>'code', (l->'_data_'->'amount'->>'_data_')::bigint
          FROM sqlprobe_counted, jsonb_array_elements(lines) l WHERE lines IS NOT NULL
        ) items
        GROUP BY 1, 2, 3, 4, 5, 6
        UNION ALL
        SELECT office, year, 0, 'revenue_target', '', recorded_on, sum(delta)::bigint FROM (
          SELECT office, year, recorded_on, amount::bigint
            - coalesce(lag(amount::bigint) OVER (PARTITION BY office, year ORDER BY nid), 0) AS delta
          FROM sqlprobe_counted WHERE topic LIKE 'berkas:RevenueTarget.%%') t
        GROUP BY office, year, recorded_on""",
        "ALTER TABLE sqlprobe_figures ADD PRIMARY KEY (year, office, metric, key, month, recorded_on)",
        f"""CREATE TABLE sqlprobe_passports AS SELECT b.case_id::text AS case_id, b.what AS type
        FROM sqlprobe_begun b
        WHERE b.topic = '{P}Submitted' AND NOT EXISTS (SELECT 1 FROM sqlprobe_stage c
          WHERE c.case_id = b.case_id AND c.topic = '{P}Issued' AND c.nid > b.nid)""",
        "ALTER TABLE sqlprobe_passports ADD PRIMARY KEY (case_id)",
        f"""CREATE TABLE sqlprobe_permits AS SELECT case_id::text AS case_id, what AS kind
        FROM sqlprobe_begun WHERE topic = '{SP}Applied'""",
        "ALTER TABLE sqlprobe_permits ADD PRIMARY KEY (case_id)",
        """CREATE TABLE sqlprobe_targets AS SELECT DISTINCT ON (office, year) office, year, amount::bigint AS amount
        FROM sqlprobe_counted WHERE topic LIKE 'berkas:RevenueTarget.%%' ORDER BY office, year, nid DESC""",
        "ALTER TABLE sqlprobe_targets ADD PRIMARY KEY (office, year)",
    ]


_STAGED = 1  # the statements up to here read the stored JSON; the rest read the staging table only


class _WorkerCpu:
    """The CPU of the parallel workers serving one backend: sampled from /proc while
    they live (they end with their query), the last sample of each kept."""

    def __init__(self, leader: int):
        self.marker, self.seen, self.stop = f"parallel worker for PID {leader}".encode(), {}, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self.stop.is_set():
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                try:
                    with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                        if self.marker not in cmdline.read():
                            continue
                except OSError:
                    continue
                spent = backend_cpu(int(name))
                if spent is not None:
                    self.seen[name] = spent
            self.stop.wait(0.02)

    def __enter__(self) -> _WorkerCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def total(self) -> float:
        return sum(self.seen.values())


@dataclass(frozen=True)
class Probe:
    rows: int
    parse_wall: float  # the staging table, from the JSON
    fold_wall: float  # every view table, from the staging table
    server_cpu: float  # the backend and its parallel workers (sampled)
    differing: dict[str, int]  # rows in the probe's table or the view's, not in both (views rebuilt)

    @property
    def wall(self) -> float:
        return self.parse_wall + self.fold_wall


_COMPARED = {
    "case_index": "sqlprobe_case_index",
    "audit_trail": "sqlprobe_audit_trail",
    "annual_report": "sqlprobe_figures",
    "annual_report_passports": "sqlprobe_passports",
    "annual_report_permits": "sqlprobe_permits",
    "annual_report_targets": "sqlprobe_targets",
}


def _differing(conn: psycopg.Connection) -> dict[str, int]:
    """Rows of each view table that the probe's counterpart lacks or adds (both ways)."""
    found = {}
    for view, ours in _COMPARED.items():
        if conn.execute("SELECT to_regclass(%s)", (view,)).fetchone()[0] is None:
            continue
        found[view] = conn.execute(
            f"SELECT (SELECT count(*) FROM (TABLE {view} EXCEPT ALL TABLE {ours}) a) "
            f"+ (SELECT count(*) FROM (TABLE {ours} EXCEPT ALL TABLE {view}) b)"
        ).fetchone()[0]
    return found


def probe(url: str, workers: int = 2) -> Probe:
    """One run of the probe with up to ``workers`` parallel workers per query; rolled back."""
    statements = _statements()
    with psycopg.connect(url) as conn:
        pid = conn.info.backend_pid
        before = backend_cpu(pid) or 0.0
        for setting in (
            "jit = off",
            "work_mem = '256MB'",
            f"max_parallel_workers_per_gather = {workers}",
            "parallel_setup_cost = 0",
            "parallel_tuple_cost = 0",
            "min_parallel_table_scan_size = 0",
        ):
            conn.execute(f"SET LOCAL {setting}")
        upto = conn.execute("SELECT max(notification_id) FROM berkas_events").fetchone()[0] or 0
        walls = []
        with _WorkerCpu(pid) as sampled:
            for statement in statements:
                started = time.perf_counter()
                conn.execute(statement, {"upto": upto})
                walls.append(time.perf_counter() - started)
        spent = (backend_cpu(pid) or 0.0) - before + sampled.total
        rows = conn.execute("SELECT count(*) FROM sqlprobe_stage").fetchone()[0]
        differing = _differing(conn)
        conn.rollback()
    return Probe(rows, sum(walls[:_STAGED]), sum(walls[_STAGED:]), spent, differing)


def measure(url: str, rounds: int) -> None:
    """Each round a raw read, then the probe with two parallel workers and with none:
    prints how each compares with the raw read just before it."""
    for _ in range(rounds):
        limit = raw_read(url)
        for workers in (2, 0):
            found = probe(url, workers)
            whole = Timing(found.rows, found.wall, 0.0, found.server_cpu)
            columns = Timing(found.rows, found.fold_wall, 0.0, None)
            differing = ", ".join(f"{view} {count:,}" for view, count in found.differing.items())
            print(
                f"SQL fold probe, {workers} parallel workers: {whole.describe()}; "
                f"/ raw read: {ratio(whole, limit)}; from typed columns (no JSON): {ratio(columns, limit)}"
                + (f"; rows differing from the views: {differing}" if differing else ""),
                flush=True,
            )
