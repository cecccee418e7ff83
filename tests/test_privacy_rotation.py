"""Rotating the personal-data key-encryption key (``berkas store rotate-key``), on an SQLite
file and on a PostgreSQL database of its own: afterwards everything opens and is found under
the new key file only, no row of the store (nor its files' old versions) holds a key wrapped
under the old KEK, a rotation killed between its steps is finished, and refusals are one line
that leave the store and its key file as they were."""

from __future__ import annotations

import base64
import fcntl
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.bootstrap import StoreNotReady, System, bootstrap
from api.cli.app import run
from api.settings import Settings
from domain.values import PersonalData
from projections.eventstore import sql
from projections.eventstore.store import Store
from projections.privacy import keyfile, rotation
from projections.privacy.vault import SUBJECTS, Vault
from tests.builders import fresh_nik, submission
from tests.test_privacy_shred_bytes import _raw_pages


@dataclass
class Sealed:
    """A store with three subjects (one erased) and the key file it was sealed with."""

    settings: Settings
    key: Path
    old: keyfile.PersonalDataKeys
    people: dict[str, PersonalData]  # subject -> person, the live ones
    cases: dict[str, uuid.UUID]  # subject -> its case, the erased one's too
    erased: str
    old_wrapped: list[bytes]  # every wrapped key and tombstone as the store held them


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path, monkeypatch) -> Iterator[Settings]:
    """Settings of a store of this test's own (a rotation re-keys the whole database), also
    in the environment, for the CLI."""
    key = tmp_path / "keys" / "personal-data.key"
    key.parent.mkdir()
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(key))
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    if request.param == "sqlite":
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        yield Settings()
        return
    admin = request.getfixturevalue("pg_admin_url")
    name = f"berkas_keys_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("BERKAS_DATABASE_URL", f"{admin.rpartition('/')[0]}/{name}")
    try:
        yield Settings()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sealed(settings, officer) -> Sealed:
    system = bootstrap(settings)
    try:
        people, cases = {}, {}
        for _ in range(3):
            nik = fresh_nik()
            person = PersonalData(f"Orang {nik}", nik, date(1980, 1, 2), "Jl. Batu 1, Batu")  # found by name alone
            case_id = system.app.submit_passport_application(officer, **submission(applicant=person))
            subject = system.app.get_case(case_id).applicant.subject_id
            people[subject], cases[subject] = person, case_id
        erased = next(iter(people))
        system.vault.shred(erased)
        del people[erased]
        wrapped = [row[0].encode() for row in _rows(system)]
    finally:
        system.close()
    key = settings.personal_data_key_file
    return Sealed(settings, key, keyfile.load(key), people, cases, erased, wrapped)


def _rows(system: System) -> list[tuple[str, str, str]]:
    with system.store.connect() as conn:
        return sql.fetchall(conn, f"SELECT wrapped_key, subject_id, nik_index FROM {SUBJECTS} ORDER BY 2")


def _opens_under(kek: bytes, wrapped: str, subject_id: str, nik_index: str | None) -> bool:
    """Whether ``wrapped`` (a key or a tombstone) unwraps under ``kek``, whatever it is bound to."""
    body = wrapped.split(":", 1)[-1]
    raw = base64.b64decode(body)
    for aad in (Vault._bound(subject_id, nik_index), f"{subject_id}\x00erased".encode(), subject_id.encode()):
        try:
            AESGCM(kek).decrypt(raw[:12], raw[12:], aad)
            return True
        except InvalidTag:
            continue
    return False


def _one_line(capsys, arguments: list[str], code: int) -> str:
    assert run(arguments) == code
    said = capsys.readouterr()
    lines = (said.err if code else said.out).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _everything_opens_and_is_found(store: Sealed, settings: Settings | None = None) -> None:
    system = bootstrap(settings or store.settings)
    try:
        for subject, person in store.people.items():
            assert system.app.get_case(store.cases[subject]).applicant == person
            assert system.vault.find("nik", person.nik) == [(subject, "")]
            assert system.vault.find("name", person.name) == [(subject, "")]
        assert system.app.get_case(store.cases[store.erased]).applicant.is_erased
    finally:
        system.close()


