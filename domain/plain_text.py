"""What stays plain in the log though an officer types it: citations of law (dasar hukum,
pasal), places (tempat detensi, tempat pemeriksaan imigrasi) and institutions (instansi).

Auditors must read them (the basis of a deportation, where a foreigner was held, by which
port they left, which agencies took part), so they are not sealed; free text is refused
instead. A value is taken only if it is made of the words its kind is written with, numbers
and single letters; a number's letters too ("IMI-0277.GR.02.06/2017": IMI and GR are words
of a letter's number, "Ni-1" is no word). A port may also be given as its IATA or UN/LOCODE
code. What a person is known by is refused in any of these fields, however it is written: a
name, an identity number however grouped (5171-0145-0690-0001), a date in digits (a birth
date), and so is markup. So none reaches the audit trail through one of these fields,
whoever the caller (HTTP, the CLI, a use case).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from domain.errors import InvalidCommand
from domain.plain_words import CITATION_WORDS, DOCUMENT_WORDS, PLACE_WORDS, citation_tokens, place_tokens

CITATION_RULE = (
    "must be a citation of law, e.g. UU 6/2011 Pasal 75 ayat (1): only a citation's words, "
    "numbers and single letters are taken, so that no name reaches the audit trail"
)
DOCUMENT_RULE = (
    "must cite a law or a document, e.g. Pasal 8 UU 27/2022, DIPA 2024 Kanim Malang or LHP 12/2025: only "
    "the words laws, documents, institutions and places are named with, and numbers, are taken, "
    "so that no name stays in the log"
)

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

# A DIPA's number (BA.eselon I.kewenangan.satker/year, DIPA-013.06.2.400985/2024) is the one
# document number with a group of six digits (the satker's code): taken whole, by its shape.
_DIPA_NUMBER = re.compile(r"(?<![\w.])DIPA-[0-9]{3}\.[0-9]{2}\.[0-9]\.[0-9]{6}/(?:19|20)[0-9]{2}(?![\w/.-])", re.I)

# What a citation or a place's name is written with: ASCII letters and digits, spaces (a
# copied no-break one too) and these signs, typographic quotes and dashes among them. Markup
# (< >), a spreadsheet's formula (= + @), look-alike letters and digits of other scripts and
# invisible characters are none of them.
_SIGNS = re.compile(r"^[A-Za-z0-9 \t\r\n\u00a0.,;:/()\[\]'\"&_\-\u2013\u2014\u2018\u2019\u201c\u201d]*$")
SIGNS_RULE = (
    "must be plain text: letters A-Z, digits, spaces and . , ; : / ( ) [ ] - _ ' \" & only, no markup such as < >"
)
# What a person is known by, however an officer groups its digits: a NIK (16 digits: 5171 0145
# 0690 0001, 5171-0145-0690-0001) or a passport's number (six digits or more in one group). The
# digits of a run are counted across every sign but a list's comma ("Pasal 71, 72, 73").
_DIGIT_RUN = re.compile(r"[0-9](?:[^A-Za-z,;]|[,;](?=\S))*")
_GROUP = re.compile(r"[0-9]+")
NIK_DIGITS = 16
IDENTITY_NUMBER_RULE = (
    "must not hold an identity number: 16 digits however grouped (a NIK, 5171-0145-0690-0001) "
    "or 6 digits or more in one group (a passport number); a law's or a letter's number has neither"
)
# A date written in digits with one separator (05-06-1990, 5/6/1990, 1990-06-05, 05.06.1990):
# could be a birth date, and no citation needs one (a law gives its year, UU 6/2011).
_DAY_FIRST = re.compile(r"(?<![0-9])(?=([0-9]{1,2})([-/. ])([0-9]{1,2})\2(?:19|20)[0-9]{2}(?![0-9]))")
_YEAR_FIRST = re.compile(r"(?<![0-9])(?=(?:19|20)[0-9]{2}([-/. ])([0-9]{1,2})\1([0-9]{1,2})(?![0-9]))")
DATE_RULE = (
    "must not hold a date written in digits (05-06-1990, 1990-06-05), which may be a birth date: "
    "a law is cited by its number and year, e.g. UU 6/2011"
)


def _longest_run(value: str) -> int:
    return max((sum(ch.isdigit() for ch in run) for run in _DIGIT_RUN.findall(value)), default=0)


def _holds_date(value: str) -> bool:
    day_first = ((int(day), int(month)) for day, _, month in _DAY_FIRST.findall(value))
    year_first = ((int(day), int(month)) for _, month, day in _YEAR_FIRST.findall(value))
    return any(1 <= day <= 31 and 1 <= month <= 12 for day, month in (*day_first, *year_first))


def _is_word(words: frozenset[str], word: str) -> bool:
    return len(word) <= 1 or word in words


def _made_of(words: frozenset[str], tokens: list[str]) -> bool:
    """Whether each token is a word of ``words`` (BP3MI) or a single letter; another token with
    a digit is a number, whose letters are words too (IMI, GR in IMI-0277.GR.02.06/2017; f in
    75(2)(f))."""
    for token in tokens:
        if token not in words and any(ch.isdigit() for ch in token):
            if not all(_is_word(words, part) for part in re.findall(r"[a-z]+", token)):
                return False
        elif not _is_word(words, token):
            return False
    return True


def _fault(value: str, taken: Callable[[str], bool], rule: str) -> str | None:
    """The rule ``value`` breaks, if any: its signs, its numbers, then its words."""
    if not _SIGNS.match(value):
        return SIGNS_RULE
    if _longest_run(value) >= NIK_DIGITS or any(len(group) >= 6 for group in _GROUP.findall(value)):
        return IDENTITY_NUMBER_RULE
    if _holds_date(value):
        return DATE_RULE
    return None if taken(value) else rule


def citation_fault(value: str) -> str | None:
    """Dasar hukum, pasal: only a citation's words, numbers and single letters."""
    return _fault(value, lambda v: _made_of(CITATION_WORDS, citation_tokens(v)), CITATION_RULE)


