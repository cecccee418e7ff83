"""The vault's layout: a subject's row names the case it was first recorded in, link rows
only its other cases, and nothing indexes links by case (a case's subjects are read from its
own events); the blind index lies in week buckets and is searched bucket by bucket. A store
laid out before moves over at start-up with every row, and on PostgreSQL its grants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import psycopg
import pytest

from api import privacy
from api.bootstrap import System, bootstrap
from api.settings import Settings
from domain.case import recorded_at
from domain.privacy import PersonalDataUnreadable
from domain.values import PersonalData
from projections.eventstore.store import VAULT_TABLES
from projections.privacy import keyfile
from projections.privacy.vault import _SHRED_INDEX, Vault
from tests import builders

SUBJECTS, CASES, INDEX, _ = VAULT_TABLES
WEEK_MS = 7 * 86_400_000


def someone() -> PersonalData:
    nik = builders.fresh_nik()
    return PersonalData(f"Wulan Tata Letak {nik[-6:]}", nik, date(1988, 7, 9), "Jl. Semeru 4, Kota Batu")


def two_cases_weeks_apart(system: System, person: PersonalData) -> tuple[uuid.UUID, uuid.UUID]:
    """The person's passport handed over in January, and a second application in March."""
    with recorded_at(datetime(2024, 1, 3, 2, tzinfo=UTC)):
        clock = builders.Clock(now=datetime(2024, 1, 2, 1, tzinfo=UTC))
        first = builders.passport(clock, until="HANDED_OVER", applicant=person)
        system.app.bulk_save([first])
    with recorded_at(datetime(2024, 3, 6, 2, tzinfo=UTC)):
        clock = builders.Clock(now=datetime(2024, 3, 5, 1, tzinfo=UTC))
        second = builders.passport(clock, until="SUBMITTED", applicant=person)
        system.app.bulk_save([second])
    return first.id, second.id


def rows(system: System, statement: str, params: tuple = ()) -> list[tuple]:
    with system.store.read() as conn:
        return [tuple(row) for row in conn.execute(system.store.dialect.native(statement), params).fetchall()]


def test_a_subjects_first_case_is_on_its_row_and_only_its_other_cases_are_links(system):
    person = someone()
    first, second = two_cases_weeks_apart(system, person)
    subject = system.app.get_case(first).applicant.subject_id
    assert system.app.get_case(second).applicant.subject_id == subject  # one person, one subject

    assert rows(system, f"SELECT case_id FROM {SUBJECTS} WHERE subject_id = ?", (subject,)) == [(str(first),)]
    assert rows(system, f"SELECT case_id FROM {CASES} WHERE subject_id = ?", (subject,)) == [(str(second),)]
    assert set(system.vault.cases_of(subject)) == {first, second}
    # A case's subjects come from its own events.
    assert system.vault.subjects_of(first) == [subject]
    assert system.vault.subjects_of(second) == [subject]
    assert system.vault.subjects_of(uuid.uuid4()) == []


def test_the_blind_index_lies_in_the_week_the_subject_was_first_recorded_and_is_found_from_any(system):
    person = someone()
    first, second = two_cases_weeks_apart(system, person)
    subject = system.app.get_case(first).applicant.subject_id
    january = datetime(2024, 1, 3, tzinfo=UTC).timestamp() * 1000 // WEEK_MS
    buckets = {row[0] for row in rows(system, f"SELECT bucket FROM {INDEX} WHERE subject_id = ?", (subject,))}
    assert buckets == {january}  # its name and its passport number, even the March case's rows

    # Another person first recorded in March: the index now spans weeks; each is searched.
    other = someone()
    _, march = two_cases_weeks_apart(system, other)
    found_subjects, found_cases = privacy.search(system, None, None, person.name)
    assert found_subjects == {subject}
    assert found_cases == {str(first), str(second)}
    assert privacy.search(system, None, None, other.name)[1] == {str(march)} | {
        str(c) for c in system.vault.cases_of(system.app.get_case(march).applicant.subject_id)
    }
    assert privacy.search(system, person.nik, None, None)[1] == {str(first), str(second)}
    assert privacy.search(system, None, None, "Tidak Ada Orang Ini")[1] == set()


def test_an_altered_key_row_is_named_and_not_blamed_on_the_key_file(system):
    person = someone()
    first, _ = two_cases_weeks_apart(system, person)
    subject = system.app.get_case(first).applicant.subject_id
    with system.store.connect() as conn:
        conn.execute(
            system.store.dialect.native(f"UPDATE {SUBJECTS} SET wrapped_key = ? WHERE subject_id = ?"),
            ("n1:" + "A" * 80, subject),
        )
    fresh = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))  # a process started since
    try:
        with pytest.raises(PersonalDataUnreadable) as refused:
            fresh.open(subject, "A" * 40)
    finally:
        fresh.close()
    assert f"its row in {SUBJECTS} was altered" in str(refused.value)
    assert subject not in str(refused.value)  # a search by NIK answering this would tie the NIK to it
    assert person.nik not in str(refused.value) and person.name not in str(refused.value)


