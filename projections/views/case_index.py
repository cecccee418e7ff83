"""Case index (daftar berkas): one row per case for the API's lists. Never personal data."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from domain import LIFECYCLES
from projections.eventstore import sql
from projections.eventstore.log import StoredRow
from projections.eventstore.store import Store
from projections.views.decode import fields, peeled
from projections.views.timefmt import from_utc_text, iso_to_utc_text, utc_text

TABLE = "case_index"
COLUMNS = (
    "case_id",
    "kind",
    "office",
    "status",
    "subtype",
    "reason_code",
    "regency",
    "opened_at",
    "last_occurred_at",
    "version",
)

COLUMN_TYPES = tuple((column, "bigint" if column == "version" else "text") for column in COLUMNS)

# The status each event leaves its case in, from the lifecycle tables; events missing
# here leave it unchanged, and a few decide it from a field (an upheld objection).
_STATUS = {f"{lc.kind}.{t.event}": t.target.value for lc in LIFECYCLES.values() for t in lc if t.target and not t.when}
_DEPENDS = {f"{lc.kind}.{t.event}": t for lc in LIFECYCLES.values() for t in lc if t.when}
# What kind of product or permit a case is about, from its creation event.
_SUBTYPE_FIELD = {
    "PassportApplication.Submitted": "product",
    "StayPermit.Applied": "kind",
    "EnforcementCase.Opened": "source",
}


class _Topic:
    """What an event of one topic does to its case's entry, worked out once per topic."""

    __slots__ = ("depends", "kind", "status", "subtype")

    def __init__(self, topic: str):
        name = topic.removeprefix("berkas:")
        self.kind = name.partition(".")[0]
        self.status = _STATUS.get(name)
        self.depends = _DEPENDS.get(name)
        self.subtype = _SUBTYPE_FIELD.get(name)


_TOPICS: dict[str, _Topic] = {}

# A case's entry while it is folded: the columns after case_id, in order; None is a
# column no event folded so far has set (the upsert keeps its stored value).
Entry = list[Any]
_WIDTH = len(COLUMNS) - 1
_KIND, _OFFICE, _STATUS_AT, _SUBTYPE, _REASON, _REGENCY, _OPENED, _LAST, _VERSION = range(_WIDTH)


def _fold(entries: dict[str, Entry], rows: list[StoredRow]) -> None:
    """Fold each row into its case's entry, and move the entry last (most recently touched)."""
    topics = _TOPICS
    for row in rows:
        event = fields(row)
        topic = topics.get(row.topic) or topics.setdefault(row.topic, _Topic(row.topic))
        prov = event.provenance.data
        at = prov[3]  # as stored: only the last one per case is converted, when written
        version = row.originator_version
        entry = entries.pop(row.case_id, None)
        if entry is None:
            entry = [None] * _WIDTH
        entries[row.case_id] = entry
        if version == 1:
            entry[_KIND], entry[_OFFICE], entry[_OPENED] = topic.kind, prov[2], at
        entry[_LAST], entry[_VERSION] = at, version
        status = topic.status
        if topic.depends is not None:
            target = topic.depends.target_of(lambda name, event=event: peeled(getattr(event, name)))
            status = target.value if target is not None else None
        if status is not None:
            entry[_STATUS_AT] = status
        if topic.subtype is not None:
            subtype = peeled(getattr(event, topic.subtype))
            if subtype is not None:
                entry[_SUBTYPE] = subtype
        regency = event.regency_code
        if regency is not None:
            entry[_REGENCY] = regency
        reason = event.reason_code
        if reason is not None:
            if isinstance(reason, dict):
                reason = reason.get("_data_")
            if reason is not None:
                entry[_REASON] = reason


def _row(case_id: str, entry: Entry) -> tuple[Any, ...]:
    opened, last = entry[_OPENED], entry[_LAST]
    return (
        case_id,
        *entry[:_OPENED],
        None if opened is None else iso_to_utc_text(opened),
        None if last is None else iso_to_utc_text(last),
        entry[_VERSION],
    )


def _upsert(conn: Any, table: str, entries: Iterable[tuple[str, Entry]]) -> None:
    # Columns a page did not touch keep their stored value (COALESCE with the old row).
    updates = ", ".join(f"{c} = COALESCE(excluded.{c}, {table}.{c})" for c in COLUMNS[1:])
    sql.insert_rows(
        conn,
        table,
        COLUMN_TYPES,
        [_row(cid, entry) for cid, entry in entries],
        f"ON CONFLICT (case_id) DO UPDATE SET {updates}",
    )


