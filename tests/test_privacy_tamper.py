"""The vault attacked with a database superuser's rights (psql), without the key file:
every change either fails loudly or is refused, never answers with another person's data."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from domain.privacy import PersonalDataUnreadable
from domain.values import PersonalData
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES
from projections.privacy import keyfile
from projections.privacy.vault import Vault
from tests.api_support import auth, token_for
from tests.test_privacy_erasure import closed_history, subject_of

SUBJECTS = VAULT_TABLES[0]


def _person(given: str) -> PersonalData:
    nik = str(uuid.uuid4().int)[:16]  # a person of this test's own: the PostgreSQL database is shared
    return PersonalData(f"{given} {nik}", nik, date(1979, 8, 17), "Jl. Tunjungan 5, Surabaya")


def _swap_nik_indexes(system, first: str, second: str) -> None:
    """What a superuser could do with psql: move each subject's NIK index to the other's row."""
    with system.store.connect() as conn:
        rows = dict(
            sql.fetchall(
                conn, f"SELECT subject_id, nik_index FROM {SUBJECTS} WHERE subject_id IN (?, ?)", [first, second]
            )
        )
        sql.execute(conn, f"UPDATE {SUBJECTS} SET nik_index = NULL WHERE subject_id IN (?, ?)", [first, second])
        sql.execute(conn, f"UPDATE {SUBJECTS} SET nik_index = ? WHERE subject_id = ?", [rows[second], first])
        sql.execute(conn, f"UPDATE {SUBJECTS} SET nik_index = ? WHERE subject_id = ?", [rows[first], second])


def test_a_nik_index_moved_to_another_subject_finds_and_seals_for_nobody(system):
    victim, other = _person("Ratna Sari"), _person("Budi Santoso")
    victim_case, _ = closed_history(system, victim)
    other_case, _ = closed_history(system, other)
    victim_id, other_id = subject_of(system, victim_case).hex, subject_of(system, other_case).hex
    _swap_nik_indexes(system, victim_id, other_id)

    fresh = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))  # no cache
    try:
        # Before, the victim's NIK found the other person, and a new case of the victim was
        # sealed under the other person's key (erased with them, exported to them).
        with pytest.raises(PersonalDataUnreadable):
            fresh.find("nik", victim.nik)
        with pytest.raises(PersonalDataUnreadable):
            fresh.subjects_for([victim.nik])
        with pytest.raises(PersonalDataUnreadable):  # a row whose NIK index was changed does not open
            fresh.open(other_id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    finally:
        fresh.close()
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        found = client.post("/cases/search", json={"nik": victim.nik}, headers=auth(token_for(system, "OFFICER")))
    assert found.status_code == 409, found.text
    assert found.json()["type"] == "urn:berkas:problem:personal-data-unreadable"
    assert victim.nik not in found.text and other.nik not in found.text and other_id not in found.text


def test_untouched_subjects_are_still_found_and_read(system):
    person = _person("Wulan Dari")
    case_id, _ = closed_history(system, person)
    subject = subject_of(system, case_id).hex
    fresh = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))
    try:
        assert fresh.find("nik", person.nik) == [(subject, "")]
        assert fresh.subjects_for([person.nik]) == {person.nik: subject}
    finally:
        fresh.close()
    assert system.app.get_case(case_id).applicant.name == person.name


def _set_row(system, subject_id: str, assignments: str) -> None:
    with system.store.connect() as conn:
        sql.execute(conn, f"UPDATE {SUBJECTS} SET {assignments} WHERE subject_id = ?", [subject_id])


def _fresh_read(system, subject_id: str, token: str):
    reader = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))
    try:
        return reader.open(subject_id, token)
    finally:
        reader.close()


def _token(system, case_id) -> str:
    with system.store.connect() as conn:
        state = conn.dialect.raw_rows(
            conn,
            f"SELECT state FROM {conn.dialect.events_table} WHERE originator_id = ? ORDER BY originator_version",
            (conn.dialect.case_key(case_id),),
        )[0][0]
    sealed = json.loads(bytes(state))["applicant"]
    return sealed["sealed"] if isinstance(sealed, dict) and "sealed" in sealed else _find_sealed(sealed)


def _find_sealed(value):
    if isinstance(value, dict):
        for item in value.values():
            if (found := _find_sealed(item)) is not None:
                return found
    if isinstance(value, list):
        for item in value:
            if (found := _find_sealed(item)) is not None:
                return found
    if isinstance(value, str) and len(value) > 40:
        return value
    return None


@pytest.mark.parametrize("how", ["NULL", "'x1:AAAA'", "'n1:AAAA'"])
def test_a_key_removed_with_psql_reads_loudly_not_as_a_lawful_erasure(system, how):
    person = _person("Agus Salim")
    case_id, _ = closed_history(system, person)
    subject = subject_of(system, case_id).hex
    token = _token(system, case_id)
    assert _fresh_read(system, subject, token) is not None
    # Before, a row marked erased (and its key gone) read as <erased>, with no SubjectErased event.
    _set_row(system, subject, f"wrapped_key = {how}, nik_index = NULL, erased_at = '2025-01-01T00:00:00+00:00'")
    with pytest.raises(PersonalDataUnreadable, match="without a recorded erasure"):
        _fresh_read(system, subject, token)


def test_a_key_missing_from_a_live_row_reads_loudly(system):
    person = _person("Sri Mulyani")
    case_id, _ = closed_history(system, person)
    subject = subject_of(system, case_id).hex
    token = _token(system, case_id)
    _set_row(system, subject, "wrapped_key = NULL")
    with pytest.raises(PersonalDataUnreadable, match="missing"):
        _fresh_read(system, subject, token)


def test_a_lawful_erasure_reads_as_erased_also_as_older_stores_recorded_it(system, supervisor):
    from datetime import timedelta

    from api.cli.common import console_admin

    person = _person("Hadi Pranoto")
    case_id, _ = closed_history(system, person)
    subject = subject_of(system, case_id)
    token = _token(system, case_id)
    system.app.approve_erasure(supervisor, subject, "SUBJECT_REQUEST", "Pasal 8 UU 27/2022")
    system.app.erase_subject(console_admin("MLG"), subject, "SUBJECT_REQUEST", "Pasal 8 UU 27/2022", timedelta(0))
    assert _fresh_read(system, subject.hex, token) is None
    _set_row(system, subject.hex, "wrapped_key = NULL")  # shredded before tombstones: the log records it
    assert _fresh_read(system, subject.hex, token) is None


@pytest.mark.parametrize("garbage", ["'AAAA'", "'n1:!!'", "'not base64 at all'"])
def test_a_key_edited_into_garbage_reads_loudly(system, garbage):
    person = _person("Dian Sastro")
    case_id, _ = closed_history(system, person)
    subject = subject_of(system, case_id).hex
    token = _token(system, case_id)
    _set_row(system, subject, f"wrapped_key = {garbage}")  # before: ValueError, a 500
    with pytest.raises(PersonalDataUnreadable):
        _fresh_read(system, subject, token)


def test_a_missing_key_file_is_refused_not_replaced_even_before_the_first_subject(system, tmp_path):
    from api.bootstrap import StoreNotReady, bootstrap

    missing = tmp_path / "elsewhere" / "personal-data.key"
    missing.parent.mkdir()
    settings = system.settings.model_copy(update={"personal_data_key_path": missing})
    # Before, a store with its key check recorded but no subject yet got a new key file
    # beside it, then "does not match": a stray key an operator could take for the real one.
    with pytest.raises(StoreNotReady, match="is missing"):
        bootstrap(settings)
    assert not missing.exists()
