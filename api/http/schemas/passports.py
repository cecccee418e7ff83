"""Permohonan paspor: the submission and each command's body."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from api.http.schemas.common import (
    Citation,
    Code,
    CommandCreate,
    Country,
    PersonalDataCreate,
    ReferralCreate,
    Text,
    examples,
)
from domain.values import (
    ApplicationType,
    Channel,
    Collector,
    PostponementReason,
    Product,
    RefusalReason,
    ZeroTariffGroup,
)

LEGAL_BASIS = "Pasal 27 Permenkumham 8/2014"


class PassportApplicationCreate(CommandCreate):
    model_config = examples(
        {
            "channel": "M_PASPOR",
            "applicant": PersonalDataCreate.model_config["json_schema_extra"]["examples"][0],
            "application_type": "NEW",
            "product": "ELECTRONIC",
            "validity_years": 10,
            "expedited": False,
            "purpose": "tourism",
            "destination": "JPN",
            "regency_code": "3573",
        }
    )

    channel: Channel
    applicant: PersonalDataCreate
    application_type: ApplicationType
    product: Product
    validity_years: Literal[5, 10]
    expedited: StrictBool = False
    purpose: Text
    destination: Country = Field(description="Destination country, ISO 3166-1 alpha-3 (e.g. SAU, JPN)")
    regency_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] = Field(
        description="Kode kabupaten/kota of residence, within the office's jurisdiction"
    )


class PaymentCreate(CommandCreate):
    model_config = examples({"billing_code": "820240300001"})
    billing_code: Code


class ZeroTariffCreate(CommandCreate):
    model_config = examples({"basis": "FIRST_TIME_MIGRANT_WORKER"})
    basis: ZeroTariffGroup = Field(description="The group the tariff regulation exempts (golongan tarif Rp0)")


class InterviewCreate(CommandCreate):
    model_config = examples({"stated_purpose": "tourism", "indicators": [], "assessment": "credible"})
    stated_purpose: Text
    indicators: list[Text] = Field(default_factory=list, max_length=20)
    assessment: Text


class PostponementCreate(CommandCreate):
    model_config = examples(
        {"reason_code": "SUPPORTING_DOCUMENTS", "note": "needs an employer letter", "referral": None}
    )
    reason_code: PostponementReason
    note: Text | None = Field(None, description="About the applicant: personal data, sealed with theirs")
    referral: ReferralCreate | None = None


class PostponementLiftingCreate(CommandCreate):
    model_config = examples({"evidence": "employer letter no. 12/2024"})
    evidence: Text


class PassportRefusalCreate(CommandCreate):
    model_config = examples(
        {
            "reason_code": "PMI_NONPROCEDURAL",
            "legal_basis": "Surat Edaran Dirjen Imigrasi IMI-0277.GR.02.06/2017",
            "referral": {"agency": "BP3MI Jawa Timur", "instructions": "register as a migrant worker first"},
        }
    )
    reason_code: RefusalReason
    legal_basis: Citation
    referral: ReferralCreate | None = None


class DecisionCreate(CommandCreate):
    model_config = examples({"legal_basis": LEGAL_BASIS})
    legal_basis: Citation


class IssuanceCreate(CommandCreate):
    model_config = examples({"passport_number": "E1234567"})
    passport_number: Code


class HandOverCreate(CommandCreate):
    model_config = examples({"collector": "SELF"})
    collector: Collector


class ReasonCreate(CommandCreate):
    model_config = examples({"reason": "applicant withdrew in person"})
    reason: Text
