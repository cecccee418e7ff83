"""A process that caches subjects' keys (the API) and an erasure made by another process
(``berkas subjects erase``): once ``personal_data_cache_seconds`` have passed after the
erasure, that process never opens the subject's data again, through any read path."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from domain.values import ERASED
from projections.privacy.vault import Vault
from tests.api_support import account_for, auth, token_for
from tests.test_privacy_erasure import ADMIN, BASIS, REASON, closed_history, someone

TTL = 0.5  # seconds: the bound under test


@pytest.fixture
def api_process(system: System) -> Iterator[System]:
    """A second composition on the same store, as a long-running server would hold it."""
    held = bootstrap(system.settings.model_copy(update={"personal_data_cache_seconds": TTL}))
    yield held
    held.close()


def _cli_erase(system: System, subject: str) -> subprocess.Popen[str]:
    """``berkas subjects erase`` started in a process of its own."""
    settings = system.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERKAS_")}
    env |= {"BERKAS_SQLITE_PATH": str(settings.sqlite_path), "BERKAS_RETENTION_DAYS": "0"}
    if settings.database_url:
        env["BERKAS_DATABASE_URL"] = settings.database_url
    if settings.personal_data_key_path:
        env["BERKAS_PERSONAL_DATA_KEY_PATH"] = str(settings.personal_data_key_path)
    admin = account_for(system, "ADMIN")
    erase = ["subjects", "erase", subject, "--reason", REASON, "--legal-basis", BASIS, "--as", admin]
    command = [sys.executable, "-c", "from api.cli import main; main()", *erase]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(erasure: subprocess.Popen[str]) -> None:
    _, errors = erasure.communicate(timeout=120)
    assert erasure.returncode == 0, errors


def test_an_erasure_by_another_process_shows_in_the_api_within_the_cache_time(system, api_process, supervisor):
    person = someone()
    passport_id, _ = closed_history(system, person)
    subject = system.app.get_case(passport_id).applicant.subject_id
    system.app.approve_erasure(supervisor, UUID(subject), REASON, BASIS)
    headers = auth(token_for(api_process, "SUPERVISOR"))
    with TestClient(create_app(api_process)) as client:
        url = f"/passport-applications/{passport_id}"
        before = client.get(url, headers=headers)
        assert before.status_code == 200 and before.json()["applicant"]["name"] == person.name
        # Reads go on while the other process erases, so that the key is always freshly
        # cached and answers are rendered with it between the erasure's event and its shred.
        erasure = _cli_erase(system, subject)
        while erasure.poll() is None:
            assert client.get(url, headers=headers).status_code == 200
        _finished(erasure)
        erased_at = time.monotonic()
        # Read over and over through the window and past it: rendered answers, cached keys
        # and fresh renders alike must stop showing the person once the window closed.
        while (now := time.monotonic()) < erased_at + 4 * TTL:
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200
            if now > erased_at + 2 * TTL:
                assert answer.json()["applicant"]["name"] == ERASED, f"{now - erased_at:.2f} s after erasure"
                assert person.nik not in answer.text
            time.sleep(TTL / 10)
        history = client.get(f"/cases/{passport_id}/history", headers=headers)
        assert history.status_code == 200 and person.nik not in history.text


def test_without_a_cache_time_another_process_s_erasure_shows_at_once(system, supervisor):
    passport_id, _ = closed_history(system, someone())
    subject = system.app.get_case(passport_id).applicant.subject_id
    reader = Vault(system.store, _keys(system), read_ttl=0)
    try:
        token = _sealed_token(system, passport_id)
        assert reader.open(subject, token) is not None
        system.app.approve_erasure(supervisor, UUID(subject), REASON, BASIS)
        _finished(_cli_erase(system, subject))
        assert reader.open(subject, token) is None
    finally:
        reader.close()


def test_a_cached_key_is_dropped_when_its_time_is_up(system):
    passport_id, _ = closed_history(system, someone())
    subject = system.app.get_case(passport_id).applicant.subject_id
    reader = Vault(system.store, _keys(system), read_ttl=TTL)
    try:
        token = _sealed_token(system, passport_id)
        assert reader.open(subject, token) is not None
        system.vault.shred(subject)  # as another process would: this reader's cache is its own
        time.sleep(TTL * 1.2)
        assert reader.open(subject, token) is None
    finally:
        reader.close()


def _keys(system: System):
    from projections.privacy import keyfile

    return keyfile.load(system.settings.personal_data_key_file)


def _sealed_token(system: System, case_id) -> str:
    """The ciphertext of the applicant's personal data on the case's first event."""
    import json

    from projections.eventstore import sql

    with system.store.connect() as conn:
        rows = sql.fetchall(
            conn,
            f"SELECT state FROM {system.store.events_table} WHERE originator_id = ? ORDER BY originator_version",
            [system.store.dialect.case_key(case_id)],
        )
    state = json.loads(bytes(rows[0][0]))
    return state["applicant"]["_data_"]["c"]


def test_an_answer_rendered_between_another_process_s_erasure_and_its_shred_does_not_outlive_the_key(
    system, api_process, supervisor
):
    """The erasing process records the erasure, then destroys the key: an API that sees the
    event in between renders the case with the key it still holds. That answer must not be
    served after the key's time is up (the log shows nothing more about the case)."""
    person = someone()
    passport_id, _ = closed_history(system, person)
    subject = system.app.get_case(passport_id).applicant.subject_id
    system.app.approve_erasure(supervisor, UUID(subject), REASON, BASIS)
    eraser = bootstrap(system.settings.model_copy(update={"retention_days": 0}))  # another process's composition
    shred, shredded = eraser.vault.shred, threading.Event()

    def slow_shred(subject_id: str) -> None:
        time.sleep(4 * TTL)  # the event is in the log; the key still opens
        shred(subject_id)
        shredded.set()

    eraser.vault.shred = slow_shred  # type: ignore[method-assign]
    headers = auth(token_for(api_process, "SUPERVISOR"))
    try:
        with TestClient(create_app(api_process)) as client:
            url = f"/passport-applications/{passport_id}"
            assert client.get(url, headers=headers).json()["applicant"]["name"] == person.name
            erasing = threading.Thread(
                target=eraser.app.erase_subject, args=(ADMIN, UUID(subject), REASON, BASIS, timedelta(0))
            )
            erasing.start()
            while not shredded.is_set():
                assert client.get(url, headers=headers).status_code == 200
                time.sleep(TTL / 20)
            shredded_at = time.monotonic()
            erasing.join()
            while (now := time.monotonic()) < shredded_at + 4 * TTL:
                answer = client.get(url, headers=headers)
                if now > shredded_at + 2 * TTL:
                    assert answer.json()["applicant"]["name"] == ERASED, f"{now - shredded_at:.2f} s after the shred"
                time.sleep(TTL / 10)
    finally:
        eraser.close()
