"""Erasure by crypto-shredding: the person's data is gone from every read, while every
count, report, audit row and proof stays exactly as it was. And when it is refused."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import berkas_verify
from api import privacy
from api.bootstrap import System, bootstrap
from api.http.present import event_public
from api.settings import Settings
from domain.case import recorded_at
from domain.enforcement import EnforcementCase
from domain.subject import ErasedNotHeld, ErasureRefused, HoldReason
from domain.values import AdministrativeAction, CaseSource, PersonalData, Provenance, Role
from projections.ledger.bundle import build_bundle
from projections.ledger.verify import verify
from projections.reports import annual_report
from projections.runner import catch_up
from projections.views.audit_trail import decisions
from tests import builders
from tests.stores import shared_ledger_key

REASON, BASIS = "SUBJECT_REQUEST", "Pasal 8 UU 27/2022"
ADMIN = builders.actor(Role.ADMIN)


def someone() -> PersonalData:
    nik = str(uuid.uuid4().int)[:16]
    return PersonalData(f"Orang Terhapus {nik}", nik, date(1980, 1, 2), "Jl. Batu 1, Batu")


def closed_history(system: System, person: PersonalData) -> tuple:
    """A passport issued and handed over, and an enforcement case that ended in deportation, in 2024."""
    clock = builders.Clock()
    with recorded_at(datetime(2024, 3, 4, 2, tzinfo=UTC)):
        passport = builders.passport(clock, until="HANDED_OVER", applicant=person)
        case = EnforcementCase.open(
            builders.new_id(), builders.officer_of(clock), CaseSource.COUNTER, None, person, "CHN", "overstay",
            "Pasal 78 UU 6/2011",
        )  # fmt: skip
        case.examine(builders.officer_of(clock), "BAP-001/2024")
        case.impose_action(
            builders.supervisor_of(clock), AdministrativeAction.DEPORTATION, "KEP-01/2024", "OVERSTAY",
            builders.DEPORTATION_BASIS,
        )  # fmt: skip
        case.deport(builders.officer_of(clock), "Juanda International Airport")
        case.close(builders.officer_of(clock), "deported")
        system.app.bulk_save([passport, case])
    return passport.id, case.id


def subject_of(system: System, case_id) -> uuid.UUID:
    return uuid.UUID(system.app.get_case(case_id).applicant.subject_id)


@pytest.fixture
def ledger_system(tmp_path) -> Iterator[System]:
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "berkas.db"))
    yield system
    system.close()


def _figures(system: System) -> str:
    catch_up(system.store, system.projections())
    report = annual_report(system.store, 2024, office="MLG", current=False)
    return json.dumps(dataclasses.asdict(report), default=str, sort_keys=True)


def test_erasure_keeps_every_count_report_audit_row_and_proof(ledger_system, supervisor):
    system = ledger_system
    person = someone()
    passport_id, enforcement_id = closed_history(system, person)
    subject_id = subject_of(system, passport_id)
    key = shared_ledger_key()
    catch_up(system.store, system.projections())
    report_before, audit_before = _figures(system), decisions(system.store, limit=1000)
    bundle_before = build_bundle(system.store, passport_id, key)
    events_before = system.app.recorder.max_notification_id()

    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(days=30))

    assert _figures(system) == report_before
    assert decisions(system.store, limit=1000) == audit_before
    assert verify(system.store).ok
    assert berkas_verify.verify_bundle(bundle_before, berkas_verify.Trust(public_keys=[key.public_key()])).ok
    # The log only grew: the approval and the erasure are events of the subject.
    assert system.app.recorder.max_notification_id() == events_before + 3
    history = [event_public(event, reveal=True).model_dump(mode="json") for event in system.app.history(passport_id)]
    assert history[0]["payload"]["applicant"] == {
        "name": "<erased>", "nik": "<erased>", "birth_date": None, "address": "<erased>",
    }  # fmt: skip
    assert system.app.get_case(enforcement_id).subject.is_erased
    assert system.app.get_case(passport_id).status.value == "HANDED_OVER"
    assert privacy.search(system, person.nik, None, None) == (set(), set())
    assert privacy.search(system, None, None, person.name) == (set(), set())
    assert privacy.search(system, None, "E1234567", None)[0].isdisjoint({subject_id.hex})
    exported = privacy.export_document(system, ADMIN, subject_id)
    assert exported["erased"] is True
    assert person.nik not in json.dumps(exported) and person.name not in json.dumps(exported)
    assert {case["id"] for case in exported["cases"]} == {str(passport_id), str(enforcement_id)}


def test_before_erasure_search_finds_the_subject_and_export_opens_everything(system, supervisor):
    person = someone()
    passport_id, enforcement_id = closed_history(system, person)
    subject_id = subject_of(system, passport_id)
    cases = {str(passport_id), str(enforcement_id)}
    assert privacy.search(system, person.nik, None, None) == ({subject_id.hex}, cases)
    assert privacy.search(system, None, None, f"  {person.name.upper()} ") == ({subject_id.hex}, cases)
    found_subjects, found_cases = privacy.search(system, person.nik, "E1234567", None)
    assert (found_subjects, found_cases) == ({subject_id.hex}, {str(passport_id)})
    exported = privacy.export_document(system, supervisor, subject_id)
    assert not exported["erased"]
    assert exported["cases"][0]["history"][0]["payload"]
    assert person.nik in json.dumps(exported)
    # The request itself is on record.
    topics = [type(e).__name__ for e in system.app.events.get(subject_id)]
    assert topics[-1] == "AccessGiven"


def test_erasure_is_refused_under_a_legal_hold_until_released(system, supervisor):
    subject_id = subject_of(system, closed_history(system, someone())[0])
    auditor = builders.actor(Role.AUDITOR)
    system.app.place_legal_hold(auditor, subject_id, "LITIGATION", "PN Malang 12/Pdt.G/2025")
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    with pytest.raises(ErasureRefused, match="legal hold"):
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    system.app.release_legal_hold(auditor, subject_id, "case settled")
    system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    assert system.app.get_subject(subject_id).erased


def test_erasure_is_refused_while_a_case_is_open(system, officer, supervisor):
    person = someone()
    subject_id = subject_of(system, closed_history(system, person)[0])
    system.app.submit_passport_application(officer, **builders.submission(applicant=person))
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    with pytest.raises(ErasureRefused, match="1 open case"):
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))


def test_erasure_is_refused_within_retention_and_needs_an_approval(system, supervisor):
    passport_id, _ = closed_history(system, someone())
    subject_id = subject_of(system, passport_id)
    with pytest.raises(ErasureRefused, match="approval"):
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    with pytest.raises(ErasureRefused, match="retention period"):
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(days=5 * 365))
    assert not system.app.get_case(passport_id).applicant.is_erased


def test_only_the_roles_the_law_names_may_hold_approve_erase(system, officer, supervisor):
    from domain.errors import NotPermitted

    subject_id = subject_of(system, closed_history(system, someone())[0])
    with pytest.raises(NotPermitted):
        system.app.place_legal_hold(officer, subject_id, "AUDIT", BASIS)
    with pytest.raises(NotPermitted):
        system.app.approve_erasure(builders.actor(Role.SUPERVISOR, office="SBY"), subject_id, REASON, BASIS)
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    with pytest.raises(NotPermitted):
        system.app.erase_subject(supervisor, subject_id, REASON, BASIS, timedelta(0))


def test_subjects_due_are_those_whose_retention_ended(system, supervisor):
    subject_id = subject_of(system, closed_history(system, someone())[0])
    catch_up(system.store, system.projections())
    later = datetime(2031, 1, 1, tzinfo=UTC)
    assert subject_id.hex not in {row["subject_id"] for row in privacy.due(system)}  # five years not yet over
    assert subject_id.hex in {row["subject_id"] for row in privacy.due(system, now=later)}
    system.app.place_legal_hold(supervisor, subject_id, "AUDIT", BASIS)
    assert subject_id.hex not in {row["subject_id"] for row in privacy.due(system, now=later)}


def test_a_postponement_is_a_code_its_note_is_sealed_and_erased_with_the_applicant(system, officer, supervisor):
    person = someone()
    case_id = builders.interviewed_passport(system.app, officer, applicant=person)
    system.app.postpone(officer, case_id, "SUPPORTING_DOCUMENTS", note=f"employer letter for {person.name}")
    postponed = system.app.history(case_id)[-1]
    assert postponed.reason_code.value == "SUPPORTING_DOCUMENTS"
    assert postponed.note.text == f"employer letter for {person.name}"
    stored = system.app.recorder.select_events(case_id, gt=3)[0].state
    assert person.name.encode() not in stored and b"employer letter" not in stored
    catch_up(system.store, system.projections())
    audit = [row for row in decisions(system.store, limit=10_000) if row["case_id"] == str(case_id)]
    assert [row["reason_code"] for row in audit] == ["SUPPORTING_DOCUMENTS"]
    system.app.withdraw_passport(officer, case_id, "applicant withdrew")
    subject_id = subject_of(system, case_id)
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    assert system.app.history(case_id)[4].note.text == "<erased>"


def test_a_postponement_recorded_before_codes_reads_back_as_other():
    from domain.passport import PassportApplication
    from domain.values import PostponementReason

    state = {"provenance": None, "reason": "free text of an officer", "referral": None}
    PassportApplication.Postponed.upcast_v1_v2(state)
    assert state == {"provenance": None, "reason_code": PostponementReason.OTHER, "referral": None, "note": None}


def test_a_note_is_redacted_like_personal_data_for_those_who_may_not_see_it(system, officer):
    from api.http.present import plain
    from domain.values import PersonalNote

    note = PersonalNote("employer letter", "1" * 16)
    assert plain(note, reveal=False, office="MLG") is None
    assert plain(note, reveal=True, office="MLG") == {"text": "employer letter", "nik": "1" * 16}


def test_a_passport_issued_by_a_later_command_is_found_by_its_number(system, officer, supervisor):
    case_id = builders.interviewed_passport(system.app, officer, applicant=someone())
    system.app.approve_passport(supervisor, case_id, BASIS)
    number = f"X{uuid.uuid4().int % 10**7:07d}"
    system.app.issue_passport(officer, case_id, number)
    subject_id = subject_of(system, case_id)
    assert privacy.search(system, None, number.lower(), None) == ({subject_id.hex}, {str(case_id)})


def _trusting(key: Ed25519PrivateKey) -> berkas_verify.Trust:
    return berkas_verify.Trust(public_keys=[key.public_key()])


def test_a_bundle_built_after_erasure_shows_erased_and_still_verifies_offline(ledger_system, supervisor):
    system = ledger_system
    person = someone()
    passport_id, _ = closed_history(system, person)
    subject_id = subject_of(system, passport_id)
    key = shared_ledger_key()
    before = build_bundle(system.store, passport_id, key)
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(days=30))
    after = build_bundle(system.store, passport_id, key)

    report = berkas_verify.verify_bundle(after, _trusting(key))
    assert report.ok and report.erased == 1 and "reads <erased>" in report.summary
    bundle, earlier = json.loads(after), json.loads(before)
    assert bundle["erased"] == [subject_id.hex] and earlier["erased"] == []
    assert bundle["events"][0]["decoded"]["applicant"] == "<erased>"
    assert set(earlier["events"][0]["decoded"]["applicant"]) == {"s", "c"}  # sealed, never opened in a bundle
    # The stored bytes, which the proofs cover, are the same in both.
    assert [e["state"] for e in bundle["events"]] == [e["state"] for e in earlier["events"]]
    assert berkas_verify.verify_bundle(before, _trusting(key)).ok
    assert person.nik.encode() not in after and person.name.encode() not in after


def test_a_bundle_that_claims_an_erasure_its_decoded_view_does_not_show_fails(ledger_system, supervisor):
    system = ledger_system
    passport_id, _ = closed_history(system, someone())
    subject_id = subject_of(system, passport_id)
    key = shared_ledger_key()
    bundle = json.loads(build_bundle(system.store, passport_id, key))
    bundle["erased"] = [subject_id.hex]
    report = berkas_verify.verify_bundle(berkas_verify.canonical_dumps(bundle), _trusting(key))
    assert not report.ok and "decoded: does not match the stored bytes" in report.problems[0]


def test_a_bundle_of_the_format_before_erasure_was_shown_still_verifies(ledger_system):
    passport_id, _ = closed_history(ledger_system, someone())
    key = shared_ledger_key()
    bundle = json.loads(build_bundle(ledger_system.store, passport_id, key))
    del bundle["erased"]
    bundle["format"] = "berkas-bundle/2"
    assert berkas_verify.verify_bundle(berkas_verify.canonical_dumps(bundle), _trusting(key)).ok


def test_the_verifier_knows_the_tags_personal_data_is_sealed_under():
    from berkas_verify.bundle import SEALED_TAGS
    from domain.transcodings import SEALED_TAGS as STORED

    assert SEALED_TAGS == STORED


def test_erasure_is_refused_while_one_of_the_subjects_cases_is_held(system, supervisor):
    passport_id, enforcement_id = closed_history(system, someone())
    subject_id = subject_of(system, passport_id)
    auditor = builders.actor(Role.AUDITOR)
    system.app.place_case_hold(auditor, enforcement_id, "AUDIT", "ST Inspektorat 3/2025")
    system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
    with pytest.raises(ErasureRefused, match="1 case\\(s\\) under a legal hold"):
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    catch_up(system.store, system.projections())
    later = datetime(2031, 1, 1, tzinfo=UTC)
    assert subject_id.hex not in {row["subject_id"] for row in privacy.due(system, now=later)}
    assert not system.app.retention_ended(subject_id, timedelta(0), later)
    with pytest.raises(ErasureRefused, match="already under a legal hold"):
        system.app.place_case_hold(supervisor, enforcement_id, "AUDIT", BASIS)
    system.app.release_case_hold(supervisor, enforcement_id, "audit closed")
    system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    assert system.app.get_case(passport_id).applicant.is_erased


def test_only_an_auditor_or_the_cases_own_supervisor_holds_a_case(system, officer):
    from domain.errors import NotPermitted

    passport_id, _ = closed_history(system, someone())
    with pytest.raises(NotPermitted):
        system.app.place_case_hold(officer, passport_id, "AUDIT", BASIS)
    with pytest.raises(NotPermitted):
        system.app.place_case_hold(builders.actor(Role.SUPERVISOR, office="SBY"), passport_id, "AUDIT", BASIS)
    assert system.app.get_case_hold(passport_id) is None


def test_the_cli_holds_and_releases_a_case(sqlite_system, monkeypatch):
    from typer.testing import CliRunner

    from api.cli.app import app as cli
    from tests.api_support import account_for

    passport_id, _ = closed_history(sqlite_system, someone())
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(sqlite_system.store.sqlite_path))
    common = ["--legal-basis", BASIS, "--as", account_for(sqlite_system, "AUDITOR")]
    held = CliRunner().invoke(cli, ["subjects", "hold-case", str(passport_id), "--reason", "AUDIT", *common])
    assert held.exit_code == 0, held.output
    assert sqlite_system.app.get_case_hold(passport_id).hold.value == "AUDIT"
    released = CliRunner().invoke(cli, ["subjects", "release-case", str(passport_id), *common])
    assert released.exit_code == 0 and "released" in released.output
    wrong = CliRunner().invoke(cli, ["subjects", "hold-case", "not-a-case", "--reason", "AUDIT", *common])
    assert wrong.exit_code != 0 and "case_id" in str(wrong.exception)  # main() prints it as one line


def test_an_operations_bundle_verifies_before_and_after_its_own_key_is_erased(ledger_system, officer, supervisor):
    """A joint operation's area, places and report are sealed under its own key: erasing that
    key leaves the stored bytes, the proofs and the offline verification as they were."""
    app = ledger_system.app
    operation = app.plan_joint_operation(officer, agencies=("POLRI",), area="Kampung Inggris, Pare")
    app.execute_joint_operation(officer, operation, locations=("Jl. Anyelir 7",), persons_checked=12)
    app.close_joint_operation(officer, operation, "12 persons checked, nothing found")
    holder = uuid.UUID(app.get_case(operation).area.subject_id)
    key = shared_ledger_key()
    before = build_bundle(ledger_system.store, operation, key)
    app.approve_erasure(supervisor, holder, REASON, BASIS)
    app.erase_subject(ADMIN, holder, REASON, BASIS, timedelta(0))
    after = build_bundle(ledger_system.store, operation, key)

    report = berkas_verify.verify_bundle(after, _trusting(key))
    assert report.ok and report.erased == 1
    assert berkas_verify.verify_bundle(before, _trusting(key)).ok
    bundle = json.loads(after)
    assert bundle["erased"] == [holder.hex]
    assert bundle["events"][0]["decoded"]["area"] == "<erased>"
    assert [e["state"] for e in bundle["events"]] == [e["state"] for e in json.loads(before)["events"]]
    assert b"Anyelir" not in after and b"Kampung Inggris" not in after and b"nothing found" not in after
    assert verify(ledger_system.store).ok


def test_a_case_hold_that_loses_a_race_is_a_conflict_or_the_winning_retrys_outcome(system, supervisor, monkeypatch):
    """Two holds of one case at once: the second save finds the version taken. A retry of the
    same command answers what the first did; another command is a 409 conflict, never a 500."""
    from domain.errors import ConflictError
    from domain.usecases.subjects import SubjectUseCases

    app = system.app
    case_id, _ = closed_history(system, someone())
    app.place_case_hold(supervisor, case_id, "AUDIT", BASIS)
    app.release_case_hold(supervisor, case_id, BASIS)
    stale = app.get_case_hold(case_id)  # what a racing request loaded, before the winner saved
    first = app.place_case_hold(supervisor, case_id, "AUDIT", BASIS, command_id="race-1#fp")
    monkeypatch.setattr(SubjectUseCases, "_case_hold", lambda self, actor, case: stale)
    retried = app.place_case_hold(supervisor, case_id, "AUDIT", BASIS, command_id="race-1#fp")
    assert (retried.version, retried.hold) == (first.version, first.hold)
    monkeypatch.undo()
    app.release_case_hold(supervisor, case_id, BASIS)
    stale = app.get_case_hold(case_id)
    app.place_case_hold(supervisor, case_id, "LITIGATION", BASIS, command_id="race-2#fp")
    monkeypatch.setattr(SubjectUseCases, "_case_hold", lambda self, actor, case: stale)
    with pytest.raises(ConflictError):
        app.place_case_hold(supervisor, case_id, "COURT_ORDER", BASIS, command_id="race-3#fp")


def by(role: Role) -> Provenance:
    return Provenance(f"{role.value.lower()}-1", role, "MLG", datetime(2025, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize("record", ["subject", "case"])
def test_a_hold_on_a_subject_or_a_case_follows_the_same_rules_and_names_its_record(record):
    from domain.errors import NotPermitted
    from domain.subject import CaseHold, DataSubject

    auditor, record_id = by(Role.AUDITOR), uuid.uuid4()
    held = DataSubject.start(record_id, auditor) if record == "subject" else CaseHold.start(record_id, auditor)
    named = f"data subject {record_id}" if record == "subject" else f"case {record_id}"
    with pytest.raises(NotPermitted, match="only an auditor or supervisor may place a legal hold"):
        held.place_hold(by(Role.OFFICER), HoldReason.AUDIT, BASIS)
    with pytest.raises(ErasureRefused, match=f"^{named} is not under a legal hold$"):
        held.release_hold(auditor, BASIS)
    held.place_hold(by(Role.SUPERVISOR), HoldReason.AUDIT, BASIS)
    with pytest.raises(ErasureRefused, match=f"^{named} is already under a legal hold$"):
        held.place_hold(auditor, HoldReason.LITIGATION, BASIS)
    with pytest.raises(NotPermitted, match="only an auditor or supervisor may release a legal hold"):
        held.release_hold(by(Role.ADMIN), BASIS)
    held.release_hold(auditor, BASIS)
    events = [type(event).__name__ for event in held.collect_events()]
    assert (held.hold, events) == (None, ["Registered", "LegalHoldPlaced", "LegalHoldReleased"])
    topic = f"berkas:{'DataSubject' if record == 'subject' else 'CaseHold'}.LegalHoldPlaced"
    assert type(held).LegalHoldPlaced.TOPIC == topic


def test_nothing_more_is_held_about_an_erased_subject():
    from domain.subject import DataSubject, ErasureReason

    subject = DataSubject.start(uuid.uuid4(), by(Role.AUDITOR))
    subject.approve_erasure(by(Role.SUPERVISOR), ErasureReason.SUBJECT_REQUEST, BASIS)
    subject.erase(by(Role.ADMIN), ErasureReason.SUBJECT_REQUEST, BASIS, 0, None, timedelta(0))
    with pytest.raises(ErasedNotHeld, match="is erased: nothing more is held"):
        subject.place_hold(by(Role.AUDITOR), HoldReason.AUDIT, BASIS)
    with pytest.raises(ErasureRefused, match="already erased"):  # erased twice: an erasure refused
        subject.erase(by(Role.ADMIN), ErasureReason.SUBJECT_REQUEST, BASIS, 0, None, timedelta(0))
