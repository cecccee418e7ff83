"""Reference data (data referensi): offices with dated jurisdiction (``domain.offices``), dated tariffs.

Plain versioned code, not events: a change of regulation is a code change reviewed
like any other, and the date ranges keep old cases priced and routed as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import InvalidCommand
from domain.offices import OFFICES, Jurisdiction, Office, office
from domain.values import ApplicationType, Fee, FeeLine, PermitKind, Product, StayTerm, ZeroTariffGroup

__all__ = [
    "OFFICES",
    "TARIFFS",
    "Jurisdiction",
    "Office",
    "Tariff",
    "application_fee",
    "office",
    "passport_fee",
    "permit_fee",
    "permit_fee_code",
    "tariff_on",
]


@dataclass(frozen=True)
class Tariff:
    """A regulation's fee schedule (tarif PNBP) and the days it is in force."""

    regulation: str
    valid_from: date
    valid_to: date | None
    amounts: dict[str, Decimal]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _idr(**amounts: int) -> dict[str, Decimal]:
    return {code: Decimal(amount) for code, amount in amounts.items()}


_COMMON = _idr(
    EXPEDITED_SAME_DAY=1_000_000,
    LOST_PASSPORT_CHARGE=1_000_000,
    DAMAGED_PASSPORT_CHARGE=500_000,
    ITK_EXTENSION_30D=500_000,
    ITK_EXTENSION_60D=750_000,
    ITAS_6M=1_000_000,
    ITAS_1Y=1_500_000,
    ITAS_2Y=2_000_000,
    ITAP_5Y=5_000_000,
    OVERSTAY_PER_DAY=1_000_000,
)

TARIFFS: tuple[Tariff, ...] = (
    Tariff(
        "PP 28/2019",
        date(2019, 5, 3),
        date(2024, 12, 16),
        _idr(
            PASSPORT_NON_ELECTRONIC_5Y=350_000,
            PASSPORT_NON_ELECTRONIC_10Y=350_000,
            PASSPORT_ELECTRONIC_5Y=650_000,
            PASSPORT_ELECTRONIC_10Y=650_000,
        )
        | _COMMON,
    ),
    Tariff(
        "PP 45/2024",
        date(2024, 12, 17),
        None,
        _idr(
            PASSPORT_NON_ELECTRONIC_5Y=350_000,
            PASSPORT_NON_ELECTRONIC_10Y=650_000,
            PASSPORT_ELECTRONIC_5Y=650_000,
            PASSPORT_ELECTRONIC_10Y=950_000,
        )
        | _COMMON,
    ),
)


def tariff_on(day: date) -> Tariff:
    for tariff in TARIFFS:
        if tariff.covers(day):
            return tariff
    raise InvalidCommand("occurred_at", f"no tariff in force on {day.isoformat()}")


def passport_fee(
    billing_code: str,
    day: date,
    product: Product,
    validity_years: int,
    expedited: bool,
    application_type: ApplicationType,
) -> Fee:
    """Fee lines for a passport application under the tariff in force on ``day``."""
    amounts = tariff_on(day).amounts
    codes = [f"PASSPORT_{product.value}_{validity_years}Y"]
    if expedited:
        codes.append("EXPEDITED_SAME_DAY")
    if application_type is ApplicationType.REPLACE_LOST:
        codes.append("LOST_PASSPORT_CHARGE")
    elif application_type is ApplicationType.REPLACE_DAMAGED:
        codes.append("DAMAGED_PASSPORT_CHARGE")
    return Fee(billing_code, tuple(FeeLine(code, amounts[code]) for code in codes))


@dataclass(frozen=True)
class ZeroTariffRule:
    """Who a zero-tariff group covers: which application types, never the same-day add-on."""

    legal_basis: str
    application_types: frozenset[ApplicationType]


_ZERO_TARIFF_BASIS = "PP 28/2019 jo. PP 45/2024, tarif Rp0 paspor"
ZERO_TARIFF: dict[ZeroTariffGroup, ZeroTariffRule] = {
    ZeroTariffGroup.FIRST_TIME_MIGRANT_WORKER: ZeroTariffRule(
        _ZERO_TARIFF_BASIS + " (calon pekerja migran Indonesia)", frozenset({ApplicationType.NEW})
    ),
    ZeroTariffGroup.TRAFFICKING_VICTIM: ZeroTariffRule(
        _ZERO_TARIFF_BASIS + " (korban perdagangan orang)", frozenset(ApplicationType)
    ),
    ZeroTariffGroup.DISASTER_VICTIM: ZeroTariffRule(
        _ZERO_TARIFF_BASIS + " (korban bencana alam)",
        frozenset({ApplicationType.REPLACE_LOST, ApplicationType.REPLACE_DAMAGED}),
    ),
}


def zero_tariff_basis(group: ZeroTariffGroup, application_type: ApplicationType, expedited: bool) -> str:
    """The legal basis of a zero tariff for this application, or a refusal naming the rule."""
    rule = ZERO_TARIFF[group]
    if expedited:
        raise InvalidCommand("basis", "zero tariff: the same-day expedited service is never free of charge")
    if application_type not in rule.application_types:
        allowed = ", ".join(sorted(t.value for t in rule.application_types))
        raise InvalidCommand(
            "basis", f"zero tariff for {group.value} covers only {allowed} applications, not {application_type.value}"
        )
    return rule.legal_basis


_PERMIT_FEE_CODES = {
    (PermitKind.ITK, StayTerm.DAYS_30): "ITK_EXTENSION_30D",
    (PermitKind.ITK, StayTerm.DAYS_60): "ITK_EXTENSION_60D",
    (PermitKind.ITAS, StayTerm.MONTHS_6): "ITAS_6M",
    (PermitKind.ITAS, StayTerm.YEARS_1): "ITAS_1Y",
    (PermitKind.ITAS, StayTerm.YEARS_2): "ITAS_2Y",
    (PermitKind.ITAP, StayTerm.YEARS_5): "ITAP_5Y",
}


def permit_fee_code(kind: PermitKind, term: StayTerm, field: str = "term") -> str:
    """``field``: the request's name for the term (an application's is ``requested_term``)."""
    try:
        return _PERMIT_FEE_CODES[(kind, term)]
    except KeyError:
        raise InvalidCommand(field, f"{term.value} is not a term for {kind.value}") from None


def permit_fee(billing_code: str, day: date, kind: PermitKind, term: StayTerm) -> Fee:
    code = permit_fee_code(kind, term)
    return Fee(billing_code, (FeeLine(code, tariff_on(day).amounts[code]),))


def application_fee(billing_code: str, day: date, kind: PermitKind, term: StayTerm) -> Fee:
    """What the office bills for an application. An ITK is granted at the port of entry
    with its visa, whose fee is paid there (a visa's, not in this tariff): the office records
    the ITK and bills nothing for it. Its extensions are the office's service and documents,
    billed ITK_EXTENSION_30D / 60D, so the revenue by tariff code counts what the documents do."""
    if kind is PermitKind.ITK:
        permit_fee_code(kind, term, "requested_term")
        return Fee(billing_code)
    return permit_fee(billing_code, day, kind, term)
