"""The zero tariff (tarif Rp0), group by group: each group the domain knows is granted on the
applications its rule covers, with its legal basis on the event, and refused on any other
with the rule's name in the refusal; through the use case nothing is appended on a refusal
(both databases)."""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand
from domain.reference import ZERO_TARIFF
from domain.values import ApplicationType, ZeroTariffGroup
from tests.builders import Clock, officer_of, passport, submission, unchanged
from tests.test_domain_integrity import nothing_appended

G, A = ZeroTariffGroup, ApplicationType
# Per group: an application its rule covers, and one it does not (with the rule's words).
COVERED = {
    G.FIRST_TIME_MIGRANT_WORKER: A.NEW,
    G.TRAFFICKING_VICTIM: A.REPLACE_LOST,
    G.DISASTER_VICTIM: A.REPLACE_DAMAGED,
}
NOT_COVERED = {
    G.FIRST_TIME_MIGRANT_WORKER: (A.REPLACE_EXPIRED, "covers only NEW applications, not REPLACE_EXPIRED"),
    G.DISASTER_VICTIM: (A.NEW, "covers only REPLACE_DAMAGED, REPLACE_LOST applications, not NEW"),
}


def test_every_group_has_a_rule_and_a_case_in_these_tests():
    assert set(ZERO_TARIFF) == set(G) == set(COVERED)


@pytest.mark.parametrize("group", list(G))
def test_a_group_gets_the_zero_tariff_on_an_application_its_rule_covers(group):
    clock = Clock()
    case = passport(clock, application_type=COVERED[group])
    case.grant_zero_tariff(officer_of(clock), group)
    granted = case.pending_events[-1]
    assert case.status.value == "PAID" and case.fee_paid == 0 and case.zero_tariff_basis is group
    assert granted.basis is group and granted.legal_basis == ZERO_TARIFF[group].legal_basis
    assert "Rp0" in granted.legal_basis


@pytest.mark.parametrize("group", list(NOT_COVERED))
def test_a_group_is_refused_on_an_application_its_rule_does_not_cover(group):
    application_type, rule = NOT_COVERED[group]
    clock = Clock()
    case = passport(clock, application_type=application_type)
    with unchanged(case), pytest.raises(InvalidCommand, match=rule) as refused:
        case.grant_zero_tariff(officer_of(clock), group)
    assert refused.value.field == "basis" and group.value in refused.value.rule


@pytest.mark.parametrize("group", list(G))
def test_no_group_gets_the_same_day_expedited_service_free(group):
    """The issue's example: a lost-passport, electronic, expedited replacement for tourism."""
    clock = Clock()
    case = passport(clock, application_type=COVERED[group], expedited=True, purpose="tourism")
    with unchanged(case), pytest.raises(InvalidCommand, match="expedited service is never free") as refused:
        case.grant_zero_tariff(officer_of(clock), group)
    assert refused.value.field == "basis"


@pytest.mark.parametrize("group", list(G))
def test_a_refused_zero_tariff_appends_nothing_and_a_granted_one_is_stored(system, officer, group):
    app = system.app
    refused = app.submit_passport_application(officer, **submission(application_type="REPLACE_FULL", expedited=True))
    with nothing_appended(app), pytest.raises(InvalidCommand) as refusal:
        app.grant_zero_tariff(officer, refused, group.value)
    assert refusal.value.field == "basis"
    granted = app.submit_passport_application(officer, **submission(application_type=COVERED[group].value))
    assert app.grant_zero_tariff(officer, granted, group.value) == 2
    assert app.history(granted)[-1].basis is group and app.get_case(granted).fee_paid == 0


def test_an_unknown_group_is_refused_naming_the_field(system, officer):
    case_id = system.app.submit_passport_application(officer, **submission())
    with nothing_appended(system.app), pytest.raises(InvalidCommand, match="must be one of") as refused:
        system.app.grant_zero_tariff(officer, case_id, "TOURIST")
    assert refused.value.field == "basis"
