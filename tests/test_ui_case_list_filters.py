"""The web interface's case list (`/ui/cases`) is `GET /cases` read from its search form: a
filter it cannot read (an unknown status, a status its kind lacks, an unknown kind, reason,
office, regency, date or cursor, personal data) is a 422 page naming the filter by its label and
parameter, in the page's language, with no list under it, where it answered 200 "nothing
matched" (the review's `?status=NOPE&kind=PassportApplication`). The API answers the same query
with a 422 naming the same parameter: the rules are the API's, not a copy. Empty form fields
still mean "any", and every filter the form has (the reason code too) filters. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from markupsafe import escape

from api.ui import i18n
from domain.usecases.base import Actor
from domain.values import PostponementReason, Role
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for
from tests.test_api_case_list import Window
from tests.ui_support import sign_in

NIK = "3573010101900001"
# A query the form (or an edited address) sends, and the parameter its refusal names.
REFUSED = [
    ({"status": "NOPE", "kind": "PassportApplication"}, "status"),  # the review's
    ({"status": "NOPE"}, "status"),
    ({"status": "issued"}, "status"),
    ({"status": "ISSUED", "kind": "JointOperation"}, "status"),  # not a status of that kind
    ({"kind": "NOPE"}, "kind"),
    ({"kind": "RevenueTarget"}, "kind"),  # shares the case index, has no case page
    ({"reason": "NOPE"}, "reason"),
    ({"reason": "SUPPORTING_DOCUMENTS", "kind": "JointOperation"}, "reason"),  # another kind's code
    ({"reason": "has space"}, "reason"),
    ({"office": "NOPE"}, "office"),
    ({"regency": "9999"}, "regency"),
    ({"from": "2025-13-01"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2025-05-01T10:00"}, "to"),  # an instant without its offset
    ({"after": "garbage"}, "after"),
    ({"limit": "0"}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"nik": NIK, "status": "NOPE"}, "nik"),  # personal data first, as the API
]
PREFIX = {lang: i18n.CATALOG["cases.refused"][index].split("{filter}")[0] for index, lang in enumerate(i18n.LANGUAGES)}


def _alert(html: str) -> re.Match[str] | None:
    return re.search(r'<p class="problem" role="alert" id="refused" data-refused="([^"]*)">([^<]*)</p>', html)


@pytest.mark.parametrize(("query", "field"), REFUSED, ids=[f"{f}-{i}" for i, (_, f) in enumerate(REFUSED)])
def test_a_filter_the_list_cannot_read_is_a_422_page_naming_it_as_the_api_names_it(
    client, system, office, query, field
):
    sign_in(client, office.tokens["AUDITOR"])  # an auditor may name any office: only the filter is wrong
    for lang in i18n.LANGUAGES:
        client.cookies.set("berkas_lang", lang, path="/ui")
        page = client.get("/ui/cases", params=query)
        assert page.status_code == 422, (query, page.text[:300])
        alert = _alert(page.text)
        assert alert and alert[1] == field, page.text
        label = i18n.text(lang, f"cases.{field}") if field != "nik" else "NIK"
        said = alert[2]
        assert said.startswith(str(escape(PREFIX[lang] + f"{label} ({field})"))), said
        assert i18n.text(lang, "cases.none") not in page.text  # no "nothing matched": nothing was searched
        assert not re.search(r'href="/ui/cases/[0-9a-f-]{36}"', page.text)
        assert NIK not in page.text
        if lang == "id":  # the rule in Indonesian, not the API's English
            assert "should" not in said and " is not " not in said and "must" not in said, said
        if field in ("kind", "status", "reason", "regency", "from", "to", "office"):
            assert re.search(rf'name="{field}"[^>]* aria-invalid="true"', page.text), field
    answered = client.get("/cases", params=query, headers=auth(office.tokens["AUDITOR"]))
    assert answered.status_code == 422, answered.text
    assert answered.json()["errors"][0]["field"] == field
    assert NIK not in answered.text


def test_the_officers_list_refuses_the_same_and_another_office_stays_a_403(client, office):
    sign_in(client, office.tokens["OFFICER"])
    assert _alert(client.get("/ui/cases", params={"status": "NOPE", "kind": "PassportApplication"}).text)
    assert client.get("/ui/cases", params={"office": "DPS"}).status_code == 403


def test_empty_fields_mean_any_and_a_refused_search_keeps_what_was_typed(client, office):
    sign_in(client, office.tokens["OFFICER"])
    empty = {name: "" for name in ("kind", "status", "reason", "regency", "office", "from", "to")}
    everything = client.get("/ui/cases", params=empty)
    assert everything.status_code == 200 and str(office.interviewed) in everything.text
    assert not _alert(everything.text)
    typed = client.get("/ui/cases", params={"regency": "9999", "reason": "REFUSED_X", "from": "2025-01-02"})
    assert typed.status_code == 422
    for name, value in (("regency", "9999"), ("reason", "REFUSED_X"), ("from", "2025-01-02")):
        assert re.search(rf'name="{name}"[^>]* value="{value}"', typed.text), name


def test_every_filter_the_form_has_filters_the_reason_code_too(client, system, office):
    """A postponed application (reason SUPPORTING_DOCUMENTS) and another one, both in a window
    of their own: the reason, the status, the kind and the dates (a day, an instant) find
    exactly the postponed one."""
    window = Window()
    postponed = builders.passport(window.clock, until="POSTPONED")
    other = builders.passport(window.clock, until="PAID")
    system.app.save(postponed)
    system.app.save(other)
    catch_up(system.store, system.projections())
    sign_in(client, office.tokens["OFFICER"])
    day = (window.start + timedelta(hours=7)).date().isoformat()  # Malang's (WIB) calendar day
    for query in (
        {**window.params, "reason": PostponementReason.SUPPORTING_DOCUMENTS.value},
        {**window.params, "status": "POSTPONED", "kind": "PassportApplication"},
        {"from": day, "to": day, "reason": "SUPPORTING_DOCUMENTS", "kind": "PassportApplication"},
    ):
        page = client.get("/ui/cases", params=query)
        assert page.status_code == 200, (query, page.text[:300])
        assert str(postponed.id) in page.text and str(other.id) not in page.text, query
    both = client.get("/ui/cases", params=window.params).text
    assert str(postponed.id) in both and str(other.id) in both


def test_a_revenue_target_is_neither_listed_nor_a_page_nor_a_case_of_the_api(client, system, office):
    """It shares the case index but has no case model: listed, its link was a 500 (and so
    were `/cases/{id}` and a kind's read of its id)."""
    supervisor = Actor("supervisor-uifix", Role.SUPERVISOR, "MLG")
    year = 2000 + abs(hash(office.submitted)) % 90  # a year of its own on the shared database
    system.app.set_revenue_target(supervisor, year, Decimal("1000000"), "DIPA revisi")
    catch_up(system.store, system.projections())
    target = system.app.revenue_target("MLG", year).id
    sign_in(client, office.tokens["SUPERVISOR"])
    listed = client.get("/ui/cases", params={"limit": "200"}).text
    assert str(target) not in listed and "RevenueTarget" not in listed
    assert client.get(f"/ui/cases/{target}").status_code == 404
    reader = auth(token_for(system, "AUDITOR"))
    for path in (f"/cases/{target}", f"/passport-applications/{target}", f"/joint-operations/{target}"):
        answer = client.get(path, headers=reader)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
        assert answer.json()["type"] == "urn:berkas:problem:not-found"


def test_a_personal_data_results_address_opens_the_search_and_never_repeats_a_value(client, office):
    sign_in(client, office.tokens["OFFICER"])
    opened = client.get("/ui/cases/search", params={"nik": NIK}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/ui/cases"
    refused = client.get("/ui/cases", params={"nik": NIK})
    assert refused.status_code == 422 and NIK not in refused.text
    assert '<details class="card" open>' in refused.text  # the personal-data search, opened
