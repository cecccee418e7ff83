"""The commands an officer or supervisor can run from a case page, as forms.

Each entry names the application's use case and the form fields that become its
arguments, in order; the use case and the domain check everything else (state, office,
decisions), exactly as for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any
from uuid import UUID

from domain.errors import InvalidCommand
from domain.values import AdministrativeAction, Collector, ObjectionOutcome, RefusalReason, StayTerm


@dataclass(frozen=True)
class Field:
    name: str
    label: tuple[str, str]
    kind: str = "text"  # text | date | amount | count | list | uuid | choice
    choices: type[Enum] | None = None
    optional: bool = False

    def parse(self, raw: str | None) -> Any:
        value = (raw or "").strip()
        if not value:
            if self.optional:
                return None
            raise InvalidCommand(self.name, "must not be empty")
        try:
            if self.kind == "date":
                return date.fromisoformat(value)
            if self.kind == "amount":
                return Decimal(value)
            if self.kind == "count":
                return int(value)
            if self.kind == "uuid":
                return UUID(value)
        except (ValueError, InvalidOperation):
            raise InvalidCommand(self.name, f"is not a valid {self.kind}") from None
        if self.kind == "list":
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


@dataclass(frozen=True)
class Command:
    name: str
    use_case: str
    label: tuple[str, str]
    fields: tuple[Field, ...] = ()
    decision: bool = False

    def arguments(self, form: dict[str, str]) -> list[Any]:
        return [field.parse(form.get(field.name)) for field in self.fields]


LEGAL_BASIS = Field("legal_basis", ("Dasar hukum", "Legal basis"))
BILLING = Field("billing_code", ("Kode billing", "Billing code"))
REASON = Field("reason", ("Alasan", "Reason"))

COMMANDS: dict[str, tuple[Command, ...]] = {
    "PassportApplication": (
        Command("payment", "pay_passport_fee", ("Bayar PNBP", "Pay the fee"), (BILLING,)),
        Command("zero-tariff", "grant_zero_tariff", ("Tarif nol", "Grant the zero tariff"),
                (Field("basis", ("Dasar", "Basis")),)),
        Command("biometrics", "capture_biometrics", ("Foto dan sidik jari", "Capture biometrics")),
        Command("interview", "interview", ("Wawancara", "Interview"), (
            Field("stated_purpose", ("Tujuan yang dinyatakan", "Stated purpose")),
            Field("indicators", ("Indikator (dipisah koma)", "Indicators (comma-separated)"), "list", optional=True),
            Field("assessment", ("Penilaian", "Assessment")),
        )),
        Command("postponement", "postpone", ("Penundaan", "Postpone"), (
            REASON,
            Field("referral_agency", ("Instansi rujukan", "Referral agency"), optional=True),
            Field("referral_instructions", ("Petunjuk rujukan", "Referral instructions"), optional=True),
        )),
        Command("postponement-lifting", "lift_postponement", ("Cabut penundaan", "Lift the postponement"),
                (Field("evidence", ("Bukti", "Evidence")),)),
        Command("refusal", "refuse_passport", ("Penolakan", "Refuse"), (
            Field("reason_code", ("Kode alasan", "Reason code"), "choice", RefusalReason),
            LEGAL_BASIS,
            Field("referral_agency", ("Instansi rujukan", "Referral agency"), optional=True),
            Field("referral_instructions", ("Petunjuk rujukan", "Referral instructions"), optional=True),
        ), decision=True),
        Command("approval", "approve_passport", ("Persetujuan", "Approve"), (LEGAL_BASIS,), decision=True),
        Command("issuance", "issue_passport", ("Penerbitan paspor", "Issue the passport"),
                (Field("passport_number", ("Nomor paspor", "Passport number")),)),
        Command("hand-over", "hand_over_passport", ("Penyerahan", "Hand over"),
                (Field("collector", ("Pengambil", "Collector"), "choice", Collector),)),
        Command("withdrawal", "withdraw_passport", ("Penarikan permohonan", "Withdraw"), (REASON,)),
        Command("cancellation", "cancel_uncollected_passport", ("Batal karena tidak diambil", "Cancel uncollected"),
                (LEGAL_BASIS,), decision=True),
    ),
    "StayPermit": (
        Command("payment", "pay_stay_permit_fee", ("Bayar PNBP", "Pay the fee"), (BILLING,)),
        Command("refusal", "refuse_stay_permit", ("Penolakan", "Refuse"),
                (Field("reason_code", ("Kode alasan", "Reason code")), LEGAL_BASIS), decision=True),
        Command("issuance", "issue_stay_permit", ("Penerbitan izin", "Issue the permit"), (
            Field("permit_number", ("Nomor izin", "Permit number")),
            Field("valid_from", ("Berlaku sejak", "Valid from"), "date"),
            Field("valid_until", ("Berlaku sampai", "Valid until"), "date"),
            LEGAL_BASIS,
        ), decision=True),
        Command("extension", "extend_stay_permit", ("Perpanjangan", "Extend"), (
            BILLING,
            Field("term", ("Jangka waktu", "Term"), "choice", StayTerm),
            Field("new_end", ("Berakhir baru", "New end date"), "date"),
        )),
        Command("transfer", "transfer_stay_permit", ("Alih status", "Transfer status"), (
            Field("requested_term", ("Jangka waktu", "Term"), "choice", StayTerm),
            LEGAL_BASIS,
        ), decision=True),
        Command("cancellation", "cancel_stay_permit", ("Pembatalan", "Cancel"), (
            Field("enforcement_case_id", ("Berkas penindakan (ID)", "Enforcement case (id)"), "uuid"),
            LEGAL_BASIS,
        ), decision=True),
        Command("ending", "end_stay_permit", ("Berakhir", "End the permit"), (REASON,)),
    ),
    "EnforcementCase": (
        Command("examination", "examine", ("Pemeriksaan (BAP)", "Record the examination"),
                (Field("report_number", ("Nomor BAP", "Report number")),)),
        Command("actions", "impose_action", ("Tindakan administratif", "Impose an action"), (
            Field("action", ("Tindakan", "Action"), "choice", AdministrativeAction),
            Field("decision_number", ("Nomor keputusan", "Decision number")),
            Field("reason_code", ("Kode alasan", "Reason code")),
            LEGAL_BASIS,
        ), decision=True),
        Command("charge", "assess_charge", ("Biaya beban", "Assess a charge"),
                (Field("amount", ("Jumlah (Rp)", "Amount (Rp)"), "amount"),)),
        Command("charge-payment", "pay_charge", ("Pembayaran biaya beban", "Record a charge payment"),
                (BILLING, Field("amount", ("Jumlah (Rp)", "Amount (Rp)"), "amount"))),
        Command("detention", "detain", ("Pendetensian", "Detain"), (
            Field("place", ("Tempat", "Place")),
            Field("ground", ("Dasar", "Ground")),
        )),
        Command("release", "release", ("Pembebasan", "Release"), (REASON,)),
        Command("objection", "file_objection", ("Keberatan", "File an objection"),
                (Field("grounds", ("Alasan keberatan", "Grounds")),)),
        Command("objection-decision", "decide_objection", ("Keputusan keberatan", "Decide the objection"), (
            Field("outcome", ("Hasil", "Outcome"), "choice", ObjectionOutcome),
            LEGAL_BASIS,
        ), decision=True),
        Command("deportation", "deport", ("Pendeportasian", "Deport"), (Field("port", ("Pelabuhan", "Port")),)),
        Command("closure", "close_enforcement_case", ("Tutup berkas", "Close the case"),
                (Field("outcome", ("Hasil", "Outcome")),)),
    ),
    "JointOperation": (
        Command("execution", "execute_joint_operation", ("Pelaksanaan", "Record the execution"), (
            Field("locations", ("Lokasi (dipisah koma)", "Locations (comma-separated)"), "list"),
            Field("persons_checked", ("Orang diperiksa", "Persons checked"), "count"),
        )),
        Command("closure", "close_joint_operation", ("Tutup operasi", "Close the operation"),
                (Field("report", ("Laporan", "Report")),)),
    ),
}


def command(kind: str, name: str) -> Command:
    for found in COMMANDS.get(kind, ()):
        if found.name == name:
            return found
    raise InvalidCommand("command", f"{kind} has no command {name!r}")
