"""A refusal in the page's language: the domain's and the body models' rules (written in
English, as the API answers them) rendered in Bahasa Indonesia on an Indonesian page.

Each known rule is a pattern over the English text; what it quotes (a field, a code, a
year, a case id) is kept as it is. An unknown rule is shown as written, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from api.ui import i18n
from domain.case import CONTROL_RULE, KEY_REUSED_RULE, TEXT_LENGTH_RULE, TEXT_MAX_LENGTH
from domain.errors import ConflictError, DomainError, IllegalTransition, InvalidCommand, KeyTaken
from domain.offices import OFFICE_RULE
from domain.plain_text import (
    AGENCY_RULE,
    CITATION_RULE,
    COUNTRY_RULE,
    DATE_RULE,
    DOCUMENT_RULE,
    IDENTITY_NUMBER_RULE,
    NIK_RUN_RULE,
    NUMBER_RULE,
    PLACE_RULE,
    PORT_RULE,
    SIGNS_RULE,
)
from domain.reservation import RULE_TEXT, Rule

ROLES_ID = {"officer": "petugas", "supervisor": "kepala seksi", "auditor": "auditor", "admin": "admin"}
_CONTROL_PATTERNS = ("\\x00-\\x08", "\\x00-\\x1f")  # Text's and a name's: no control characters


def _roles(text: str) -> str:
    """'a supervisor', 'an officer or supervisor' → 'kepala seksi', 'petugas atau kepala seksi'."""
    words = re.sub(r"^an? ", "", text).split(" or ")
    return " atau ".join(ROLES_ID.get(word, word) for word in words)


def _command(words: str) -> str:
    return i18n.COMMANDS.get(words.replace(" ", "_"), words)


def _pattern(pattern: str) -> str:
    """A body model's pattern, as the rule it stands for."""
    if any(control in pattern for control in _CONTROL_PATTERNS):
        return "tidak boleh berisi karakter kendali (NUL, escape, …)"
    known = {
        "^[A-Z]{3}$": "harus kode negara ISO 3166-1 alpha-3 (tiga huruf kapital), misalnya JPN",
        "^[0-9]{16}$": "harus 16 digit angka",
        "^[A-Z][A-Z0-9_]*$": "harus kode alasan: huruf kapital, angka dan _, misalnya OVERSTAY",
        "^[A-Za-z0-9][A-Za-z0-9./_()-]*$": "harus nomor: huruf, angka dan . / _ ( ) -, tanpa spasi",
        "^[!-~]+$": "harus kode: huruf, angka dan tanda baca, tanpa spasi",
    }
    return known.get(pattern, f"tidak sesuai format yang diminta ({pattern})")


_Render = str | Callable[[re.Match[str]], str]

