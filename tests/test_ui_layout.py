"""Layout in Chromium with long values (one browser test: they are slow)."""

from __future__ import annotations

from dataclasses import replace

from domain.usecases import users
from projections.runner import catch_up
from tests.builders import finding, submission
from tests.ui_support import live_server, screenshot, seed_office


def test_a_case_with_long_unbroken_values_stays_within_the_window(sqlite_system, chromium):
    office = seed_office(sqlite_system)
    officer = users.authenticate(sqlite_system.app, office.tokens["OFFICER"])
    long = submission()
    long["applicant"] = replace(long["applicant"], address="Jl." + "X" * 190)
    long["purpose"] = "p" * 120
    case_id = sqlite_system.app.submit_passport_application(officer, **long)
    catch_up(sqlite_system.store, sqlite_system.projections())
    with live_server(sqlite_system) as base:
        page = chromium.new_page(viewport={"width": 1000, "height": 800})
        page.goto(f"{base}/ui/sign-in")
        page.get_by_label("Token akses").fill(office.tokens["OFFICER"])
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        page.goto(f"{base}/ui/cases/{case_id}")
        assert "X" * 40 in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1000
        page.close()


def test_the_case_list_uses_the_width_of_a_1000_px_window(sqlite_system, chromium):
    """The case list once overflowed a 1000 px window while squeezing its date columns to
    about 30 px (a date four lines tall): it fits, fills the width, a date keeps one line."""
    office = seed_office(sqlite_system, "DPS", regency_code="5171")
    officer = users.authenticate(sqlite_system.app, office.tokens["OFFICER"])
    for _ in range(3):
        sqlite_system.app.submit_passport_application(officer, **submission(regency_code="5171"))
    opened = {k: v for k, v in finding().items() if k != "summary"}  # the widest codes: FIELD_SUPERVISION
    sqlite_system.app.open_enforcement_case(officer, source="FIELD_SUPERVISION", **opened)
    catch_up(sqlite_system.store, sqlite_system.projections())
    with live_server(sqlite_system) as base:
        page = chromium.new_page(viewport={"width": 1000, "height": 800})
        page.goto(f"{base}/ui/sign-in")
        page.get_by_label("Token akses").fill(office.tokens["OFFICER"])
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        page.goto(f"{base}/ui/cases")
        screenshot(page, "case-list-1000px")
        sizes = page.evaluate(
            """() => {
              const main = document.querySelector('main'), table = document.querySelector('table.data');
              const style = getComputedStyle(main);
              const inner = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
              const line = parseFloat(getComputedStyle(table).fontSize) * 1.6;
              const days = [...table.querySelectorAll('tbody td span.nowrap')].map(s => s.getBoundingClientRect());
              return {page: document.documentElement.scrollWidth, inner, table: table.getBoundingClientRect().width,
                      box: table.parentElement.scrollWidth, days: days.length,
                      tallest: Math.max(...days.map(r => r.height)),
                      narrowest: Math.min(...days.map(r => r.width)), line};
            }"""
        )
        assert sizes["page"] <= 1000, sizes
        assert sizes["box"] <= sizes["inner"] + 1, sizes  # the table does not scroll in its box either
        assert sizes["table"] >= sizes["inner"] - 1, sizes  # it uses the width there is
        assert sizes["days"] >= 10 and sizes["tallest"] < sizes["line"], sizes  # each date and time on one line
        assert sizes["narrowest"] > 60, sizes
        page.close()
