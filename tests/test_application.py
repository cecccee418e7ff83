"""The Berkas application, end to end on an SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from eventsourcing.utils import get_topic

from domain.errors import CaseNotFound, ConflictError, IllegalTransition, InvalidCommand, NotPermitted
from domain.revenue_target import revenue_target_id
from domain.values import Role, Uniqueness
from tests.builders import (
    DEPORTATION_BASIS,
    LEGAL_BASIS,
    actor,
    command_id,
    finding,
    interviewed_passport,
    stay_application,
    submission,
    validity,
)


def _topics(app, case_id) -> list[str]:
    return [get_topic(type(e)).rpartition(".")[2] for e in app.history(case_id)]


def _notifications_since(app, start: int) -> list[tuple]:
    rows = app.recorder.select_notifications(start + 1, 100)
    return [(n.originator_id, n.topic.rpartition(".")[2]) for n in rows]


def _last_id(app) -> int:
    return app.recorder.max_notification_id() or 0


# --- passports ----------------------------------------------------------------------


def test_a_passport_goes_from_submission_to_hand_over(system, officer, supervisor):
    app = system.app
    case_id = interviewed_passport(app, officer)
    app.postpone(officer, case_id, "SUPPORTING_DOCUMENTS", "Disnaker Kota Malang", "bring the letter")
    app.lift_postponement(officer, case_id, "letter received")
    app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    app.issue_passport(officer, case_id, f"E{case_id.hex[:7].upper()}")
    version = app.hand_over_passport(officer, case_id, "FAMILY")
    case = app.get_case(case_id)
    assert (case.status.value, case.version, version) == ("HANDED_OVER", 9, 9)
    assert case.adjudicator == supervisor.id
    assert _topics(app, case_id) == [
        "Submitted",
        "FeePaid",
        "BiometricsCaptured",
        "Interviewed",
        "Postponed",
        "PostponementLifted",
        "Approved",
        "Issued",
        "HandedOver",
    ]
    assert [e.provenance.actor_id for e in app.history(case_id)][6] == supervisor.id


def test_a_refused_passport_cannot_be_issued_and_keeps_its_referral(system, officer, supervisor):
    app = system.app
    case_id = interviewed_passport(app, officer)
    app.refuse_passport(
        supervisor, case_id, "PMI_NONPROCEDURAL", LEGAL_BASIS, "Kementerian Ketenagakerjaan", "prepare documents"
    )
    with pytest.raises(IllegalTransition):
        app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    case = app.get_case(case_id)
    assert case.status.value == "REFUSED"
    assert case.referral.agency == "Kementerian Ketenagakerjaan"
    # Paid today (no occurred_at), so under PP 45/2024: a 10-year electronic passport is 950,000.
    assert app.history(case_id)[-1].fee_forfeited == case.fee_paid == Decimal(950_000)


def test_unknown_values_name_the_field(system, officer):
    with pytest.raises(InvalidCommand) as raised:
        system.app.submit_passport_application(officer, **submission(channel="FAX"))
    assert raised.value.field == "channel"


def test_an_officer_of_another_office_cannot_touch_a_case(system, officer):
    case_id = system.app.submit_passport_application(officer, **submission())
    with pytest.raises(NotPermitted):
        system.app.pay_passport_fee(actor(Role.OFFICER, "SBY"), case_id, "8201")
    assert system.app.get_case(case_id).version == 1


def test_an_unknown_case_and_a_case_of_another_kind_are_not_found(system, officer):
    app = system.app
    operation_id = app.plan_joint_operation(officer, agencies=("POLRI",), area="Kota Batu")
    with pytest.raises(CaseNotFound):
        app.pay_passport_fee(officer, revenue_target_id("MLG", 1999), "8201")
    with pytest.raises(CaseNotFound):
        app.pay_passport_fee(officer, operation_id, "8201")


# --- stay permits -------------------------------------------------------------------


def test_a_stay_permit_is_extended_then_transferred_with_its_successor_in_one_transaction(system, officer, supervisor):
    app = system.app
    permit_id = app.apply_for_stay_permit(officer, **stay_application())
    app.pay_stay_permit_fee(officer, permit_id, "820240300101")
    number = f"ITK-{permit_id.hex[:8]}"
    valid_from, valid_until = validity("DAYS_30")
    app.issue_stay_permit(supervisor, permit_id, number, valid_from, valid_until, LEGAL_BASIS)
    app.extend_stay_permit(officer, permit_id, "820240300102", "DAYS_30", valid_until + timedelta(days=30))
    before = _last_id(app)
    successor_id = app.transfer_stay_permit(supervisor, permit_id, "YEARS_1", LEGAL_BASIS)
    # The successor claims its foreigner's one open ITAS application in the same transaction.
    claim = app.reservation(Uniqueness.OPEN_STAY_PERMIT, app.open_stay_permit(app.get_case(successor_id)))
    assert claim.holder_id == successor_id
    assert _notifications_since(app, before) == [
        (permit_id, "Transferred"),
        (successor_id, "Applied"),
        (claim.id, "Claimed"),
    ]
    permit, successor = app.get_case(permit_id), app.get_case(successor_id)
    assert (permit.status.value, permit.successor_id, permit.extensions) == ("TRANSFERRED", successor_id, 1)
    assert (successor.kind.value, successor.basis.value, successor.status.value) == (
        "ITAS",
        "STATUS_TRANSFER",
        "APPLIED",
    )
    assert successor.passport_number == permit.passport_number


def test_a_transfer_whose_successor_is_invalid_writes_nothing(system, officer, supervisor):
    app = system.app
    permit_id = app.apply_for_stay_permit(officer, **stay_application())
    app.pay_stay_permit_fee(officer, permit_id, "8201")
    number = f"ITK-{permit_id.hex[:8]}"
    app.issue_stay_permit(supervisor, permit_id, number, *validity("DAYS_30"), LEGAL_BASIS)
    before = _last_id(app)
    with pytest.raises(InvalidCommand) as raised:
        app.transfer_stay_permit(supervisor, permit_id, "DAYS_30", LEGAL_BASIS)  # not a term of an ITAS
    assert raised.value.field == "requested_term"  # the transfer's field, as the successor's application
    assert _last_id(app) == before
    assert app.get_case(permit_id).status.value == "ISSUED"


# --- enforcement from a TIMPORA finding ---------------------------------------------


def test_a_joint_operation_finding_opens_a_case_that_ends_in_deportation(system, officer, supervisor):
    app = system.app
    operation_id = app.plan_joint_operation(officer, agencies=("POLRI", "TNI", "Disnaker"), area="Kabupaten Malang")
    app.execute_joint_operation(officer, operation_id, ("Pakis", "Singosari"), 57)
    before = _last_id(app)
    case_id = app.record_finding(officer, operation_id, **finding())
    assert _notifications_since(app, before) == [(operation_id, "FindingRecorded"), (case_id, "Opened")]
    case = app.get_case(case_id)
    assert (case.source.value, case.operation_id) == ("JOINT_OPERATION", operation_id)
    assert app.get_case(operation_id).findings == [case_id]

    app.examine(officer, case_id, "BAP-12/2024")
    app.impose_action(supervisor, case_id, "DEPORTATION", "KEP-12/2024", "WORK_WITHOUT_PERMIT", DEPORTATION_BASIS)
    app.detain(officer, case_id, "Rudenim Surabaya", "awaiting flight")
    app.deport(officer, case_id, "Juanda International Airport")
    app.close_enforcement_case(officer, case_id, "deported")
    app.close_joint_operation(officer, operation_id, "Laporan TIMPORA 08/2024")
    assert app.get_case(case_id).status.value == "CLOSED"
    assert app.get_case(operation_id).status.value == "CLOSED"
    imposed = app.history(case_id)[2]
    assert (imposed.reason_code, imposed.legal_basis) == ("WORK_WITHOUT_PERMIT", DEPORTATION_BASIS)


def test_deportation_without_a_deportation_action_is_refused(system, officer, supervisor):
    app = system.app
    case_id = app.open_enforcement_case(
        officer, source="FIELD_SUPERVISION", subject=finding()["subject"], nationality="MYS",
        alleged_violation="overstay", article="Pasal 78 UU 6/2011",
    )  # fmt: skip
    app.examine(officer, case_id, "BAP-13/2024")
    app.impose_action(supervisor, case_id, "CHARGE", "KEP-13/2024", "OVERSTAY", DEPORTATION_BASIS)
    with pytest.raises(IllegalTransition, match="NO_DEPORTATION_DECISION"):
        app.deport(officer, case_id, "Juanda")
    assert app.get_case(case_id).version == 3


# --- revenue target -----------------------------------------------------------------


def test_a_revenue_target_is_set_then_revised(system, supervisor):
    app = system.app
    year = 2030 + int(supervisor.id[-4:], 16) % 60  # one target per office and year: keep runs apart
    assert app.set_revenue_target(supervisor, year, Decimal("10132000000"), "DIPA") == 1
    assert app.set_revenue_target(supervisor, year, Decimal("10500000000"), "DIPA revisi") == 2
    target = app.get_case(revenue_target_id("MLG", year))
    assert (target.amount, target.year) == (Decimal("10500000000"), year)


def test_an_officer_cannot_set_a_revenue_target(system, officer):
    with pytest.raises(NotPermitted):
        system.app.set_revenue_target(officer, 2099, Decimal(1), "DIPA")


# --- idempotency and conflicts ------------------------------------------------------


def test_a_creation_retried_with_the_same_command_id_gives_one_case(system, officer):
    app = system.app
    key = command_id()
    first = app.submit_passport_application(officer, command_id=key, **submission())
    second = app.submit_passport_application(officer, command_id=key, **submission())
    assert first == second
    assert len(app.history(first)) == 1


def test_a_repeated_command_id_returns_the_first_version_and_writes_nothing(system, officer):
    app = system.app
    case_id = app.submit_passport_application(officer, **submission())
    key = command_id()
    assert app.pay_passport_fee(officer, case_id, "8201", command_id=key) == 2
    app.capture_biometrics(officer, case_id)
    before = _last_id(app)
    assert app.pay_passport_fee(officer, case_id, "8201", command_id=key) == 2
    assert _last_id(app) == before
    assert app.get_case(case_id).version == 3


def test_a_retried_finding_opens_one_case(system, officer):
    app = system.app
    operation_id = app.plan_joint_operation(officer, agencies=("POLRI",), area="Kota Batu")
    app.execute_joint_operation(officer, operation_id, ("Alun-alun",), 12)
    key = command_id()
    first = app.record_finding(officer, operation_id, command_id=key, **finding())
    second = app.record_finding(officer, operation_id, command_id=key, **finding())
    assert first == second
    assert app.get_case(operation_id).findings == [first]


def test_a_stale_expected_version_is_a_conflict_naming_the_case_and_its_version(system, officer):
    app = system.app
    case_id = app.submit_passport_application(officer, **submission())
    app.pay_passport_fee(officer, case_id, "8201", expected_version=1)
    with pytest.raises(ConflictError) as raised:
        app.capture_biometrics(officer, case_id, expected_version=1)
    assert (raised.value.case_id, raised.value.current_version) == (case_id, 2)
    assert str(case_id) in str(raised.value) and "version 2" in str(raised.value)
    assert app.get_case(case_id).version == 2


# --- history ------------------------------------------------------------------------


def test_a_case_at_version_n_is_the_case_after_its_nth_event(system, officer, supervisor):
    app = system.app
    case_id = interviewed_passport(app, officer)
    app.approve_passport(supervisor, case_id, LEGAL_BASIS)
    events = app.history(case_id)
    for n in range(1, len(events) + 1):
        replayed = None
        for event in events[:n]:
            replayed = event.mutate(replayed)
        assert app.get_case(case_id, version=n) == replayed
    assert app.get_case(case_id, version=2).status.value == "PAID"
    with pytest.raises(InvalidCommand):
        app.get_case(case_id, version=len(events) + 1)


def test_a_case_as_of_a_business_instant(system, officer):
    app = system.app
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)  # within the late-entry days
    case_id = app.submit_passport_application(officer, occurred_at=start, **submission())
    app.pay_passport_fee(officer, case_id, "8201", occurred_at=start + timedelta(days=2))
    assert app.case_as_of(case_id, start - timedelta(seconds=1)) is None
    assert app.case_as_of(case_id, start + timedelta(days=1)).status.value == "SUBMITTED"
    assert app.case_as_of(case_id, start + timedelta(days=2)).status.value == "PAID"
    with pytest.raises(InvalidCommand):
        app.case_as_of(case_id, datetime(2024, 6, 4))