def document_fault(value: str) -> str | None:
    """Dasar: a law or a document (a budget, an audit report, a court case)."""
    plain = _DIPA_NUMBER.sub("DIPA", value)
    return _fault(plain, lambda v: _made_of(DOCUMENT_WORDS, citation_tokens(v)), DOCUMENT_RULE)


def _named(value: str) -> bool:
    return _made_of(PLACE_WORDS, place_tokens(value))


def place_fault(value: str) -> str | None:
    """Tempat detensi: only an institution's or a place's words and numbers."""
    return _fault(value, _named, PLACE_RULE)


def agency_fault(value: str) -> str | None:
    """Instansi: only an institution's or a place's words and numbers."""
    return _fault(value, _named, AGENCY_RULE)


def port_fault(value: str) -> str | None:
    """Tempat pemeriksaan imigrasi: its IATA or UN/LOCODE code, or its name."""
    return None if _PORT_CODE.match(value) else _fault(value, _named, PORT_RULE)


def is_blank(value: str) -> bool:
    """Whether ``value`` shows nothing: spaces and invisible format characters only (a
    zero-width space, a right-to-left override), which every reader sees as empty."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)


def _checked(field: str, value: Any, fault: Callable[[str], str | None]) -> str:
    if not isinstance(value, str) or is_blank(value):
        raise InvalidCommand(field, "must not be empty")
    if (rule := fault(value)) is not None:
        raise InvalidCommand(field, rule)
    return value


# Numbers an office or a system gives (kode billing, nomor keputusan, nomor BAP) are plain
# too: written as the API's models take them (``Code``), never as words with spaces, so a
# name typed into one is refused whoever the caller. Nor do they hold a NIK, however its
# digits are grouped: no number an office gives has 16 digits in a run (a SIMPONI billing
# code has 15, a decision or report number a few), a NIK has exactly that. (Reasons are
# listed codes: ``domain.values``.)
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_()-]{0,63}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
NUMBER_RULE = (
    "must be a number an office or a system gives: letters, digits and . / _ ( ) -, no space, a digit at least"
)
NIK_RUN_RULE = (
    "must not hold 16 or more digits however grouped (3573014512900001, 3573-0145-1290-0001), the shape "
    "of a NIK: a number an office gives has fewer (a SIMPONI billing code has 15)"
)
COUNTRY_RULE = "must be an ISO 3166-1 alpha-3 code, e.g. JPN"


def _number_fault(value: str) -> str | None:
    if not _NUMBER.match(value) or not any(ch.isdigit() for ch in value):
        return NUMBER_RULE
    return NIK_RUN_RULE if _longest_run(value) >= NIK_DIGITS else None


def check_number(field: str, value: Any) -> str:
    return _checked(field, value, _number_fault)


def check_country(field: str, value: Any) -> str:
    return _checked(field, value, lambda v: None if _COUNTRY.match(v) else COUNTRY_RULE)


def check_citation(field: str, value: Any) -> str:
    """Dasar hukum, pasal: a decision's legal basis, an enforcement case's article."""
    return _checked(field, value, citation_fault)


def check_document(field: str, value: Any) -> str:
    """Dasar: a revenue target's budget, a legal hold's or an erasure's basis."""
    return _checked(field, value, document_fault)


def check_place(field: str, value: Any) -> str:
    """Tempat detensi: a detention house (Rudenim) or an office's detention room."""
    return _checked(field, value, place_fault)


def check_port(field: str, value: Any) -> str:
    """Tempat pemeriksaan imigrasi the foreigner leaves by: a code or the port's name."""
    return _checked(field, value, port_fault)


def check_agency(field: str, value: Any) -> str:
    """Instansi: a referral's agency, a joint operation's agencies."""
    return _checked(field, value, agency_fault)
