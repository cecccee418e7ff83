"""Value objects and enumerations shared by the case aggregates.

Enums are plain ``Enum`` (not ``StrEnum``): the JSON encoder passes ``str``
subclasses through untagged, so a ``StrEnum`` would come back from the store as a
bare string. Plain enums reach the registered transcodings and round-trip exactly.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain.errors import InvalidCommand
from domain.plain_text import check_agency
from domain.privacy import PersonalDataUnreadable


class Role(Enum):
    """Who acts: petugas (officer), kepala seksi (supervisor), auditor, admin."""

    OFFICER = "OFFICER"
    SUPERVISOR = "SUPERVISOR"
    AUDITOR = "AUDITOR"
    ADMIN = "ADMIN"


class Channel(Enum):
    """Saluran permohonan: how the passport application reached the office."""

    M_PASPOR = "M_PASPOR"
    WALK_IN = "WALK_IN"
    COLLECTIVE = "COLLECTIVE"
    MOBILE_SERVICE = "MOBILE_SERVICE"


class ApplicationType(Enum):
    """Jenis permohonan paspor."""

    NEW = "NEW"
    REPLACE_EXPIRED = "REPLACE_EXPIRED"
    REPLACE_FULL = "REPLACE_FULL"
    REPLACE_LOST = "REPLACE_LOST"
    REPLACE_DAMAGED = "REPLACE_DAMAGED"


class Product(Enum):
    """Paspor biasa (non-elektronik) or paspor elektronik."""

    NON_ELECTRONIC = "NON_ELECTRONIC"
    ELECTRONIC = "ELECTRONIC"


class RefusalReason(Enum):
    """Alasan penolakan permohonan."""

    PMI_NONPROCEDURAL = "PMI_NONPROCEDURAL"
    UNCLEAR_PURPOSE = "UNCLEAR_PURPOSE"
    INCOMPLETE_DOCUMENTS = "INCOMPLETE_DOCUMENTS"
    PREVENTION_LIST = "PREVENTION_LIST"
    DUPLICATE = "DUPLICATE"
    DATA_MISMATCH = "DATA_MISMATCH"
    FALSE_INFORMATION = "FALSE_INFORMATION"


class PostponementReason(Enum):
    """Alasan penundaan: a code, so reports and auditors never see an officer's free text
    (what the officer adds about the applicant is a sealed ``PersonalNote``)."""

    PMI_VERIFICATION = "PMI_VERIFICATION"  # prospective migrant worker: BP3MI/Disnaker check
    POPULATION_DATA_CHECK = "POPULATION_DATA_CHECK"  # data kependudukan to be matched (Dukcapil)
    SUPPORTING_DOCUMENTS = "SUPPORTING_DOCUMENTS"  # e.g. an employer's or sponsor's letter
    PURPOSE_UNCLEAR = "PURPOSE_UNCLEAR"
    OTHER = "OTHER"


class ZeroTariffGroup(Enum):
    """Golongan tarif Rp0: who the tariff regulation exempts from the passport fee."""

    FIRST_TIME_MIGRANT_WORKER = "FIRST_TIME_MIGRANT_WORKER"  # calon pekerja migran Indonesia, paspor pertama
    TRAFFICKING_VICTIM = "TRAFFICKING_VICTIM"  # korban tindak pidana perdagangan orang
    DISASTER_VICTIM = "DISASTER_VICTIM"  # korban bencana alam: paspor hilang atau rusak


class LateEntryReason(Enum):
    """Alasan pencatatan terlambat: why an entry is recorded long after it happened. A code,
    never free text, so no personal data travels with it."""

    SYSTEM_OUTAGE = "SYSTEM_OUTAGE"  # SIMKIM or the network was down (gangguan sistem)
    OFFLINE_SERVICE = "OFFLINE_SERVICE"  # served on paper: mobile service, field operation
    DATA_MIGRATION = "DATA_MIGRATION"  # history carried over from an earlier system
    MISSED_ENTRY = "MISSED_ENTRY"  # an entry found missing on review (temuan pemeriksaan)
    COURT_OR_AUDIT_ORDER = "COURT_OR_AUDIT_ORDER"  # a court, the inspectorate or BPK ordered it recorded


class Uniqueness(Enum):
    """What must be unique (kunci unik), each kept by a reservation."""

    PASSPORT_NUMBER = "PASSPORT_NUMBER"  # nomor paspor: one passport per number, for ever
    PERMIT_NUMBER = "PERMIT_NUMBER"  # nomor izin tinggal: one permit per number, for ever
    OPEN_APPLICATION = "OPEN_APPLICATION"  # one open passport application per person and product
    OPEN_STAY_PERMIT = "OPEN_STAY_PERMIT"  # one open stay-permit application per foreigner and kind


class Collector(Enum):
    """Who collected the passport (pengambilan paspor)."""

    SELF = "SELF"
    FAMILY = "FAMILY"
    PROXY = "PROXY"


class PermitKind(Enum):
    """Izin tinggal kunjungan (ITK), terbatas (ITAS), tetap (ITAP)."""

    ITK = "ITK"
    ITAS = "ITAS"
    ITAP = "ITAP"


class PermitBasis(Enum):
    """Dasar pemberian izin tinggal."""

    VISA = "VISA"
    VISA_ON_ARRIVAL = "VISA_ON_ARRIVAL"
    STATUS_TRANSFER = "STATUS_TRANSFER"
    MIXED_MARRIAGE = "MIXED_MARRIAGE"
    BIRTH_IN_INDONESIA = "BIRTH_IN_INDONESIA"


class StayTerm(Enum):
    """Requested or granted term of a stay permit or an ITK extension."""

    DAYS_30 = "DAYS_30"
    DAYS_60 = "DAYS_60"
    MONTHS_6 = "MONTHS_6"
    YEARS_1 = "YEARS_1"
    YEARS_2 = "YEARS_2"
    YEARS_5 = "YEARS_5"

    def end(self, start: date) -> date:
        """The furthest end of the term from ``start``: its days on, or its calendar months
        and years on, to the same day of the month (the anniversary, as a passport's expiry),
        or that month's last day when it has no such day (29 February plus a year is 28
        February). A permit written to end the day before is within its term too."""
        months, days = _TERM_LENGTHS[self]
        return months_after(start, months) + timedelta(days=days)


# (calendar months, days) of each term: an ITK's are days, the others' calendar months.
_TERM_LENGTHS = {
    StayTerm.DAYS_30: (0, 30),
    StayTerm.DAYS_60: (0, 60),
    StayTerm.MONTHS_6: (6, 0),
    StayTerm.YEARS_1: (12, 0),
    StayTerm.YEARS_2: (24, 0),
    StayTerm.YEARS_5: (60, 0),
}


def months_after(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, kept within the month it lands in."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


class CaseSource(Enum):
    """Sumber perkara penindakan."""

    JOINT_OPERATION = "JOINT_OPERATION"
    FIELD_SUPERVISION = "FIELD_SUPERVISION"
    COUNTER = "COUNTER"
    PUBLIC_REPORT = "PUBLIC_REPORT"
    REFERRAL = "REFERRAL"


class AdministrativeAction(Enum):
    """Tindakan administratif keimigrasian, Pasal 75 ayat (2) UU 6/2011."""

    LISTED_PREVENTION_DETERRENCE = "LISTED_PREVENTION_DETERRENCE"
    PERMIT_RESTRICTED_OR_CANCELLED = "PERMIT_RESTRICTED_OR_CANCELLED"
    BANNED_FROM_PLACE = "BANNED_FROM_PLACE"
    ORDERED_TO_RESIDE = "ORDERED_TO_RESIDE"
    CHARGE = "CHARGE"
    DEPORTATION = "DEPORTATION"


class ObjectionOutcome(Enum):
    """Keputusan atas keberatan."""

    UPHELD = "UPHELD"
    REJECTED = "REJECTED"


class EnforcementReason(Enum):
    """Alasan tindakan administratif keimigrasian: the violation a supervisor's action answers.
    A code, never free text: it is a report and audit key, read by whoever reads those."""

    OVERSTAY = "OVERSTAY"  # tinggal melebihi izin (Pasal 78 UU 6/2011)
    OVERSTAY_UNDER_60_DAYS = "OVERSTAY_UNDER_60_DAYS"  # Pasal 78 ayat (1): biaya beban
    OVERSTAY_OVER_60_DAYS = "OVERSTAY_OVER_60_DAYS"  # Pasal 78 ayat (3): deportasi dan penangkalan
    OVERSTAY_REPEATED = "OVERSTAY_REPEATED"
    WORK_WITHOUT_PERMIT = "WORK_WITHOUT_PERMIT"  # bekerja tanpa izin (e.g. on an ITK)
    PERMIT_MISUSE = "PERMIT_MISUSE"  # kegiatan tidak sesuai izin tinggal (Pasal 75 ayat (1))
    ADDRESS_NOT_REPORTED = "ADDRESS_NOT_REPORTED"  # perubahan alamat tidak dilaporkan (Pasal 71)
    PUBLIC_ORDER = "PUBLIC_ORDER"  # membahayakan keamanan dan ketertiban umum


class StayRefusalReason(Enum):
    """Alasan penolakan izin tinggal: a code, like a passport's refusal; what is said about the
    foreigner or the sponsor is sealed personal data, never this."""

    INCOMPLETE_DOCUMENTS = "INCOMPLETE_DOCUMENTS"  # persyaratan tidak lengkap
    NO_SPONSOR = "NO_SPONSOR"  # tanpa penjamin
    SPONSOR_UNVERIFIED = "SPONSOR_UNVERIFIED"  # penjamin tidak dapat diverifikasi
    SPONSOR_DOCUMENTS_INVALID = "SPONSOR_DOCUMENTS_INVALID"  # dokumen penjamin tidak sah
    PURPOSE_MISMATCH = "PURPOSE_MISMATCH"  # maksud tinggal tidak sesuai izin yang dimohon


# The reason codes of decisions: every one is a member of one of these lists.
REASON_CODES = frozenset(
    member.value
    for codes in (
        RefusalReason,
        PostponementReason,
        ZeroTariffGroup,
        ObjectionOutcome,
        EnforcementReason,
        StayRefusalReason,
    )
    for member in codes
)


# What a read shows where a data subject's key was destroyed (crypto-shredding).
ERASED = "<erased>"
# What stands for sealed personal data that did not open (the subject's key row altered, a
# wrong key file), read where the data is not shown (``domain.transcodings.marking_unreadable``):
# never shown as data, never written again, never taken for ``<erased>``.
UNREADABLE = "<unreadable>"


@dataclass(frozen=True)
class PersonalData:
    """Data pribadi (UU 27/2022 PDP): the only place names, NIK and birth dates live.

    Stored sealed with the data subject's own key (``domain.transcodings``); read back,
    it carries the subject's id, and after erasure every field reads ``<erased>``.
    Never printed: ``repr`` and ``str`` show a placeholder, so a log line or an error
    message that formats an event cannot leak the subject.
    """

    name: str
    nik: str
    birth_date: date | None
    address: str
    # Who the store knows this person as (subjek data): set when read back from the store.
    subject_id: str | None = field(default=None, compare=False)

    @classmethod
    def erased(cls, subject_id: str | None) -> PersonalData:
        return cls(ERASED, ERASED, None, ERASED, subject_id)

    @classmethod
    def unreadable(cls, subject_id: str | None) -> PersonalData:
        return cls(UNREADABLE, UNREADABLE, None, UNREADABLE, subject_id)

    @property
    def is_erased(self) -> bool:
        return self.nik == ERASED

    @property
    def is_unreadable(self) -> bool:
        return self.nik == UNREADABLE

    def __repr__(self) -> str:
        return "PersonalData(<redacted>)"

    __str__ = __repr__


@dataclass(frozen=True)
class PersonalNote:
    """Catatan: free text an officer writes about a data subject. Personal data: sealed
    with the subject's key, erased with it; ``nik`` says whose it is and is sealed too."""

    text: str
    nik: str
    subject_id: str | None = field(default=None, compare=False)

    @classmethod
    def about(cls, person: PersonalData, field: str, text: str) -> PersonalNote:
        """What an officer writes on a person's case (an interview's assessment, a reason),
        sealed with that person's key. Nothing more is written about an erased person."""
        if person.is_erased:
            raise InvalidCommand(field, "the person's data was erased: nothing more is written about them")
        if person.is_unreadable:  # a command reads its case unmarked, so never here: refused anyway
            raise PersonalDataUnreadable("the person's data does not open: nothing is written about them")
        return cls(text, person.nik)

    @classmethod
    def on_record(cls, kind: str, record_id: UUID, text: str) -> PersonalNote:
        """Free text on a record about no single person (a joint operation's area, the places
        it checked, its report), which may still name people or places that lead to them:
        sealed under a data key of the record's own, the record standing where a NIK stands
        (``JointOperation:<id>``). The key is a data subject of its own in the vault, erased
        under the same rules (every case closed, retention over, no hold)."""
        return cls(text, f"{kind}:{record_id}")

    @classmethod
    def erased(cls, subject_id: str | None) -> PersonalNote:
        return cls(ERASED, ERASED, subject_id)

    @classmethod
    def unreadable(cls, subject_id: str | None) -> PersonalNote:
        return cls(UNREADABLE, UNREADABLE, subject_id)

    @property
    def is_unreadable(self) -> bool:
        return self.nik == UNREADABLE

    def __repr__(self) -> str:
        return "PersonalNote(<redacted>)"

    __str__ = __repr__


