"""A client searching as the issue first wrote it, `GET /cases?nik=…`, is told where search
is (`POST /cases/search`, the value in the body) with a 422 naming the field, never a bare
404, and neither the answer nor the access log holds the value it put in the URL. Searching
the right way finds a Jayapura subject, and nothing once they are erased."""

from __future__ import annotations

import logging

import pytest

from projections.runner import catch_up
from tests.api_support import auth, token_for
from tests.test_privacy_review_retries import closed_history_in, denpasar_person, erase_over_http, http  # noqa: F401


@pytest.mark.parametrize("field", ["nik", "name", "passport_number"])
def test_personal_data_in_a_search_url_is_refused_naming_the_field_and_the_way(http, system, field, caplog):  # noqa: F811
    person = denpasar_person()
    closed_history_in(system, person, office="JYP", year=2026)
    value = {"nik": person.nik, "name": person.name, "passport_number": "X1234567"}[field]
    officer = token_for(system, "OFFICER", "JYP")
    with caplog.at_level(logging.INFO, logger="berkas.access"):
        answer = http.get("/cases", params={field: value}, headers=auth(officer))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["errors"][0]["field"] == field
    assert "POST /cases/search" in problem["detail"]
    assert value not in answer.text and "Traceback" not in answer.text
    assert all(value not in record.getMessage() for record in caplog.records)
    assert all(value not in str(vars(record)) for record in caplog.records)


def test_a_url_without_a_value_is_the_list_of_cases(http, system):  # noqa: F811
    answer = http.get("/cases", params={"nik": ""}, headers=auth(token_for(system, "AUDITOR", "SBY")))
    assert answer.status_code == 200 and "data" in answer.json(), answer.text


def test_an_anonymous_search_url_is_a_401(http):  # noqa: F811
    assert http.get("/cases", params={"nik": "9471010101900001"}).status_code == 401


def test_the_body_search_finds_a_jayapura_subject_until_erased(http, system):  # noqa: F811
    person = denpasar_person()
    cases = closed_history_in(system, person, office="JYP", year=2026)
    catch_up(system.store, system.projections())  # the case index, which a server follows
    officer, auditor = token_for(system, "OFFICER", "JYP"), token_for(system, "AUDITOR", "SBY")
    supervisor, admin = token_for(system, "SUPERVISOR", "JYP"), token_for(system, "ADMIN", "JYP")
    for token in (officer, auditor):
        found = http.post("/cases/search", json={"nik": person.nik}, headers=auth(token)).json()
        assert {row["id"] for row in found["data"]} == {str(case.id) for case in cases}
    # Another office's officer finds nothing of Jayapura's.
    elsewhere = http.post("/cases/search", json={"nik": person.nik}, headers=auth(token_for(system, "OFFICER", "DPS")))
    assert elsewhere.json()["count"] == 0
    subject = found["data"][0]["subject_ids"][0]
    erased = erase_over_http(http, system, subject, "JYP", supervisor, admin)
    assert erased.status_code == 200, erased.text
    for body in ({"nik": person.nik}, {"name": person.name.upper()}):
        assert http.post("/cases/search", json=body, headers=auth(auditor)).json()["count"] == 0
