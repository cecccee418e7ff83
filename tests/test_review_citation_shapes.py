"""A citation, a document basis, a place or an agency stays plain in the log for ever, so what
a person is known by is refused there however it is written (an outside review found a name,
a NIK and a birth date all taken as an article: a digit let any token pass). A number's
letters must be words (IMI, GR), a NIK is counted across its separators, a date in digits and
markup are refused; real Indonesian citations and letter numbers are still taken.

The tables run through the domain's checks and the API's models alike; the reviewer's requests
are replayed over HTTP (a 422 naming the field and the rule, never echoing the value, nothing
appended, on both backends) and through the CLI (exit 2, one line)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from api.bootstrap import System
from api.cli.app import run
from api.http.schemas.common import Citation, DocumentBasis
from api.http.schemas.places import Agency, DetentionPlace, Port
from domain.errors import InvalidCommand
from domain.plain_text import (
    AGENCY_RULE,
    CITATION_RULE,
    DATE_RULE,
    DOCUMENT_RULE,
    IDENTITY_NUMBER_RULE,
    NIK_RUN_RULE,
    PLACE_RULE,
    PORT_RULE,
    SIGNS_RULE,
    check_agency,
    check_citation,
    check_document,
    check_number,
    check_place,
    check_port,
)
from domain.usecases.passports import personal_data, referral
from tests.api_on_both import client
from tests.api_support import auth, finding_body, key, token_for

__all__ = ["client"]

# Laws and letters as officers cite them: the law's number and year, an article's ayat and
# huruf, inserted articles (13A), the Ditjen's circulars (IMI-nnnn.GR.01.01), a Kanwil's letter
# (W15.IMI.IMI.5-GR.01.01-1234), another ministry's (461/217/SJ, 255/PMK.05/2010), a court's
# (123 K/Pid.Sus/2020), the Lembaran Negara, English renderings.
CITATIONS = [
    "UU 6/2011",
    "PP 48/2016",
    "Pasal 78 ayat (1) huruf a",
    "Pasal 13A UU 6/2011",
    "Pasal 75 ayat (1) dan/atau ayat (2) UU 6/2011",
    "Pasal 71, 72, 73, 74, 75, 76, 77, 78 UU 6/2011",
    "Pasal 75 \u2013 78 UU 6/2011 jo. UU 63/2024",
    "\u201cPasal 75\u201d UU 6/2011",
    "Permenkumham No. 9 Tahun 2024",
    "IMI-0277.GR.02.06/2017",
    "SE IMI-0603.GR.01.01 Tahun 2022",
    "Surat Edaran Dirjen Imigrasi No. IMI-1555.GR.01.01 tahun 2020",
    "IMI.3.GR.01.10-1.0855",
    "Petunjuk Dirjen Imigrasi Nomor IMI-1347.UM.01.10",
    "W15.IMI.IMI.5-GR.01.01-1234",
    "SK DIRJEN IMI-1917.GR.01.01 TAHUN 2016",
    "Keputusan Menteri Hukum dan HAM Nomor M.HH-01.GR.01.01 Tahun 2021",
    "Surat Edaran Menteri Dalam Negeri Nomor 461/217/SJ",
    "PMK 255/PMK.05/2010",
    "Putusan MA Nomor 123 K/Pid.Sus/2020",
    "UU 6/2011 (Lembaran Negara Republik Indonesia Tahun 2011 Nomor 52, Tambahan Lembaran Negara "
    "Republik Indonesia Nomor 5216)",
    "Article 75(2)(f) of Law No. 6 of 2011 on Immigration",
]
# A revenue target's, a hold's or an erasure's basis: a law, or a budget, an audit, a case.
DOCUMENTS = [
    *CITATIONS,
    "DIPA-013.06.2.400985/2024",
    "SP DIPA-013.06.2.400985/2024 Kanim Malang",
    "Revisi DIPA ke-2 TA 2024",
    "PN Malang 12/Pdt.G/2025",
    "LHP 12/2025",
]
NAMED = "UU 6/2011 Pasal 78 Ni-1 Made-1 Ayu-1 Lestari-1"
# (value, the rule it breaks as a citation): the reviewer's article, then each of its parts.
NOT_CITATIONS = [
    (f"{NAMED} 5171-0145-0690-0001 05-06-1990", IDENTITY_NUMBER_RULE),
    (NAMED, CITATION_RULE),
    ("Pasal 78 LESTARI-1", CITATION_RULE),
    ("Pasal 78 Budi_Santoso/1", CITATION_RULE),
    ("Pasal 78 IMI-Budi.01", CITATION_RULE),
    ("Pasal 78 5171-0145-0690-0001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 5171 0145 0690 0001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 5171.0145.0690.0001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 5171/0145/0690/0001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 5171,0145,0690,0001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 (5171) (0145) (0690) (0001)", IDENTITY_NUMBER_RULE),
    ("Pasal 78 UU 6/2011 3573014512900001", IDENTITY_NUMBER_RULE),
    ("Pasal 78 paspor E1234567", IDENTITY_NUMBER_RULE),
    ("Pasal 78 05-06-1990", DATE_RULE),
    ("Pasal 78 05/06/1990", DATE_RULE),
    ("Pasal 78 5.6.1990", DATE_RULE),
    ("Pasal 78 1990-06-05", DATE_RULE),
    ("Pasal 78 1990/6/5", DATE_RULE),
    ("Pasal 78 lahir 5 Juni 1990", CITATION_RULE),
    ("<script>alert(1)</script>", SIGNS_RULE),
    ("Pasal 78 <b>1</b>", SIGNS_RULE),
    ("=HYPERLINK(1)", SIGNS_RULE),
    ("Pasal 78 @budi1", SIGNS_RULE),
    ("Pasal 78 Bu\u200bdi1", SIGNS_RULE),
    ("Pasal 78 \uff10\uff11", SIGNS_RULE),
    ("Pasal 78 B\u00fcdi-1", SIGNS_RULE),
]
NOT_DOCUMENTS = [
    ("DIPA 2027 Budi_Santoso/1", DOCUMENT_RULE),
    ("DIPA-013.06.2.400985/2024 Budi", DOCUMENT_RULE),
    ("DIPA-3573.01.4512.900001/2024", IDENTITY_NUMBER_RULE),
    ("LHP 12/2025 5171-0145-0690-0001", IDENTITY_NUMBER_RULE),
    ("LHP 12/2025 tanggal 05-06-1990", DATE_RULE),
    ("<script>alert(1)</script>", SIGNS_RULE),
]


def _refusal(check: Any, model: Any, value: str) -> tuple[str, str]:
    with pytest.raises(InvalidCommand) as domain:
        check("field", value)
    with pytest.raises(ValidationError) as http:
        TypeAdapter(model).validate_python(value)
    [error] = http.value.errors()
    assert "input" not in str(domain.value)
    return domain.value.rule, error["msg"].removeprefix("Value error, ")


@pytest.mark.parametrize("text", CITATIONS)
def test_a_law_or_a_letters_number_is_taken_as_a_citation(text):
    assert check_citation("article", text) == text
    assert TypeAdapter(Citation).validate_python(text) == text


@pytest.mark.parametrize("text", DOCUMENTS)
def test_a_law_a_budget_an_audit_or_a_court_case_is_taken_as_a_document(text):
    assert check_document("legal_basis", text) == text
    assert TypeAdapter(DocumentBasis).validate_python(text) == text


@pytest.mark.parametrize(("text", "rule"), NOT_CITATIONS)
def test_a_name_an_identity_number_a_date_or_markup_is_refused_as_a_citation_naming_the_rule(text, rule):
    assert _refusal(check_citation, Citation, text) == (rule, rule)


@pytest.mark.parametrize(("text", "rule"), NOT_DOCUMENTS)
def test_a_name_an_identity_number_a_date_or_markup_is_refused_as_a_document(text, rule):
    assert _refusal(check_document, DocumentBasis, text) == (rule, rule)


@pytest.mark.parametrize(
    ("check", "model", "text", "rule"),
    [
        (check_place, DetentionPlace, "Rudenim Surabaya Budi-1", PLACE_RULE),
        (check_place, DetentionPlace, "Rudenim Surabaya <b>1</b>", SIGNS_RULE),
        (check_port, Port, "Bandara Juanda 05-06-1990", DATE_RULE),
        (check_agency, Agency, "Polres Malang Kota 5171 0145 0690 0001", IDENTITY_NUMBER_RULE),
        (check_agency, Agency, "Polres Made-1", AGENCY_RULE),
        (check_port, Port, "Pelabuhan Budi_1", PORT_RULE),
    ],
)
def test_a_place_or_an_agency_with_a_digit_is_refused_unless_its_words_are_a_places(check, model, text, rule):
    assert _refusal(check, model, text) == (rule, rule)


@pytest.mark.parametrize(
    ("check", "text"),
    [(check_agency, "BP3MI Jawa Timur"), (check_agency, "Kodim 0833"), (check_port, "ID SUB")],
)
def test_a_place_or_an_agency_numbered_as_it_is_named_is_taken(check, text):
    assert check("field", text) == text


@pytest.mark.parametrize("number", ["KEP-5171-0145-0690-0001", "BAP/5171.0145.0690.0001", "3573014512900001"])
def test_a_number_holding_a_nik_however_grouped_is_refused(number):
    with pytest.raises(InvalidCommand) as caught:
        check_number("decision_number", number)
    assert caught.value.rule == NIK_RUN_RULE


@pytest.mark.parametrize("number", ["W15.IMI.IMI.12-GR.04.02-00123/2024", "820240300101234", "KEP-1/2025"])
def test_a_number_an_office_gives_is_taken(number):
    assert check_number("decision_number", number) == number


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _refused(answer: Any, field: str, rule: str, *hidden: str) -> None:
    assert answer.status_code == 422, answer.text[:300]
    assert [(e["field"], e["detail"]) for e in answer.json()["errors"]] == [(field, rule)]
    for part in hidden:
        assert part not in answer.text


def test_the_reviewers_article_and_bases_are_a_422_naming_the_field_and_nothing_is_written(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    before = system.app.recorder.max_notification_id()
    opened = {k: v for k, v in finding_body().items() if k != "summary"} | {"source": "COUNTER"}
    article = f"{NAMED} 3578-0112-0385-0009 17-08-1985"  # not the rules' own examples: nothing to echo
    hidden = ("Lestari", "Made", "3578", "0112", "17-08", "1985")
    _refused(
        _post(client, supervisor, "/enforcement-cases", opened | {"article": article}),
        "article",
        IDENTITY_NUMBER_RULE,
        *hidden,
    )
    _refused(
        _post(client, supervisor, "/enforcement-cases", opened | {"article": NAMED}), "article", CITATION_RULE, *hidden
    )
    dated = opened | {"article": "Pasal 78 UU 6/2011 17-08-1985"}
    _refused(_post(client, supervisor, "/enforcement-cases", dated), "article", DATE_RULE, "17-08", "1985")
    target = {"amount": "1000000", "legal_basis": "DIPA 2027 Budi_Santoso/1"}
    answer = client.put("/revenue-targets/2027", json=target, headers=auth(supervisor))
    _refused(answer, "legal_basis", DOCUMENT_RULE, "Budi", "Santoso")
    script = {"amount": "1000000", "legal_basis": "<script>alert(1)</script>"}
    _refused(
        client.put("/revenue-targets/2027", json=script, headers=auth(supervisor)), "legal_basis", SIGNS_RULE, "alert"
    )
    assert system.app.recorder.max_notification_id() == before
    dipa = {"amount": "1000000", "legal_basis": "DIPA-013.06.2.400985/2024"}
    assert client.put("/revenue-targets/2027", json=dipa, headers=auth(supervisor)).status_code in (200, 201)
    letter = opened | {"article": "Pasal 78 ayat (1) UU 6/2011; SE IMI-0277.GR.02.06/2017"}
    assert _post(client, supervisor, "/enforcement-cases", letter).status_code == 201


@pytest.mark.parametrize(
    ("basis", "rule"),
    [
        ("DIPA 2027 Budi_Santoso/1", DOCUMENT_RULE),
        ("DIPA 2027 3578 0112 0385 0009", IDENTITY_NUMBER_RULE),
        ("<script>alert(1)</script>", SIGNS_RULE),
    ],
)
def test_the_cli_refuses_such_a_target_basis_in_one_line_exit_2(capsys, tmp_path: Path, monkeypatch, basis, rule):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.delenv("BERKAS_LEDGER_KEY_PATH", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    assert run(["users", "add", "Sari", "--role", "supervisor", "--office", "MLG"]) == 0
    supervisor = re.search(r"user (\S+) \(", capsys.readouterr().out).group(1)
    assert run(["target", "set", "--as", supervisor, "--legal-basis", basis, "2027", "1000000"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [f"berkas: legal_basis: {rule}"]
    assert "Budi" not in captured.err and "3578" not in captured.err and "alert" not in captured.err
    assert run(["target", "set", "--as", supervisor, "--legal-basis", "DIPA-013.06.2.400985/2024", "2027", "1"]) == 0


@pytest.mark.parametrize("blank", ["   ", "\u00a0", "\u200b", "\u202e", " \u200b\u202c\t"])
@pytest.mark.parametrize("field", ["name", "address"])
def test_a_blank_name_or_address_is_refused_by_the_domain_whoever_calls_it(blank, field):
    data = {"name": "Siti Rahayu", "nik": "3573014512900001", "birth_date": date(1990, 12, 5)}
    data["address"] = "Jl. Ijen 12, Kota Malang"
    with pytest.raises(InvalidCommand) as caught:
        personal_data(**(data | {field: blank}))
    assert (caught.value.field, caught.value.rule) == (field, "must not be empty")
    assert personal_data(**data).name == "Siti Rahayu"


@pytest.mark.parametrize(("agency", "instructions"), [("\u200b", "bring a letter"), ("BP3MI Jawa Timur", "\u202e")])
def test_a_referral_whose_agency_or_instructions_show_nothing_is_refused(agency, instructions):
    with pytest.raises(InvalidCommand) as caught:
        referral(agency, instructions)
    assert (caught.value.field, caught.value.rule) == ("referral", "needs both an agency and instructions")
    assert referral("BP3MI Jawa Timur", "bring a letter") is not None


def test_a_target_basis_with_a_name_is_refused_by_the_use_case_and_nothing_is_written(system: System, supervisor):
    app = system.app
    before = app.recorder.max_notification_id()
    for basis, rule in NOT_DOCUMENTS:
        with pytest.raises(InvalidCommand) as caught:
            app.set_revenue_target(supervisor, 2038, Decimal(1), basis)
        assert (caught.value.field, caught.value.rule) == ("legal_basis", rule)
    assert app.recorder.max_notification_id() == before
    app.set_revenue_target(supervisor, 2038, Decimal(1), "SP DIPA-013.06.2.400985/2024")
    assert app.recorder.max_notification_id() != before
