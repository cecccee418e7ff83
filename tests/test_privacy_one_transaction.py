"""The vault's rows written in the events' own transaction (SQLite; PostgreSQL batches that
go by COPY: the demo, imports): another writer making the same person first, or erasing
one, between sealing and that transaction is found there, the whole save rolled back and
sealed again; a save that fails leaves no subject it made behind in the writer's cache."""

from __future__ import annotations

import copy
import uuid
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from domain.values import PersonalData
from projections.privacy import keyfile
from projections.privacy.vault import Vault
from tests import builders

# One case (one event), or enough cases for a batch that PostgreSQL writes by COPY (in one transaction
# with the vault's rows there too).
SIZES = [1, 40]


def _nik() -> str:
    return str(uuid.uuid4().int)[:16]


def _person(nik: str) -> PersonalData:
    return PersonalData(f"Orang Baru {nik}", nik, date(1980, 1, 2), "Jl. Batu 1, Batu")


def _batch(clock: builders.Clock, person: PersonalData, size: int) -> list:
    cases = [builders.passport(clock, applicant=person)]
    cases += [builders.passport(clock, applicant=_person(_nik())) for _ in range(size - 1)]
    return cases


def _within(system, cases) -> bool:
    events = sum(len(case.pending_events) for case in cases)
    return system.vault._writes_within(system.app.recorder, events)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("backend", ["sqlite_system", "pg_system"])
def test_a_person_made_by_another_writer_before_the_events_transaction_is_adopted(request, backend, size, monkeypatch):
    system = request.getfixturevalue(backend)
    other = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))
    nik = _nik()
    cases = _batch(builders.Clock(), _person(nik), size)
    assert _within(system, cases) == (system.store.dialect.name == "sqlite" or size > 1)
    vault, real_prepare, made = system.vault, system.vault.prepare, []

    def prepared_then_made_elsewhere(*args) -> bool:
        ready = real_prepare(*args)
        if not made:
            made.extend(other.subjects_for([nik]).values())  # another process, committed first
        return ready

    monkeypatch.setattr(vault, "prepare", prepared_then_made_elsewhere)
    try:
        system.app.bulk_save(cases)
    finally:
        other.close()
    applicant = system.app.get_case(cases[0].id).applicant
    assert applicant.subject_id == made[0]  # sealed again, under the subject that went in first
    assert (applicant.nik, applicant.name) == (nik, f"Orang Baru {nik}")
    assert [subject for subject, _ in vault.find("nik", nik)] == made
    assert vault.cases_of(made[0]) == [cases[0].id]
    for case in cases[1:]:  # the rest of the batch, sealed again too, reads back
        assert not system.app.get_case(case.id).applicant.is_erased


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("backend", ["sqlite_system", "pg_system"])
def test_an_erasure_before_the_events_transaction_makes_a_new_subject_for_the_whole_batch(
    request, backend, size, monkeypatch
):
    system = request.getfixturevalue(backend)
    nik = _nik()
    person = _person(nik)
    clock = builders.Clock()
    first = builders.passport(clock, applicant=person)
    system.app.bulk_save([first])
    old = system.app.get_case(first.id).applicant.subject_id
    other = Vault(system.store, keyfile.load(system.settings.personal_data_key_file))
    cases = _batch(clock, person, size)
    vault, real_prepare, erased = system.vault, system.vault.prepare, []

    def prepared_then_erased_elsewhere(*args) -> bool:
        ready = real_prepare(*args)
        if not erased:
            other.shred(old)
            erased.append(old)
        return ready

    monkeypatch.setattr(vault, "prepare", prepared_then_erased_elsewhere)
    try:
        system.app.bulk_save(cases)
    finally:
        other.close()
    applicant = system.app.get_case(cases[0].id).applicant
    assert not applicant.is_erased and applicant.subject_id != old
    assert (applicant.nik, applicant.name) == (nik, person.name)
    assert system.app.get_case(first.id).applicant.is_erased
    assert vault.cases_of(old) == [first.id]
    assert vault.subjects_for([nik]) == {nik: applicant.subject_id}


@pytest.mark.parametrize("backend", ["sqlite_system", "pg_system"])
def test_a_batch_that_fails_to_insert_leaves_no_subject_the_next_save_would_trust(request, backend):
    """A new person's subject written in the events' transaction is gone with it when the
    insert fails: the writer must make it again next time, not seal under a key that is
    nowhere (its events would never open)."""
    system = request.getfixturevalue(backend)
    nik = _nik()
    clock = builders.Clock()
    saved = builders.passport(clock, applicant=_person(_nik()))
    twin = copy.deepcopy(saved)  # the same case's first events again: a stale version
    system.app.bulk_save([saved])
    cases = [*_batch(clock, _person(nik), 40), twin]
    assert _within(system, cases)
    with pytest.raises(IntegrityError):
        system.app.bulk_save(cases)
    assert system.vault.find("nik", nik) == []  # nothing of the failed save's subjects is stored
    again = builders.passport(clock, applicant=_person(nik))
    system.app.bulk_save([again])
    applicant = system.app.get_case(again.id).applicant
    assert (applicant.nik, applicant.is_erased) == (nik, False)
    assert [subject for subject, _ in system.vault.find("nik", nik)] == [applicant.subject_id]
