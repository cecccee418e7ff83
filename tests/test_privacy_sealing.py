"""Per-subject encryption: the log holds ciphertext only, reads open it, wrong keys and
changed bytes fail loudly, never with garbage."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from eventsourcing.persistence import MapperDeserialisationError

from api.bootstrap import StoreNotReady, bootstrap
from api.settings import Settings
from domain.application import Berkas
from domain.case import recorded_at
from domain.privacy import PersonalDataUnreadable
from domain.values import PersonalData
from projections.privacy import keyfile
from projections.privacy.vault import Vault
from tests.builders import (
    APPLICANT_NAME,
    FOREIGNER_NAME,
    FOREIGNER_NIK,
    applicant,
    finding,
    interviewed_passport,
    stay_application,
    submission,
)

SECRETS = (APPLICANT_NAME, FOREIGNER_NAME, FOREIGNER_NIK, "Jl. Ijen 12", "1990-12-05")


def _write_cases(app, officer, foreigner=None):
    foreigner = foreigner or finding()["subject"]
    passport = interviewed_passport(app, officer)  # the builders' applicant, with a NIK of their own
    app.postpone(officer, passport, "SUPPORTING_DOCUMENTS", note="needs employer letter from Jl. Ijen 12")
    permit = app.apply_for_stay_permit(officer, **stay_application(foreigner=foreigner))
    enforcement = app.open_enforcement_case(
        officer, source="FIELD_SUPERVISION", subject=foreigner, nationality="MYS",
        alleged_violation="overstay", article="Pasal 78 UU 6/2011",
    )  # fmt: skip
    return passport, permit, enforcement


def someone() -> PersonalData:
    """A person of their own: the PostgreSQL database is shared by the whole run."""
    nik = str(uuid.uuid4().int)[:16]
    return PersonalData(f"Orang {nik}", nik, date(1980, 1, 2), "Jl. Batu 1, Batu")


def _raw_states(system, case_ids) -> list[bytes]:
    """The stored bytes of these cases' events (the PostgreSQL database is shared with
    tests that write through bare, unsealed applications)."""
    return [bytes(s.state) for case_id in case_ids for s in system.app.recorder.select_events(case_id)]


def test_the_log_holds_no_name_nik_address_or_birth_date_in_plaintext(system, officer):
    cases = _write_cases(system.app, officer)
    states = b"\n".join(_raw_states(system, cases))
    assert b"personal_data_sealed" in states
    for secret in (*SECRETS, system.app.get_case(cases[0]).applicant.nik):
        assert secret.encode() not in states, secret


def test_no_byte_of_an_sqlite_store_holds_personal_data(sqlite_system, officer):
    cases = _write_cases(sqlite_system.app, officer)
    nik = sqlite_system.app.get_case(cases[0]).applicant.nik
    sqlite_system.close()
    store_file = sqlite_system.store.sqlite_path
    data = b"".join(path.read_bytes() for path in store_file.parent.glob(store_file.name + "*"))
    for secret in (*SECRETS, nik):
        assert secret.encode() not in data, secret


def test_reads_open_the_seal_and_name_the_subject(system, officer):
    person = someone()
    passport, permit, enforcement = _write_cases(system.app, officer, person)
    applicant_data = system.app.get_case(passport).applicant
    assert replace(applicant_data, subject_id=None) == replace(applicant(), nik=applicant_data.nik)
    assert applicant_data.subject_id is not None
    foreigner_in_permit = system.app.get_case(permit).foreigner
    foreigner_in_enforcement = system.app.get_case(enforcement).subject
    assert foreigner_in_permit.nik == person.nik
    # One person, one subject, one key, whichever case they appear in.
    assert foreigner_in_permit.subject_id == foreigner_in_enforcement.subject_id
    assert sorted(system.vault.cases_of(foreigner_in_permit.subject_id)) == sorted([permit, enforcement])


def test_a_second_application_of_the_same_person_reuses_the_subject(system, officer):
    person = someone()
    first = system.app.submit_passport_application(officer, **submission(applicant=person))
    second = system.app.submit_passport_application(officer, **submission(applicant=person, product="NON_ELECTRONIC"))
    subject_id = system.app.get_case(first).applicant.subject_id
    assert system.app.get_case(second).applicant.subject_id == subject_id
    assert system.vault.cases_of(subject_id) == sorted([first, second])


def test_a_store_opened_with_another_key_file_is_refused(tmp_path, officer):
    settings = Settings(database_url=None, sqlite_path=tmp_path / "b.db", personal_data_key_path=tmp_path / "k1")
    built = bootstrap(settings)
    interviewed_passport(built.app, officer)
    built.close()
    keyfile.generate(tmp_path / "k2")
    with pytest.raises(StoreNotReady, match="does not match"):
        bootstrap(settings.model_copy(update={"personal_data_key_path": tmp_path / "k2"}))
    (tmp_path / "k1").unlink()
    with pytest.raises(StoreNotReady, match="missing"):
        bootstrap(settings)


def test_the_key_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "keys"
    bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "b.db", personal_data_key_path=path)).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_reading_with_a_wrong_key_fails_loudly(system, officer):
    case_id = interviewed_passport(system.app, officer)
    wrong = Vault(system.store, keyfile.PersonalDataKeys(b"\x01" * 32, b"\x02" * 32))
    app = Berkas(env=system.store.library_env(), seal=wrong)
    try:
        with pytest.raises(MapperDeserialisationError) as raised:
            app.get_case(case_id)
        assert isinstance(raised.value.__cause__, PersonalDataUnreadable)
        assert system.app.repository.get(case_id).applicant.nik not in str(raised.value)
    finally:
        app.close()


def test_changed_ciphertext_fails_loudly(sqlite_system, officer):
    case_id = interviewed_passport(sqlite_system.app, officer)
    table = sqlite_system.store.events_table
    conn = sqlite3.connect(sqlite_system.store.sqlite_path)
    with conn:
        conn.execute("DROP TRIGGER berkas_events_no_update")  # an intruder with the file
        (state,) = conn.execute(f"SELECT state FROM {table} WHERE originator_version = 1").fetchone()
        token_at = state.index(b'"c":"') + 10
        flipped = state[:token_at] + (b"A" if state[token_at : token_at + 1] != b"A" else b"B") + state[token_at + 1 :]
        conn.execute(f"UPDATE {table} SET state = ? WHERE originator_version = 1", (flipped,))
    conn.close()
    with pytest.raises(MapperDeserialisationError) as raised:
        sqlite_system.app.get_case(case_id)
    assert isinstance(raised.value.__cause__, PersonalDataUnreadable)


def test_erased_personal_data_cannot_be_written_again():
    erased = PersonalData.erased("abc")
    assert erased.is_erased and erased.birth_date is None
    assert repr(erased) == "PersonalData(<redacted>)"
    assert PersonalData("a", "1" * 16, date(2000, 1, 1), "b") != erased


def test_store_info_tells_a_store_written_in_plaintext(tmp_path, officer, monkeypatch):
    from typer.testing import CliRunner

    from api.cli.app import app as cli
    from projections.privacy.legacy import plaintext_events

    sealed = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "new.db"))
    interviewed_passport(sealed.app, officer)
    assert plaintext_events(sealed.store) == 0
    sealed.close()
    old = tmp_path / "old.db"
    before_encryption = Berkas(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(old)})
    interviewed_passport(before_encryption, officer)
    before_encryption.close()
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(old))
    said = CliRunner().invoke(cli, ["store", "info"])
    assert said.exit_code == 0, said.output
    # The submission (the applicant) and the interview (its notes about them).
    assert "2 events hold personal data in plaintext" in " ".join(said.output.split())
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "new.db"))
    said = CliRunner().invoke(cli, ["store", "info"])
    assert "sealed per subject" in said.output


def test_the_demo_sets_a_plaintext_store_aside_to_generate_it_sealed(tmp_path, officer):
    from api.cli.demo import _holds_plaintext, _set_aside
    from projections.privacy.legacy import plaintext_events

    old = tmp_path / "berkas.db"
    before_encryption = Berkas(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(old)})
    interviewed_passport(before_encryption, officer)
    before_encryption.close()
    built = bootstrap(Settings(database_url=None, sqlite_path=old))
    assert _holds_plaintext(built)
    built.close()
    aside = _set_aside(old)
    assert aside.exists() and not old.exists()
    fresh = bootstrap(Settings(database_url=None, sqlite_path=old))
    try:
        assert fresh.app.recorder.max_notification_id() in (None, 0)
        interviewed_passport(fresh.app, officer)
        assert plaintext_events(fresh.store) == 0
    finally:
        fresh.close()


def test_keys_are_read_from_many_threads_and_the_vault_closes_cleanly(sqlite_system, officer):
    from concurrent.futures import ThreadPoolExecutor

    case_ids = [interviewed_passport(sqlite_system.app, officer, applicant=someone()) for _ in range(6)]
    sqlite_system.vault._by_id.clear()
    with ThreadPoolExecutor(4) as pool:
        niks = list(pool.map(lambda case_id: sqlite_system.app.get_case(case_id).applicant.nik, case_ids * 3))
    assert len(set(niks)) == 6
    sqlite_system.vault.close()
    assert sqlite_system.app.get_case(case_ids[0]).applicant.nik == niks[0]


def test_every_free_text_written_about_a_person_is_sealed_with_their_key(system, officer, supervisor):
    """Interview notes, reasons, evidence, grounds and findings: whatever an officer types
    about a person is sealed, so the stored bytes hold none of it and erasure takes it."""
    secret = f"zz{uuid.uuid4().hex[:10]}"
    person, foreigner = someone(), someone()
    passport = system.app.submit_passport_application(officer, **submission(applicant=person))
    system.app.pay_passport_fee(officer, passport, "820240300001")
    system.app.capture_biometrics(officer, passport)
    system.app.interview(officer, passport, f"{secret}-purpose", (), f"{secret}-assessment")
    system.app.postpone(
        officer, passport, "SUPPORTING_DOCUMENTS", referral_agency="Disnaker",
        referral_instructions=f"{secret}-referral", note=f"{secret}-note",
    )  # fmt: skip
    system.app.lift_postponement(officer, passport, f"{secret}-evidence")
    system.app.withdraw_passport(officer, passport, f"{secret}-withdrawn")
    enforcement = system.app.open_enforcement_case(
        officer, source="FIELD_SUPERVISION", subject=foreigner, nationality="MYS",
        alleged_violation="overstay", article="Pasal 78 UU 6/2011",
    )  # fmt: skip
    system.app.examine(officer, enforcement, "BAP-9/2024")
    system.app.impose_action(supervisor, enforcement, "DEPORTATION", "KEP-9/2024", "OVERSTAY", "Pasal 75 UU 6/2011")
    system.app.detain(officer, enforcement, "Ruang Detensi", f"{secret}-ground")
    system.app.release(officer, enforcement, f"{secret}-released")
    system.app.file_objection(officer, enforcement, f"{secret}-grounds")
    operation = system.app.plan_joint_operation(officer, agencies=("POLRI",), area=f"{secret}-area")
    system.app.execute_joint_operation(officer, operation, locations=(f"{secret}-location",), persons_checked=3)
    found = system.app.record_finding(officer, operation, **finding(subject=foreigner, summary=f"{secret}-summary"))
    system.app.close_joint_operation(officer, operation, f"{secret}-report")

    states = b"\n".join(_raw_states(system, [passport, enforcement, operation, found]))
    assert secret.encode() not in states
    assert person.nik.encode() not in states and foreigner.name.encode() not in states
    history = system.app.history(passport)
    assert [history[3].stated_purpose.text, history[3].assessment.text] == [f"{secret}-purpose", f"{secret}-assessment"]
    assert history[-1].reason.text == f"{secret}-withdrawn"
    assert system.app.history(operation)[-2].summary.text == f"{secret}-summary"
    assert system.app.history(passport)[4].referral.instructions.text == f"{secret}-referral"
    assert system.app.history(operation)[-1].report.text == f"{secret}-report"


def _first_recorded(subject_id: str) -> datetime:
    """The time part of a UUIDv7 (its first 48 bits: milliseconds since the epoch)."""
    return datetime.fromtimestamp(int(subject_id[:12], 16) / 1000, UTC)


def test_new_subjects_have_ids_ordered_by_day_that_say_nothing_of_the_person_nor_the_instant(system, officer):
    """Subject ids travel in URLs and access logs: their time part is the UTC day the person
    was first recorded, not the millisecond, and the rest is random (nothing of the NIK)."""
    moments = [
        datetime(2024, 3, 4, 9, 41, 7, 123000, tzinfo=UTC),
        datetime(2024, 3, 4, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(2024, 3, 5, 0, 0, 0, 1000, tzinfo=UTC),
    ]
    people = [someone() for _ in moments]
    ids = []
    for moment, person in zip(moments, people, strict=True):
        with recorded_at(moment):
            case_id = system.app.submit_passport_application(
                officer, occurred_at=moment, **submission(applicant=person)
            )
        ids.append(system.app.get_case(case_id).applicant.subject_id)
    assert [uuid.UUID(i).version for i in ids] == [7, 7, 7]
    assert [_first_recorded(i) for i in ids] == [datetime(2024, 3, d, tzinfo=UTC) for d in (4, 4, 5)]
    assert ids[2] > max(ids[:2])  # a later day's subjects sort after (the vault's keys grow)
    assert ids[0][12:] != ids[1][12:]  # within a day, random
    for subject_id, person in zip(ids, people, strict=True):
        assert person.nik not in subject_id and person.nik[:8] not in subject_id


def test_a_subject_made_outside_a_save_is_dated_by_the_day_of_the_clock(system):
    """A reservation's subject is made before any event (``subjects_for``): today, not now."""
    person = someone()
    subject_id = system.vault.subjects_for([person.nik])[person.nik]
    assert uuid.UUID(subject_id).version == 7
    assert _first_recorded(subject_id) == datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def test_a_subject_indexed_by_the_earlier_layout_is_found_once_and_not_after_erasure(system, officer):
    """Stores written before NIKs were found by the subject's own row hold an index row for
    each NIK as well (uuid4 subject ids, which still open: an id is only a key)."""
    from projections.eventstore.store import VAULT_TABLES

    person = someone()
    case_id = system.app.submit_passport_application(officer, **submission(applicant=person))
    subject_id = system.app.get_case(case_id).applicant.subject_id
    with system.store.connect() as conn:
        conn.execute(
            system.store.dialect.native(
                f"INSERT INTO {VAULT_TABLES[2]} (digest, subject_id, case_id) VALUES (?, ?, '')"
            ),
            (system.vault.blind.digest("nik", person.nik), subject_id),
        )
    assert system.vault.find("nik", person.nik) == [(subject_id, "")]
    assert system.vault.find("name", person.name) == [(subject_id, "")]
    system.vault.shred(subject_id)
    assert system.vault.find("nik", person.nik) == []
    assert system.vault.find("name", person.name) == []
    with system.store.connect() as conn:
        left = conn.execute(
            system.store.dialect.native(f"SELECT count(*) FROM {VAULT_TABLES[2]} WHERE subject_id = ?"), (subject_id,)
        ).fetchone()[0]
    assert left == 0


