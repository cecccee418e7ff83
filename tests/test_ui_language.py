"""The web interface in the page's language, for Denpasar (WITA) and Jayapura (WIT) in 2025:
a refusal's rule in Indonesian naming its field, a case's attributes by their labels, and
a national list's dates read as each office's calendar days. Real HTTP, both backends."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from api.http.schemas.cases import CASE_MODELS
from api.ui import i18n, refusals
from domain import plain_text
from domain.case import DIGITS_RULE
from domain.reservation import RULE_TEXT
from domain.usecases import users
from domain.usecases.base import Actor
from domain.values import Role
from projections.runner import catch_up
from tests.builders import finding, stay_application, submission
from tests.ui_support import command_form, csrf_of, seed_office, sign_in

ENGLISH_RULES = ("Field required", "String should", "Input should", "must be", "must not", "only a", "cannot")


def _problem(html: str) -> str:
    """The text of the page's refusal (the error page's or the case page's)."""
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', html, re.S)
    assert found, "the page shows no refusal"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"billing_code": ""}, "Kode billing (billing_code): wajib diisi"),
        ({"billing_code": "8" * 65}, "Kode billing (billing_code): paling banyak 64 karakter"),
        ({"billing_code": "<script>alert(1)</script>"}, "Kode billing (billing_code): harus nomor"),
        (
            {"billing_code": "820250300001", "occurred_at": "0001-01-01T00:00"},
            "(occurred_at): harus antara tahun 1900 dan 2100",
        ),
    ],
    ids=["empty", "too-long", "html", "year-one"],
)
def test_a_refused_command_says_its_rule_in_indonesian_naming_the_field(client, system, fields, words):
    office = seed_office(system, "DPS", regency_code="5171")
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{office.submitted}"
    refused = client.post(f"{url}/commands/payment", data=command_form(client, url, "payment", 1, fields))
    assert refused.status_code == 422
    assert '<html lang="id">' in refused.text
    said = _problem(refused.text)
    assert words in said, said
    assert not any(english in said for english in ENGLISH_RULES), said
    assert "<script>alert" not in refused.text  # the typed value is never echoed unescaped
    # The same refusal on the English page keeps the API's words.
    client.cookies.set("berkas_lang", "en", path="/ui")
    english = client.post(f"{url}/commands/payment", data=command_form(client, url, "payment", 1, fields))
    assert '<html lang="en">' in english.text
    assert not any(word in _problem(english.text) for word in ("wajib", "harus", "paling")), _problem(english.text)
    assert system.app.get_case(office.submitted).version == 1


def test_a_decision_by_an_officer_and_a_command_the_state_forbids_are_refused_in_indonesian(client, system):
    office = seed_office(system, "JYP", regency_code="9471")
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{office.interviewed}"
    approval = command_form(client, url, "approval", 4, {"legal_basis": "Pasal 27 UU 6/2011"})
    refused = client.post(f"{url}/commands/approval", data=approval)
    assert refused.status_code == 403
    assert "hanya kepala seksi yang boleh" in _problem(refused.text), _problem(refused.text)
    # Paying an interviewed application: the lifecycle refuses it (409), in Indonesian.
    payment = command_form(client, url, "payment", 4, {"billing_code": "820250300002"})
    state = client.post(f"{url}/commands/payment", data=payment)
    assert state.status_code == 409
    said = _problem(state.text)
    assert "berstatus INTERVIEWED" in said and "tidak dapat dijalankan" in said, said
    assert not any(english in said for english in ENGLISH_RULES), said


