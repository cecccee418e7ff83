"""Crypto-shredding against whoever later holds the database's files and the key file (a
stolen backup, a superuser with pageinspect): once a subject is erased, no copy of their
wrapped data key, NIK index or blind-index digests may be left in the store's bytes, or the
"erased" data opens again.

Today one is left: on SQLite in the WAL file until a checkpoint overwrites it, on PostgreSQL
in the dead row version of personal_data_subjects until VACUUM. The fix belongs to
projections/privacy/vault.py (Vault.shred), outside this review's files: see
/work/notes/review.md. Marked xfail (strict) until then."""

from __future__ import annotations

import uuid

from api.bootstrap import System
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES
from tests.test_privacy_review_retries import closed_history_in, denpasar_person, erase_over_http, http  # noqa: F401

SUBJECTS, INDEX = VAULT_TABLES[0], "personal_data_index"


def _secrets(system: System, subject: str) -> list[bytes]:
    """The subject's wrapped key, NIK index and index digests, as stored now."""
    with system.store.connect() as conn:
        ((wrapped, nik_index),) = sql.fetchall(
            conn, f"SELECT wrapped_key, nik_index FROM {SUBJECTS} WHERE subject_id = ?", [subject]
        )
        digests = [row[0] for row in sql.fetchall(conn, f"SELECT digest FROM {INDEX} WHERE subject_id = ?", [subject])]
    return [value.encode() for value in (wrapped, nik_index, *digests)]


def _stored_bytes(system: System) -> bytes:
    """Every byte the store keeps of the vault: the SQLite files (with the WAL), or the
    PostgreSQL heap pages of the vault tables, dead row versions included (pageinspect)."""
    if not system.settings.database_url:
        path = system.store.sqlite_path
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith("key"))
    with system.store.connect() as conn:
        sql.execute(conn, "CREATE EXTENSION IF NOT EXISTS pageinspect", [])
        chunks = []
        for table in (SUBJECTS, INDEX):
            pages = sql.fetchall(conn, f"SELECT pg_relation_size('{table}') / 8192", [])[0][0]
            for page in range(pages):
                rows = sql.fetchall(conn, f"SELECT t_data FROM heap_page_items(get_raw_page('{table}', {page}))", [])
                chunks += [bytes(row[0]) for row in rows if row[0] is not None]
    return b"".join(chunks)


def test_no_copy_of_an_erased_subjects_key_or_indexes_is_left_in_the_stores_bytes(http, system):  # noqa: F811
    cases = closed_history_in(system, denpasar_person(), office="DPS", year=2025)
    subject = system.app.get_case(cases[0].id).applicant.subject_id
    secrets = _secrets(system, subject)
    assert all(secret in _stored_bytes(system) for secret in secrets)  # the scan sees them while they live
    erased = erase_over_http(http, system, subject)
    assert erased.status_code == 200, erased.text
    left = _stored_bytes(system)
    assert [secret for secret in secrets if secret in left] == [], uuid.UUID(subject)
