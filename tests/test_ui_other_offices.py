"""The web interface for offices other than Malang and years other than 2024: an auditor
in another time zone, a supervisor of another office, over real HTTP on both backends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from api.cli.common import console_admin
from api.ui import i18n
from domain.usecases import users
from projections.runner import catch_up
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

