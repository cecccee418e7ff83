"""A writer killed between making a new subject's key durable and inserting the events
sealed under it, or while writing either: the log holds no event whose key is missing. The
key may stay, unused (no event refers to it). Where the vault's rows go in the events' own
transaction (SQLite; PostgreSQL batches that go by COPY), they commit together or not at all."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

_REPOSITORY = Path(__file__).resolve().parent.parent

_WRITER = """
import os, sys
from datetime import date
from pathlib import Path
from api.bootstrap import bootstrap
from api.settings import Settings
from domain.usecases.base import Actor
from domain.values import PersonalData, Role
from tests.builders import submission

url, path, nik, where = sys.argv[1:]
system = bootstrap(Settings(database_url=url or None, sqlite_path=Path(path)))
recorder = system.app.recorder
vault = system.vault
if where == "events":  # the vault is done (committed, or left to the insert); the insert never starts
    recorder.insert_events = lambda *args, **kwargs: os._exit(17)
elif where == "vault":  # the vault's rows are being written; they never commit
    def dying(*args):  # says which cases it was saving, then dies
        print(*sorted({case for _, case in vault._pending.links}), flush=True)
        os._exit(17)
    vault.prepare = dying
else:  # the vault's rows are written (SQLite: in the events' transaction, after their rows); no commit
    write = vault._write
    def written_then_dying(conn, pending, durable):
        write(conn, pending, durable)
        print(*sorted({case for _, case in pending.links}), flush=True)
        os._exit(17)
    vault._write = written_then_dying
person = PersonalData("Orang " + nik, nik, date(1980, 1, 2), "Jl. Batu 1, Batu")
system.app.submit_passport_application(Actor("officer-crash", Role.OFFICER, "MLG"), **submission(applicant=person))
os._exit(0)
"""


def _killed_while_saving(system, where: str) -> tuple[str, str]:
    nik = str(uuid.uuid4().int)[:16]
    settings = system.settings
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, settings.database_url or "", str(settings.sqlite_path), nik, where],
        cwd=_REPOSITORY,
        env=dict(os.environ, PYTHONPATH=str(_REPOSITORY)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 17, done.stderr[-2000:]
    return nik, done.stdout


def test_a_writer_killed_after_the_keys_leaves_keys_but_no_event_without_one(system):
    nik, _ = _killed_while_saving(system, "events")
    found = system.vault.find("nik", nik)
    assert len(found) == 1  # the key went in first ...
    subject_id = found[0][0]
    assert system.vault.is_known(subject_id) and not system.vault.is_erased(subject_id)
    # Linked to the case being saved where the vault commits on its own first (PostgreSQL, a
    # command's few events); not at all where its rows go in the events' transaction (SQLite).
    cases = system.vault.cases_of(subject_id)
    assert bool(cases) == (system.store.dialect.name != "sqlite")
    for case_id in cases:  # ... whose events never reached the log
        assert list(system.app.recorder.select_events(case_id)) == []


def test_a_writer_killed_with_the_keys_written_but_not_committed_leaves_nothing_of_the_case(system):
    nik, printed = _killed_while_saving(system, "written")
    cases = [uuid.UUID(int=int(case)) for case in printed.split()]
    assert cases
    for case_id in cases:  # SQLite: the events' rows were inserted before the vault's; both gone
        assert list(system.app.recorder.select_events(case_id)) == []
    ((subject_id, _),) = system.vault.find("nik", nik)  # made before saving, reserving its NIK
    assert system.vault.cases_of(subject_id) == []


def test_a_writer_killed_while_writing_the_keys_leaves_no_event_of_the_case(system):
    nik, printed = _killed_while_saving(system, "vault")
    cases = [uuid.UUID(int=int(case)) for case in printed.split()]
    assert cases
    for case_id in cases:
        assert list(system.app.recorder.select_events(case_id)) == []
    # The subject itself was made before saving (reserving its NIK), its case link was not.
    ((subject_id, _),) = system.vault.find("nik", nik)
    assert system.vault.cases_of(subject_id) == []
