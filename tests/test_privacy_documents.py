"""Passport and stay-permit numbers are personal data: sealed with their holder's key, found
through the blind index, reserved under a keyed digest; after the holder's erasure nothing
in the log leads from a number to them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from uuid import NAMESPACE_URL, uuid5

import pytest
from eventsourcing.application import AggregateNotFoundError

from api import privacy
from api.http.present import case_public, event_public
from domain.application import Berkas
from domain.errors import KeyTaken
from domain.joint_operation import JointOperation
from domain.reservation import Reservation, Rule, reservation_id
from domain.subject import ErasureRefused
from domain.values import ERASED, PersonalData, Referral, RefusalReason, Role, Uniqueness
from projections.privacy.legacy import plaintext_events
from tests import builders
from tests.stores import fresh_system
from tests.test_domain_integrity import approved_passport, nothing_appended

REASON, BASIS = "SUBJECT_REQUEST", "Pasal 8 UU 27/2022"
ADMIN = builders.actor(Role.ADMIN)


def someone() -> PersonalData:
    nik = str(uuid.uuid4().int)[:16]
    return PersonalData(f"Pemegang Dokumen {nik}", nik, date(1985, 6, 7), "Jl. Kawi 3, Malang")


def numbers() -> tuple[str, str, str]:
    """A passport number, a foreigner's passport number and a permit number of this test's own."""
    tag = uuid.uuid4().hex[:7].upper()
    return f"E{tag}", f"P{tag}", f"2C{tag}"


def _raw_states(system, *case_ids) -> bytes:
    return b"\n".join(bytes(s.state) for case_id in case_ids for s in system.app.recorder.select_events(case_id))


def _issued_documents(system, officer, supervisor, applicant, foreigner):
    """A passport issued and handed over; a stay permit applied for, issued and ended."""
    passport_number, foreign_passport, permit_number = numbers()
    app = system.app
    passport = approved_passport(app, officer, supervisor, applicant=applicant)
    app.issue_passport(officer, passport, passport_number)
    app.hand_over_passport(officer, passport, "SELF")
    application = builders.stay_application(
        kind="ITAS", requested_term="YEARS_1", foreigner=foreigner, passport_number=foreign_passport
    )
    permit = app.apply_for_stay_permit(officer, **application)
    app.pay_stay_permit_fee(officer, permit, "820240300101")
    app.issue_stay_permit(supervisor, permit, permit_number, *builders.validity("YEARS_1"), builders.LEGAL_BASIS)
    app.end_stay_permit(officer, permit, "left Indonesia")
    return passport, permit, (passport_number, foreign_passport, permit_number)


def test_the_log_holds_no_passport_or_permit_number(system, officer, supervisor):
    passport, permit, documents = _issued_documents(system, officer, supervisor, someone(), someone())
    states = _raw_states(system, passport, permit)
    for number in documents:
        assert number.encode() not in states, number
    # The reservations, too, hold neither the number nor an id anyone can derive from it.
    for rule, number in ((Uniqueness.PASSPORT_NUMBER, documents[0]), (Uniqueness.PERMIT_NUMBER, documents[2])):
        reservation = system.app.reservation(rule, number)
        assert reservation is not None and reservation.holder_id in (passport, permit)
        public_id = uuid5(NAMESPACE_URL, f"berkas:reservation:{rule.value}:{number}")
        assert reservation.id != public_id
        with pytest.raises(AggregateNotFoundError):
            system.app.repository.get(public_id)
        assert number.encode() not in _raw_states(system, reservation.id)


def test_reads_show_numbers_to_those_who_may_see_personal_data_only(system, officer, supervisor):
    passport, permit, (passport_number, foreign_passport, permit_number) = _issued_documents(
        system, officer, supervisor, someone(), someone()
    )
    shown = case_public(system.app.get_case(passport), reveal=True)
    assert shown.passport_number == passport_number
    assert case_public(system.app.get_case(passport), reveal=False).passport_number is None
    shown_permit = case_public(system.app.get_case(permit), reveal=True)
    assert (shown_permit.passport_number, shown_permit.permit_number) == (foreign_passport, permit_number)
    hidden = case_public(system.app.get_case(permit), reveal=False)
    assert (hidden.passport_number, hidden.permit_number) == (None, None)


def test_search_by_number_finds_the_holder_until_erasure_then_reads_show_erased(system, officer, supervisor):
    applicant, foreigner = someone(), someone()
    passport, permit, (passport_number, foreign_passport, permit_number) = _issued_documents(
        system, officer, supervisor, applicant, foreigner
    )
    holders = {}
    for case_id, number in ((passport, passport_number), (permit, foreign_passport), (permit, permit_number)):
        subjects, cases = privacy.search(system, None, number, None)
        assert cases == {str(case_id)}, number
        holders[case_id] = subjects
    for case_id, person in ((passport, "applicant"), (permit, "foreigner")):
        subject_id = uuid.UUID(getattr(system.app.get_case(case_id), person).subject_id)
        assert holders[case_id] == {subject_id.hex}
        system.app.approve_erasure(supervisor, subject_id, REASON, BASIS)
        system.app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))

    for number in (passport_number, foreign_passport, permit_number):
        assert privacy.search(system, None, number, None) == (set(), set()), number
    assert case_public(system.app.get_case(passport), reveal=True).passport_number == ERASED
    shown_permit = case_public(system.app.get_case(permit), reveal=True)
    assert (shown_permit.passport_number, shown_permit.permit_number) == (ERASED, ERASED)
    issued = system.app.history(passport)[-2]
    assert issued.passport_number.text == ERASED


def test_a_second_claim_of_a_sealed_number_is_refused_naming_the_rule_and_the_holder(system, officer, supervisor):
    passport, permit, (passport_number, _foreign, permit_number) = _issued_documents(
        system, officer, supervisor, someone(), someone()
    )
    second = approved_passport(system.app, officer, supervisor)
    with nothing_appended(system.app), pytest.raises(KeyTaken) as taken:
        system.app.issue_passport(officer, second, f" {passport_number.lower()} ")
    assert (taken.value.rule, taken.value.holder_id) == ("a passport number is issued once", passport)
    application = builders.stay_application(kind="ITAS", requested_term="YEARS_1")
    other = system.app.apply_for_stay_permit(officer, **application)
    system.app.pay_stay_permit_fee(officer, other, "820240300101")
    with nothing_appended(system.app), pytest.raises(KeyTaken) as taken:
        system.app.issue_stay_permit(
            supervisor, other, permit_number, *builders.validity("YEARS_1"), builders.LEGAL_BASIS
        )
    assert (taken.value.rule, taken.value.holder_id) == ("a stay permit number is issued once", permit)


def test_a_bare_application_keys_reservations_on_the_number():
    app = Berkas(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    number = numbers()[0]
    assert app.reservation_key(Rule.PASSPORT_NUMBER, number) == number
    assert reservation_id(Rule.PASSPORT_NUMBER, number) == uuid5(
        NAMESPACE_URL, f"berkas:reservation:PASSPORT_NUMBER:{number}"
    )


def test_free_text_on_the_case_is_sealed_and_erased_with_its_person(system, officer, supervisor):
    """A passport's purpose, a permit's sponsor, an enforcement case's alleged violation and
    outcome: what an officer types about a person, stored sealed, read back, erased with them."""
    secret = f"zz{uuid.uuid4().hex[:10]}"
    app, applicant, foreigner = system.app, someone(), someone()
    submission = builders.submission(applicant=applicant, purpose=f"{secret}-p")
    passport = app.submit_passport_application(officer, **submission)
    app.withdraw_passport(officer, passport, "applicant withdrew")
    application = builders.stay_application(foreigner=foreigner, sponsor=f"{secret}-s")
    permit = app.apply_for_stay_permit(officer, **application)
    app.refuse_stay_permit(supervisor, permit, "INCOMPLETE_DOCUMENTS", builders.LEGAL_BASIS)
    enforcement = app.open_enforcement_case(
        officer, source="FIELD_SUPERVISION", subject=foreigner, nationality="MYS",
        alleged_violation=f"{secret}-v", article="Pasal 78 UU 6/2011",
    )  # fmt: skip
    app.examine(officer, enforcement, "BAP-7/2024")
    app.close_enforcement_case(officer, enforcement, f"{secret}-o")

    assert secret.encode() not in _raw_states(system, passport, permit, enforcement)
    shown = [
        case_public(app.get_case(passport), reveal=True).purpose,
        case_public(app.get_case(permit), reveal=True).sponsor,
        case_public(app.get_case(enforcement), reveal=True).alleged_violation,
        case_public(app.get_case(enforcement), reveal=True).outcome,
    ]
    assert shown == [f"{secret}-p", f"{secret}-s", f"{secret}-v", f"{secret}-o"]
    assert case_public(app.get_case(enforcement), reveal=False).alleged_violation is None

    for case_id, person in ((passport, "applicant"), (permit, "foreigner")):
        subject_id = uuid.UUID(getattr(app.get_case(case_id), person).subject_id)
        app.approve_erasure(supervisor, subject_id, REASON, BASIS)
        app.erase_subject(ADMIN, subject_id, REASON, BASIS, timedelta(0))
    erased = [
        case_public(app.get_case(passport), reveal=True).purpose,
        case_public(app.get_case(permit), reveal=True).sponsor,
        case_public(app.get_case(enforcement), reveal=True).alleged_violation,
        case_public(app.get_case(enforcement), reveal=True).outcome,
    ]
    assert erased == [ERASED] * 4


def _erase(app, supervisor, subject_id: str) -> None:
    app.approve_erasure(supervisor, uuid.UUID(subject_id), REASON, BASIS)
    app.erase_subject(ADMIN, uuid.UUID(subject_id), REASON, BASIS, timedelta(0))


def test_a_referrals_instructions_are_sealed_with_the_applicant_and_erased_with_them(system, officer, supervisor):
    """The agency is an institution and stays plain; what the applicant must bring is about them."""
    secret, app = f"zz{uuid.uuid4().hex[:10]}", system.app
    passport = builders.interviewed_passport(app, officer, applicant=someone())
    app.refuse_passport(
        supervisor, passport, "PMI_NONPROCEDURAL", builders.LEGAL_BASIS,
        referral_agency="BP3MI Jawa Timur", referral_instructions=f"{secret}-bring",
    )  # fmt: skip
    assert secret.encode() not in _raw_states(system, passport)
    shown = case_public(app.get_case(passport), reveal=True).referral
    assert (shown.agency, shown.instructions) == ("BP3MI Jawa Timur", f"{secret}-bring")
    assert case_public(app.get_case(passport), reveal=False).referral.instructions is None
    refused = event_public(app.history(passport)[-1], reveal=True).payload.referral
    assert refused.instructions == f"{secret}-bring"

    _erase(app, supervisor, app.get_case(passport).applicant.subject_id)
    assert case_public(app.get_case(passport), reveal=True).referral.instructions == ERASED
    assert event_public(app.history(passport)[-1], reveal=True).payload.referral.instructions == ERASED
    assert case_public(app.get_case(passport), reveal=True).referral.agency == "BP3MI Jawa Timur"


def test_a_joint_operations_area_places_and_report_are_sealed_under_its_own_key(system, officer, supervisor):
    """An operation has no one data subject: its free text is sealed under a key of its own,
    which the vault holds like a subject's and erases under the same rules."""
    secret, app = f"zz{uuid.uuid4().hex[:10]}", system.app
    operation = app.plan_joint_operation(officer, agencies=("POLRI", "SATPOL_PP"), area=f"{secret}-area")
    app.execute_joint_operation(officer, operation, locations=(f"{secret}-place",), persons_checked=4)
    assert secret.encode() not in _raw_states(system, operation)
    holder = app.get_case(operation).area.subject_id
    assert app.subject_cases(uuid.UUID(holder)).open == 1
    with pytest.raises(ErasureRefused):  # like a person's: not while the operation is open
        _erase(app, supervisor, holder)

    app.close_joint_operation(officer, operation, f"{secret}-report")
    assert secret.encode() not in _raw_states(system, operation)
    shown = case_public(app.get_case(operation), reveal=True)
    assert (shown.area, shown.agencies) == (f"{secret}-area", ["POLRI", "SATPOL_PP"])
    assert case_public(app.get_case(operation), reveal=False).area is None
    history = [event_public(e, reveal=True).payload for e in app.history(operation)]
    assert [history[1].locations[0].text, history[-1].report.text] == [f"{secret}-place", f"{secret}-report"]

    app.place_case_hold(supervisor, operation, "AUDIT", BASIS)
    with pytest.raises(ErasureRefused):  # a held operation keeps its key
        _erase(app, supervisor, holder)
    app.release_case_hold(supervisor, operation, BASIS)
    _erase(app, supervisor, holder)
    assert case_public(app.get_case(operation), reveal=True).area == ERASED
    history = [event_public(e, reveal=True).payload for e in app.history(operation)]
    assert [history[1].locations[0].text, history[-1].report.text] == [ERASED, ERASED]
    assert case_public(app.get_case(operation), reveal=True).persons_checked == 4


