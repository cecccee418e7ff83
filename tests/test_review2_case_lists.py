"""`GET /cases` with list filters (an office, a status) is not a list: the 422 says where the
lists are (one per kind) besides where search is. Found by the review (round 2): a Denpasar
supervisor asking `GET /cases?office=DPS&status=ISSUED` was told only to search by NIK,
passport number or name. Real HTTP, both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api_on_both import client
from tests.api_support import auth, token_for

__all__ = ["client"]  # fixture

LISTS = ("/passport-applications", "/stay-permits", "/enforcement-cases", "/joint-operations")


def test_a_list_asked_of_cases_names_the_lists_of_each_kind(client: TestClient, system):
    supervisor = auth(token_for(system, "SUPERVISOR", "DPS"))
    answer = client.get("/cases", params={"office": "DPS", "status": "ISSUED"}, headers=supervisor)
    assert answer.status_code == 422, answer.text[:300]
    detail = answer.json()["detail"]
    assert "POST /cases/search" in detail and all(path in detail for path in LISTS), detail
    for path in LISTS:  # and each of them answers that office's list
        assert client.get(path, params={"office": "DPS"}, headers=supervisor).status_code == 200, path
