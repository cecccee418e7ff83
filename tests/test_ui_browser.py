"""The web interface in a real browser (Debian's Chromium, driven by Playwright):
signing in as each role, searching, a case's timeline and an earlier version, a command
and the stale-page refusal, accessibility and keyboard use. Screenshots go to
test-artifacts/ui/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from api.bootstrap import System, bootstrap
from api.settings import Settings
from domain.usecases import users
from tests.builders import APPLICANT_NAME, APPLICANT_NIK, submission
from tests.ui_support import Office, chromium, live_server, screenshot, seed_office

__all__ = ["chromium"]  # the fixture, imported to be used here

pytestmark = pytest.mark.postgres
JAKARTA = ZoneInfo("Asia/Jakarta")  # Malang keeps WIB


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory) -> Iterator[tuple[System, Office, str]]:
    system = bootstrap(Settings(database_url=database_url, sqlite_path=tmp_path_factory.mktemp("ui") / "unused.db"))
    office = seed_office(system)
    with live_server(system) as base:
        yield system, office, base
    system.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/ui/")
    page.get_by_label("Token akses").fill(token)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


HOMES = {"OFFICER": "/ui/cases", "SUPERVISOR": "/ui/reports", "AUDITOR": "/ui/reports", "ADMIN": "/ui/ops"}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_signs_in_lands_on_its_home_and_signs_out(browser_page, world, role):
    _system, office, base = world
    page = browser_page
    sign_in(page, base, office.tokens[role])
    assert page.url.endswith(HOMES[role])
    assert f"({role}, MLG)" in page.inner_text("header")
    screenshot(page, f"home-{role.lower()}")
    cookie = next(c for c in page.context.cookies() if c["name"] == "berkas_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert office.tokens[role] not in cookie["value"]
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(re.compile(r".*/ui/sign-in$"))
    page.goto(f"{base}/ui/cases")
    assert "/ui/sign-in" in page.url


def test_search_then_open_a_cases_timeline_and_an_earlier_version(browser_page, world):
    _system, office, base = world
    page = browser_page
    sign_in(page, base, office.tokens["SUPERVISOR"])
    page.goto(f"{base}/ui/cases")
    page.get_by_label("Jenis").select_option("PassportApplication")
    page.get_by_label("Status").select_option("INTERVIEWED")
    page.get_by_role("button", name="Cari").click()
    page.wait_for_load_state()
    screenshot(page, "cases-search")
    page.locator(f'a[href="/ui/cases/{office.interviewed}"]').click()
    page.wait_for_load_state()
    timeline = page.locator("table.timeline tbody tr")
    assert timeline.count() == 4
    assert [timeline.nth(i).locator("td").nth(1).inner_text().split()[0] for i in range(4)] == [
        "Submitted",
        "FeePaid",
        "BiometricsCaptured",
        "Interviewed",
    ]
    headers = page.locator("table.timeline thead th").all_inner_texts()
    assert "Waktu kejadian" in headers and "Waktu pencatatan" in headers and "Dasar hukum" in headers
    screenshot(page, "case-timeline")
    page.get_by_label("Versi", exact=True).fill("2")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    assert page.locator("[data-shown-status]").inner_text() == "PAID"
    assert "Keadaan pada versi 2" in page.inner_text("#state-h")
    assert page.locator("table.timeline tr.later").count() == 2
    screenshot(page, "case-as-of-version")


def test_a_command_runs_and_a_stale_page_says_so_instead_of_overwriting(chromium, world):
    system, office, base = world
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        first, second = context.new_page(), context.new_page()
        sign_in(first, base, office.tokens["OFFICER"])
        url = f"{base}/ui/cases/{office.submitted}"
        first.goto(url)
        second.goto(url)  # the same case open in a second tab, at version 1
        first.locator("summary", has_text="Pembayaran PNBP").click()
        first.get_by_label("Kode billing").fill("820240300123")
        first.locator('form[data-command="payment"] button').click()
        first.wait_for_load_state()
        assert "Tersimpan: berkas kini versi 2" in first.inner_text("[role=status]")
        assert first.locator("[data-status]").inner_text() == "PAID"

        second.locator("summary", has_text="Pembayaran PNBP").click()  # a colleague pays it again
        second.get_by_label("Kode billing").fill("820240300124")
        second.locator('form[data-command="payment"] button').click()
        second.wait_for_load_state()
        alert = second.locator("[data-stale]")
        assert "Halaman ini sudah usang" in alert.inner_text() and "versi 2" in alert.inner_text()
        screenshot(second, "case-stale-refusal")
        assert system.app.get_case(office.submitted).version == 2
    finally:
        context.close()


def test_an_auditor_sees_no_personal_data_in_any_page(browser_page, world):
    _system, office, base = world
    page = browser_page
    sign_in(page, base, office.tokens["AUDITOR"])
    for url in (f"/ui/cases/{office.interviewed}", "/ui/cases", "/ui/audit", "/ui/reports"):
        page.goto(base + url)
        text = page.content()
        assert APPLICANT_NAME not in text and APPLICANT_NIK not in text, url
    page.goto(f"{base}/ui/cases/{office.interviewed}")
    assert "disamarkan" in page.inner_text("main")
    screenshot(page, "case-auditor-redacted")


# The check is a function for page.evaluate: its opening comment line is dropped.
CHECKS = (Path(__file__).parent / "ui_checks.js").read_text().partition("\n")[2]


def test_the_accessibility_check_finds_what_it_looks_for(browser_page):
    page = browser_page
    page.set_content(
        '<html><body><h1>Judul</h1><h3>Lompat</h3><input id="x"><p style="color:#bbb">samar</p></body></html>'
    )
    problems = " ".join(page.evaluate(CHECKS))
    for expected in ("unlabelled", "heading jumps to h3", "no lang attribute", 'contrast 1.92 for "samar"'):
        assert expected in problems


def test_the_main_pages_pass_an_accessibility_smoke_check(browser_page, world):
    _system, office, base = world
    page = browser_page
    page.goto(f"{base}/ui/sign-in")
    assert page.evaluate(CHECKS) == []
    sign_in(page, base, office.tokens["SUPERVISOR"])
    for url in ("/ui/cases", f"/ui/cases/{office.interviewed}", "/ui/reports?year=2026", "/ui/audit"):
        page.goto(base + url)
        assert page.evaluate(CHECKS) == [], url
    page.context.clear_cookies()
    sign_in(page, base, office.tokens["ADMIN"])
    page.goto(f"{base}/ui/ops")
    assert page.evaluate(CHECKS) == []
    screenshot(page, "ops")


def test_forms_work_from_the_keyboard_alone(browser_page, world):
    _system, office, base = world
    page = browser_page
    page.goto(f"{base}/ui/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if focused[-1] == "token":
            break
    assert focused[-1] == "token"
    page.keyboard.type(office.tokens["OFFICER"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/ui/cases$"))

    page.locator("#number").focus()
    order = ["number"]
    for _ in range(20):  # a date field takes a Tab per part (day, month, year)
        page.keyboard.press("Tab")
        now = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        if now != order[-1]:
            order.append(now)
        if now == "BUTTON":
            break
    assert order == ["number", "kind", "status", "reason", "regency", "from", "to", "BUTTON"]
    page.locator("#kind").focus()
    page.keyboard.press("End")  # the last kind in the list, chosen without a mouse
    page.locator("#regency").focus()
    page.keyboard.type("3573")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*regency=3573.*"))


def test_a_session_cookie_replayed_after_signing_out_is_refused(chromium, world):
    _system, office, base = world
    owner, thief = chromium.new_context(), chromium.new_context()
    try:
        page = owner.new_page()
        sign_in(page, base, office.tokens["SUPERVISOR"])
        thief.add_cookies(owner.cookies())  # the cookie copied off the officer's machine
        stolen = thief.new_page()
        stolen.goto(f"{base}/ui/audit")
        assert stolen.url.endswith("/ui/audit")  # it works while the session lives...
        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url(re.compile(r".*/ui/sign-in$"))
        stolen.goto(f"{base}/ui/audit")
        assert "/ui/sign-in" in stolen.url  # ...and is refused once its owner signed out
    finally:
        owner.close()
        thief.close()


def test_an_admin_creates_an_account_its_token_signs_in_and_revoking_it_ends_the_session(chromium, world):
    system, office, base = world
    admin_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    newcomer_context = chromium.new_context()
    try:
        admin = admin_context.new_page()
        sign_in(admin, base, office.tokens["ADMIN"])
        admin.get_by_label("Nama", exact=True).fill("Sari Wulandari")
        admin.get_by_label("Peran", exact=True).select_option("OFFICER")
        assert admin.get_by_label("Kantor", exact=True).input_value() == "MLG"
        admin.get_by_role("button", name="Buat akun").click()
        admin.wait_for_load_state()
        created = admin.locator("[data-new-account]")
        assert "Sari Wulandari (OFFICER, MLG)" in created.inner_text()
        token = admin.locator("#new-token").input_value()
        assert token.startswith("bk_")
        assert admin.evaluate(CHECKS) == []
        screenshot(admin, "ops-account-created")
        account_id = created.get_attribute("data-new-account")

        newcomer = newcomer_context.new_page()
        sign_in(newcomer, base, token)
        assert newcomer.url.endswith("/ui/cases") and "Sari Wulandari" in newcomer.inner_text("header")

        admin.goto(f"{base}/ui/ops")
        assert token not in admin.content()  # shown once only
        row = admin.locator(f'tr[data-account="{account_id}"]')
        row.get_by_label("Alasan pencabutan").fill("pindah tugas")
        row.get_by_role("button", name="Cabut token").click()
        admin.wait_for_load_state()
        assert "Token dicabut" in admin.inner_text("[role=status]")
        assert admin.locator(f'tr[data-account="{account_id}"] [data-field=state]').inner_text() == "dicabut"
        screenshot(admin, "ops-account-revoked")

        newcomer.goto(f"{base}/ui/cases")
        assert "/ui/sign-in" in newcomer.url
        assert system.app.repository.get(UUID(account_id)).revoked
    finally:
        admin_context.close()
        newcomer_context.close()


def test_a_case_as_it_stood_at_an_earlier_instant(browser_page, world):
    system, office, base = world
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    submitted_at = datetime.now(JAKARTA).replace(second=0, microsecond=0) - timedelta(days=3)
    case_id = system.app.submit_passport_application(officer, **submission(), occurred_at=submitted_at)
    system.app.pay_passport_fee(officer, case_id, "820240300088", occurred_at=submitted_at + timedelta(days=1))
    page = browser_page
    sign_in(page, base, office.tokens["AUDITOR"])
    page.goto(f"{base}/ui/cases/{case_id}")
    assert page.locator("[data-shown-status]").inner_text() == "PAID"
    page.get_by_label("Waktu (tanggal dan jam, waktu kantor)").fill(
        (submitted_at + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    assert page.locator("[data-shown-status]").inner_text() == "SUBMITTED"
    assert "Keadaan pada" in page.inner_text("#state-h")
    assert page.locator("table.timeline tr.later").count() == 1
    screenshot(page, "case-as-of-instant")
    page.get_by_label("Waktu (tanggal dan jam, waktu kantor)").fill(
        (submitted_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    assert "Berkas belum ada pada saat itu." in page.inner_text("main")


def test_an_account_is_created_from_the_keyboard_alone(browser_page, world):
    system, office, base = world
    page = browser_page
    sign_in(page, base, office.tokens["ADMIN"])
    page.locator("#new-name").focus()
    page.keyboard.type("Bayu Prakoso")
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert order == ["new-role", "new-office", "BUTTON"]
    page.locator("#new-role").focus()
    page.keyboard.press("End")  # the last role in the list, chosen without a mouse
    chosen = page.locator("#new-role").input_value()
    page.locator("#new-name").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    token = page.locator("#new-token").input_value()
    account = users.authenticate(system.app, token)
    assert account is not None and account.role.value == chosen and account.office == "MLG"
