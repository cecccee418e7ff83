"""What stays plain in the log though an officer types it: citations of law (dasar hukum,
pasal), places (tempat detensi, tempat pemeriksaan imigrasi) and institutions (instansi).

Auditors must read them (the basis of a deportation, where a foreigner was held, by which
port they left, which agencies took part), so they are not sealed; free text is refused
instead. A value is taken only if it is made of the words its kind is written with, numbers
(not six digits or more: a NIK, a passport number) and single letters; a port may also be
given as its IATA or UN/LOCODE code. A person's name is none of these, so it never reaches
the audit trail through one of these fields, whoever the caller (HTTP, the CLI, a use case).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from domain.errors import InvalidCommand
from domain.offices import OFFICES

# The words of a citation of law, Indonesian and English; with them a citation takes numbers
# ("6/2011", "(2)", "IMI-0277.GR.02.06/2017") and single letters ("huruf f").
CITATION_WORDS = frozenset(
    """
    pasal ayat huruf angka butir bagian bab paragraf lampiran jo juncto dan atau serta tentang
    nomor no tahun perubahan atas kedua ketiga keempat pertama sebagaimana dimaksud diubah
    terakhir dengan yang pada di dalam ketentuan uu undang-undang perppu pp perpres keppres inpres
    permen permenkumham permenkum permenimipas kepmen kepmenkumham se surat edaran keputusan
    peraturan pemerintah presiden menteri hukum ham hak asasi manusia direktur jenderal dirjen
    direktorat imigrasi keimigrasian kuhp kuhap putusan pengadilan mahkamah agung konstitusi ma
    mk ptun penetapan instruksi kementerian republik indonesia ri negara ketenagakerjaan
    dukcapil paspor biasa splp visa izin tinggal terbatas tetap kunjungan itk itas itap
    pelindungan perlindungan pekerja migran pmi pencegahan penangkalan tarif jenis penerimaan
    bukan pajak pnbp tindakan administratif deportasi pendeportasian detensi pendetensian rumah
    rudenim pengawasan orang asing data pribadi pemeriksaan tata cara pelaksanaan dokumen
    perjalanan berlaku pidana sanksi laksana pelaksana penyelenggaraan tenaga kerja non
    prosedural nonprosedural non-prosedural warga asing wna wni kewarganegaraan keamanan
    ketertiban umum kegiatan berbahaya membahayakan patut diduga melanggar pelanggaran
    perundang-undangan pejabat kantor wilayah kanwil tempat tpi melebihi batas waktu tidak sah
    benar keterangan palsu memberikan menggunakan menyalahgunakan penyalahgunaan tindak
    perdagangan penyelundupan overstay bebas
    article law number of on in and or regulation government presidential minister ministerial
    decree circular letter paragraph point clause section chapter year immigration conjunction
    with director general directorate the as amended by act concerning regarding amendment
    first second third pursuant to under provision provisions rule rules foreigner foreigners
    stay permit visa overstay migrant worker workers protection human rights
    """.split()
)
CITATION_RULE = (
    "must be a citation of law, e.g. UU 6/2011 Pasal 75 ayat (1): only a citation's words, "
    "numbers and single letters are taken, so that no name reaches the audit trail"
)

# The kinds of institution an office works with, Indonesian and English, as their names are
# written (Polres Malang Kota, Kodim 0833, BIN Daerah Jawa Timur, BP3MI Jawa Timur).
_INSTITUTION_WORDS = """
    polri polda polres polresta polrestabes polsek kepolisian resor sektor kota daerah tni ad al au
    kodam korem kodim koramil lanal lanud lantamal satpol satpol_pp pp disnaker dinas tenaga kerja
    ketenagakerjaan kemnaker bakesbangpol kesbangpol badan kesatuan bangsa politik bin binda
    intelijen negara bp3mi bp2mi pelindungan perlindungan pekerja migran indonesia dispendukcapil
    disdukcapil dukcapil kependudukan pencatatan sipil kejaksaan kejari kejati negeri tinggi
    pengadilan bea cukai bnn bnnp bnnk narkotika nasional kemenag agama pemda pemkot pemkab
    pemprov pemerintah kabupaten kab provinsi prov kementerian kemenkumham kemenimipas kanwil
    wilayah hukum hak asasi manusia imigrasi pemasyarakatan ditjen direktorat jenderal kantor
    kanim kelas khusus tpi non unit seksi bidang pusat republik ri dan
    rudenim rumah ruang detensi
    bandara bandar udara internasional pelabuhan laut penyeberangan plbn pos lintas batas terminal
    international airport seaport harbour harbor port ferry border crossing immigration detention
    house centre center office police regional national provincial city regency of the and
    """.split()
# Provinces, and the border posts and ports of exit the reference data does not name
# (no word of a person's given name: an airport named after one is given by its code).
_PLACE_WORDS = """
    jawa timur barat tengah utara selatan bali nusa tenggara sumatera sumatra kalimantan sulawesi
    papua maluku riau kepulauan aceh banten lampung jambi bengkulu gorontalo dki jakarta istimewa
    yogyakarta diy bangka belitung
    juanda soekarno-hatta ngurah rai kualanamu minangkabau adisutjipto sepinggan supadio sentani
    lombok komodo priok perak emas benoa belawan batam centre harbour bay sekupang nongsa
    entikong skouw motaain aruk badau tanjung
    """.split()


def _citation_tokens(value: str) -> list[str]:
    return [t.strip("().[]'\"").lower() for t in re.split(r"[\s,;:]+", value)]


def _place_tokens(value: str) -> list[str]:
    return [t.strip("().[]'\"&").lower() for t in re.split(r"[\s,;:/]+", value) if t.strip("().[]'\"&")]


def _reference_words() -> set[str]:
    found: set[str] = set()
    for office in OFFICES.values():
        found.update(_place_tokens(office.name))
        for area in office.jurisdiction:
            found.update(_place_tokens(area.regency_name))
    return found


PLACE_WORDS = frozenset(_INSTITUTION_WORDS) | frozenset(_PLACE_WORDS) | _reference_words()
_LONG_NUMBER = re.compile(r"[0-9]{6}")  # a NIK, a passport number: no law or institution is numbered so
_PORT_CODE = re.compile(r"^(?:[A-Z]{3}|[A-Z]{2} ?[A-Z2-9]{3})$")  # IATA (SUB), UN/LOCODE (ID SUB)

_SUFFIX = (
    ": only the words institutions and places are named with, and numbers, are taken, "
    "so that no name reaches the audit trail"
)
PLACE_RULE = "must name a place of detention, e.g. Rudenim Surabaya or Ruang Detensi Kanim Malang" + _SUFFIX
PORT_RULE = (
    "must name a port of exit by its IATA or UN/LOCODE code (SUB, ID SUB) or its name, "
    "e.g. Bandara Internasional Juanda" + _SUFFIX
)
AGENCY_RULE = "must name an agency, e.g. POLRI, SATPOL_PP, Polres Malang Kota or BP3MI Jawa Timur" + _SUFFIX


# A decision about no case's merits cites a document as often as a law: the budget (DIPA) a
# revenue target comes from, the audit report (LHP) or court case a legal hold rests on.
DOCUMENT_WORDS = (
    CITATION_WORDS
    | PLACE_WORDS
    | frozenset(
        """
        dipa revisi anggaran ta pok rkakl satker lhp laporan hasil audit closed selesai ditutup settled
        case perkara st surat tugas inspektorat irjen itjen bpk bpkp pn pt pdt pid sprint perintah
        penyidikan berita acara bap nota dinas memo request permintaan subjek report court order
        """.split()
    )
)
DOCUMENT_RULE = (
    "must cite a law or a document, e.g. Pasal 8 UU 27/2022, DIPA 2024 Kanim Malang or LHP 12/2025: only "
    "the words laws, documents, institutions and places are named with, and numbers, are taken, "
    "so that no name stays in the log"
)


def _made_of(words: frozenset[str], tokens: list[str]) -> bool:
    for word in tokens:
        if any(ch.isdigit() for ch in word):
            if _LONG_NUMBER.search(word):
                return False
        elif len(word) > 1 and word not in words:
            return False
    return True


def is_citation(value: str) -> bool:
    """Whether ``value`` is made only of a citation's words, numbers and single letters."""
    return _made_of(CITATION_WORDS, _citation_tokens(value))


