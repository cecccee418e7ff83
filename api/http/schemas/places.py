"""Places and institutions an officer names: a detention's place, a deportation's port, a
referral's agency, a joint operation's agencies.

They are not about a person, and an auditor must read them (where a foreigner was held, by
which port they left, which agencies took part): so they stay plain in the log and every
auditor's view, and free text is refused instead, as a legal basis is (``Citation``). A value
is taken only if it is made of the words institutions and places are named with (the offices
and regencies of the reference data, the kinds of agency, the ports of exit), numbers (not
six digits or more: a NIK, a passport number) and single letters; a port may also be given as
its IATA or UN/LOCODE code. A person's name is none of these, so it never reaches the audit
trail through one of these fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain.offices import OFFICES

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


def _reference_words() -> set[str]:
    found: set[str] = set()
    for office in OFFICES.values():
        found.update(_tokens(office.name))
        for area in office.jurisdiction:
            found.update(_tokens(area.regency_name))
    return found


def _tokens(value: str) -> list[str]:
    return [t.strip("().[]'\"&").lower() for t in re.split(r"[\s,;:/]+", value) if t.strip("().[]'\"&")]


WORDS = frozenset(_INSTITUTION_WORDS) | frozenset(_PLACE_WORDS) | _reference_words()
_LONG_NUMBER = re.compile(r"[0-9]{6}")  # a NIK, a passport number: no institution is numbered so
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


def named_by_words(value: str) -> bool:
    """Whether ``value`` is made only of an institution's or a place's words and numbers."""
    for word in _tokens(value):
        if any(ch.isdigit() for ch in word):
            if _LONG_NUMBER.search(word):
                return False
        elif len(word) > 1 and word not in WORDS:
            return False
    return True


def _checked(rule: str, codes: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        if (codes and _PORT_CODE.match(value)) or named_by_words(value):
            return value
        raise ValueError(rule)

    return check


_Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
# Tempat detensi: a detention house (Rudenim) or an office's detention room.
DetentionPlace = Annotated[_Name, AfterValidator(_checked(PLACE_RULE)), Field(description="M" + PLACE_RULE[1:])]
# Tempat pemeriksaan imigrasi the foreigner leaves by: a code or the port's name.
Port = Annotated[_Name, AfterValidator(_checked(PORT_RULE, codes=True)), Field(description="M" + PORT_RULE[1:])]
# Instansi: a referral's agency, a joint operation's agencies.
Agency = Annotated[_Name, AfterValidator(_checked(AGENCY_RULE)), Field(description="M" + AGENCY_RULE[1:])]
