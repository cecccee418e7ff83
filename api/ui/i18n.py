"""Bahasa Indonesia first, English on request: the interface's words and number formats.

Domain codes (statuses, reason codes, event names) stay as codes: officers and auditors
know them, and a report quoted in a court must use the same code the log holds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from api.http.errors import LOG_ALTERED

LANGUAGES = ("id", "en")
DEFAULT = "id"

# key -> (Bahasa Indonesia, English)
CATALOG: dict[str, tuple[str, str]] = {
    "app": ("Berkas — Kantor Imigrasi", "Berkas — Immigration Office"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav.main": ("Menu utama", "Main menu"),
    "nav.cases": ("Berkas", "Cases"),
    "nav.reports": ("Laporan tahunan", "Annual report"),
    "nav.audit": ("Keputusan (audit)", "Decisions (audit)"),
    "nav.ops": ("Operasional", "Operations"),
    "nav.signout": ("Keluar", "Sign out"),
    "lang.other": ("English", "Bahasa Indonesia"),
    "signin.title": ("Masuk", "Sign in"),
    "signin.token": ("Token akses", "Access token"),
    "signin.help": (
        "Tempel token dari administrator (berkas users add). Token hanya dipakai sekali untuk masuk.",
        "Paste the token from your administrator (berkas users add). It is used once to sign in.",
    ),
    "signin.submit": ("Masuk", "Sign in"),
    "signin.bad": ("Token tidak dikenal atau sudah dicabut.", "Unknown or revoked token."),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "csrf.bad": (
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
        "The form has expired or is not valid. Reload the page and try again.",
    ),
    "cases.title": ("Cari berkas", "Search cases"),
    "cases.number": ("Nomor berkas (ID)", "Case number (id)"),
    "cases.kind": ("Jenis", "Kind"),
    "cases.status": ("Status", "Status"),
    "cases.regency": ("Kode kabupaten/kota", "Regency code"),
    "cases.office": ("Kantor", "Office"),
    "cases.from": ("Aktivitas sejak", "Active from"),
    "cases.to": ("Aktivitas sampai", "Active until"),
    "cases.reason": ("Kode alasan", "Reason code"),
    "cases.search": ("Cari", "Search"),
    "cases.after": ("Penanda halaman", "Page marker"),
    "cases.limit": ("Baris per halaman", "Rows per page"),
    "cases.refused": (
        "Pencarian tidak dijalankan: saringan {filter} tidak sah: {rule}.",
        "No search was run: the filter {filter} is not valid: {rule}.",
    ),
    "cases.in_url": (
        "data pribadi tidak pernah dicari lewat alamat (URL), yang tersimpan di log dan riwayat peramban: "
        "gunakan «Cari menurut data pribadi» di bawah",
        "personal data is never searched through an address (URL), which logs and the browser's history keep: "
        "use «Search by personal data» below",
    ),
    "days.national": (
        "Tanggal disaring menurut hari kalender kantor tiap baris (WIB, WITA atau WIT), "
        "seperti waktu yang ditampilkan, bukan menurut zona waktu Anda.",
        "Dates filter by each row's own office's calendar day (WIB, WITA or WIT), "
        "as its times are shown, not by your own time zone.",
    ),
    "days.office": (
        "Tanggal menurut hari kalender kantor {office} ({zone}).",
        "Dates are office {office}'s calendar days ({zone}).",
    ),
    "cases.personal": ("Cari menurut data pribadi", "Search by personal data"),
    "cases.personal_help": (
        "NIK, nomor paspor/izin, atau nama lengkap persis; dicocokkan lewat indeks buta, "
        "tidak pernah tampil di alamat.",
        "NIK, passport/permit number, or the exact full name; matched by blind index, never shown in an address.",
    ),
    "cases.document": ("Nomor paspor atau izin", "Passport or permit number"),
    "cases.name": ("Nama lengkap", "Full name"),
    "cases.any": ("(semua)", "(any)"),
    "cases.none": ("Tidak ada berkas yang cocok.", "No matching cases."),
    "cases.next": ("Halaman berikutnya", "Next page"),
    "cases.first": ("Halaman pertama", "First page"),
    "cases.opened": ("Dibuka", "Opened"),
    "cases.last": ("Aktivitas terakhir", "Last activity"),
    "cases.version": ("Versi", "Version"),
    "cases.subtype": ("Produk/jenis", "Product/kind"),
    "cases.results": ("Hasil", "Results"),
    "case.title": ("Berkas", "Case"),
    "case.state": ("Keadaan", "State"),
    "case.now": ("Keadaan terkini", "Current state"),
    "case.as_of_version": ("Keadaan pada versi {v}", "State at version {v}"),
    "case.as_of_instant": ("Keadaan pada {t}", "State as of {t}"),
    "case.not_yet": ("Berkas belum ada pada saat itu.", "The case did not exist yet at that instant."),
    "case.view": ("Lihat per versi atau waktu", "View as of a version or instant"),
    "case.version": ("Versi", "Version"),
    "case.instant": ("Waktu (tanggal dan jam, waktu kantor)", "Instant (date and time, office time)"),
    "case.show": ("Tampilkan", "Show"),
    "case.current": ("Kembali ke keadaan terkini", "Back to the current state"),
    "case.timeline": ("Riwayat peristiwa", "Timeline of events"),
    "case.event": ("Peristiwa", "Event"),
    "case.occurred": ("Waktu kejadian", "Business time"),
    "case.recorded": ("Waktu pencatatan", "Recorded time"),
    "case.actor": ("Pelaku", "Actor"),
    "case.role": ("Peran", "Role"),
    "case.reason_code": ("Kode alasan", "Reason code"),
    "case.legal_basis": ("Dasar hukum", "Legal basis"),
    "case.late": ("dicatat terlambat", "late entry"),
    "case.details": ("Rincian", "Details"),
    "case.commands": ("Tindakan", "Commands"),
    "case.run": ("Jalankan", "Run"),
    "case.decision": ("keputusan kepala seksi", "supervisor's decision"),
    "case.done": ("Tersimpan: berkas kini versi {v}.", "Saved: the case is now at version {v}."),
    "case.stale": (
        "Halaman ini sudah usang: berkas telah berubah menjadi versi {current} sejak Anda membukanya "
        "(versi {seen}). Tidak ada yang ditimpa. Periksa keadaan terkini lalu ulangi bila masih perlu.",
        "This page is out of date: the case has moved on to version {current} since you opened it "
        "(version {seen}). Nothing was overwritten. Check the current state and try again if still needed.",
    ),
    "case.refused": ("Perintah ditolak", "Command refused"),
    "case.read_only": (
        "Tampilan historis: tindakan hanya dari keadaan terkini.",
        "Historical view: commands run only from the current state.",
    ),
    "case.redacted": (
        "Data pribadi disamarkan untuk peran Anda (UU 27/2022).",
        "Personal data is redacted for your role (UU 27/2022).",
    ),
    "case.unreadable": (
        "Data pribadi berkas ini tidak dapat dibuka: baris kunci subjek datanya diubah di basis data "
        "(atau berkas kunci tidak cocok). Kolom data pribadinya dikosongkan.",
        "Personal data of this case does not open: its data subject's key row was altered in the database "
        "(or the key file does not match). Its personal data fields are left empty.",
    ),
    "case.unreadable_event": ("data pribadi tidak dapat dibuka", "personal data unreadable"),
    "report.title": ("Laporan tahunan", "Annual report"),
    "report.year": ("Tahun", "Year"),
    "report.office": ("Kantor", "Office"),
    "report.national": ("Nasional", "National"),
    "report.as_known": ("Sebagaimana diketahui pada", "As known at"),
    "report.show": ("Tampilkan", "Show"),
    "report.headline": ("Angka utama", "Headline figures"),
    "report.monthly": ("Per bulan", "Monthly"),
    "report.breakdowns": ("Rincian", "Breakdowns"),
    "report.csv": ("Unduh CSV", "Download CSV"),
    "report.csv_id": ("angka format Indonesia", "Indonesian number format"),
    "report.print": ("Versi cetak", "Printable page"),
    "report.print_now": ("Cetak", "Print"),
    "report.share": ("Persentase dari target", "Share of target"),
    "report.indicator": ("Indikator", "Indicator"),
    "report.value": ("Nilai", "Value"),
    "report.key": ("Kode", "Code"),
    "report.month": ("Bulan", "Month"),
    "chart.passports": ("Paspor diterbitkan menurut jenis", "Passports issued by type"),
    "chart.pmi": ("Penolakan terindikasi PMI nonprosedural", "Refusals, suspected non-procedural migrant workers"),
    "chart.permits": ("Dokumen izin tinggal", "Stay-permit documents"),
    "chart.actions": ("Tindakan administratif keimigrasian", "Administrative actions"),
    "chart.revenue": ("PNBP paspor kumulatif terhadap target", "Cumulative passport revenue against target"),
    "chart.target": ("Target", "Target"),
    "chart.revenue_series": ("PNBP kumulatif", "Cumulative revenue"),
    "audit.title": ("Keputusan", "Decisions"),
    "audit.officer": ("ID pengambil keputusan", "Deciding user's id"),
    "audit.reason": ("Kode alasan", "Reason code"),
    "audit.office": ("Kantor", "Office"),
    "audit.from": ("Sejak", "From"),
    "audit.to": ("Sampai", "Until"),
    "audit.decision": ("Keputusan", "Decision"),
    "audit.case": ("Berkas", "Case"),
    "audit.none": ("Tidak ada keputusan yang cocok.", "No matching decisions."),
    "ops.title": ("Operasional", "Operations"),
    "ops.projections": ("Proyeksi", "Projections"),
    "ops.position": ("Posisi", "Position"),
    "ops.lag": ("Tertinggal (peristiwa)", "Lag (events)"),
    "ops.rebuild": ("Bangun ulang semua proyeksi", "Rebuild every projection"),
    "ops.jobs": ("Pekerjaan bangun ulang", "Rebuild jobs"),
    "ops.no_jobs": ("Belum ada pekerjaan.", "No jobs yet."),
    "ops.job_running": ("Sudah ada pembangunan ulang yang berjalan.", "A rebuild is already running."),
    "ops.ledger": ("Buku besar (ledger)", "Ledger"),
    "ops.checkpoint": ("Checkpoint terakhir", "Latest checkpoint"),
    "ops.signed": ("ditandatangani", "signed"),
    "ops.unsigned": ("belum ditandatangani", "unsigned"),
    "ops.verify": ("Verifikasi sekarang", "Verify now"),
    "ops.last_verification": ("Verifikasi terakhir", "Last verification"),
    "ops.verification_job": ("Verifikasi berjalan", "Verification job"),
    "ops.never": ("belum pernah", "never"),
    "ops.users": ("Pengguna", "Users"),
    "ops.name": ("Nama", "Name"),
    "ops.role": ("Peran", "Role"),
    "ops.revoked": ("dicabut", "revoked"),
    "ops.active": ("aktif", "active"),
    "ops.state": ("Keadaan", "State"),
    "ops.new_user": ("Akun baru dan tokennya", "A new account and its token"),
    "ops.create": ("Buat akun", "Create account"),
    "ops.operator_account": (
        "Akun auditor dikelola operator server (berkas users revoke).",
        "An auditor's account is the server operator's (berkas users revoke).",
    ),
    "ops.office_help": (
        "Administrator hanya mengelola akun kantornya sendiri.",
        "An admin manages only the accounts of their own office.",
    ),
    "ops.created": ("Akun {name} ({role}, {office}) dibuat.", "Account {name} ({role}, {office}) created."),
    "ops.token_once": (
        "Token akses — salin sekarang, tidak akan ditampilkan lagi",
        "Access token — copy it now, it will not be shown again",
    ),
    "ops.revoke": ("Cabut token", "Revoke token"),
    "ops.revoke_reason": ("Alasan pencabutan", "Reason for revoking"),
    "ops.revoked_done": (
        "Token dicabut: akun dinonaktifkan dan semua sesinya berakhir.",
        "Token revoked: the account is deactivated and all its sessions have ended.",
    ),
    "ops.progress": ("Kemajuan", "Progress"),
    "ops.events": ("Peristiwa", "Events"),
    "ops.day": ("Hari", "Day"),
    "ops.started": ("Dimulai", "Started"),
    "error.title": ("Tidak dapat ditampilkan", "Cannot be shown"),
    "error.forbidden": ("Anda tidak berwenang untuk ini.", "You are not allowed to do this."),
    "error.not_found": ("Tidak ditemukan.", "Not found."),
    "error.invalid": ("Isian tidak sah", "Invalid input"),
    "error.method": ("Halaman ini tidak menerima {method}.", "This page does not take {method}."),
    "error.log_altered": (
        "Sebuah peristiwa tersimpan dari berkas ini tidak dapat dibaca: log peristiwa diubah di luar Berkas; "
        "`berkas ledger verify` menunjukkan peristiwa pertama yang diubah.",
        LOG_ALTERED + ".",
    ),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
}

# Command form fields, by the body model's field name (Bahasa Indonesia, English).
FIELDS: dict[str, tuple[str, str]] = {
    "action": ("Tindakan", "Action"),
    "address": ("Alamat", "Address"),
    "agency": ("Instansi", "Agency"),
    "alleged_violation": ("Dugaan pelanggaran", "Alleged violation"),
    "amount": ("Jumlah (Rp)", "Amount (Rp)"),
    "article": ("Pasal", "Article"),
    "assessment": ("Penilaian", "Assessment"),
    "basis": ("Dasar", "Basis"),
    "billing_code": ("Kode billing", "Billing code"),
    "birth_date": ("Tanggal lahir", "Birth date"),
    "collector": ("Pengambil", "Collector"),
    "decision_number": ("Nomor keputusan", "Decision number"),
    "enforcement_case_id": ("Berkas penindakan (ID)", "Enforcement case (id)"),
    "evidence": ("Bukti", "Evidence"),
    "ground": ("Dasar", "Ground"),
    "grounds": ("Alasan keberatan", "Grounds"),
    "indicators": ("Indikator (pisahkan dengan koma)", "Indicators (comma-separated)"),
    "instructions": ("Petunjuk", "Instructions"),
    "late_entry_reason": ("Alasan pencatatan terlambat", "Late-entry reason"),
    "legal_basis": ("Dasar hukum", "Legal basis"),
    "locations": ("Lokasi (pisahkan dengan koma)", "Locations (comma-separated)"),
    "name": ("Nama", "Name"),
    "nationality": ("Kewarganegaraan (kode 3 huruf)", "Nationality (3-letter code)"),
    "new_end": ("Tanggal berakhir baru", "New end date"),
    "nik": ("NIK", "NIK"),
    "occurred_at": ("Waktu kejadian (bila bukan sekarang)", "Business time (if not now)"),
    "outcome": ("Hasil", "Outcome"),
    "passport_number": ("Nomor paspor", "Passport number"),
    "permit_number": ("Nomor izin", "Permit number"),
    "persons_checked": ("Orang diperiksa", "Persons checked"),
    "place": ("Tempat", "Place"),
    "port": ("Pelabuhan", "Port"),
    "reason": ("Alasan", "Reason"),
    "reason_code": ("Kode alasan", "Reason code"),
    "referral": ("Rujukan", "Referral"),
    "report": ("Laporan", "Report"),
    "report_number": ("Nomor BAP", "Report number"),
    "requested_term": ("Jangka waktu", "Term"),
    "stated_purpose": ("Tujuan yang dinyatakan", "Stated purpose"),
    "subject": ("Subjek", "Subject"),
    "summary": ("Ringkasan", "Summary"),
    "term": ("Jangka waktu", "Term"),
    "valid_from": ("Berlaku sejak", "Valid from"),
    "valid_until": ("Berlaku sampai", "Valid until"),
}

# Lifecycle commands as an officer says them; English comes from the API route's summary.
COMMANDS: dict[str, str] = {
    "approve": "Persetujuan",
    "assess_charge": "Penetapan biaya beban",
    "cancel": "Pembatalan izin",
    "cancel_uncollected": "Pembatalan paspor yang tidak diambil",
    "capture_biometrics": "Foto dan sidik jari",
    "close": "Penutupan",
    "decide_objection": "Keputusan atas keberatan",
    "deport": "Pendeportasian",
    "detain": "Pendetensian",
    "end": "Berakhirnya izin",
    "examine": "Pemeriksaan (BAP)",
    "execute": "Pelaksanaan operasi",
    "extend": "Perpanjangan",
    "file_objection": "Pengajuan keberatan",
    "grant_zero_tariff": "Tarif nol",
    "hand_over": "Penyerahan paspor",
    "impose_action": "Tindakan administratif keimigrasian",
    "interview": "Wawancara",
    "issue": "Penerbitan",
    "lift_postponement": "Pencabutan penundaan",
    "pay": "Pembayaran PNBP",
    "pay_charge": "Pembayaran biaya beban",
    "postpone": "Penundaan",
    "record_finding": "Pencatatan temuan",
    "refuse": "Penolakan",
    "release": "Pembebasan dari detensi",
    "transfer": "Alih status",
    "withdraw": "Penarikan permohonan",
}

MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # thousands, decimal
_BIG = {"id": ("miliar", "juta"), "en": ("billion", "million")}


def language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT


def text(lang: str, key: str, **values: object) -> str:
    words = CATALOG[key][LANGUAGES.index(lang)]
    return words.format(**values) if values else words


def field_label(lang: str, dotted: str) -> str:
    """A form field's label; a nested field names its group first (Rujukan — Instansi)."""
    parts = [FIELDS.get(part, (part, part))[LANGUAGES.index(lang)] for part in dotted.split(".")]
    return " — ".join(parts)


