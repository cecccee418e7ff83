"""The web interface for offices other than Malang and years other than 2024: an auditor
in another time zone, a supervisor of another office, over real HTTP on both backends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.cli.common import console_admin
from api.ui import i18n
from domain.usecases import users
from domain.usecases.base import Actor
from domain.values import Role
from projections.runner import catch_up
from tests.builders import submission
from tests.ui_support import command_form, seed_office, sign_in


def test_a_national_list_shows_each_row_in_its_own_offices_time_not_the_auditors(client, system, office):
    jayapura_auditor = users.register(system.app, console_admin("JYP"), "auditor JYP", "AUDITOR", "JYP")[1]
    sign_in(client, office.tokens["SUPERVISOR"])
    url = f"/ui/cases/{office.interviewed}"
    refusal = command_form(
        client, url, "refusal", 4, {"reason_code": "INCOMPLETE_DOCUMENTS", "legal_basis": "Permenkumham 18/2022"}
    )
    assert client.post(f"{url}/commands/refusal", data=refusal, follow_redirects=False).status_code == 303
    catch_up(system.store, system.projections())
    supervisor = users.authenticate(system.app, office.tokens["SUPERVISOR"]).id
    client.cookies.clear()
    sign_in(client, jayapura_auditor)
    # The decisions page filtered to this test's supervisor: on a shared database other tests'
    # decisions fill its first page.
    for page in ("/ui/cases", f"/ui/audit?officer={supervisor}"):
        html = client.get(page).text
        assert f'href="/ui/cases/{office.interviewed}"' in html, page
        # Malang's records in Malang's time (WIB), as its own staff and its case page show them.
        assert " WIB</span></td>" in html, page  # other tests may leave WIT rows in a shared database


def test_the_report_opens_on_the_current_year_with_the_apis_figures(client, system, office):
    this_year = datetime.now(ZoneInfo("Asia/Jakarta")).year  # Malang's; the seeded fee was paid just now
    api = client.get(
        f"/reports/annual/{this_year}",
        params={"office": "MLG"},
        headers={"Authorization": f"Bearer {office.tokens['SUPERVISOR']}"},
    ).json()
    assert api["summary"]["passport_revenue"] > 0
    sign_in(client, office.tokens["SUPERVISOR"])
    client.cookies.set("berkas_lang", "en", path="/ui")
    html = client.get("/ui/reports").text
    assert f"Annual report {this_year} — MLG" in html
    assert f"<dd>{i18n.rupiah('en', api['summary']['passport_revenue'])}</dd>" in html
    csv = client.get("/ui/reports/annual.csv")
    assert f"laporan-{this_year}-MLG.csv" in csv.headers["content-disposition"]


def test_a_business_time_in_year_one_is_refused_naming_the_field_and_the_years(client, system):
    office = seed_office(system, "MTR", regency_code="5271")
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{office.submitted}"
    form = command_form(client, url, "payment", 1, {"billing_code": "820240300009", "occurred_at": "0001-01-01T00:00"})
    refused = client.post(f"{url}/commands/payment", data=form)
    assert refused.status_code == 422
    # In the page's language (Indonesian), the field by its label and its name.
    assert "Waktu kejadian (bila bukan sekarang) (occurred_at): harus antara tahun 1900 dan 2100" in refused.text


def test_an_offices_admin_is_offered_no_revocation_the_rules_would_refuse(client, system):
    """Jayapura's admin may revoke Jayapura's officer, never an auditor (the server operator's
    account): the page offers no form it would refuse, and says who manages that account."""
    office = seed_office(system, "JYP", regency_code="9471")
    auditor = users.authenticate(system.app, office.tokens["AUDITOR"]).id
    officer = users.authenticate(system.app, office.tokens["OFFICER"]).id
    sign_in(client, office.tokens["ADMIN"])
    html = client.get("/ui/ops").text
    assert f'action="/ui/ops/users/{officer}/revocation"' in html
    assert f'action="/ui/ops/users/{auditor}/revocation"' not in html
    row = re.search(rf'<tr data-account="{auditor}">.*?</tr>', html, re.S)
    assert row and "berkas users" in row.group(0), row


def test_a_business_time_typed_in_jayapura_is_wit_and_the_form_says_so(client, system):
    office = seed_office(system, "JYP", regency_code="9471")
    wit = ZoneInfo("Asia/Jayapura")
    earlier = datetime.now(wit).replace(second=0, microsecond=0) - timedelta(hours=2)
    officer = Actor(users.authenticate(system.app, office.tokens["OFFICER"]).id, Role.OFFICER, "JYP")
    case_id = system.app.submit_passport_application(
        officer, occurred_at=earlier - timedelta(hours=1), **submission(regency_code="9471")
    )
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{case_id}"
    html = client.get(url).text
    assert re.search(r'for="payment-occurred_at">[^<]*<span class="zone" data-zone>WIT</span>', html)
    assert re.search(r'for="as_of">[^<]*<span class="zone" data-zone>WIT</span>', html)
    form = command_form(
        client, url, "payment", 1, {"billing_code": "820250300011", "occurred_at": earlier.strftime("%Y-%m-%dT%H:%M")}
    )
    assert client.post(f"{url}/commands/payment", data=form, follow_redirects=False).status_code == 303
    assert system.app.history(case_id)[-1].provenance.occurred_at == earlier  # 2 h ago in WIT, not WIB