def is_document(value: str) -> bool:
    """Whether ``value`` cites a law or a document (a budget, an audit report, a court case)."""
    return _made_of(DOCUMENT_WORDS, _citation_tokens(value))


def named_by_words(value: str) -> bool:
    """Whether ``value`` is made only of an institution's or a place's words and numbers."""
    return _made_of(PLACE_WORDS, _place_tokens(value))


def is_port(value: str) -> bool:
    return bool(_PORT_CODE.match(value)) or named_by_words(value)


def is_blank(value: str) -> bool:
    """Whether ``value`` shows nothing: spaces and invisible format characters only (a
    zero-width space, a right-to-left override), which every reader sees as empty."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)


def _checked(field: str, value: Any, taken: Callable[[str], bool], rule: str) -> str:
    if not isinstance(value, str) or is_blank(value):
        raise InvalidCommand(field, "must not be empty")
    if not taken(value):
        raise InvalidCommand(field, rule)
    return value


# Numbers an office or a system gives (kode billing, nomor keputusan, nomor BAP) are plain
# too: written as the API's models take them (``Code``), never as words with spaces, so a
# name typed into one is refused whoever the caller. Nor do they hold a NIK: no number an
# office gives has 16 digits in a row (a SIMPONI billing code has 15, a decision or report
# number a few), a NIK has exactly that. (Reasons are listed codes: ``domain.values``.)
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_()-]{0,63}$")
_NIK_RUN = re.compile(r"[0-9]{16}")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
NUMBER_RULE = (
    "must be a number an office or a system gives: letters, digits and . / _ ( ) -, no space, a digit at least"
)
NIK_RUN_RULE = (
    "must not hold 16 or more digits in a row, the shape of a NIK: "
    "a number an office gives has fewer (a SIMPONI billing code has 15)"
)
COUNTRY_RULE = "must be an ISO 3166-1 alpha-3 code, e.g. JPN"


def check_number(field: str, value: Any) -> str:
    _checked(field, value, lambda v: bool(_NUMBER.match(v)) and any(c.isdigit() for c in v), NUMBER_RULE)
    return _checked(field, value, lambda v: _NIK_RUN.search(v) is None, NIK_RUN_RULE)


def check_country(field: str, value: Any) -> str:
    return _checked(field, value, lambda v: bool(_COUNTRY.match(v)), COUNTRY_RULE)


def check_citation(field: str, value: Any) -> str:
    """Dasar hukum, pasal: a decision's legal basis, an enforcement case's article."""
    return _checked(field, value, is_citation, CITATION_RULE)


def check_document(field: str, value: Any) -> str:
    """Dasar: a revenue target's budget, a legal hold's or an erasure's basis."""
    return _checked(field, value, is_document, DOCUMENT_RULE)


def check_place(field: str, value: Any) -> str:
    """Tempat detensi: a detention house (Rudenim) or an office's detention room."""
    return _checked(field, value, named_by_words, PLACE_RULE)


def check_port(field: str, value: Any) -> str:
    """Tempat pemeriksaan imigrasi the foreigner leaves by: a code or the port's name."""
    return _checked(field, value, is_port, PORT_RULE)


def check_agency(field: str, value: Any) -> str:
    """Instansi: a referral's agency, a joint operation's agencies."""
    return _checked(field, value, named_by_words, AGENCY_RULE)