class _Replay:
    """The case index rebuilt: each case's entry is held from its first event until its
    case falls quiet, then written once (by COPY when the entry holds the case's opening,
    so the case cannot be in the table yet). At most ``HELD`` entries are held: the
    least recently touched half is written when there are more."""

    HELD = 100_000

    def __init__(self, table: str):
        self.table = table
        self.held: dict[str, Entry] = {}

    def apply(self, conn: Any, rows: list[StoredRow]) -> None:
        held = self.held
        _fold(held, rows)
        if len(held) > self.HELD:
            quiet = list(held)[: len(held) - self.HELD // 2]
            self._write(conn, [(cid, held.pop(cid)) for cid in quiet])

    def finish(self, conn: Any) -> None:
        self._write(conn, list(self.held.items()))
        self.held.clear()

    def _write(self, conn: Any, entries: list[tuple[str, Entry]]) -> None:
        opened = [_row(cid, entry) for cid, entry in entries if entry[_KIND] is not None]
        sql.copy_rows(conn, self.table, COLUMN_TYPES, opened)
        _upsert(conn, self.table, [(cid, entry) for cid, entry in entries if entry[_KIND] is None])


class CaseIndex:
    name = "case_index"
    # Every event of the case kinds (and nothing else in the log, e.g. user accounts).
    topics: tuple[str, ...] = tuple(sorted(topic for lc in LIFECYCLES.values() for topic in lc.topics))
    tables = (TABLE,)

    def create_tables(self, conn: Any, suffix: str) -> None:
        table = TABLE + suffix
        sql.execute(
            conn,
            f"CREATE TABLE IF NOT EXISTS {table} (case_id TEXT PRIMARY KEY, kind TEXT, office TEXT, status TEXT, "
            "subtype TEXT, reason_code TEXT, regency TEXT, opened_at TEXT, last_occurred_at TEXT, version BIGINT)",
        )
        sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {table}_recent ON {table} (office, last_occurred_at, case_id)")
        # A list by status (the API's usual filter) reads its page off this one, not every case of the office.
        sql.execute(
            conn,
            f"CREATE INDEX IF NOT EXISTS {table}_status_recent ON {table} (office, status, last_occurred_at, case_id)",
        )
        # GET /cases pages an office's cases by opening (newest first): off this one, not a sort of them all.
        sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {table}_opened ON {table} (office, opened_at, case_id)")

    def apply(self, conn: Any, rows: list[StoredRow], suffix: str) -> None:
        entries: dict[str, Entry] = {}
        _fold(entries, rows)
        _upsert(conn, TABLE + suffix, entries.items())

    def replay(self, suffix: str) -> _Replay:
        return _Replay(TABLE + suffix)


# What a list may be ordered by, newest first (then by case id, which breaks ties): the
# latest activity, or the opening, which never changes, so a case never moves between pages.
ORDERS = ("last_occurred_at", "opened_at")


def sort_key(row: dict[str, Any], order: str = "last_occurred_at") -> str:
    return f"{utc_text(row[order])}|{row['case_id']}"


def list_cases(
    store: Store,
    *,
    office: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    kinds: Collection[str] | None = None,
    reason: str | None = None,
    regency: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    case_ids: list[str] | None = None,
    order: str = "last_occurred_at",
) -> list[dict[str, Any]]:
    """Cases, newest first by ``order`` (one of ``ORDERS``): most recently active unless told.
    ``after`` is the ``sort_key`` of the last row of the previous page; occurred_from/to
    bound the case's last business time; ``kinds`` keeps any of those kinds; ``case_ids``
    keeps only those cases (what a blind-index search found)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    where, params = ["1 = 1"], []
    for column, value in (
        ("office", office),
        ("status", status),
        ("kind", kind),
        ("reason_code", reason),
        ("regency", regency),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if occurred_from is not None:
        where.append("last_occurred_at >= ?")
        params.append(utc_text(occurred_from))
    if occurred_to is not None:
        where.append("last_occurred_at <= ?")
        params.append(utc_text(occurred_to))
    if after is not None:
        at, _, case_id = after.partition("|")
        where.append(f"({order} < ? OR ({order} = ? AND case_id < ?))")
        params += [at, at, case_id]
    with store.read() as conn:
        if not store.has_table(conn, TABLE):
            return []
        for column, values in (("kind", kinds), ("case_id", case_ids)):
            if values is not None:
                clause, listed = sql.in_list(conn, column, list(values))
                where.append(clause)
                params += listed
        found = sql.fetchall(
            conn,
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE {' AND '.join(where)} "
            f"ORDER BY {order} DESC, case_id DESC LIMIT ?",
            [*params, limit],
        )
    cases = []
    for values in found:
        case = dict(zip(COLUMNS, values, strict=True))
        case["opened_at"] = from_utc_text(case["opened_at"])
        case["last_occurred_at"] = from_utc_text(case["last_occurred_at"])
        case["sort_key"] = sort_key(case, order)
        cases.append(case)
    return cases