# --- a store laid out before ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def own_store(request, tmp_path, pg_admin_url) -> Iterator[Settings]:
    """Settings of a store of this test's own (the migration changes tables under every test
    sharing a database)."""
    if request.param == "sqlite":
        yield Settings(database_url=None, sqlite_path=tmp_path / "berkas.db")
        return
    name = f"berkas_test_layout_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(database_url=f"{pg_admin_url.rpartition('/')[0]}/{name}", sqlite_path=tmp_path / "unused.db")
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _lay_out_as_before(system: System, reader: str | None) -> None:
    """The tables as stores made before this layout had them: the blind index keyed by digest,
    every link a row (the first case too), an index of links by case, no case on the row."""
    with system.store.connect() as conn:
        run = lambda statement: conn.execute(statement)  # noqa: E731
        rowid = " WITHOUT ROWID" if system.store.dialect.name == "sqlite" else ""
        run(
            f"CREATE TABLE old_index (digest TEXT NOT NULL, subject_id TEXT NOT NULL, case_id TEXT NOT NULL, "
            f"PRIMARY KEY (digest, subject_id, case_id)){rowid}"
        )
        run(f"INSERT INTO old_index SELECT digest, subject_id, case_id FROM {INDEX}")
        run(f"DROP TABLE {INDEX}")
        run(f"ALTER TABLE old_index RENAME TO {INDEX}")
        run(f"INSERT INTO {CASES} SELECT subject_id, case_id FROM {SUBJECTS} WHERE case_id IS NOT NULL")
        run(f"ALTER TABLE {SUBJECTS} DROP COLUMN case_id")
        run(f"CREATE INDEX {CASES}_case ON {CASES} (case_id)")
        if reader:
            run(f"CREATE ROLE {reader}")
            run(f"GRANT SELECT, DELETE ON {INDEX} TO {reader}")


def test_a_store_laid_out_before_moves_over_at_start_up_with_its_rows_and_grants(own_store: Settings):
    person = someone()
    system = bootstrap(own_store)
    postgres = system.store.dialect.name != "sqlite"
    reader = f"berkas_layout_{uuid.uuid4().hex[:8]}" if postgres else None
    try:
        first, second = two_cases_weeks_apart(system, person)
        subject = system.app.get_case(first).applicant.subject_id
        _lay_out_as_before(system, reader)
    finally:
        system.close()

    system = bootstrap(own_store)
    try:
        assert "bucket" in {d[0] for d in _describe(system, INDEX)}
        assert privacy.search(system, None, None, person.name) == ({subject}, {str(first), str(second)})
        assert privacy.search(system, None, "E1234567", None)[1] >= {str(first)}
        assert set(system.vault.cases_of(subject)) == {first, second}  # links kept as rows
        assert system.vault.subjects_of(second) == [subject]
        assert system.app.get_case(first).applicant.nik == person.nik
        indexes = (
            rows(system, "SELECT indexname FROM pg_indexes WHERE tablename = ?", (CASES,))
            if postgres
            else rows(system, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (CASES,))
        )
        assert f"{CASES}_case" not in {row[0] for row in indexes}
        if postgres:
            granted = rows(
                system,
                "SELECT has_table_privilege(?, ?, 'SELECT'), has_table_privilege(?, ?, 'DELETE'), "
                "has_table_privilege(?, ?, 'INSERT')",
                (reader, INDEX, reader, INDEX, reader, INDEX),
            )
            assert granted == [(True, True, False)]
        # A new subject after the move lands in its week's bucket, and is found beside the old.
        newcomer = someone()
        newcomer_first, _ = two_cases_weeks_apart(system, newcomer)
        assert privacy.search(system, None, None, newcomer.name)[1] >= {str(newcomer_first)}
    finally:
        if postgres:
            with system.store.connect() as conn:
                conn.execute(f"DROP OWNED BY {reader}")
                conn.execute(f"DROP ROLE {reader}")
        system.close()


def _describe(system: System, table: str) -> list:
    with system.store.read() as conn:
        return list(conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description)


def test_a_bucket_is_the_week_of_a_version_7_id_and_zero_for_any_other():
    from projections.privacy.vault import _bucket, _ordered_id

    at = datetime(2025, 6, 2, 8, tzinfo=UTC)
    assert _bucket(_ordered_id(at)) == int(at.timestamp() * 1000) // WEEK_MS
    assert _bucket(uuid.uuid4().hex) == 0


def test_an_erasure_removes_the_subjects_rows_from_its_bucket_and_bucket_0_and_no_one_elses(system):
    """Shredding deletes by bucket (two seeks under the erasure lock, not a scan of every
    subject's rows); a row in bucket 0 (the column's default: written before buckets) goes too."""
    person, other = someone(), someone()
    first, _ = two_cases_weeks_apart(system, person)
    other_first, _ = two_cases_weeks_apart(system, other)
    subject = system.app.get_case(first).applicant.subject_id
    other_subject = system.app.get_case(other_first).applicant.subject_id
    with system.store.connect() as conn:
        conn.execute(
            system.store.dialect.native(f"INSERT INTO {INDEX} (digest, subject_id, case_id) VALUES (?, ?, ?)"),
            ("an-earlier-digest", subject, str(first)),
        )
    before = rows(system, f"SELECT bucket, digest, case_id FROM {INDEX} WHERE subject_id = ?", (other_subject,))
    assert {row[0] for row in rows(system, f"SELECT bucket FROM {INDEX} WHERE subject_id = ?", (subject,))} == {
        0,
        datetime(2024, 1, 3, tzinfo=UTC).timestamp() * 1000 // WEEK_MS,
    }

    system.vault.shred(subject)

    assert rows(system, f"SELECT * FROM {INDEX} WHERE subject_id = ?", (subject,)) == []
    assert rows(system, f"SELECT bucket, digest, case_id FROM {INDEX} WHERE subject_id = ?", (other_subject,)) == before
    assert privacy.search(system, None, None, person.name) == (set(), set())
    assert privacy.search(system, None, None, other.name)[0] == {other_subject}


def test_the_erasures_delete_seeks_the_blind_index_by_bucket(sqlite_system):
    plan = rows(sqlite_system, f"EXPLAIN QUERY PLAN {_SHRED_INDEX}", (1, "x"))
    details = " ".join(str(row[-1]) for row in plan)
    assert "SEARCH" in details and "bucket=?" in details, details
    assert "SCAN" not in details, details
