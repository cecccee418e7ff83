"""The subject vault (brankas kunci): data keys per data subject, wrapped by the KEK, in
mutable tables beside the event log, never in it; and the blind indexes that find them.

Subjects have random ids, so the log holds no value derived from a NIK: once a subject's
row is shredded, nothing left in the store links the ciphertext to a person.
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import threading
import time
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg.rows import tuple_row

from domain.case import recording_time
from domain.privacy import PersonalDataUnreadable, SubjectErasedMeanwhile, SubjectsChangedMeanwhile, SubjectSeal
from domain.transcodings import SEALED_TAGS
from domain.values import PersonalNote
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES, Store
from projections.privacy.blind import BlindIndex
from projections.privacy.keyfile import PersonalDataKeys

SUBJECTS, CASES, INDEX, META = VAULT_TABLES

_INDEX_COLUMNS = (("bucket", "int8"), ("digest", "text"), ("subject_id", "text"), ("case_id", "text"))
_INDEX_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {INDEX} (bucket INTEGER NOT NULL DEFAULT 0, digest TEXT NOT NULL, "
    "subject_id TEXT NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (bucket, digest, subject_id, case_id))"
)
# A subject's row names the case it was first recorded in (``case_id``; none for a subject
# made for a reservation); ``CASES`` links it to every other case its data is sealed in (few:
# most people have one case). No index by case: a case's subjects are read from its own
# events, which carry their ids (``subjects_in``). Each index by case or second link row cost
# a save B-tree inserts on random pages of the file (written to the WAL again each save).
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SUBJECTS} (subject_id TEXT PRIMARY KEY, nik_index TEXT, wrapped_key TEXT, "
    "created_at TEXT NOT NULL, erased_at TEXT, case_id TEXT)",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {SUBJECTS}_nik ON {SUBJECTS} (nik_index)",
    f"CREATE TABLE IF NOT EXISTS {CASES} (subject_id TEXT NOT NULL, case_id TEXT NOT NULL, "
    "PRIMARY KEY (subject_id, case_id))",
    f"DROP INDEX IF EXISTS {CASES}_case",  # stores made before: links were found by case
    # case_id '' marks an index of the subject as a whole (NIK, name), else of one case's
    # document (passport or permit number). Keyed by ``bucket`` first (``_bucket``: the week
    # the subject was first recorded): a save's rows go to the last weeks' few pages, where
    # keyed by digest (random) they went to a page each, all over the table.
    _INDEX_TABLE,
    f"CREATE TABLE IF NOT EXISTS {META} (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# Every case a subject's data is sealed in: the one its row names, and its links.
LINKS_OF_SUBJECT = (
    f"SELECT case_id FROM {SUBJECTS} WHERE subject_id = ? AND case_id IS NOT NULL "
    f"UNION SELECT case_id FROM {CASES} WHERE subject_id = ? ORDER BY 1"
)
# Every (subject, case) link: a subject's first case (its row) and the others (``CASES``).
LINKS = (
    f"SELECT subject_id, case_id FROM {SUBJECTS} WHERE case_id IS NOT NULL "
    f"UNION SELECT subject_id, case_id FROM {CASES}"
)
_KEY_CHECK = b"berkas personal-data key check"
_WRITER_CACHE_KIB = 65_536  # SQLite: the vault writer's page cache (64 MiB: a demo year's vault indexes fit)
_ERASURE_LOCK = 0x4265726B6173  # PostgreSQL: the advisory lock key saves share and a shredding takes ("Berkas")
# Document numbers on events that identify their holder: indexed blind, per case.
_DOCUMENT_FIELDS = ("passport_number", "permit_number")
_UNKNOWN = ("?",)  # an event class whose document fields were not looked up yet


_DAY_MS = 86_400_000
_WEEK_MS = 7 * _DAY_MS
# Every bucket of the blind index, each found by one seek (a loose index scan): a digest is
# looked up in each (a few hundred in ten years), not in every row.
_BUCKETS = (
    f"WITH RECURSIVE b (w) AS (SELECT min(bucket) FROM {INDEX} "
    f"UNION ALL SELECT (SELECT min(bucket) FROM {INDEX} WHERE bucket > b.w) FROM b WHERE b.w IS NOT NULL) "
)


def _bucket(subject_id: str) -> int:
    """The blind-index bucket of a subject's rows: the week its id was made in (a UUIDv7's
    first 48 bits are milliseconds); 0 for an id of another kind."""
    return int(subject_id[:12], 16) // _WEEK_MS if subject_id[12] == "7" else 0


_SHRED_INDEX = f"DELETE FROM {INDEX} WHERE bucket IN (?, 0) AND subject_id = ?"

log = logging.getLogger("berkas.privacy")
# After a shredding, how long the vault tries to wipe the old row versions from the store's
# files (SQLite: truncate the WAL, which readers still on an older snapshot hold back).
_WIPE_SECONDS = 2.0


def _ordered_id(at: datetime | None = None, random: bytes | None = None) -> str:
    """A new subject's id: a UUIDv7 (RFC 9562) whose time is the UTC day the subject was first
    recorded (``at``: the event being sealed, else the recording time: now, or a replayed
    year's), then 74 random bits. Ids travel in URLs and access logs, so they carry the day,
    not the millisecond: the instant a person was first at the counter is about them, and
    would tie an id seen in a log to someone seen at the counter then. The day keeps what the
    order is for: new subjects' rows (and their case links, keyed by subject first) land among
    the last days' keys at the end of the vault's B-trees, not on random pages all over them
    (each save dirtied, and committed to the WAL again, those). Ids made before keep their
    milliseconds: an id is only a key, and changing it would orphan the sealed values.
    ``random``: its 74 random bits' 10 bytes, if drawn already."""
    ms = int((at or recording_time()).timestamp() * 1000)
    value = (ms - ms % _DAY_MS) << 80 | int.from_bytes(random or os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return f"{value:032x}"


def _sealed_for(value: Any, subjects: set[str]) -> None:
    """Add the subject ids of the sealed values in an event's stored state to ``subjects``."""
    if isinstance(value, dict):
        if value.get("_type_") in SEALED_TAGS:
            subjects.add(value["_data_"]["s"])
            return
        for item in value.values():
            _sealed_for(item, subjects)
    elif isinstance(value, list):
        for item in value:
            _sealed_for(item, subjects)


def _case_text(case: int) -> str:
    """A case id kept as ``UUID.int``, as the vault's tables hold it (``str(UUID(int=...))``
    in a quarter of the time: one per case and subject a save links)."""
    h = f"{case:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Within:
    """The events' own transaction (SQLite: the recorder's cursor; PostgreSQL: its
    connection), as the store's statement helpers (``conn.dialect``) take a connection."""

    def __init__(self, target: Any, dialect: Any):
        target = getattr(target, "sqlite_cursor", target)  # the library's cursor wraps SQLite's
        self._target = target
        self.dialect = dialect
        self._postgres = dialect.name != "sqlite"

    def execute(self, statement: str, params: Any = ()) -> Any:
        if self._postgres:  # the library's connections give dicts by default
            return self._target.cursor(row_factory=tuple_row).execute(statement, params)
        return self._target.execute(statement, params)

    def executemany(self, statement: str, rows: Any) -> Any:
        return self._target.executemany(statement, rows)

    def cursor(self) -> Any:
        return self._target.cursor(row_factory=tuple_row)


class KeyFileMismatch(Exception):
    """The key file is not the one this store's subjects were sealed with."""


# Marks a wrapped key bound to its row's NIK index (``Vault._bound``); base64 has no ':'.
_BOUND = "n1:"
# Marks what shredding leaves in place of a key: a value only the key-encryption key makes,
# bound to the subject's id (``Vault._tombstone``).
_ERASED = "x1:"
_ERASED_TOPIC = "berkas:DataSubject.SubjectErased"


class _Subject:
    """A subject's id, its data key (ready to use) and the key as wrapped in its row."""

    __slots__ = ("aad", "case", "key", "subject_id", "wrapped")

    def __init__(self, subject_id: str, key: AESGCM, wrapped: str = "", case: int | None = None):
        self.subject_id = subject_id
        self.key = key
        self.wrapped = wrapped
        self.case = case  # a new subject's: the case it is first recorded in (``UUID.int``)
        # The associated data every value sealed under this key is bound to: the subject's id.
        self.aad = subject_id.encode()

    def __repr__(self) -> str:  # never the key
        return f"_Subject({self.subject_id!r})"


@dataclass
class _Pending:
    """What this thread's sealing created since the last ``prepare``. Cases are kept as the
    events' ids as integers (hashed in C, where a UUID hashes in Python) and written as text
    once, in ``prepare``: most events seal nothing."""

    event: Any = None  # the event being encoded: its case, when a subject it creates was first recorded
    sealing: dict[str, _Subject] = field(default_factory=dict)  # NIK -> its subject, in this save
    new: dict[str, _Subject] = field(default_factory=dict)  # nik index -> new subject
    used: set[str] = field(default_factory=set)  # known subjects sealed for
    links: set[tuple[str, int]] = field(default_factory=set)  # (subject, case)
    names: set[tuple[str, str]] = field(default_factory=set)  # (name, subject): digested once, written
    documents: set[tuple[str, int]] = field(default_factory=set)  # (digest, case)


class Vault(SubjectSeal):
    """Seals and opens personal data; creates, wraps, caches and shreds subjects' keys.

    Writers cache a NIK's subject for good and check at ``prepare`` that it still lives;
    readers cache a subject's key for ``read_ttl`` seconds, so an erasure made by another
    process shows within that time (at once in the process that erased).
    """

    def __init__(self, store: Store, keys: PersonalDataKeys, read_ttl: float = 5.0):
        self.store = store
        self.blind = BlindIndex(keys.index_key)
        self._kek = AESGCM(keys.kek)
        self._read_ttl = read_ttl
        self._by_nik: dict[str, _Subject] = {}
        self._by_id: dict[str, tuple[_Subject | None, float]] = {}
        self._local = threading.local()
        self._documents_on: dict[type, tuple[str, ...]] = {}  # event class -> its document fields
        self._reader_lock = threading.Lock()
        self._reader: Any = None  # SQLite: one connection for key lookups, closed with the vault
        self._reader_session: Any = None
        self._writer_lock = threading.Lock()
        self._writer_conn: Any = None  # SQLite: one connection that writes what sealing created
        self._writer_session: Any = None

    # --- set-up ----------------------------------------------------------------------

    @staticmethod
    def create_tables_in(store: Store) -> None:
        with store.connect() as conn:
            for statement in _DDL:
                # SQLite: a table keyed by its primary key alone, not by a rowid beside it, is
                # one B-tree instead of two to write (every subject and link, on every save).
                made = statement
                if conn.dialect.name == "sqlite" and statement.startswith("CREATE TABLE"):
                    made += " WITHOUT ROWID"
                sql.execute(conn, made)
                if statement.startswith(f"CREATE TABLE IF NOT EXISTS {SUBJECTS} "):
                    # Stores made before; only then: ALTER TABLE locks the table even when it has the column.
                    sql.add_column(conn, SUBJECTS, "case_id", "TEXT")
                if statement is _INDEX_TABLE:
                    Vault._bucket_index(conn)

    @staticmethod
    def _bucket_index(conn: Any) -> None:
        """A blind index made before buckets (keyed by digest) moved into one keyed by bucket,
        its rows and its grants (the application's role, on PostgreSQL) kept; at start-up,
        which the store serialises."""
        if "bucket" in sql.columns(conn, INDEX):
            return
        earlier = f"{INDEX}_by_digest"
        sql.execute(conn, f"ALTER TABLE {INDEX} RENAME TO {earlier}")
        statement = _INDEX_TABLE + (" WITHOUT ROWID" if conn.dialect.name == "sqlite" else "")
        sql.execute(conn, statement)
        rows = sql.fetchall(conn, f"SELECT digest, subject_id, case_id FROM {earlier}")
        rows = [(_bucket(s), d, s, c) for d, s, c in rows]
        sql.insert_rows(conn, INDEX, _INDEX_COLUMNS, rows, "ON CONFLICT DO NOTHING")
        if conn.dialect.name != "sqlite":
            grants = sql.fetchall(
                conn,
                "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
                "WHERE table_name = ? AND grantee <> current_user",
                [earlier],
            )
            for grantee, privilege in grants:
                to = "PUBLIC" if grantee == "PUBLIC" else '"' + grantee.replace('"', '""') + '"'
                sql.execute(conn, f"GRANT {privilege} ON {INDEX} TO {to}")
        sql.execute(conn, f"DROP TABLE {earlier}")

    @staticmethod
    def store_holds_subjects(store: Store) -> bool:
        """Whether the store was given a key file: it holds a subject, or the key check that
        the first start records (``check_keys``), so a missing file is refused, not replaced."""
        with store.connect() as conn:
            return any(
                sql.table_exists(conn, table) and bool(sql.fetchall(conn, f"SELECT 1 FROM {table} LIMIT 1"))
                for table in (SUBJECTS, META)
            )

    def check_keys(self) -> None:
        """Refuse a key file other than the one this store was sealed with (recorded once)."""
        check = {"kek": self._wrap(_KEY_CHECK, b"check"), "index": self.blind.digest("check", "check")}
        with self.store.connect() as conn:
            if not sql.table_exists(conn, META):
                return
            stored = dict(sql.fetchall(conn, f"SELECT name, value FROM {META}"))
            if not stored:
                sql.executemany(conn, f"INSERT INTO {META} (name, value) VALUES (?, ?)", list(check.items()))
                return
        try:
            self._unwrap(stored["kek"], b"check")
        except (KeyError, PersonalDataUnreadable):
            raise KeyFileMismatch("the personal-data key file does not match this store") from None
        if not hmac.compare_digest(stored.get("index", ""), check["index"]):
            raise KeyFileMismatch("the personal-data index key does not match this store")

    # --- keys ------------------------------------------------------------------------

    def _wrap(self, data_key: bytes, subject_id: bytes, nonce: bytes | None = None) -> str:
        """``data_key`` encrypted under the KEK, bound to ``subject_id``: base64 of a random
        96-bit nonce (``nonce``: 12 bytes from ``os.urandom`` drawn already) and the sealed key."""
        nonce = nonce or os.urandom(12)
        return b2a_base64(nonce + self._kek.encrypt(nonce, data_key, subject_id), newline=False).decode()

    def _unwrap(self, wrapped: str, subject_id: bytes) -> bytes:
        try:
            raw = base64.b64decode(wrapped)
            return self._kek.decrypt(raw[:12], raw[12:], subject_id)
        except (InvalidTag, ValueError):  # ValueError: not base64, or too short (an edited row)
            raise PersonalDataUnreadable(
                "a data subject's key does not unwrap: the personal-data key file does not match this store"
            ) from None

    @staticmethod
    def _bound(subject_id: str, nik_index: str | None) -> bytes:
        """What a subject's wrapped key is bound to: its id and, for keys wrapped since
        ``_BOUND`` (see ``_known``), its row's NIK index, so a NIK index moved to another
        subject's row (psql) makes that key fail to unwrap instead of sealing a new case of
        the NIK under, or finding, the wrong person."""
        return f"{subject_id}\x00nik\x00{nik_index}".encode()

    def _new_subject(self, nik_index: str, at: datetime | None = None, case: int | None = None) -> _Subject:
        # One draw from the OS's random source for the id's random bits, the 256-bit data key
        # and the nonce wrapping it, not three (a demo year at 1/8 makes ~9,500 subjects).
        random = os.urandom(10 + 32 + 12)
        subject_id = _ordered_id(at, random[:10])
        data_key = random[10:42]
        wrapped = _BOUND + self._wrap(data_key, self._bound(subject_id, nik_index), random[42:])
        return _Subject(subject_id, AESGCM(data_key), wrapped, case)

    def _known(self, subject_id: str, wrapped: str, nik_index: str | None) -> _Subject:
        """A stored subject's key. Keys wrapped before the NIK index was bound in carry no
        ``_BOUND`` prefix and unwrap under the id alone; stripping the prefix from a newer
        key does not help an attacker (its tag covers the longer associated data)."""
        try:
            if wrapped.startswith(_BOUND):
                key = self._unwrap(wrapped[len(_BOUND) :], self._bound(subject_id, nik_index))
            else:
                key = self._unwrap(wrapped, subject_id.encode())
        except PersonalDataUnreadable:  # the key file matched the store's key check at start-up
            # Not naming the subject: the answer to a search by NIK would tie the NIK to it.
            raise PersonalDataUnreadable(
                f"a data subject's key does not unwrap: its row in {SUBJECTS} was altered "
                "(or the personal-data key file does not match this store)"
            ) from None
        return _Subject(subject_id, AESGCM(key), wrapped)

    # --- sealing (writers) -----------------------------------------------------------

    @property
    def _pending(self) -> _Pending:
        pending = self._local.__dict__.get("pending")
        if pending is None:
            pending = self._local.pending = _Pending()
        return pending

    def begin_event(self, event: Any) -> None:
        pending = self._local.__dict__.get("pending") or self._pending
        pending.event = event
        if self._documents_on.get(event.__class__, _UNKNOWN):
            self._index_documents(pending, event)

    def encode_events(self, events: Sequence[Any], encode: Callable[[Any], Any]) -> list[Any]:
        # Every event passes here, most sealing nothing and carrying no document number: one
        # loop, no call per event; its case is read by ``seal``, when something is sealed.
        pending = self._local.__dict__.get("pending") or self._pending
        documents_on = self._documents_on
        stored = []
        for event in events:
            pending.event = event
            if documents_on.get(event.__class__, _UNKNOWN):
                self._index_documents(pending, event)
            stored.append(encode(event))
        return stored

    def _index_documents(self, pending: _Pending, event: Any) -> None:
        state = event.__dict__
        names = self._documents_on.get(event.__class__)
        if names is None:
            names = tuple(name for name in _DOCUMENT_FIELDS if name in state)
            if is_dataclass(event):  # every event of the class has the same fields
                self._documents_on[event.__class__] = names
        case = event.originator_id.int
        for name in names:
            number = state[name]
            if number.__class__ is PersonalNote:  # sealed with its holder's key: index the number
                number = number.text
            if number.__class__ is str and number.strip():
                pending.documents.add((self.blind.digest("document", number), case))

    def reservation_key(self, kind: str, value: str) -> str:
        return self.blind.digest(kind, value)

    def seal(self, nik: str, name: str, plaintext: bytes) -> tuple[str, str]:
        # A save seals a person's data and notes several times over: the subject is looked up
        # once per save (``pending.sealing``), a name digested once, when written.
        pending = self._local.__dict__.get("pending") or self._pending
        subject = pending.sealing.get(nik)
        if subject is None:
            subject = pending.sealing[nik] = self._subject_to_seal(pending, nik)
        if name:
            pending.names.add((name, subject.subject_id))
        event = pending.event
        if event is not None:  # the case of the event being encoded
            pending.links.add((subject.subject_id, event.originator_id.int))
        nonce = os.urandom(12)  # random 96 bits per encryption, never a counter shared by processes
        sealed = nonce + subject.key.encrypt(nonce, plaintext, subject.aad)
        return subject.subject_id, b2a_base64(sealed, newline=False).decode()

    def _subject_to_seal(self, pending: _Pending, nik: str) -> _Subject:
        nik_index = self.blind.digest("nik", nik)
        subject = pending.new.get(nik_index)
        if subject is not None:
            return subject
        subject = self._by_nik.get(nik_index)
        if subject is not None:
            pending.used.add(subject.subject_id)
            return subject
        # Its NIK is found by the subject's own row (``nik_index``): no index row.
        event = pending.event
        if event is None:
            subject = self._new_subject(nik_index)
        else:  # its row names the case: no link row for it
            subject = self._new_subject(nik_index, event.timestamp, event.originator_id.int)
        pending.new[nik_index] = subject
        return subject

    def seal_values(self, nik: str, name: str, values: list[str]) -> tuple[str, str]:
        # orjson writes the standard library's compact form (``separators=(",", ":")``,
        # UTF-8 unescaped) in a tenth of its time: ~2 us a value, sealed ~48,000 times in a
        # demo year at 1/8 (~2 % of writing it plain).
        return self.seal(nik, name, orjson.dumps(values))

    def subjects_for(self, niks: Iterable[str]) -> dict[str, str]:
        """Read from the table, never the cache (another process may have erased a subject);
        new subjects go in at once, in one transaction, and of two writers racing for a NIK
        both get the first's."""
        by_index = {self.blind.digest("nik", nik): nik for nik in niks}
        if not by_index:
            return {}
        with self._transaction() as conn:
            found = self._subjects_by_nik_index(conn, list(by_index))
            new = {nik_index: self._new_subject(nik_index) for nik_index in by_index if nik_index not in found}
            if new:
                now = datetime.now(UTC).isoformat()
                rows = [(s.subject_id, nik_index, s.wrapped, now, None) for nik_index, s in new.items()]
                if self._insert_subjects(conn, rows) == len(rows):
                    found |= {nik_index: (s.subject_id, s.wrapped) for nik_index, s in new.items()}
                else:  # another writer made a subject for one of these NIKs first: theirs
                    found |= self._subjects_by_nik_index(conn, list(new))
        for nik_index, (subject_id, wrapped) in found.items():
            cached = self._by_nik.get(nik_index)
            if cached is None or cached.subject_id != subject_id:
                mine = new.get(nik_index)
                won = mine is not None and mine.subject_id == subject_id
                self._by_nik[nik_index] = mine if won else self._known(subject_id, wrapped, nik_index)
        return {nik: found[nik_index][0] for nik_index, nik in by_index.items()}

    def _subjects_by_nik_index(self, conn: Any, nik_indexes: list[str]) -> dict[str, tuple[str, str]]:
        clause, params = sql.in_list(conn, "nik_index", nik_indexes)
        rows = sql.fetchall(conn, f"SELECT nik_index, subject_id, wrapped_key FROM {SUBJECTS} WHERE {clause}", params)
        return {row[0]: (row[1], row[2]) for row in rows}

    def discard(self) -> None:
        self._local.pending = None
        self._local.within = None

    def prepare(self, recorder: Any = None, count: int = 0) -> bool:
        pending = self._pending
        self._local.pending = None
        self._local.within = None
        # What ``committing`` guards: the subjects these events are sealed for, their cases.
        self._local.sealed = (
            pending.used | {s.subject_id for s in pending.new.values()},
            {c for _, c in pending.links},
        )
        if not (pending.new or pending.used or pending.documents):
            return True
        if recorder is not None and self._writes_within(recorder, count):
            self._local.within = pending  # written by ``committing``, in the events' own transaction
            return True
        with self._writer() as conn:
            return self._write(conn, pending, durable=True)

    def _writes_within(self, recorder: Any, count: int) -> bool:
        """Whether inserting ``count`` events runs the recorder's ``guard.check`` in their own
        transaction (SQLite: always; PostgreSQL: a batch that goes by COPY, the demo and
        imports), so what sealing created can be written there: one transaction per save
        instead of two or three (the vault's, the guard's, the events'), and nothing of it
        left behind when the events are not written."""
        if getattr(recorder, "guard", None) is None:
            return False
        guards = getattr(recorder, "guards", None)
        return guards is None or bool(guards(count))

    def _write(self, conn: Any, pending: _Pending, durable: bool) -> bool:
        """Write what sealing created; ``False`` (nothing more written) when another writer
        made one of these subjects first or erased one: encode again. ``durable``: this
        transaction commits on its own, so the subjects it made are cached now; else by
        ``committing``, once the events' transaction that holds them has committed."""
        now = datetime.now(UTC).isoformat()
        new = list(pending.new.items())
        inserted = self._insert_subjects(
            conn,
            [
                (s.subject_id, nik_index, s.wrapped, now, None if s.case is None else _case_text(s.case))
                for nik_index, s in new
            ],
        )
        if self._stale(conn, pending, new, inserted == len(new), durable):
            return False  # (``durable``: the subjects that did go in stay, cached: the next encoding uses them)
        first = {(s.subject_id, s.case) for _, s in new}  # named by the subjects' own rows
        sql.insert_rows(
            conn,
            CASES,
            (("subject_id", "text"), ("case_id", "text")),
            [(s, _case_text(c)) for s, c in pending.links if (s, c) not in first],
            "ON CONFLICT DO NOTHING",
        )
        # A document's holder is whoever the case is about: sealed for in this batch (known
        # here, indexed with the names in one statement) or before (read from its events).
        holders: dict[int, list[str]] = {}
        for subject_id, case in pending.links:
            holders.setdefault(case, []).append(subject_id)
        earlier = sorted({c for _, c in pending.documents if c not in holders})
        if earlier:
            found = self.subjects_in(conn, [UUID(int=c) for c in earlier])
            holders.update((c, found.get(UUID(int=c), [])) for c in earlier)
        digest = self.blind.digest
        rows = [(_bucket(s), digest("name", name), s, "") for name, s in pending.names]
        rows += [(_bucket(s), d, s, _case_text(c)) for d, c in pending.documents for s in holders.get(c, ())]
        sql.insert_rows(conn, INDEX, _INDEX_COLUMNS, rows, "ON CONFLICT DO NOTHING")
        return True

    @contextmanager
    def committing(self, recorder: Any) -> Iterator[None]:
        """No erasure lands between ``prepare`` and the events' commit unseen. PostgreSQL: a
        transaction held around the insert takes one shared advisory lock (a shredding takes it
        exclusively, so it waits for the events' commit; one committed before is seen by the
        check that follows). Locking the subjects' rows ``FOR SHARE`` instead wrote each row
        (tuple locks) and made sealed demo generation dearer (1.43-1.64x vs 1.16-1.37x plain).
        SQLite: checked in the events' own write transaction, after their rows (the write
        lock held, no shredding can commit in between), through the recorder's ``guard``.
        What ``prepare`` left to write in the events' transaction is written there, after
        the same check (and the same lock)."""
        within = self._local.__dict__.get("within")
        self._local.within = None
        if within is not None:
            with self._writing_within(recorder, within):
                yield
            return
        sealed = self._local.__dict__.get("sealed")
        self._local.sealed = None
        if not sealed or not sealed[0]:
            yield
            return
        if self.store.dialect.name != "sqlite":
            with self.store.read() as conn, self.store.dialect.transaction(conn):
                # Shared: saves never wait on each other; a shredding takes it exclusively.
                sql.execute(conn, f"SELECT pg_advisory_xact_lock_shared({_ERASURE_LOCK})", [])
                self._check_not_erased(conn, sealed)
                yield
            return
        guard = getattr(recorder, "guard", None)
        if guard is None:  # a recorder without the hook: checked before, not airtight
            with self._transaction() as conn:
                self._check_not_erased(conn, sealed)
            yield
            return
        guard.check = lambda cursor: self._check_not_erased(_Within(cursor, self.store.dialect), sealed)
        try:
            yield
        finally:
            guard.check = None

    def _check_not_erased(self, conn: Any, sealed: tuple[set[str], set[int]]) -> None:
        if not sealed[0]:
            return
        clause, params = sql.in_list(conn, "subject_id", sorted(sealed[0]))
        rows = sql.fetchall(conn, f"SELECT subject_id FROM {SUBJECTS} WHERE {clause} AND erased_at IS NOT NULL", params)
        if rows:
            self._local.sealed = sealed
            raise SubjectErasedMeanwhile({row[0] for row in rows})

    @contextmanager
    def _writing_within(self, recorder: Any, pending: _Pending) -> Iterator[None]:
        """``prepare``'s writes, and ``committing``'s check, in the events' own transaction,
        through the recorder's ``guard``: PostgreSQL takes the same shared lock as a guard
        transaction of its own; SQLite holds the write lock already."""
        sealed = self._local.__dict__.get("sealed") or (set(), set())
        self._local.sealed = None
        dialect = self.store.dialect
        written: list[bool] = []

        def write(target: Any) -> None:
            conn = _Within(target, dialect)
            if dialect.name != "sqlite":
                sql.execute(conn, f"SELECT pg_advisory_xact_lock_shared({_ERASURE_LOCK})", [])
            # Only subjects known before can have been erased: this save's new subjects go in
            # below, in this transaction, under ids no one else has seen (sorting and sending
            # them cost a statement of ~100 parameters per save, compiled anew per count).
            self._check_not_erased(conn, (pending.used, sealed[1]))
            self._local.made = []
            if not self._write(conn, pending, durable=False):
                raise SubjectsChangedMeanwhile()
            written.append(True)

        recorder.guard.check = write
        try:
            yield
        finally:
            recorder.guard.check = None
            made, self._local.made = self._local.__dict__.get("made"), None
        if not written:  # ``_writes_within`` promised the recorder would call ``write``
            raise RuntimeError("the recorder inserted sealed events without writing their subjects")
        # The events and the subjects they are sealed under committed together: cache them.
        for nik_index, subject in made or ():
            self._by_nik[nik_index] = subject

    def forget_erased(self, subject_ids: Iterable[str]) -> None:
        gone = set(subject_ids)
        sealed = self._local.__dict__.get("sealed")
        self._local.sealed = None
        now = time.monotonic()
        for subject_id in gone:
            self._by_id[subject_id] = (None, now)
        for nik_index, subject in list(self._by_nik.items()):
            if subject.subject_id in gone:
                del self._by_nik[nik_index]
        cases = sorted(UUID(int=c) for c in (sealed[1] if sealed else ()))
        if not cases:
            return
        with self._transaction() as conn:
            # The links ``prepare`` made from the erased subjects to cases not written (no
            # event yet): an erased person is not tied to the new case of their new subject.
            dialect = conn.dialect
            exists = f"SELECT 1 FROM {dialect.events_table} WHERE originator_id = ?"
            unwritten = [str(case) for case in cases if not dialect.raw_rows(conn, exists, (dialect.case_key(case),))]
            if unwritten:
                pairs = [(s, c) for s in sorted(gone) for c in unwritten]
                sql.executemany(conn, f"DELETE FROM {CASES} WHERE subject_id = ? AND case_id = ?", pairs)
                forgotten = f"UPDATE {SUBJECTS} SET case_id = NULL WHERE subject_id = ? AND case_id = ?"
                sql.executemany(conn, forgotten, pairs)

    @staticmethod
    def _insert_subjects(conn: Any, rows: list[tuple[str, str, str, str, str | None]]) -> int:
        """Insert new subjects' rows (id, NIK index, wrapped key, created at, first case), a
        NIK another writer gave a subject first left out: how many went in."""
        if not rows:
            return 0
        statement = f"INSERT INTO {SUBJECTS} (subject_id, nik_index, wrapped_key, created_at, case_id) "
        if conn.dialect.name == "sqlite":
            # ``executemany``'s rowcount is the rows it changed: a row left out counts none.
            return int(conn.executemany(statement + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows).rowcount)
        columns = [list(values) for values in zip(*rows, strict=True)]
        statement += (
            "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[]) ON CONFLICT DO NOTHING"
        )
        return int(conn.execute(statement, columns).rowcount)

    def _stale(
        self, conn: Any, pending: _Pending, new: list[tuple[str, _Subject]], all_in: bool, durable: bool
    ) -> bool:
        """Whether another writer made a subject for one of these NIKs first (adopt it), or
        erased a subject this thread sealed for from its cache (forget it). ``all_in``: every
        new subject's row went in, so none was made first and none needs looking up (on
        PostgreSQL that lookup, ``nik_index = ANY(...)`` over a table without statistics yet,
        was planned as a scan of every subject: ~1 s of the server's CPU in a demo year at
        1/8, two thirds of what the vault cost it). Not ``durable`` (the events' transaction):
        this thread's new subjects are cached once it commits (``made``), and erasures were
        checked just before, under the same lock."""
        stale = False
        mine = self._by_nik if durable else None
        made: list[tuple[str, _Subject]] = [] if durable else self._local.made
        if new and all_in:
            for nik_index, subject in new:
                if mine is not None:
                    mine[nik_index] = subject
                else:
                    made.append((nik_index, subject))
        elif new:
            clause, params = sql.in_list(conn, "nik_index", [nik_index for nik_index, _ in new])
            found = dict(
                (row[0], (row[1], row[2]))
                for row in sql.fetchall(
                    conn, f"SELECT nik_index, subject_id, wrapped_key FROM {SUBJECTS} WHERE {clause}", params
                )
            )
            for nik_index, subject in new:
                subject_id, wrapped = found[nik_index]
                if subject_id != subject.subject_id:  # another writer's, committed: adopt it now
                    self._by_nik[nik_index] = self._known(subject_id, wrapped, nik_index)
                    stale = True
                elif mine is not None:
                    mine[nik_index] = subject
                else:
                    made.append((nik_index, subject))
        if pending.used and durable:
            clause, params = sql.in_list(conn, "subject_id", sorted(pending.used))
            erased = sql.fetchall(
                conn, f"SELECT subject_id FROM {SUBJECTS} WHERE {clause} AND erased_at IS NOT NULL", params
            )
            if erased:
                gone = {row[0] for row in erased}
                for nik_index, subject in list(self._by_nik.items()):
                    if subject.subject_id in gone:
                        del self._by_nik[nik_index]
                stale = True
        return stale

    # --- opening (readers) -----------------------------------------------------------

    def open(self, subject_id: str, token: str) -> bytes | None:
        subject = self._subject_for_reading(subject_id)
        if subject is None:
            return None
        raw = a2b_base64(token)
        try:
            return subject.key.decrypt(raw[:12], raw[12:], subject.aad)
        except InvalidTag:
            raise PersonalDataUnreadable(f"sealed personal data of subject {subject_id} was altered") from None

    def _subject_for_reading(self, subject_id: str) -> _Subject | None:
        cached = self._by_id.get(subject_id)
        now = time.monotonic()
        if cached is not None and (cached[0] is None or now - cached[1] < self._read_ttl):
            return cached[0]
        with self._key_reader() as conn:
            found = sql.fetchall(
                conn, f"SELECT wrapped_key, erased_at, nik_index FROM {SUBJECTS} WHERE subject_id = ?", [subject_id]
            )
        if not found:
            raise PersonalDataUnreadable(f"no key for data subject {subject_id}: is this the store's key table?")
        wrapped, erased_at, nik_index = found[0]
        if erased_at is not None:
            self._check_erased(subject_id, wrapped)
            subject = None
        elif wrapped is None:
            raise PersonalDataUnreadable(f"the key of data subject {subject_id} is missing")
        else:
            subject = self._known(subject_id, wrapped, nik_index)
        self._by_id[subject_id] = (subject, now)
        return subject

    def _tombstone(self, subject_id: str) -> str:
        return _ERASED + self._wrap(b"erased", f"{subject_id}\x00erased".encode())

    def _check_erased(self, subject_id: str, wrapped: str | None) -> None:
        """An erased row reads as erased only if this vault shredded it (its tombstone), or,
        for a row shredded before tombstones (key NULL), if the log records the erasure: a
        key removed with psql reads loudly, not as a lawful erasure."""
        if wrapped is not None and wrapped.startswith(_ERASED):
            try:
                self._unwrap(wrapped[len(_ERASED) :], f"{subject_id}\x00erased".encode())
                return
            except PersonalDataUnreadable:
                pass
        elif wrapped is None:
            with self._key_reader() as conn:
                recorded = conn.dialect.raw_rows(
                    conn,
                    f"SELECT 1 FROM {conn.dialect.events_table} WHERE originator_id = ? AND topic = ?",
                    (conn.dialect.case_key(UUID(subject_id)), _ERASED_TOPIC),
                )
            if recorded:
                return
        raise PersonalDataUnreadable(f"the key of data subject {subject_id} was removed without a recorded erasure")

    @contextmanager
    def _key_reader(self) -> Iterator[Any]:
        """The connection a key lookup reads through. Every first read of a subject costs
        one; on SQLite, opening and closing a file connection costs several times the
        lookup, so the vault keeps one, used under a lock (PostgreSQL: the view pool)."""
        if self.store.dialect.name != "sqlite":
            with self.store.read() as conn:
                yield conn
            return
        with self._reader_lock:
            if self._reader is None:
                self._reader_session = self.store.session()
                self._reader = self._reader_session.__enter__()
            yield self._reader

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        """One transaction writing what sealing created. On SQLite through one connection the
        vault keeps, with a page cache that holds the vault's indexes: each subject's rows land
        on random pages of them, and a new connection per save read them all again from the
        file (a third of sealing's cost in the demo year). PostgreSQL: a connection of the store's
        pool, not a new one per save: a new connection (a server process started, authenticated)
        for each save took demo generation's cost from ~1.69 to ~1.47-1.57 x plain (``bench
        privacy --database-url``, client and server CPU)."""
        if self.store.dialect.name != "sqlite":
            with self.store.read() as conn, self.store.dialect.transaction(conn):
                yield conn
            return
        with self._writer_lock:
            if self._writer_conn is None:
                self._writer_session = self.store.session()
                self._writer_conn = self._writer_session.__enter__()
                self._writer_conn.execute(f"PRAGMA cache_size = -{_WRITER_CACHE_KIB}")
                self._writer_conn.execute("PRAGMA synchronous = NORMAL")
            with self.store.dialect.transaction(self._writer_conn):
                yield self._writer_conn

    def close(self) -> None:
        with self._reader_lock:
            if self._reader_session is not None:
                self._reader_session.__exit__(None, None, None)
            self._reader = self._reader_session = None
        with self._writer_lock:
            if self._writer_session is not None:
                self._writer_session.__exit__(None, None, None)
            self._writer_conn = self._writer_session = None

    # --- subjects --------------------------------------------------------------------

    def is_known(self, subject_id: str) -> bool:
        with self.store.read() as conn:
            return bool(sql.fetchall(conn, f"SELECT 1 FROM {SUBJECTS} WHERE subject_id = ?", [subject_id]))

    def is_erased(self, subject_id: str) -> bool:
        with self.store.read() as conn:
            found = sql.fetchall(conn, f"SELECT erased_at FROM {SUBJECTS} WHERE subject_id = ?", [subject_id])
        return bool(found) and found[0][0] is not None

    def cases_of(self, subject_id: str) -> list[UUID]:
        with self.store.read() as conn:
            rows = sql.fetchall(conn, LINKS_OF_SUBJECT, [subject_id, subject_id])
        return [UUID(row[0]) for row in rows]

    def subjects_of(self, case_id: UUID) -> list[str]:
        with self.store.read() as conn:
            return self.subjects_in(conn, [case_id]).get(case_id, [])

    @staticmethod
    def subjects_in(conn: Any, case_ids: list[UUID]) -> dict[UUID, list[str]]:
        """The subjects whose personal data each case's events are sealed for (each sealed
        value names its subject: ``{"s": id, "c": ciphertext}``), in order; read from the
        events, which the vault's links merely repeat (a case has a handful)."""
        dialect = conn.dialect
        found: dict[UUID, list[str]] = {}
        statement = f"SELECT state FROM {dialect.events_table} WHERE originator_id = ?"
        for case_id in case_ids:
            subjects: set[str] = set()
            for (state,) in dialect.fetchall(conn, statement, [dialect.case_key(case_id)]):
                _sealed_for(orjson.loads(bytes(state)), subjects)
            found[case_id] = sorted(subjects)
        return found

    def find(self, kind: str, value: str) -> list[tuple[str, str]]:
        """(subject, case) pairs a blind index finds; case '' means every case of the subject."""
        digest = self.blind.digest(kind, value)
        statement = (
            f"{_BUCKETS}SELECT i.subject_id, i.case_id FROM b JOIN {INDEX} i ON i.bucket = b.w AND i.digest = ? "
            f"JOIN {SUBJECTS} s ON s.subject_id = i.subject_id WHERE s.erased_at IS NULL"
        )
        params = [digest]
        if kind == "nik":
            # A NIK is found by its subject's row (shredding clears it); stores written before
            # also hold an index row for it, which the UNION folds into the same answer.
            statement += f" UNION SELECT subject_id, '' FROM {SUBJECTS} WHERE nik_index = ? AND erased_at IS NULL"
            params.append(digest)
        owners: list[Any] = []
        with self.store.read() as conn:
            rows = sql.fetchall(conn, statement, params)
            if kind == "nik" and rows:
                # The subject a NIK's row names must hold a key bound to that NIK index: one
                # moved to another subject's row is refused loudly, never that person's cases.
                owners = sql.fetchall(
                    conn, f"SELECT subject_id, wrapped_key FROM {SUBJECTS} WHERE nik_index = ?", [digest]
                )
        for subject_id, wrapped in owners:
            if wrapped is not None:
                self._known(subject_id, wrapped, digest)
        return [(row[0], row[1]) for row in rows]

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One transaction outside a save (looking up or making subjects, shredding one):
        PostgreSQL, a connection of the store's pool, not a new one (a server process started
        and authenticated per call); SQLite, a connection of its own, not the writer's: its
        transaction takes the write lock only if it writes (a lookup of known subjects does
        not), and it syncs its commit (the writer's does not: the events' commit that follows
        a save syncs it, and nothing follows a shredding)."""
        if self.store.dialect.name != "sqlite":
            with self.store.read() as conn, self.store.dialect.transaction(conn):
                yield conn
            return
        with self.store.connect() as conn:
            yield conn

    def shred(self, subject_id: str, wipe: bool = True) -> None:
        """Destroy the subject's key (its tombstone in its place). ``wipe``: then remove the
        old row versions from the store's files (``wipe_old_versions``); a batch of erasures
        passes ``False`` and wipes once after the last (``berkas store wipe``)."""
        now = datetime.now(UTC).isoformat()
        with self._transaction() as conn:
            if conn.dialect.name != "sqlite":
                # Waits for the saves checking now to commit their events (``committing``).
                sql.execute(conn, f"SELECT pg_advisory_xact_lock({_ERASURE_LOCK})", [])
            sql.execute(
                conn,
                f"UPDATE {SUBJECTS} SET wrapped_key = ?, nik_index = NULL, erased_at = COALESCE(erased_at, ?) "
                "WHERE subject_id = ?",
                [self._tombstone(subject_id), now, subject_id],
            )
            # Its rows are in its own bucket (or 0: written before buckets, or an id of another
            # kind): two seeks, not a scan of every subject's rows under the erasure lock.
            sql.execute(conn, _SHRED_INDEX, [_bucket(subject_id), subject_id])
        self._by_id[subject_id] = (None, time.monotonic())
        for nik_index, subject in list(self._by_nik.items()):
            if subject.subject_id == subject_id:
                del self._by_nik[nik_index]
        if wipe:
            self.wipe_old_versions()

    def wipe_old_versions(self) -> bool:
        """Once a shredding has committed, remove the old versions of the rows it changed
        from the store's files: the wrapped key, NIK index and digests must not stay readable
        to whoever later holds those files and the key file. SQLite: every connection of the
        store has ``secure_delete`` on (the cells and pages freed are zeroed), and the WAL,
        which still holds the pages as they were, is checkpointed and truncated to nothing.
        PostgreSQL: ``VACUUM`` of the vault's tables removes the dead row versions, and
        ``REINDEX ... CONCURRENTLY`` rebuilds their indexes (a deleted B-tree entry's bytes stay
        in its page's free space otherwise). ``False``, with a warning logged (no subject, no personal data), when
        that could not be done now: readers held the WAL back past ``_WIPE_SECONDS``, or the
        role may not VACUUM (not the tables' owner); the next shredding, a checkpoint or
        autovacuum, or ``VACUUM`` run by the owner, finishes it."""
        if self.store.dialect.name == "sqlite":
            return self._truncate_wal()
        return self._vacuum()

    def _truncate_wal(self) -> bool:
        deadline = time.monotonic() + _WIPE_SECONDS
        with self.store.session() as conn:
            conn.execute("PRAGMA busy_timeout = 200")  # per attempt: a reader's snapshot ends soon
            while True:
                busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return True
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        log.warning(
            "erasure: the SQLite WAL could not be truncated within %.0f s (readers still on an older "
            "snapshot); the shredded key's old page stays in the -wal file until the next checkpoint",
            _WIPE_SECONDS,
        )
        return False

    def _vacuum(self) -> bool:
        refused: list[str] = []

        def notice(diagnostic: Any) -> None:
            if diagnostic.sqlstate == "42501":  # "permission denied to vacuum ..., skipping it"
                refused.append(diagnostic.message_primary or "")

        held = False
        try:
            # A connection of the store's pool (autocommit: VACUUM runs outside a transaction),
            # without its statement timeout for this: the tables' size sets how long it takes.
            with self.store.read() as conn:
                conn.add_notice_handler(notice)
                try:
                    conn.execute("SET statement_timeout = 0")
                    held = not self._horizon_passed(conn)
                    for table in (SUBJECTS, INDEX, CASES):
                        conn.execute(f"VACUUM {table}")
                    for table in (SUBJECTS, INDEX, CASES):
                        if refused:
                            break
                        # VACUUM takes the dead entries out of the B-tree pages but leaves their
                        # bytes in the pages' free space (pageinspect showed the digests there):
                        # the indexes are built anew, without blocking saves, and the old files go.
                        conn.execute(f"REINDEX TABLE CONCURRENTLY {table}")
                finally:
                    conn.remove_notice_handler(notice)
                    conn.execute("RESET statement_timeout")
        except psycopg.Error as error:
            refused.append(type(error).__name__)
        if refused:
            log.warning(
                "erasure: VACUUM or REINDEX of the personal-data tables was refused (%s); the shredded key's "
                "dead row version and index entries stay in their pages until the tables' owner runs VACUUM "
                "and REINDEX",
                "; ".join(refused),
            )
            return False
        if held:
            log.warning(
                "erasure: transactions older than the shredding were still open after %.0f s; VACUUM could not "
                "remove the row versions they may read, which stay until the next VACUUM and REINDEX",
                _WIPE_SECONDS,
            )
            return False
        return True

    @staticmethod
    def _horizon_passed(conn: Any) -> bool:
        """Wait (up to ``_WIPE_SECONDS``) for the transactions of this database that began
        before now to end: VACUUM keeps every row version a snapshot still open may read, and
        every one deleted after the oldest transaction still running began (one idle between
        statements holds no snapshot, but its id holds the horizon back all the same)."""
        deadline = time.monotonic() + _WIPE_SECONDS
        since = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        while True:
            older = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) "
                "AND xact_start < %s",
                (since,),
            ).fetchone()[0]
            if not older:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
