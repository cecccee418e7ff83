"""Layout in Chromium with long values (one browser test: they are slow)."""

from __future__ import annotations

from dataclasses import replace

from domain.usecases import users
from projections.runner import catch_up
from tests.builders import submission
from tests.ui_support import live_server, seed_office


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