def test_a_demo_store_holds_no_referral_instructions_nor_an_operations_area_places_or_report(tmp_path):
    """A small national year (every kind of event, a TIMPORA operation among them): none of the
    free text the demo writes on referrals and operations, nor an interview's indicators, is in
    the events table's bytes."""
    from fractions import Fraction

    from api.demo.enforcement import OPERATIONS
    from api.demo.passports import _REFUSAL_DETAILS, BP3MI, DUKCAPIL
    from api.demo.run import generate_national

    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "demo.db"))
    try:
        generate_national(system.app, seed=11, scale=Fraction(1, 300))
        with system.store.connect() as conn:
            found = conn.execute(f"SELECT topic, state FROM {system.store.events_table}").fetchall()
    finally:
        system.close()
    topics = {topic for topic, _ in found}
    assert {"berkas:JointOperation.Closed", "berkas:PassportApplication.Refused"} <= topics
    states = b"\n".join(bytes(state) for _, state in found)
    assert BP3MI.agency.encode() in states  # an institution, kept plain
    texts = [BP3MI.instructions, DUKCAPIL.instructions, "Wilayah kerja", "Laporan TIMPORA"]
    texts += [text for _, _, indicators in _REFUSAL_DETAILS.values() for text in indicators]  # the interviews'
    for text in [*texts, *(area for _, area, _, _ in OPERATIONS)]:
        assert text.encode() not in states, text
