"""After a shredding, the store's files keep no copy of the erased subject's wrapped key, NIK
index or blind-index digests, looked for the way someone holding the files would: every
byte of the SQLite file and its WAL; on PostgreSQL every raw page (pageinspect) of every
index of the vault, free space included, and every tuple of its tables, dead ones included.
(Not the tables' raw pages: VACUUM compacts a page without zeroing its free space, so a deleted
row's bytes may stay there until that space is reused or VACUUM FULL rewrites the table;
see /work/notes/seal.md.)
And when the old versions cannot be wiped now (a reader holds SQLite's WAL back, a role that
may not VACUUM), the erasure still succeeds and a warning without personal data says so."""

from __future__ import annotations

import copy
import logging
import sqlite3
import uuid

import psycopg
from psycopg.conninfo import make_conninfo

from api.bootstrap import System
from domain.application import Berkas
from projections.eventstore import sql
from projections.eventstore.sqlite_settings import CACHE_KIB, WAL_CHECKPOINT_PAGES
from projections.eventstore.store import Store
from tests.test_privacy_review_remnants import _secrets
from tests.test_privacy_review_retries import closed_history_in, denpasar_person, erase_over_http, http  # noqa: F401


def _raw_bytes(system: System) -> bytes:
    return b"".join(_raw_pages(system).values())


def _raw_pages(system: System) -> dict[str, bytes]:
    """Each file (SQLite) or relation (PostgreSQL) of the vault, as raw bytes."""
    if not system.settings.database_url:
        path = system.store.sqlite_path
        return {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith("key")}
    chunks: dict[str, bytes] = {}
    with system.store.connect() as conn:
        sql.execute(conn, "CREATE EXTENSION IF NOT EXISTS pageinspect", [])
        relations = sql.fetchall(
            conn,
            "SELECT relname, relkind FROM pg_class WHERE relname LIKE 'personal_data%%' AND relkind IN ('r', 'i')",
            [],
        )
        for relation, kind in relations:
            pages = sql.fetchall(conn, f"SELECT pg_relation_size('{relation}') / 8192", [])[0][0]
            if kind == "i":  # every byte of the index's pages
                raw = [sql.fetchall(conn, f"SELECT get_raw_page('{relation}', {n})", [])[0][0] for n in range(pages)]
            else:  # every tuple of the table's pages, dead ones included
                items = f"SELECT t_data FROM heap_page_items(get_raw_page('{relation}', %s)) WHERE t_data IS NOT NULL"
                raw = [row[0] for n in range(pages) for row in sql.fetchall(conn, items % n, [])]
            chunks[relation] = b"".join(bytes(page) for page in raw)
    return chunks


def _erase(http, system: System, subject: str) -> None:  # noqa: F811
    erased = erase_over_http(http, system, subject)
    assert erased.status_code == 200, erased.text


def _subject(system: System) -> str:
    cases = closed_history_in(system, denpasar_person(), office="DPS", year=2025)
    return system.app.get_case(cases[0].id).applicant.subject_id


def test_no_file_index_page_or_tuple_of_the_vault_keeps_an_erased_subjects_key_or_digests(http, system, caplog):  # noqa: F811
    subject = _subject(system)
    secrets = _secrets(system, subject)
    assert all(secret in _raw_bytes(system) for secret in secrets)
    with caplog.at_level(logging.WARNING, logger="berkas.privacy"):
        _erase(http, system, subject)
    assert [r.getMessage() for r in caplog.records if r.name == "berkas.privacy"] == []
    left = _raw_pages(system)
    assert [(n, where) for n, secret in enumerate(secrets) for where, raw in left.items() if secret in raw] == []


def test_every_sqlite_connection_of_the_store_zeroes_what_it_deletes(sqlite_system):
    """And has the same cache and checkpoint settings, sealed or not (``bench privacy``'s plain side)."""
    plain = Berkas(env=sqlite_system.store.library_env())
    expected = [(1,), (WAL_CHECKPOINT_PAGES,), (-CACHE_KIB,)]
    pragmas = ("secure_delete", "wal_autocheckpoint", "cache_size")
    with sqlite_system.store.connect() as conn:
        assert [conn.execute(f"PRAGMA {name}").fetchone() for name in pragmas] == expected
    for app in (sqlite_system.app, plain):
        with app.recorder.datastore.get_connection(commit=True) as conn:
            assert [tuple(conn._sqlite_conn.execute(f"PRAGMA {name}").fetchone()) for name in pragmas] == expected
    plain.close()


def test_a_reader_holding_the_wal_back_leaves_a_warning_not_a_failure(sqlite_system, caplog):
    system = sqlite_system
    subject = _subject(system)
    secrets = _secrets(system, subject)
    reader = sqlite3.connect(system.store.sqlite_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM stored_events").fetchone()  # a snapshot older than the shredding
    try:
        with caplog.at_level(logging.WARNING, logger="berkas.privacy"):
            system.vault.shred(subject)
    finally:
        reader.execute("COMMIT")
        reader.close()
    warned = [r.getMessage() for r in caplog.records if r.name == "berkas.privacy"]
    assert len(warned) == 1 and "WAL could not be truncated" in warned[0]
    assert subject not in warned[0] and not any(secret.decode() in warned[0] for secret in secrets)
    assert system.vault.is_erased(subject)
    assert system.vault.wipe_old_versions()  # the reader gone, the next try wipes them
    assert [n for n, secret in enumerate(secrets) if secret in _raw_bytes(system)] == []


def test_a_role_that_may_not_vacuum_gets_a_warning_not_a_traceback(pg_system, caplog):
    system = pg_system
    subject = _subject(system)
    role = f"berkas_seal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(system.settings.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        system.vault.shred(subject)
        vault = copy.copy(system.vault)
        vault.store = Store(make_conninfo(system.settings.database_url, user=role), system.store.sqlite_path)
        with caplog.at_level(logging.WARNING, logger="berkas.privacy"):
            assert vault.wipe_old_versions() is False
        vault.store.close()
        warned = [r.getMessage() for r in caplog.records if r.name == "berkas.privacy"]
        assert len(warned) == 1 and "was refused" in warned[0] and subject not in warned[0]
    finally:
        with psycopg.connect(system.settings.database_url, autocommit=True) as conn:
            conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
            conn.execute(f"DROP ROLE {role}")