# English rule (matched whole) -> Bahasa Indonesia; ``{0}``… are the rule's quoted parts.
RULES: list[tuple[re.Pattern[str], _Render]] = [
    (re.compile(re.escape(exact)), words)
    for exact, words in {
        CITATION_RULE: "harus kutipan peraturan, misalnya UU 6/2011 Pasal 75 ayat (1): hanya kata, angka dan "
        "huruf tunggal sebuah kutipan yang diterima, agar tidak ada nama yang masuk ke jejak audit",
        DOCUMENT_RULE: "harus menyebut peraturan atau dokumen, misalnya Pasal 8 UU 27/2022, DIPA 2024 Kanim Malang "
        "atau LHP 12/2025: hanya kata peraturan, dokumen, instansi dan tempat serta angka yang diterima, "
        "agar tidak ada nama yang tersimpan di log",
        PLACE_RULE: "harus menyebut tempat detensi, misalnya Rudenim Surabaya atau Ruang Detensi Kanim Malang: "
        "hanya kata nama instansi dan tempat serta angka yang diterima, agar tidak ada nama orang di jejak audit",
        PORT_RULE: "harus menyebut tempat pemeriksaan imigrasi dengan kode IATA atau UN/LOCODE (SUB, ID SUB) atau "
        "namanya, misalnya Bandara Internasional Juanda: hanya kata nama instansi dan tempat serta angka "
        "yang diterima, agar tidak ada nama orang di jejak audit",
        AGENCY_RULE: "harus menyebut instansi, misalnya POLRI, SATPOL_PP, Polres Malang Kota atau BP3MI Jawa Timur: "
        "hanya kata nama instansi dan tempat serta angka yang diterima, agar tidak ada nama orang di jejak audit",
        NUMBER_RULE: "harus nomor yang diberikan kantor atau sistem: huruf, angka dan . / _ ( ) -, tanpa spasi, "
        "sedikitnya satu angka",
        NIK_RUN_RULE: "tidak boleh memuat 16 angka atau lebih, bagaimanapun dikelompokkan (3573014512900001, "
        "3573-0145-1290-0001), bentuk sebuah NIK: nomor yang diberikan kantor lebih pendek (kode billing SIMPONI "
        "15 angka)",
        SIGNS_RULE: "harus teks biasa: hanya huruf A-Z, angka, spasi dan . , ; : / ( ) [ ] - _ ' \" &, "
        "tanpa markup seperti < >",
        IDENTITY_NUMBER_RULE: "tidak boleh memuat nomor identitas: 16 angka bagaimanapun dikelompokkan (NIK, "
        "5171-0145-0690-0001) atau 6 angka atau lebih dalam satu kelompok (nomor paspor); nomor peraturan atau "
        "surat tidak demikian",
        DATE_RULE: "tidak boleh memuat tanggal yang ditulis dengan angka (05-06-1990, 1990-06-05), yang bisa "
        "merupakan tanggal lahir: peraturan dikutip dengan nomor dan tahunnya, misalnya UU 6/2011",
        COUNTRY_RULE: "harus kode negara ISO 3166-1 alpha-3, misalnya JPN",
        TEXT_LENGTH_RULE: f"paling banyak {TEXT_MAX_LENGTH} karakter",
        CONTROL_RULE: "tidak boleh berisi karakter kendali (escape, NUL, …): hanya tab dan baris baru",
        KEY_REUSED_RULE: "pernah dikirim dengan permintaan lain: permintaan baru memakai kunci baru",
        RULE_TEXT[Rule.PASSPORT_NUMBER]: "nomor paspor hanya diterbitkan sekali",
        RULE_TEXT[Rule.PERMIT_NUMBER]: "nomor izin tinggal hanya diterbitkan sekali",
        RULE_TEXT[Rule.OPEN_APPLICATION]: "satu orang hanya boleh punya satu permohonan terbuka per produk paspor",
        RULE_TEXT[Rule.OPEN_STAY_PERMIT]: "satu orang asing hanya boleh punya satu permohonan terbuka per jenis "
        "izin tinggal",
    }.items()
] + [
    (re.compile(pattern), words)
    for pattern, words in (
        # The domain's rules (domain/*.py), then the web pages' own (api/ui/*).
        (r"must not be empty", "wajib diisi"),
        (r"must be 16 digits", "harus 16 digit angka"),
        (r"must be one of (.+)", "harus salah satu dari {0}"),
        (r"must be between the years (\d+) and (\d+)", "harus antara tahun {0} dan {1}"),
        (r"must be a year between (\d+) and (\d+)", "harus tahun antara {0} dan {1}"),
        (
            r"must be whole rupiah written in the digits 0-9, without sign, point, exponent or separator",
            "harus rupiah bulat ditulis dengan angka 0-9, tanpa tanda, titik, eksponen atau pemisah",
        ),
        (
            r"is not a number: whole rupiah written in the digits 0-9, without sign, point, exponent or separator",
            "bukan angka: rupiah bulat ditulis dengan angka 0-9, tanpa tanda, titik, eksponen atau pemisah",
        ),
        (
            r"the person's data was erased: nothing more is written about them",
            "data orang ini telah dihapus: tidak ada lagi yang dicatat tentangnya",
        ),
        (r"must be whole rupiah \(PNBP has no sen\)", "harus rupiah bulat (PNBP tanpa sen)"),
        (r"must be positive", "harus lebih dari nol"),
        (r"must be at most Rp (.+)", "paling banyak Rp {0}"),
        (r"must be a whole number of rupiah", "harus rupiah bulat"),
        (r"must be a finite number of rupiah", "harus jumlah rupiah yang terhingga"),
        (r"(\d+) does not exist: this case has (\d+) versions?", "{0} tidak ada: berkas ini punya {1} versi"),
        (r"must be 5 or 10", "harus 5 atau 10"),
        (r"must be a date after valid_from", "harus tanggal sesudah Berlaku sejak (valid_from)"),
        (r"must be a date after the current end of the permit", "harus tanggal sesudah akhir izin tinggal saat ini"),
        (
            r"must be on or before (\S+): valid_from plus the granted term (\S+)",
            "paling lambat {0}: Berlaku sejak (valid_from) ditambah jangka waktu yang diberikan, {1}",
        ),
        (
            r"must be between (\S+) and (\S+): within (\d+) days of the day of the decision \((\S+)\)",
            "harus antara {0} dan {1}: paling jauh {2} hari dari tanggal keputusan ({3})",
        ),
        (
            r"must be on or before (\S+): the current end plus the extension term (\S+)",
            "paling lambat {0}: akhir izin tinggal saat ini ditambah jangka waktu perpanjangan, {1}",
        ),
        (r"(\S+) is not a term for (\S+)", "{0} bukan jangka waktu untuk {1}"),
        (r"(\S+) is not in the jurisdiction of (\S+)", "{0} bukan wilayah kerja kantor {1}"),
        (r"needs both an agency and instructions", "harus berisi instansi dan petunjuk sekaligus"),
        (r"must carry a time zone.*", "harus menyertakan zona waktu"),
        (r"must be a whole number, zero or more", "harus bilangan bulat, nol atau lebih"),
        (
            r"is required for, and only for, a joint-operation finding",
            "wajib untuk, dan hanya untuk, temuan operasi gabungan",
        ),
        (re.escape(OFFICE_RULE), "harus kode kantor, misalnya MLG: salah satu dalam data referensi, huruf kapital"),
        (r"no tariff in force on (\S+)", "tidak ada tarif yang berlaku pada {0}"),
        (
            r"must not be before the case's previous event \((.+)\)",
            "tidak boleh lebih awal dari peristiwa berkas sebelumnya ({0})",
        ),
        (r"must not be in the future", "tidak boleh di masa depan"),
        (r"must be a date and time such as (\S+)", "harus tanggal dan jam, misalnya {0}"),
        (r"must be a date and time", "harus tanggal dan jam"),
        (r"must be a date such as (\S+)", "harus tanggal, misalnya {0}"),
        (r"must be a date", "harus tanggal"),
        (
            r"must be an ISO 3166(?:-1)? alpha-3 code, e\.g\. (\w+)",
            "harus kode negara ISO 3166-1 alpha-3, misalnya {0}",
        ),
        (r"must name at least one location", "harus menyebut sedikitnya satu lokasi"),
        (r"must name at least one agency", "harus menyebut sedikitnya satu instansi"),
        (r"required for a late entry \((.+)\)", "wajib untuk pencatatan terlambat ({0})"),
        (r"only for a late entry \((.+)\)", "hanya untuk pencatatan terlambat ({0})"),
        (r"an? (\S+) cannot be transferred", "{0} tidak dapat dialihstatuskan"),
        (
            r"zero tariff: the same-day expedited service is never free of charge",
            "tarif nol: layanan percepatan selesai hari yang sama tidak pernah gratis",
        ),
        (r"must be at most the charge outstanding", "paling banyak sebesar sisa biaya beban"),
        (r"(\S+) is already imposed on this case", "{0} sudah dikenakan pada berkas ini"),
        (r"a charge needs the CHARGE action imposed first", "biaya beban memerlukan tindakan CHARGE lebih dulu"),
        (r"(\S+) (\S+) is (\S+), not (\S+)", "{0} {1} berstatus {2}, bukan {3}"),
        (r"(\S+) (\S+) belongs to another office", "{0} {1} milik kantor lain"),
        (r"no (\S+) (\S+)", "tidak ada {0} {1}"),
        (r"(\S+) has no command '?([^']+)'?", "{0} tidak punya perintah {1}"),
        (r"must be a number: at least one digit", "harus nomor: sedikitnya satu angka"),
        (r"must be a case id such as (.+)", "harus nomor berkas (ID), misalnya {0}"),
        (
            r"give a NIK, a passport or permit number, or a name",
            "isi NIK, nomor paspor atau izin, atau nama lengkap",
        ),
        (r"must be a whole number from 1", "harus bilangan bulat mulai dari 1"),
        # The lists' filters (api/http/listing.py, api/http/routers/case_list.py).
        (r"is not a status of (\S+): one of (.+)", "bukan status {0}: salah satu dari {1}"),
        (
            r"is a reason code of (.+), not of (\S+)",
            lambda m: f"kode alasan {m[1].replace(' and ', ' dan ')}, bukan {m[2]}",
        ),
        (
            r"is a decision's code that no case keeps as its reason code",
            "kode keputusan yang tidak disimpan berkas mana pun sebagai kode alasannya",
        ),
        (r"is not the reason code of any recorded decision", "bukan kode alasan keputusan mana pun yang tercatat"),
        (r"is not a regency code any office serves", "bukan kode kabupaten/kota wilayah kerja kantor mana pun"),
        (
            r"is not a cursor of this list: pass the `next` of the previous page",
            "bukan penanda halaman daftar ini: ikuti tautan «Halaman berikutnya» halaman sebelumnya",
        ),
        (r"give either a version or an instant, not both", "isi versi atau waktu, jangan keduanya"),
        (r"the page's version is missing", "versi halaman tidak ada: muat ulang halaman"),
        (
            r"must be the one the case page gave this command's form: reload the page",
            "harus yang diberikan halaman berkas untuk formulir ini: muat ulang halaman",
        ),
        # Refusals of a role or an office (NotPermitted).
        (r"only (an? [a-z ]+?) may decide", lambda m: f"hanya {_roles(m[1])} yang boleh memutuskan"),
        (r"only (an? [a-z ]+?) may (.+)", lambda m: f"hanya {_roles(m[1])} yang boleh melakukan {_command(m[2])}"),
        (r"(an? [a-z]+) cannot act on cases", lambda m: f"{_roles(m[1])} tidak dapat menangani berkas"),
        (r"(an? [a-z]+) may not do this", lambda m: f"{_roles(m[1])} tidak boleh melakukan ini"),
        (r"the case belongs to office (\S+), not (\S+)", "berkas ini milik kantor {0}, bukan {1}"),
        (r"(\S+) (\S+) belongs to office (\S+)", "{0} {1} milik kantor {2}"),
        (r"case (\S+) belongs to another office", "berkas {0} milik kantor lain"),
        (r"an admin manages accounts, not cases", "admin mengelola akun, bukan berkas"),
        (
            r"office (\S+)'s records are for its own staff and auditors, not (\S+)'s",
            "catatan kantor {0} hanya untuk pegawainya sendiri dan auditor, bukan untuk pegawai {1}",
        ),
        (
            r"reports and the audit trail are for supervisors and auditors",
            "laporan dan jejak audit hanya untuk kepala seksi dan auditor",
        ),
        (
            r"an admin of office (\S+) manages only that office's accounts, not (\S+)'s",
            "admin kantor {0} hanya mengelola akun kantornya sendiri, bukan akun {1}",
        ),
        (
            r"auditors read every office: their accounts are the server operator's \(berkas users add\)",
            "auditor membaca semua kantor: akunnya dibuat oleh operator server (berkas users add)",
        ),
        (
            r"the directory of office (\S+) is for its own staff and auditors",
            "direktori kantor {0} hanya untuk pegawainya sendiri dan auditor",
        ),
        (
            r"late entry: only a supervisor may record an entry this far back",
            "pencatatan terlambat: hanya kepala seksi yang boleh mencatat sejauh ini ke belakang",
        ),
        (
            r"late entry \((.+)\): only a supervisor may record it",
            "pencatatan terlambat ({0}): hanya kepala seksi yang boleh mencatatnya",
        ),
        # The body models' (pydantic's) messages.
        (r"Field required", "wajib diisi"),
        (r"String should have at least 1 character", "wajib diisi"),
        (r"String should have at least (\d+) characters", "paling sedikit {0} karakter"),
        (r"String should have at most (\d+) characters?", "paling banyak {0} karakter"),
        (r"String should match pattern '(.*)'", lambda m: _pattern(m[1])),
        (r"Input should be a valid integer.*", "harus bilangan bulat"),
        (r"Input should be a valid (?:number|decimal).*", "harus angka"),
        (r"Input should be a finite number", "harus angka yang terhingga"),
        (r"Input should be greater than or equal to (\S+)", "harus {0} atau lebih"),
        (r"Input should be greater than (\S+)", "harus lebih dari {0}"),
        (r"Input should be less than or equal to (\S+)", "harus {0} atau kurang"),
        (r"Input should be less than (\S+)", "harus kurang dari {0}"),
        (r"Input should be a valid date or datetime.*", "harus tanggal (misalnya 2025-05-01)"),
        (
            r"Input should be a valid datetime or date.*",
            "harus tanggal (misalnya 2025-05-01) atau tanggal dan jam dengan zona waktu",
        ),
        (r"Input should be a valid date.*", "harus tanggal (misalnya 2025-05-01)"),
        (r"Input should be a valid datetime.*", "harus tanggal dan jam (misalnya 2025-05-01T10:00)"),
        (r"Input should have timezone info", "harus menyertakan zona waktu"),
        (r"Input should be a valid UUID.*", "harus ID (UUID)"),
        (r"Input should be a valid boolean.*", "harus ya atau tidak"),
        (r"Input should be (.+)", lambda m: "harus " + re.sub(r" or (?=[^,]*$)", " atau ", m[1])),
        (r"Decimal input should have no more than (\d+) decimal places?", "paling banyak {0} angka desimal"),
        (r"List should have at least (\d+) items?.*", "harus berisi sedikitnya {0} butir"),
        (r"List should have at most (\d+) items?.*", "paling banyak {0} butir"),
        (r"Extra inputs are not permitted", "isian ini tidak dikenal"),
        (r"Value error, (.+)", lambda m: rule("id", m[1])),
    )
]