def _recorded_in_plain_text(app, officer, supervisor) -> tuple[uuid.UUID, uuid.UUID]:
    """A refusal's referral and an operation (planned, executed, closed) as stores written
    before these fields were sealed hold them: plain strings."""
    passport = app.get_case(builders.interviewed_passport(app, officer, applicant=someone()))
    provenance = app.provenance(supervisor, None, None)
    passport._refused(
        provenance=provenance, reason_code=RefusalReason.PMI_NONPROCEDURAL, legal_basis=builders.LEGAL_BASIS,
        referral=Referral("BP3MI", "bring the placement contract"), fee_forfeited=passport.fee_paid,
    )  # fmt: skip
    case_id, provenance = uuid.uuid4(), app.provenance(officer, None, None)
    operation = JointOperation._create(
        JointOperation.Planned, id=case_id, provenance=provenance, agencies=("POLRI",), area="Kota Batu"
    )
    operation._executed(
        provenance=provenance, executed_on=date(2024, 5, 2), locations=("Pasar Batu",), persons_checked=3
    )
    operation._closed(provenance=provenance, report="two overstays at Pasar Batu")
    app.save(passport, operation)
    return passport.id, case_id


def test_referrals_and_operations_recorded_in_plain_text_still_read(system, officer, supervisor):
    app = system.app
    passport, operation = _recorded_in_plain_text(app, officer, supervisor)
    assert b"bring the placement contract" in _raw_states(system, passport)
    assert case_public(app.get_case(passport), reveal=True).referral.instructions == "bring the placement contract"
    assert case_public(app.get_case(operation), reveal=True).area == "Kota Batu"
    history = [event_public(e, reveal=True).payload for e in app.history(operation)]
    shown = (history[0].area, history[1].locations, history[2].report)
    assert shown == ("Kota Batu", ["Pasar Batu"], "two overstays at Pasar Batu")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_store_info_counts_plain_referrals_and_operation_text_as_plaintext(
    backend, pg_admin_url, tmp_path, officer, supervisor
):
    """`berkas store info` tells a store that holds these fields as plain strings, as it tells
    unsealed personal data; their sealed form counts for nothing."""
    with fresh_system(backend, pg_admin_url, tmp_path) as system:
        app = system.app
        passport = builders.interviewed_passport(app, officer, applicant=someone())
        app.refuse_passport(
            supervisor, passport, "PMI_NONPROCEDURAL", builders.LEGAL_BASIS,
            referral_agency="BP3MI Jawa Timur", referral_instructions="bring the placement contract",
        )  # fmt: skip
        operation = app.plan_joint_operation(officer, agencies=("POLRI",), area="Kota Batu")
        app.execute_joint_operation(officer, operation, locations=("Pasar Batu",), persons_checked=3)
        app.close_joint_operation(officer, operation, "two overstays at Pasar Batu")
        assert plaintext_events(system.store) == 0

        _recorded_in_plain_text(app, officer, supervisor)
        # The refusal, and the operation's plan, execution and closing.
        assert plaintext_events(system.store) == 4