def test_every_known_rule_reads_in_indonesian_and_an_unknown_one_as_written():
    assert refusals.rule("id", "must be between the years 1900 and 2100") == "harus antara tahun 1900 dan 2100"
    assert refusals.rule("id", "Value error, must not be in the future") == "tidak boleh di masa depan"
    assert refusals.rule("id", "only a supervisor may approve") == "hanya kepala seksi yang boleh melakukan Persetujuan"
    assert refusals.rule("en", "only a supervisor may approve") == "only a supervisor may approve"
    assert refusals.rule("id", "a rule nobody has translated yet") == "a rule nobody has translated yet"
    assert (
        refusals.field_problem("id", "referral.agency", "Field required")
        == "Rujukan — Instansi (referral.agency): wajib diisi"
    )
    for pattern, _ in refusals.RULES:  # each rendering formats without a missing group
        assert pattern.pattern


def _fields(model: type[BaseModel]) -> set[str]:
    """Every attribute name a case page can show for ``model``, nested ones included."""
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for inner in getattr(field.annotation, "__args__", (field.annotation,)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names |= _fields(inner)
    return names


@pytest.mark.parametrize("kind", ["PassportApplication", "StayPermit", "EnforcementCase", "JointOperation"])
def test_every_attribute_a_case_can_show_has_a_label_in_both_languages(kind):
    shown = _fields(CASE_MODELS[kind]) - {"id", "kind", "version", "status", "office"}
    unlabelled = {name for name in shown if name not in i18n.ATTRIBUTES and name not in i18n.FIELDS}
    assert not unlabelled, f"{kind}: no label for {sorted(unlabelled)}"
    assert i18n.attribute_label("id", "some_new_field") == "Some New Field"  # a readable fallback


def test_each_kind_of_case_page_shows_labels_not_attribute_names(client, system):
    office = seed_office(system, "DPS", regency_code="5171")
    officer = Actor(users.authenticate(system.app, office.tokens["OFFICER"]).id, Role.OFFICER, "DPS")
    stay = system.app.apply_for_stay_permit(officer, **stay_application(passport_number="PDPS7654321"))
    opened = {k: v for k, v in finding().items() if k != "summary"}
    enforcement = system.app.open_enforcement_case(officer, source="FIELD_SUPERVISION", **opened)
    catch_up(system.store, system.projections())
    sign_in(client, office.tokens["OFFICER"])
    for lang, label in (("id", "Kode kabupaten/kota"), ("en", "Regency code")):
        client.cookies.set("berkas_lang", lang, path="/ui")
        for case_id in (office.interviewed, stay, enforcement):
            html = client.get(f"/ui/cases/{case_id}").text
            terms = re.findall(r'<dt data-key="([^"]+)">([^<]*)</dt>', html)
            assert len(terms) > 8, case_id
            for key, shown in terms:
                assert shown != key or key in ("nik",), f"{case_id}: {key} shown by its name"
            assert "_" not in "".join(shown for _, shown in terms)
        passport = client.get(f"/ui/cases/{office.interviewed}").text
        assert f">{label}</dt>" in passport
        # Money in whole rupiah, exactly, as the page's language writes it (not 950000).
        fee = {"id": "Rp 950.000", "en": "Rp 950,000"}[lang]
        assert re.search(rf'data-key="fee_paid">[^<]*</dt>\s*<dd>{fee}</dd>', passport), lang


WIT = ZoneInfo("Asia/Jayapura")


def test_a_national_lists_days_are_each_offices_calendar_days_and_the_page_says_so(client, system):
    """Jayapura's 2 March 2025 00:30 WIT is 1 March in Malang's zone: an auditor filtering a
    national list by 2 March finds it (the day its row shows), by 1 March does not."""
    jayapura = seed_office(system, "JYP", regency_code="9471")
    supervisor = Actor(users.authenticate(system.app, jayapura.tokens["SUPERVISOR"]).id, Role.SUPERVISOR, "JYP")
    at = datetime(2025, 3, 2, 0, 30, tzinfo=WIT)
    case_id = system.app.submit_passport_application(
        supervisor, occurred_at=at, late_entry_reason="DATA_MIGRATION", **submission(regency_code="9471")
    )
    catch_up(system.store, system.projections())
    malang = seed_office(system, "MLG")
    sign_in(client, malang.tokens["AUDITOR"])  # an auditor in WIB
    listed = client.get("/ui/cases", params={"from": "2025-03-02", "to": "2025-03-02"}).text
    assert f'href="/ui/cases/{case_id}"' in listed
    assert '2025-03-02</span> <span class="nowrap">00:' in listed  # shown in WIT, on the day filtered
    assert "hari kalender kantor tiap baris" in listed  # the page says which days these are
    before = client.get("/ui/cases", params={"from": "2025-03-01", "to": "2025-03-01"}).text
    assert f'href="/ui/cases/{case_id}"' not in before
    # One office's list: that office's days, and the page names its zone.
    own = client.get("/ui/cases", params={"office": "JYP", "from": "2025-03-02", "to": "2025-03-02"}).text
    assert f'href="/ui/cases/{case_id}"' in own and "kantor JYP (WIT)" in own


def test_a_small_offices_revenue_axis_is_in_a_unit_its_ticks_can_tell_apart(client, system):
    """Jayapura's one passport fee (Rp 950.000) on an axis in miliar read "0,0 M" at every tick."""
    office = seed_office(system, "JYP", regency_code="9471")
    sign_in(client, office.tokens["SUPERVISOR"])
    year = datetime.now(WIT).year
    html = client.get("/ui/reports", params={"year": year, "office": "JYP"}).text
    chart = html[html.index('id="c-revenue"') : html.index("</svg>", html.index('id="c-revenue"'))]
    ticks = re.findall(r'class="tick" text-anchor="end">([^<]+)<', chart)
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
    assert all(tick.endswith((" rb", " jt")) or tick == "0" or tick.startswith("0 ") for tick in ticks), ticks
    described = re.search(r'<desc id="c-revenue-d">([^<]+)</desc>', chart).group(1)
    assert "0,0 M" not in described, described


def test_the_language_switch_on_an_answer_to_a_form_returns_to_the_forms_page(client, system):
    """After a refused command or a personal-data search the switch once led to the form's
    own address (a GET there: 405, or 422 for "search" taken as a case id)."""
    office = seed_office(system, "DPS", regency_code="5171")
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{office.submitted}"
    refused = client.post(f"{url}/commands/payment", data=command_form(client, url, "payment", 1, {}))
    searched = client.post("/ui/cases/search", data={"csrf": csrf_of(refused.text), "nik": "3573010101900001"})
    for answer, back in ((refused, url), (searched, "/ui/cases")):
        switch = re.search(r'href="(/ui/lang/en\?next=[^"]+)"', answer.text).group(1)
        assert switch.endswith("next=" + quote(back)), switch
        assert "3573010101900001" not in switch
        landed = client.get(switch.replace("&amp;", "&"))
        assert landed.status_code == 200 and '<html lang="en">' in landed.text, landed.url


def test_an_auditor_picks_a_case_lists_office_from_the_offices_not_free_text(client, system):
    office = seed_office(system, "DPS", regency_code="5171")
    sign_in(client, office.tokens["AUDITOR"])
    html = client.get("/ui/cases", params={"office": "JYP"}).text
    assert '<select id="office" name="office">' in html
    assert "<option selected>JYP</option>" in html and "<option>DPS</option>" in html
    assert "kantor JYP (WIT)" in html


def test_the_domains_named_rules_and_the_apis_messages_each_have_an_indonesian_rendering():
    named = [value for name, value in vars(plain_text).items() if name.endswith("_RULE") and isinstance(value, str)]
    messages = [
        *named,
        *RULE_TEXT.values(),
        DIGITS_RULE,
        "String should have at most 500 characters",
        "String should match pattern '^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]+$'",
        "Input should be a valid integer, unable to parse string as an integer",
        "an admin of office DPS manages only that office's accounts, not JYP's",
        "late entry (older than 30 days): only a supervisor may record it",
    ]
    assert len(named) >= 8
    for message in messages:
        assert refusals.known(message), message
        assert refusals.rule("id", message) != message, message
