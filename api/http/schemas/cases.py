"""Cases as the API shows them: one typed model per case kind, and the case index's rows.

One vocabulary everywhere: ``id`` is a case's id, times are RFC 3339 in the office's own
offset (WIB +07:00, WITA +08:00, WIT +09:00), money is a whole number of rupiah, codes
are the enums documented here. Personal data is ``null`` unless the caller's office
handles the case (data minimisation, UU 27/2022).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.enforcement import EnforcementStatus
from domain.joint_operation import OperationStatus
from domain.passport import PassportStatus
from domain.stay_permit import PermitStatus
from domain.values import (
    AdministrativeAction,
    ApplicationType,
    CaseSource,
    Channel,
    Collector,
    PermitBasis,
    PermitKind,
    Product,
    RefusalReason,
    StayTerm,
)

Rupiah = Annotated[int, Field(ge=0, description="Whole rupiah (IDR)", examples=[950000])]
LocalTime = Annotated[
    datetime, Field(description="RFC 3339, in the office's own offset", examples=["2024-06-03T09:15:00+07:00"])
]
PERSONAL = "Data pribadi; null unless the caller's office handles the case (UU 27/2022)"
UNREADABLE = (
    "True where personal data shown null here does not open (a data subject's key row altered in the "
    "database, or a wrong key file): a caller it would be shown to is refused (409 personal-data-unreadable)"
)


class PersonalDataPublic(BaseModel):
    """Data pribadi of an applicant, a foreigner or a subject."""

    model_config = ConfigDict(from_attributes=True)

    name: str = Field(description="`<erased>` once the data subject is erased, like every field")
    nik: str = Field(description="NIK, 16 digits")
    birth_date: date | None = Field(description="null once the data subject is erased")
    address: str


class ReferralPublic(BaseModel):
    """Rujukan: the agency the applicant is sent to and what to bring."""

    model_config = ConfigDict(from_attributes=True)

    agency: str
    instructions: str | None = Field(description="What the applicant must bring. " + PERSONAL)


class _Case(BaseModel):
    id: UUID
    version: int = Field(ge=1, description='The case\'s version, also sent as the ETag ("3"); send it back as If-Match')
    office: str = Field(description="The office handling the case (kode kantor), e.g. MLG", examples=["MLG"])
    last_occurred_at: LocalTime = Field(description="Business time of the case's latest event, in the office's offset")
    personal_data_unreadable: bool = Field(False, description=UNREADABLE)


class PassportApplicationPublic(_Case):
    """Permohonan paspor, as it stands at ``version``."""

    kind: Literal["PassportApplication"]
    status: PassportStatus
    channel: Channel
    applicant: PersonalDataPublic | None = Field(description=PERSONAL)
    application_type: ApplicationType
    product: Product
    validity_years: Literal[5, 10]
    expedited: bool
    purpose: str | None = Field(description="The purpose of travel the applicant declared. " + PERSONAL)
    destination: str
    regency_code: str = Field(description="Kode kabupaten/kota of residence", examples=["3573"])
    fee_paid: Rupiah
    zero_tariff_basis: str | None = None
    interviewed_by: str | None = Field(None, description="The interviewing officer's id (see /people)")
    indicators: list[str] | None = Field(
        default_factory=list, description="Risk indicators noted at the interview. " + PERSONAL
    )
    postponement_reason: str | None = None
    referral: ReferralPublic | None = None
    reason_code: RefusalReason | None = Field(None, description="Why it was refused")
    legal_basis: str | None = Field(None, description="The legal basis of the latest decision")
    adjudicator: str | None = Field(None, description="The deciding supervisor's id (see /people)")
    passport_number: str | None = Field(None, description=PERSONAL)
    issue_date: date | None = None
    expiry_date: date | None = None
    collector: Collector | None = None


class StayPermitPublic(_Case):
    """Izin tinggal (ITK, ITAS, ITAP), as it stands at ``version``."""

    kind: Literal["StayPermit"]
    status: PermitStatus
    permit_kind: PermitKind = Field(description="ITK (visit), ITAS (limited) or ITAP (permanent)")
    basis: PermitBasis
    foreigner: PersonalDataPublic | None = Field(description=PERSONAL)
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["AUS"])
    passport_number: str | None = Field(None, description=PERSONAL)
    sponsor: str | None = Field(description="Who sponsors the stay (penjamin). " + PERSONAL)
    requested_term: StayTerm
    fee_paid: Rupiah
    reason_code: str | None = Field(None, description="Why it was refused")
    permit_number: str | None = Field(None, description=PERSONAL)
    valid_from: date | None = None
    valid_until: date | None = None
    extensions: int = Field(0, ge=0)
    successor_id: UUID | None = Field(None, description="The permit this one was transferred into")
    successor_kind: PermitKind | None = None
    enforcement_case_id: UUID | None = Field(None, description="The enforcement case that cancelled it")


class EnforcementCasePublic(_Case):
    """Penindakan keimigrasian (Pasal 75 UU 6/2011), as it stands at ``version``."""

    kind: Literal["EnforcementCase"]
    status: EnforcementStatus
    source: CaseSource
    subject: PersonalDataPublic | None = Field(description=PERSONAL)
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["CHN"])
    alleged_violation: str | None = Field(description=PERSONAL)
    article: str
    operation_id: UUID | None = Field(None, description="The joint operation whose finding opened the case")
    report_number: str | None = Field(None, description="The examination report (BAP)")
    actions: list[AdministrativeAction] = Field(default_factory=list, description="Actions imposed, in order")
    charge_due: Rupiah = 0
    charge_paid: Rupiah = 0
    detained: bool = False
    objection_pending: bool = False
    port: str | None = Field(None, description="Port of deportation")
    deported_on: date | None = Field(None, description="The office's calendar day of the deportation")
    outcome: str | None = Field(None, description=PERSONAL)


class JointOperationPublic(_Case):
    """Operasi gabungan (TIMPORA), as it stands at ``version``."""

    kind: Literal["JointOperation"]
    status: OperationStatus
    agencies: list[str]
    area: str | None = Field(description="Where the operation works, sealed under the operation's own key. " + PERSONAL)
    executed_on: date | None = None
    persons_checked: int | None = Field(None, ge=0)
    findings: list[UUID] = Field(default_factory=list, description="Enforcement cases its findings opened")


CasePublic = Annotated[
    PassportApplicationPublic | StayPermitPublic | EnforcementCasePublic | JointOperationPublic,
    Field(discriminator="kind"),
]
CASE_MODELS: dict[str, type[_Case]] = {
    "PassportApplication": PassportApplicationPublic,
    "StayPermit": StayPermitPublic,
    "EnforcementCase": EnforcementCasePublic,
    "JointOperation": JointOperationPublic,
}
# Where a field's value lives on the aggregate, when the names differ.
SOURCES = {"permit_kind": "kind"}

STATUSES = sorted({s.value for e in (PassportStatus, PermitStatus, EnforcementStatus, OperationStatus) for s in e})


class CaseSummaryPublic(BaseModel):
    """A row of the case index (daftar berkas): never personal data."""

    id: UUID
    kind: Literal["PassportApplication", "StayPermit", "EnforcementCase", "JointOperation"]
    office: str
    status: str = Field(description="The case's status; the values are its kind's (see each kind's `status`)")
    subtype: str | None = Field(description="Product (passports), permit kind (stay permits) or source (enforcement)")
    reason_code: str | None
    regency: str | None = Field(description="Kode kabupaten/kota (passport applications)")
    opened_at: LocalTime
    last_occurred_at: LocalTime
    version: int


class CasesPublic(BaseModel):
    """A page of the case index, most recently active first. The next page's URL is in the
    ``Link: <…>; rel="next"`` header, and its cursor in ``next`` (pass it as ``after``)."""

    data: list[CaseSummaryPublic]
    count: int = Field(description="Rows on this page")
    next: str | None = Field(description="The cursor of the next page; null on the last page")