def rule(lang: str, text: str) -> str:
    """A rule's words in ``lang``: Indonesian for a known rule, the original otherwise."""
    if lang == "en":
        return text.removeprefix("Value error, ")
    for pattern, words in RULES:
        found = pattern.fullmatch(text)
        if found:
            return words(found) if callable(words) else words.format(*found.groups())
    return text


def known(text: str) -> bool:
    """Whether ``text`` is a rule this module renders in Indonesian."""
    return any(pattern.fullmatch(text) for pattern, _ in RULES)


def field_problem(lang: str, field: str, text: str) -> str:
    """'Nama (name): wajib diisi': the field by its label and its name, then the rule."""
    label = i18n.field_label(lang, field)
    named = field if label == field else f"{label} ({field})"
    return f"{named}: {rule(lang, text)}"


def refusal(lang: str, error: DomainError) -> str:
    """A refused command's message in ``lang``, naming the field when it has one."""
    if isinstance(error, InvalidCommand):
        return field_problem(lang, error.field, error.rule)
    if lang == "en":
        return str(error)
    if isinstance(error, IllegalTransition):
        kind = str(error).split(" ", 1)[0]
        return f"{kind} {error.case_id} berstatus {error.status}: {_command(error.command)} tidak dapat dijalankan"
    if isinstance(error, KeyTaken):
        where = "di kantor lain" if error.holder_id is None else str(error.holder_id)  # another office's: unnamed
        holder = f"{error.holder_kind} {where}"
        return f"{rule(lang, error.rule)}: sudah dipegang oleh {holder}"
    if isinstance(error, ConflictError) and error.expected_version is not None:
        return f"berkas ini kini versi {error.current_version}, bukan {error.expected_version}"
    return rule(lang, str(error))
