"""Writers of the vault: two of them making the same person at once end with one subject;
the vault reaches PostgreSQL through the store's pool; the plaintext it seals is the compact
JSON the standard library writes."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import pytest

from projections.privacy import keyfile
from projections.privacy.vault import Vault


def _second_writer(system) -> Vault:
    """Another process's vault on the same store and key file."""
    return Vault(system.store, keyfile.load(system.settings.personal_data_key_file))


def _nik() -> str:
    return str(uuid.uuid4().int)[:16]  # a person of this test's own: the PostgreSQL database is shared


def test_two_writers_sealing_a_new_person_at_once_end_with_the_first_s_subject(system):
    first, second = system.vault, _second_writer(system)
    try:
        nik = _nik()
        mine, _ = first.seal(nik, "Siti Aminah", b'["a"]')
        theirs, _ = second.seal(nik, "Siti Aminah", b'["b"]')
        assert mine != theirs  # neither knew of the other
        assert first.prepare()
        assert not second.prepare()  # its subject did not go in: encode again
        again, token = second.seal(nik, "Siti Aminah", b'["b"]')
        assert again == mine
        assert second.prepare()
        assert first.open(again, token) == b'["b"]'
        assert not second.is_known(theirs)
        assert second.subjects_for([nik]) == {nik: mine} == first.subjects_for([nik])
    finally:
        second.close()


def test_a_batch_of_new_people_one_of_them_made_first_elsewhere_is_sealed_again(system):
    first, second = system.vault, _second_writer(system)
    try:
        taken, fresh = _nik(), _nik()
        [made] = first.subjects_for([taken]).values()
        second.seal(fresh, "Budi", b"[]")
        second.seal(taken, "Siti", b"[]")  # not in its cache: a new subject, to be refused
        assert not second.prepare()
        new_fresh, _ = second.seal(fresh, "Budi", b"[]")
        again, _ = second.seal(taken, "Siti", b"[]")
        assert second.prepare()
        assert again == made
        assert second.subjects_for([fresh]) == {fresh: new_fresh}  # the one that went in stayed
    finally:
        second.close()


def test_the_plaintext_sealed_is_the_standard_library_s_compact_json(sqlite_system):
    vault = sqlite_system.vault
    values = ["Siti Aminah", 'Jl. "Ijen" 12\\\n\t\x01\x7f', "é中😀\u2028", "1990-01-01"]
    subject, token = vault.seal_values(_nik(), "Siti Aminah", values)
    vault.prepare()
    expected = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    assert vault.open(subject, token) == expected
    assert json.loads(expected) == values


def test_on_postgresql_the_vault_opens_no_connection_of_its_own(pg_system, monkeypatch):
    """Each opened a server process (authenticated, then ended) per call: the pool's are reused."""
    vault = pg_system.vault
    vault.is_known("0" * 32)  # the pool is up

    @contextmanager
    def refused(*args, **kwargs):
        raise AssertionError("a new connection, not one of the store's pool")
        yield

    monkeypatch.setattr(type(pg_system.store.dialect), "connect", refused)
    nik = _nik()
    [subject] = vault.subjects_for([nik]).values()
    vault.seal(nik, "Siti", b"[]")
    assert vault.prepare()
    assert vault.is_known(subject)
    vault.shred(subject)
    assert vault.is_erased(subject)
    assert vault.open(subject, "AAAA") is None  # erased: no key, and no garbage


@pytest.mark.parametrize("backend", ["sqlite_system", "pg_system"])
def test_a_shredded_subject_is_gone_for_another_writer_at_once(request, backend):
    system = request.getfixturevalue(backend)
    other = _second_writer(system)
    try:
        nik = _nik()
        [subject] = system.vault.subjects_for([nik]).values()
        system.vault.shred(subject)
        assert other.is_erased(subject)
        [fresh] = other.subjects_for([nik]).values()  # the NIK no longer leads to the erased subject
        assert fresh != subject
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["sqlite_system", "pg_system"])
def test_an_erasure_landing_between_the_keys_and_the_events_of_a_new_application_makes_a_new_subject(
    request, backend, monkeypatch
):
    """The same person applies again while another process erases them: the erasure commits
    after the save made its keys durable and before its events. The new case must not be
    sealed under the destroyed key (``<erased>`` at once): it is a new subject's, readable."""
    from datetime import date

    from domain.values import PersonalData
    from tests import builders

    system = request.getfixturevalue(backend)
    nik = _nik()
    person = PersonalData(f"Orang Kembali {nik}", nik, date(1980, 1, 2), "Jl. Batu 1, Batu")
    clock = builders.Clock()
    first = builders.passport(clock, applicant=person)
    system.app.bulk_save([first])
    old = system.app.get_case(first.id).applicant.subject_id
    other = _second_writer(system)
    vault = system.vault
    real_prepare = vault.prepare
    erased: list[str] = []

    def prepare_then_erased_elsewhere(*args) -> bool:
        ready = real_prepare(*args)
        if ready and not erased:
            other.shred(old)  # another process's erasure, committed before the events
            erased.append(old)
        return ready

    monkeypatch.setattr(vault, "prepare", prepare_then_erased_elsewhere)
    try:
        second = builders.passport(clock, applicant=person)
        system.app.bulk_save([second])
    finally:
        other.close()
    assert erased == [old]
    applicant = system.app.get_case(second.id).applicant
    assert not applicant.is_erased
    assert (applicant.nik, applicant.name) == (nik, person.name)
    assert applicant.subject_id != old
    assert system.app.get_case(first.id).applicant.is_erased
    assert vault.cases_of(old) == [first.id]  # the erased person is not tied to the new case
    assert vault.subjects_for([nik]) == {nik: applicant.subject_id}
