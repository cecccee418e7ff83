"""``berkas store wipe``: what erasures made with ``shred(wipe=False)`` (a batch) left in the
store's files is removed by one run, which says in one line, and its exit code, whether it
could; no personal data in what it says."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from api.bootstrap import System
from api.cli.app import run
from tests.builders import fresh_applicant, submission
from tests.stores import fresh_system
from tests.test_privacy_review_remnants import _secrets
from tests.test_privacy_shred_bytes import _raw_pages


def _in_files(system, secrets: list[bytes]) -> list[int]:
    pages = _raw_pages(system)
    return [n for n, secret in enumerate(secrets) if any(secret in raw for raw in pages.values())]


def _shredded_without_wiping(system, officer, monkeypatch, count: int = 2) -> tuple[list[bytes], list[str]]:
    if system.settings.database_url:
        monkeypatch.setenv("BERKAS_DATABASE_URL", system.settings.database_url)
    else:
        monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
        monkeypatch.setenv("BERKAS_SQLITE_PATH", str(system.settings.sqlite_path))
    secrets, people = [], []
    for _ in range(count):
        person = fresh_applicant()
        case_id = system.app.submit_passport_application(officer, **submission(applicant=person))
        subject = system.app.get_case(case_id).applicant.subject_id
        secrets += _secrets(system, subject)
        people += [person.nik, subject]
    for subject in people[1::2]:
        system.vault.shred(subject, wipe=False)
    assert _in_files(system, secrets), "the batch's old row versions are still in the files"
    return secrets, people


@pytest.fixture(params=["sqlite", "postgres"])
def own_system(request, tmp_path, pg_admin_url) -> Iterator[System]:
    """A store of the test's own: on a database shared with other tests, a transaction they
    left open holds VACUUM's horizon back, and the wipe rightly says it could not finish."""
    with fresh_system(request.param, pg_admin_url, tmp_path) as system:
        yield system


def test_one_wipe_removes_what_a_batch_of_erasures_left(own_system, officer, monkeypatch, capsys):
    system = own_system
    secrets, people = _shredded_without_wiping(system, officer, monkeypatch)
    assert run(["store", "wipe"]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert said == ["old versions of the personal-data rows wiped from the store's files"]
    assert not any(value in said[0] for value in people)
    assert _in_files(system, secrets) == []


def test_a_wipe_held_back_by_a_reader_says_so_in_one_line_and_exits_1(sqlite_system, officer, monkeypatch, capsys):
    system = sqlite_system
    secrets, people = _shredded_without_wiping(system, officer, monkeypatch)
    reader = sqlite3.connect(system.store.sqlite_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM stored_events").fetchone()  # a snapshot older than the erasures
    try:
        assert run(["store", "wipe"]) == 1
    finally:
        reader.execute("COMMIT")
        reader.close()
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "run `berkas store wipe` again" in said[0]
    assert not any(value in said[0] for value in people)
    assert _in_files(system, secrets)
    assert run(["store", "wipe"]) == 0
    assert _in_files(system, secrets) == []