def test_a_number_reserved_under_its_former_key_stays_taken_after_its_holders_erasure(system, officer, supervisor):
    """Stores written before numbers were reserved under a keyed digest hold reservations whose
    id derives from the plain number. Once the holder is erased, the blind index no longer
    finds the number and the holder's case reads <erased>: only that old reservation says the
    number is taken, and a second issuance of it is still refused."""
    app, number = system.app, numbers()[0]
    holder = app.get_case(approved_passport(app, officer, supervisor, applicant=someone()))
    provenance = app.provenance(officer, None, None)
    holder.issue(provenance, number)  # what issuance saved then: the case and the number's reservation
    former = Reservation.claim_new(Rule.PASSPORT_NUMBER, number, holder, provenance)
    assert former.id == uuid5(NAMESPACE_URL, f"berkas:reservation:PASSPORT_NUMBER:{number}")
    app.save(holder, former)
    app.hand_over_passport(officer, holder.id, "SELF")
    _erase(app, supervisor, holder.applicant.subject_id)
    assert privacy.search(system, None, number, None) == (set(), set())

    other = approved_passport(app, officer, supervisor, applicant=someone())
    with pytest.raises(KeyTaken) as taken, nothing_appended(app):
        app.issue_passport(officer, other, number.lower())
    assert taken.value.holder_id == holder.id
