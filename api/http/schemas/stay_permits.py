"""Izin tinggal: the application and each command's body."""

from __future__ import annotations

from uuid import UUID

from api.http.schemas.common import (
    Citation,
    Code,
    CommandCreate,
    Day,
    Nationality,
    PersonalDataCreate,
    Text,
    examples,
)
from domain.values import PermitBasis, PermitKind, StayRefusalReason, StayTerm

LEGAL_BASIS = "Pasal 48 UU 6/2011"


class StayPermitCreate(CommandCreate):
    model_config = examples(
        {
            "kind": "ITAS",
            "basis": "VISA",
            "foreigner": {
                "name": "John Smith",
                "nik": "9990001112223334",
                "birth_date": "1985-03-14",
                "address": "Jl. Kawi 3, Malang",
            },
            "nationality": "AUS",
            "passport_number": "PA1234567",
            "sponsor": "PT Sponsor Malang",
            "requested_term": "YEARS_1",
        }
    )
    kind: PermitKind
    basis: PermitBasis
    foreigner: PersonalDataCreate
    nationality: Nationality
    passport_number: Code
    sponsor: Text
    requested_term: StayTerm


class StayRefusalCreate(CommandCreate):
    model_config = examples({"reason_code": "SPONSOR_UNVERIFIED", "legal_basis": LEGAL_BASIS})
    reason_code: StayRefusalReason
    legal_basis: Citation


class StayIssuanceCreate(CommandCreate):
    model_config = examples(
        {
            "permit_number": "2C11AB1234",
            "valid_from": "2024-04-01",
            "valid_until": "2025-03-31",
            "legal_basis": LEGAL_BASIS,
        }
    )
    permit_number: Code
    valid_from: Day
    valid_until: Day
    legal_basis: Citation


class ExtensionCreate(CommandCreate):
    model_config = examples({"billing_code": "820240300101", "term": "DAYS_30", "new_end": "2025-04-30"})
    billing_code: Code
    term: StayTerm
    new_end: Day


class TransferCreate(CommandCreate):
    model_config = examples({"requested_term": "YEARS_1", "legal_basis": "Pasal 54 UU 6/2011"})
    requested_term: StayTerm
    legal_basis: Citation


class PermitCancellationCreate(CommandCreate):
    model_config = examples(
        {"enforcement_case_id": "3f1f2b1e-8a9c-4b1e-9d2a-1c2b3d4e5f60", "legal_basis": "Pasal 75 UU 6/2011"}
    )
    enforcement_case_id: UUID
    legal_basis: Citation
