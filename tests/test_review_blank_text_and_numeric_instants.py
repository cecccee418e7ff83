"""Text a reader sees as empty, and dates written as numbers, are refused (an outside review
found both taken): a value of spaces, a zero-width space or a lone right-to-left override
was recorded as a person's name, a legal basis, a detention's ground; ``occurred_at: 1000000000``
was read as seconds since 1970 in UTC, an instant nobody wrote, with an offset nobody gave.
Each refusal is a 422 naming the field, and nothing is appended. On both backends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from domain.case import check_text
from domain.errors import InvalidCommand
from domain.plain_text import check_agency, check_citation, check_number, check_place, check_port
from tests.api_on_both import client, officer
from tests.api_support import auth, key, passport_body, person, token_for

__all__ = ["client", "officer"]

BLANK = ["   ", "\u00a0", "\u200b", "\u202e", "\ufeff", " \u200b\u202c\t"]


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _refused(answer: Any, *field: str) -> None:
    assert answer.status_code == 422, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    fields = [error["field"] for error in answer.json()["errors"]]
    assert ".".join(field) in fields or field[-1] in fields, fields


@pytest.mark.parametrize("blank", BLANK)
@pytest.mark.parametrize("check", [check_text, check_citation, check_place, check_port, check_agency, check_number])
def test_the_domain_refuses_text_that_shows_nothing_whoever_calls_it(check, blank):
    with pytest.raises(InvalidCommand) as caught:
        check("field", blank)
    assert (caught.value.field, caught.value.rule) == ("field", "must not be empty")


@pytest.mark.parametrize("text", ["UU 6/2011 Pasal 75", "a\u200bb", "أحمد", "Jl. Ijen 12 😀"])
def test_text_with_something_to_read_is_taken_as_before(text):
    check_text("field", text)


@pytest.mark.parametrize("blank", ["   ", "\u200b", "\u202e"])
@pytest.mark.parametrize("field", ["name", "address"])
def test_a_blank_name_or_address_is_a_422_naming_it(client: TestClient, system: System, officer: str, blank, field):
    before = system.app.recorder.max_notification_id()
    body = passport_body(applicant=person() | {field: blank})
    _refused(_post(client, officer, "/passport-applications", body), "applicant", field)
    assert system.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("blank", ["\u200b", "\u202e"])
def test_a_blank_purpose_agency_or_area_is_a_422(client: TestClient, system: System, officer: str, blank):
    before = system.app.recorder.max_notification_id()
    _refused(_post(client, officer, "/passport-applications", passport_body(purpose=blank)), "purpose")
    _refused(_post(client, officer, "/joint-operations", {"agencies": [blank], "area": "Kota Malang"}), "agencies", "0")
    _refused(_post(client, officer, "/joint-operations", {"agencies": ["POLRI"], "area": blank}), "area")
    assert system.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("when", [1000000000, "1000000000", 1.7e9, "1764720000.5", 0])
def test_an_instant_written_as_a_number_is_a_422_naming_occurred_at(client: TestClient, system: System, when):
    supervisor = token_for(system, "SUPERVISOR")
    before = system.app.recorder.max_notification_id()
    body = {"agencies": ["POLRI"], "area": "Kota Malang", "occurred_at": when, "late_entry_reason": "DATA_MIGRATION"}
    answer = _post(client, supervisor, "/joint-operations", body)
    _refused(answer, "occurred_at")
    assert "e.g. 2024-06-30T00:00:00+07:00" in answer.text
    assert system.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("birth", [0, 86400, "631152000"])
def test_a_birth_date_written_as_a_number_is_a_422(client: TestClient, system: System, officer: str, birth):
    body = passport_body(applicant=person() | {"birth_date": birth})
    _refused(_post(client, officer, "/passport-applications", body), "applicant", "birth_date")


def test_an_instant_written_out_is_taken_as_before(client: TestClient, system: System, officer: str):
    answer = _post(client, officer, "/joint-operations", {"agencies": ["POLRI"], "area": "Kota Malang"})
    assert answer.status_code == 201, answer.text[:300]
    case_id = answer.json()["id"]
    at = answer.json()["last_occurred_at"]
    executed = _post(
        client, officer, f"/joint-operations/{case_id}/execution", {"locations": ["Klojen"], "persons_checked": 3}
    )
    assert executed.status_code == 200, executed.text[:300]
    read = client.get(f"/cases/{case_id}?as_of={at.replace('+', '%2B')}", headers=auth(officer))
    assert read.status_code == 200 and read.json()["version"] == 1, read.text[:300]