def command_label(lang: str, command: str, summary: str) -> str:
    if lang == "id" and command in COMMANDS:
        return COMMANDS[command]
    return summary.partition(":")[0]


def number(lang: str, value: int | Decimal | float, places: int = 0) -> str:
    """73.338 and 333,68 in Indonesian; 73,338 and 333.68 in English."""
    thousands, decimal = _SEPARATORS[lang]
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", thousands)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{groups}{decimal}{fraction}" if fraction else f"{sign}{groups}"


def rupiah(lang: str, amount: int) -> str:
    """As the office's report writes it: Rp 33,81 miliar (Rp 33.81 billion in English)."""
    billion, million = _BIG[lang]
    if abs(amount) >= 10**9:
        return f"Rp {number(lang, Decimal(amount) / 10**9, 2)} {billion}"
    if abs(amount) >= 10**6:
        return f"Rp {number(lang, Decimal(amount) / 10**6, 2)} {million}"
    return f"Rp {number(lang, amount)}"


def percent(lang: str, value: Decimal | None) -> str:
    return "—" if value is None else f"{number(lang, value, 2)} %"


# A case's attributes as its page shows them, by the API's field name (Bahasa Indonesia,
# English); a form field's label (FIELDS) serves when the name is the same thing.
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "personal_data_unreadable": (
        "Data pribadi tidak dapat dibuka (baris kunci diubah)",
        "Personal data unreadable (key row altered)",
    ),
    "actions": ("Tindakan administratif", "Administrative actions"),
    "adjudicator": ("Pemutus (ID kepala seksi)", "Adjudicator (supervisor's id)"),
    "agencies": ("Instansi", "Agencies"),
    "alleged_violation": ("Dugaan pelanggaran", "Alleged violation"),
    "applicant": ("Pemohon", "Applicant"),
    "application_type": ("Jenis permohonan", "Application type"),
    "area": ("Wilayah operasi", "Area"),
    "article": ("Pasal", "Article"),
    "basis": ("Dasar", "Basis"),
    "channel": ("Saluran", "Channel"),
    "charge_due": ("Biaya beban terutang", "Charge due"),
    "charge_paid": ("Biaya beban dibayar", "Charge paid"),
    "deported_on": ("Tanggal dideportasi", "Deported on"),
    "destination": ("Negara tujuan", "Destination"),
    "detained": ("Dalam detensi", "Detained"),
    "enforcement_case_id": ("Berkas penindakan (ID)", "Enforcement case (id)"),
    "executed_on": ("Tanggal pelaksanaan", "Executed on"),
    "expedited": ("Layanan percepatan", "Expedited"),
    "expiry_date": ("Tanggal habis berlaku", "Expiry date"),
    "extensions": ("Jumlah perpanjangan", "Extensions"),
    "fee_paid": ("PNBP dibayar", "Fee paid"),
    "findings": ("Temuan", "Findings"),
    "foreigner": ("Orang asing", "Foreigner"),
    "indicators": ("Indikator", "Indicators"),
    "instructions": ("Petunjuk", "Instructions"),
    "interviewed_by": ("Pewawancara (ID petugas)", "Interviewed by (officer's id)"),
    "issue_date": ("Tanggal terbit", "Issue date"),
    "last_occurred_at": ("Peristiwa terakhir", "Latest event"),
    "nationality": ("Kewarganegaraan", "Nationality"),
    "objection_pending": ("Keberatan diproses", "Objection pending"),
    "operation_id": ("Operasi gabungan (ID)", "Joint operation (id)"),
    "outcome": ("Hasil", "Outcome"),
    "permit_kind": ("Jenis izin tinggal", "Permit kind"),
    "port": ("Tempat pemeriksaan imigrasi", "Port"),
    "postponement_reason": ("Alasan penundaan", "Postponement reason"),
    "product": ("Produk", "Product"),
    "purpose": ("Tujuan perjalanan", "Purpose of travel"),
    "reason_code": ("Kode alasan", "Reason code"),
    "regency_code": ("Kode kabupaten/kota", "Regency code"),
    "report_number": ("Nomor BAP", "Report number"),
    "requested_term": ("Jangka waktu dimohon", "Requested term"),
    "source": ("Sumber perkara", "Source"),
    "sponsor": ("Penjamin", "Sponsor"),
    "subject": ("Subjek", "Subject"),
    "successor_id": ("Izin penerus (ID)", "Successor permit (id)"),
    "successor_kind": ("Jenis izin penerus", "Successor kind"),
    "validity_years": ("Masa berlaku (tahun)", "Validity (years)"),
    "zero_tariff_basis": ("Dasar tarif nol", "Zero-tariff basis"),
}


def attribute_label(lang: str, key: str) -> str:
    """A case attribute's label; a name without one reads as words (``new_field`` → New Field)."""
    found = ATTRIBUTES.get(key) or FIELDS.get(key)
    if found is None:
        return key.replace("_", " ").strip().title() or key
    return found[LANGUAGES.index(lang)]