def test_after_a_rotation_everything_opens_and_is_found_under_the_new_key_only(sealed, capsys, tmp_path):
    said = _one_line(capsys, ["store", "rotate-key"], 0)
    assert said.startswith("2 data keys and 1 erasure tombstones re-wrapped")
    assert not any(person.nik in said or person.name in said for person in sealed.people.values())
    new = keyfile.load(sealed.key)
    assert new.kek != sealed.old.kek and new.index_key == sealed.old.index_key
    assert sorted(p.name for p in sealed.key.parent.iterdir()) == [sealed.key.name]  # no .next, no old copy
    assert sealed.key.stat().st_mode & 0o777 == 0o600
    _everything_opens_and_is_found(sealed)

    system = bootstrap(sealed.settings)
    try:
        rows = _rows(system)
        assert len(rows) == 3
        assert [r[1] for r in rows if _opens_under(sealed.old.kek, *r)] == []
        assert all(_opens_under(new.kek, *r) for r in rows)
        left = _raw_pages(system)  # every byte of the SQLite file and WAL; PostgreSQL's tuples, dead ones too
        assert [n for n, old in enumerate(sealed.old_wrapped) for raw in left.values() if old in raw] == []
    finally:
        system.close()

    old_file = _key_file(tmp_path / "old.key", sealed.old)  # a copy kept of the old key file
    with pytest.raises(StoreNotReady, match="does not match this store"):
        bootstrap(sealed.settings.model_copy(update={"personal_data_key_path": old_file}))


def _key_file(path: Path, keys: keyfile.PersonalDataKeys) -> Path:
    """A key file at ``path`` holding ``keys``."""
    made = keyfile.generate(path, index_key=keys.index_key)
    path.write_text(path.read_text().replace(base64.b64encode(made.kek).decode(), base64.b64encode(keys.kek).decode()))
    assert keyfile.load(path) == keys
    return path


def _steps_until_the_rewrap(sealed: Sealed) -> keyfile.PersonalDataKeys:
    """Steps 1 and 2 of a rotation, by hand: a kill -9 after the re-wrap committed."""
    new = keyfile.generate(rotation.pending_path(sealed.key), index_key=sealed.old.index_key)
    store = _bare(sealed)
    try:
        rotation._rewrap(store, Vault(store, sealed.old), Vault(store, new))
        # A failure reported then (a connection lost in COMMIT) keeps the new key file.
        rotation._discard_unless_used(store, sealed.old, rotation.pending_path(sealed.key))
    finally:
        store.close()
    assert keyfile.load(rotation.pending_path(sealed.key)) == new
    return new


def _bare(sealed: Sealed) -> Store:
    """The store alone, as the rotation opens it (its tables made by ``sealed``)."""
    return Store(sealed.settings.database_url, sealed.settings.sqlite_path)


def test_a_rotation_killed_after_the_rewrap_is_finished_by_the_next_start(sealed, caplog):
    new = _steps_until_the_rewrap(sealed)
    assert keyfile.load(sealed.key) == sealed.old  # the old key file is still in place
    _everything_opens_and_is_found(sealed)
    assert keyfile.load(sealed.key) == new
    assert not rotation.pending_path(sealed.key).exists()
    assert "finished a key rotation interrupted" in caplog.text


def test_a_rotation_killed_after_the_rewrap_is_finished_by_running_it_again(sealed, capsys):
    new = _steps_until_the_rewrap(sealed)
    assert _one_line(capsys, ["store", "rotate-key"], 0).startswith("finished an interrupted rotation")
    assert keyfile.load(sealed.key) == new
    _everything_opens_and_is_found(sealed)


def test_a_rotation_killed_before_the_rewrap_committed_leaves_the_old_key_in_force(sealed, capsys):
    staged = rotation.pending_path(sealed.key)
    new = keyfile.generate(staged, index_key=sealed.old.index_key)
    store = _bare(sealed)
    with pytest.raises(RuntimeError), rotation._alone(store) as conn:  # killed mid-transaction
        sql.execute(conn, f"UPDATE {SUBJECTS} SET wrapped_key = 'half'")
        raise RuntimeError
    store.close()
    _everything_opens_and_is_found(sealed)
    assert keyfile.load(sealed.key) == sealed.old and staged.exists()
    assert _one_line(capsys, ["store", "rotate-key"], 0).startswith("2 data keys")
    assert keyfile.load(sealed.key).kek not in (sealed.old.kek, new.kek)  # the stale .next was never used
    assert not staged.exists()
    _everything_opens_and_is_found(sealed)


def test_a_rotation_is_refused_while_another_process_has_the_store_open(sealed, capsys):
    running = bootstrap(sealed.settings)  # a server: its connections stay open
    try:
        running.app.get_case(next(iter(sealed.cases.values())))
        said = _one_line(capsys, ["store", "rotate-key"], 2)
    finally:
        running.close()
    assert "stop the API, the workers and other sessions" in said
    assert keyfile.load(sealed.key) == sealed.old
    assert not rotation.pending_path(sealed.key).exists()
    _everything_opens_and_is_found(sealed)


