"""Penindakan keimigrasian and operasi gabungan TIMPORA: bodies of their commands."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from api.http.schemas.common import (
    Citation,
    Code,
    CommandCreate,
    Nationality,
    PersonalDataCreate,
    Text,
    examples,
)
from api.http.schemas.places import Agency, DetentionPlace, Port
from domain.case import DIGITS_RULE, MAX_RUPIAH, MAX_RUPIAH_RULE
from domain.values import AdministrativeAction, CaseSource, EnforcementReason, ObjectionOutcome

SUBJECT = {"name": "Li Wei", "nik": "9990001112223335", "birth_date": "1980-01-02", "address": "Jl. Batu 1, Batu"}


def _in_digits(value: Any) -> Any:
    """A JSON integer or a string of the digits 0-9: never a float, an exponent or a point,
    which would be read as a sum nobody typed (``"1e3"`` as Rp 1,000)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    raise ValueError(DIGITS_RULE)


def _at_most_the_limit(value: Decimal) -> Decimal:
    """The domain's ceiling, named in rupiah (pydantic's own ``le`` would quote ``Decimal('1E+15')``)."""
    if value > MAX_RUPIAH:
        raise ValueError(MAX_RUPIAH_RULE)
    return value


# Whole rupiah, as the domain keeps amounts (domain.case.whole_rupiah checks them again,
# for every caller): an integer or a string of digits; anything else is refused.
Amount = Annotated[
    Decimal,
    BeforeValidator(_in_digits),
    Field(gt=0, decimal_places=0, allow_inf_nan=False),
    AfterValidator(_at_most_the_limit),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "exclusiveMinimum": 0, "maximum": int(MAX_RUPIAH)},
                {"type": "string", "pattern": "^[0-9]+$", "maxLength": 16},
            ],
            "description": "Whole rupiah, at most 10^15: an integer, or a string of the digits 0-9 "
            "(no sign, point, exponent or separator)",
        }
    ),
]


class EnforcementCaseCreate(CommandCreate):
    model_config = examples(
        {
            "source": "COUNTER",
            "subject": SUBJECT,
            "nationality": "CHN",
            "alleged_violation": "overstay",
            "article": "Pasal 78 UU 6/2011",
        }
    )
    source: CaseSource
    subject: PersonalDataCreate
    nationality: Nationality
    alleged_violation: Text
    article: Citation


class ExaminationCreate(CommandCreate):
    model_config = examples({"report_number": "BAP-001/2024"})
    report_number: Code


class ActionCreate(CommandCreate):
    model_config = examples(
        {
            "action": "DEPORTATION",
            "decision_number": "KEP-01/2024",
            "reason_code": "OVERSTAY",
            "legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011",
        }
    )
    action: AdministrativeAction
    decision_number: Code
    reason_code: EnforcementReason
    legal_basis: Citation


class ChargeCreate(CommandCreate):
    model_config = examples({"amount": "30000000"})
    amount: Amount


class ChargePaymentCreate(CommandCreate):
    model_config = examples({"billing_code": "820240300201", "amount": "30000000"})
    billing_code: Code
    amount: Amount


class DetentionCreate(CommandCreate):
    model_config = examples({"place": "Ruang Detensi Kanim Malang", "ground": "awaiting deportation"})
    place: DetentionPlace
    ground: Text


class ObjectionCreate(CommandCreate):
    model_config = examples({"grounds": "the stay permit was still valid"})
    grounds: Text


class ObjectionDecisionCreate(CommandCreate):
    model_config = examples({"outcome": "REJECTED", "legal_basis": "Pasal 77 UU 6/2011"})
    outcome: ObjectionOutcome
    legal_basis: Citation


class DeportationCreate(CommandCreate):
    model_config = examples({"port": "Bandara Internasional Juanda"}, {"port": "SUB"})
    port: Port


class OutcomeCreate(CommandCreate):
    model_config = examples({"outcome": "deported"})
    outcome: Text


class JointOperationCreate(CommandCreate):
    model_config = examples({"agencies": ["POLRI", "SATPOL_PP"], "area": "Kota Batu"})
    agencies: list[Agency] = Field(min_length=1, max_length=20)
    area: Text


class ExecutionCreate(CommandCreate):
    model_config = examples({"locations": ["Jl. Panglima Sudirman"], "persons_checked": 40})
    locations: list[Text] = Field(min_length=1, max_length=50)
    persons_checked: int = Field(ge=0, le=1_000_000)


class FindingCreate(CommandCreate):
    model_config = examples(
        {
            "subject": SUBJECT,
            "nationality": "CHN",
            "alleged_violation": "working without a permit",
            "article": "Pasal 122 UU 6/2011",
            "summary": "found working at a construction site",
        }
    )
    subject: PersonalDataCreate
    nationality: Nationality
    alleged_violation: Text
    article: Citation
    summary: Text


class ReportCreate(CommandCreate):
    model_config = examples({"report": "8 locations, 40 persons checked, 1 finding"})
    report: Text