def recorded_text(recorded: PersonalNote | str | None) -> str | None:
    """Text a case recorded about its person (a passport or permit number, a sponsor): a note
    sealed with their key, or plain text in stores written before these fields were sealed."""
    return recorded.text if isinstance(recorded, PersonalNote) else recorded


@dataclass(frozen=True)
class Provenance:
    """Who did what, for which office, and when it happened (waktu kejadian).

    ``occurred_at`` is business time; the library's own ``timestamp`` on the event
    records when it was written. ``command_id`` makes a retried command a no-op.
    ``late_entry_reason`` marks a late entry (pencatatan terlambat): business time further
    back than the office's policy allows without a supervisor's reason; None otherwise.
    """

    actor_id: str
    actor_role: Role
    office: str
    occurred_at: datetime
    command_id: str | None = None
    late_entry_reason: LateEntryReason | None = None


@dataclass(frozen=True)
class Referral:
    """Rujukan: the agency the applicant is sent to and what they must bring. The agency is
    an institution; the instructions are about the applicant, so the case records them
    sealed with the applicant's key (plain text in stores written before)."""

    agency: str
    instructions: PersonalNote | str

    def about(self, person: PersonalData) -> Referral:
        """The referral as a case records it: instructions sealed with ``person``'s key, the
        agency plain (an institution: a name is refused, ``domain.plain_text``)."""
        check_agency("referral.agency", self.agency)
        text = recorded_text(self.instructions) or ""
        return Referral(self.agency, PersonalNote.about(person, "referral.instructions", text))


@dataclass(frozen=True)
class FeeLine:
    """One line of a billing (kode billing SIMPONI): tariff code and amount in IDR."""

    code: str
    amount: Decimal


@dataclass(frozen=True)
class Fee:
    """What was billed and paid: billing code, the lines and their total."""

    billing_code: str
    lines: tuple[FeeLine, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))