def test_a_rotation_without_the_key_file_or_with_another_is_refused_in_one_line(sealed, capsys, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere.key"
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(missing))
    assert "cannot read the personal-data key file" in _one_line(capsys, ["store", "rotate-key"], 2)
    assert not missing.exists()
    other = tmp_path / "other" / "personal-data.key"
    other.parent.mkdir()
    keyfile.generate(other)
    monkeypatch.setenv("BERKAS_PERSONAL_DATA_KEY_PATH", str(other))
    assert "does not match this store" in _one_line(capsys, ["store", "rotate-key"], 2)
    assert sorted(p.name for p in other.parent.iterdir()) == [other.name]
    assert keyfile.load(sealed.key) == sealed.old
    _everything_opens_and_is_found(sealed)


def test_a_key_that_does_not_open_refuses_the_whole_rotation(sealed, capsys):
    """A row edited by hand (psql) would be lost for good if re-wrapped: nothing is."""
    system = bootstrap(sealed.settings)
    victim = next(iter(sealed.people))
    with system.store.connect() as conn:
        sql.execute(conn, f"UPDATE {SUBJECTS} SET wrapped_key = ? WHERE subject_id = ?", ["n1:AAAA" * 8, victim])
    before = _rows(system)
    system.close()
    said = _one_line(capsys, ["store", "rotate-key"], 2)
    assert f"the key of data subject {victim} does not open under the current key file" in said
    assert keyfile.load(sealed.key) == sealed.old
    assert sorted(p.name for p in sealed.key.parent.iterdir()) == [sealed.key.name]
    system = bootstrap(sealed.settings)
    try:
        assert _rows(system) == before
    finally:
        system.close()


def test_a_second_rotation_of_the_same_key_file_is_refused_while_one_runs(sealed, capsys):
    folder = os.open(sealed.key.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # as the running rotation holds it
        assert "another key rotation is running" in _one_line(capsys, ["store", "rotate-key"], 2)
    finally:
        os.close(folder)
    assert keyfile.load(sealed.key) == sealed.old
    assert sorted(p.name for p in sealed.key.parent.iterdir()) == [sealed.key.name]


def test_a_rotation_made_meanwhile_from_another_copy_of_the_key_file_is_not_rotated_over(sealed):
    """Two machines, each with its own copy of the key file: the second to rotate finds the
    store re-wrapped by the first under its locks and changes nothing (its copy is stale)."""
    store = _bare(sealed)
    first = keyfile.PersonalDataKeys(os.urandom(32), sealed.old.index_key)
    second = keyfile.PersonalDataKeys(os.urandom(32), sealed.old.index_key)
    rotation._rewrap(store, Vault(store, sealed.old), Vault(store, first))
    with pytest.raises(rotation.RotationRefused, match="no longer matches this store"):
        rotation._rewrap(store, Vault(store, sealed.old), Vault(store, second))
    store.close()
    with_first = _key_file(sealed.key.with_name("first.key"), first)
    _everything_opens_and_is_found(sealed, sealed.settings.model_copy(update={"personal_data_key_path": with_first}))


def test_a_store_without_subjects_has_no_key_to_rotate(settings, capsys):
    assert "no key to rotate" in _one_line(capsys, ["store", "rotate-key"], 2)


def _every_key_opens(settings: Settings) -> int:
    """Open the store as a start-up would (finishing a rotation it finds) and unwrap every
    subject's key or tombstone under the key file then in place: how many rows."""
    system = bootstrap(settings)
    try:
        kek = keyfile.load(settings.personal_data_key_file).kek
        rows = _rows(system)
        assert [row[1] for row in rows if not _opens_under(kek, *row)] == []
        return len(rows)
    finally:
        system.close()


@pytest.mark.parametrize("after", [0.0, 0.4])
def test_a_rotation_killed_at_any_moment_leaves_a_store_that_opens(sealed, after):
    """``kill -9`` of a real ``berkas store rotate-key`` once its new key file appeared, then
    ``after`` seconds later: inside the re-wrap's transaction, or around its commit and the
    rename (where it lands depends on the machine; every landing must open). The moments
    between the steps are taken one by one, by hand, in the tests above."""
    system = bootstrap(sealed.settings)
    system.vault.subjects_for([fresh_nik() for _ in range(10_000)])  # a re-wrap that takes a while
    system.close()
    staged = rotation.pending_path(sealed.key)
    rotating = subprocess.Popen([_BERKAS, "store", "rotate-key"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not staged.exists() and rotating.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(after)
        rotating.send_signal(signal.SIGKILL)
    finally:
        rotating.wait()
    assert _every_key_opens(sealed.settings) >= 10_000
    assert not staged.exists() or keyfile.load(sealed.key) == sealed.old  # a stale .next only
    _everything_opens_and_is_found(sealed)


_BERKAS = str(Path(sys.executable).with_name("berkas"))
