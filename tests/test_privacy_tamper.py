"""The vault attacked with a database superuser's rights (psql), without the key file:
every change either fails loudly or is refused, never answers with another person's data."""

from __future__ import annotations

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
