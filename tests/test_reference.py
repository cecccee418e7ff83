"""Reference data (data referensi): offices, jurisdictions and dated tariffs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest

from domain.errors import InvalidCommand
from domain.reference import OFFICES, TARIFFS, office, passport_fee, permit_fee, tariff_on
from domain.values import ApplicationType, PermitKind, Product, StayTerm


def test_pp_28_2019_is_in_force_to_16_december_2024_and_pp_45_2024_from_the_17th():
    assert tariff_on(date(2024, 12, 16)).regulation == "PP 28/2019"
    assert tariff_on(date(2024, 12, 17)).regulation == "PP 45/2024"
    assert tariff_on(date(2030, 1, 1)).regulation == "PP 45/2024"


def test_tariffs_leave_no_gap_and_do_not_overlap():
    for earlier, later in pairwise(TARIFFS):
        assert (later.valid_from - earlier.valid_to).days == 1


def test_a_day_before_any_tariff_is_rejected():
    with pytest.raises(InvalidCommand) as raised:
        tariff_on(date(2019, 1, 1))
    assert raised.value.field == "occurred_at"


@pytest.mark.parametrize(
    ("product", "years", "old", "new"),
    [
        (Product.NON_ELECTRONIC, 5, 350_000, 350_000),
        (Product.NON_ELECTRONIC, 10, 350_000, 650_000),
        (Product.ELECTRONIC, 5, 650_000, 650_000),
        (Product.ELECTRONIC, 10, 650_000, 950_000),
    ],
)
def test_passport_tariffs_match_both_regulations(product, years, old, new):
    def fee(day: date) -> Decimal:
        return passport_fee("8201", day, product, years, False, ApplicationType.NEW).total

    assert fee(date(2024, 12, 16)) == old
    assert fee(date(2024, 12, 17)) == new


@pytest.mark.parametrize(
    ("kind", "term", "amount"),
    [
        (PermitKind.ITK, StayTerm.DAYS_30, 500_000),
        (PermitKind.ITK, StayTerm.DAYS_60, 750_000),
        (PermitKind.ITAS, StayTerm.MONTHS_6, 1_000_000),
        (PermitKind.ITAS, StayTerm.YEARS_1, 1_500_000),
        (PermitKind.ITAS, StayTerm.YEARS_2, 2_000_000),
        (PermitKind.ITAP, StayTerm.YEARS_5, 5_000_000),
    ],
)
def test_stay_permit_tariffs_are_the_same_under_both_regulations(kind, term, amount):
    for day in (date(2024, 12, 16), date(2024, 12, 17)):
        assert permit_fee("8201", day, kind, term).total == amount


def test_the_overstay_charge_is_one_million_a_day_under_both():
    assert {t.amounts["OVERSTAY_PER_DAY"] for t in TARIFFS} == {Decimal(1_000_000)}


def test_malang_serves_its_four_cities_and_three_regencies():
    malang = office("MLG")
    assert {j.regency_code for j in malang.jurisdiction} == {"3573", "3579", "3575", "3574", "3507", "3514", "3513"}
    assert malang.serves("3507", date(2024, 6, 1))
    assert not malang.serves("3578", date(2024, 6, 1))


def test_kota_batu_is_served_only_from_its_founding():
    malang = office("MLG")
    assert not malang.serves("3579", date(2001, 6, 20))
    assert malang.serves("3579", date(2001, 6, 21))


@pytest.mark.parametrize(("code", "local_day"), [("MLG", date(2024, 12, 16)), ("DPS", date(2024, 12, 17))])
def test_an_office_day_is_its_local_calendar_day(code, local_day):
    # 16:30 UTC is 23:30 WIB (Malang) and 00:30 WITA (Denpasar) the next day.
    assert office(code).local_date(datetime(2024, 12, 16, 16, 30, tzinfo=UTC)) == local_day


def test_every_office_has_a_real_time_zone():
    assert {o.timezone for o in OFFICES.values()} <= {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}


def test_an_unknown_office_code_is_rejected_naming_the_field():
    with pytest.raises(InvalidCommand) as raised:
        office("ZZZ")
    assert raised.value.field == "office"
