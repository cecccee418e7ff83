"""The open-application reservation is keyed on the data subject, never on the NIK: its id,
derived with a public namespace, gives nobody who guesses NIKs a way to a person's cases.
Applications that hold no reservation (from before reservations, or under the NIK-derived
key they once had) still block a second one. Both databases, under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest

from domain.errors import KeyTaken
from domain.passport import PassportApplication
from domain.reservation import Reservation, reservation_id
from domain.values import ApplicationType, Channel, Product, Provenance, Uniqueness
from tests.builders import LEGAL_BASIS, fresh_applicant, stay_application, submission, validity
from tests.test_domain_integrity import approved_passport, nothing_appended

RULE = "a person has one open application per passport product"


def nik_derived_id(nik: str, product: str):
    """How the reservation id was derived before: from the NIK, by anyone."""
    return uuid5(NAMESPACE_URL, f"berkas:reservation:OPEN_APPLICATION:{nik}:{product}")


def test_the_open_application_reservation_is_keyed_on_the_subject_not_the_nik(system, officer):
    app, person = system.app, fresh_applicant()
    case_id = app.submit_passport_application(officer, **submission(applicant=person))
    subject_id = app.get_case(case_id).applicant.subject_id
    assert subject_id and person.nik not in subject_id
    held = app.reservation(Uniqueness.OPEN_APPLICATION, f"{subject_id}:ELECTRONIC")
    assert held is not None and held.holder_id == case_id
    for product in Product:
        assert not app.exists(nik_derived_id(person.nik, product.value))
    # The vault knows the person by the same subject: their data and their reservation agree.
    assert system.vault.subjects_for([person.nik]) == {person.nik: subject_id}
    assert [subject for subject, _ in system.vault.find("nik", person.nik)] == [subject_id]


def test_a_second_open_application_names_the_rule_and_the_holder_never_the_person(system, officer):
    app, person = system.app, fresh_applicant()
    first = app.submit_passport_application(officer, **submission(applicant=person))
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.submit_passport_application(officer, **submission(applicant=person))
    assert taken.value.rule == RULE and taken.value.holder_id == first
    assert person.nik not in str(taken.value) and person.name not in str(taken.value)


def unreserved_application(app, officer_actor, person, product: Product = Product.ELECTRONIC) -> PassportApplication:
    """An application saved as imports and the demo do, and as every one was before
    reservations: the case alone."""
    case = PassportApplication.submit(
        uuid4(),
        provenance_of(officer_actor),
        Channel.WALK_IN,
        person,
        ApplicationType.NEW,
        product,
        10,
        False,
        "tourism",
        "JPN",
        "3573",
    )
    app.save(case)
    return case


def provenance_of(who) -> Provenance:
    return Provenance(who.id, who.role, who.office, datetime.now(UTC))


def test_an_application_without_a_reservation_still_blocks_a_second_one_until_it_ends(system, officer):
    app, person = system.app, fresh_applicant()
    legacy = unreserved_application(app, officer, person)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.submit_passport_application(officer, **submission(applicant=person))
    assert taken.value.rule == RULE and taken.value.holder_id == legacy.id
    # Another product is another key; the legacy case ends (it had nothing to give back).
    app.submit_passport_application(officer, **submission(applicant=person, product="NON_ELECTRONIC"))
    app.withdraw_passport(officer, legacy.id, "applied at the counter before the system")
    again = app.submit_passport_application(officer, **submission(applicant=person))
    assert app.reservation(Uniqueness.OPEN_APPLICATION, app.open_application(app.get_case(again))).holder_id == again


def test_an_application_reserved_under_its_old_nik_key_still_blocks_a_second_one(system, officer):
    app, person = system.app, fresh_applicant()
    legacy = unreserved_application(app, officer, person)
    provenance = provenance_of(officer)
    old = Reservation._create(
        Reservation.Claimed,
        id=nik_derived_id(person.nik, "ELECTRONIC"),
        provenance=provenance,
        rule=Uniqueness.OPEN_APPLICATION,
        holder_id=legacy.id,
        holder_kind=legacy.KIND,
    )
    app.save(old)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.submit_passport_application(officer, **submission(applicant=person))
    assert taken.value.holder_id == legacy.id


def test_eight_officers_submitting_one_persons_application_at_once_yield_one_case(system, officer):
    """A person the store has never seen: the subject is made once, the reservation's version
    conflict lets exactly one submission win, on both databases."""
    app, person, threads = system.app, fresh_applicant(), 8
    barrier = threading.Barrier(threads)

    def submit(_):
        barrier.wait()
        try:
            return app.submit_passport_application(officer, **submission(applicant=person))
        except KeyTaken as taken:
            return taken

    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(submit, range(threads)))
    winners = [o for o in outcomes if not isinstance(o, KeyTaken)]
    assert len(winners) == 1
    assert all(o.holder_id == winners[0] and o.rule == RULE for o in outcomes if isinstance(o, KeyTaken))
    subject_id = app.get_case(winners[0]).applicant.subject_id
    assert [subject for subject, _ in system.vault.find("nik", person.nik)] == [subject_id]
    # The losers' saves failed after the vault linked them (it keeps what sealing made):
    # links to cases that do not exist, which the unreserved-application check must skip.
    assert winners[0] in system.vault.cases_of(subject_id)
    app.submit_passport_application(officer, **submission(applicant=person, product="NON_ELECTRONIC"))
    app.withdraw_passport(officer, winners[0], "one is enough")
    app.submit_passport_application(officer, **submission(applicant=person))
    assert (
        reservation_id(Uniqueness.OPEN_APPLICATION, f"{subject_id}:ELECTRONIC")
        == app.reservation(Uniqueness.OPEN_APPLICATION, f"{subject_id}:ELECTRONIC").id
    )


# --- numbers issued without a reservation (before reservations, imports, the demo) --------


def test_a_passport_number_issued_without_a_reservation_is_not_issued_again(system, officer, supervisor):
    app, number = system.app, f"E{uuid4().hex[:7].upper()}"
    legacy = app.get_case(approved_passport(app, officer, supervisor))
    legacy.issue(provenance_of(officer), number)
    app.save(legacy)  # the case alone, as the demo writes it
    assert app.reservation(Uniqueness.PASSPORT_NUMBER, number) is None
    second = approved_passport(app, officer, supervisor)
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_passport(officer, second, f" {number.lower()} ")
    assert taken.value.holder_id == legacy.id and taken.value.rule == "a passport number is issued once"
    # A foreigner's passport number on a stay permit is another document: it takes nothing.
    permit = app.apply_for_stay_permit(officer, **stay_application(passport_number=f"P{uuid4().hex[:7]}"))
    third = approved_passport(app, officer, supervisor)
    app.issue_passport(officer, third, app.get_case(permit).passport_number.text)


def test_a_permit_number_issued_without_a_reservation_is_not_issued_again(system, officer, supervisor):
    app, number = system.app, f"2C{uuid4().hex[:8].upper()}"
    legacy = app.get_case(app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1")))
    legacy.pay(provenance_of(officer), "820240300101")
    legacy.issue(provenance_of(supervisor), number, *validity("YEARS_1"), LEGAL_BASIS)
    app.save(legacy)
    second = app.apply_for_stay_permit(officer, **stay_application(kind="ITAS", requested_term="YEARS_1"))
    app.pay_stay_permit_fee(officer, second, "820240300101")
    with nothing_appended(app), pytest.raises(KeyTaken) as taken:
        app.issue_stay_permit(supervisor, second, number, *validity("YEARS_1"), LEGAL_BASIS)
    assert taken.value.holder_id == legacy.id and taken.value.rule == "a stay permit number is issued once"
