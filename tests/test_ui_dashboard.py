"""The annual report dashboard on the Malang 2024 demo year, in a real browser: the seed
report's figures in Indonesian formatting (and English on the switch), the charts, the CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from api.bootstrap import bootstrap
from api.cli.common import console_admin
from api.settings import Settings
from domain.usecases import users
from tests.ui_support import ARTIFACTS, chromium, live_server, screenshot

__all__ = ["chromium"]  # the fixture, imported to be used here

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

A4_CSS_PIXELS = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 px per inch

# DESIGN.md section 1, as an Indonesian report prints them.
SEED_FIGURES_ID = {
    "Paspor diterbitkan": "73.338",
    "termasuk paspor elektronik": "18.402",
    "Penolakan terindikasi PMI nonprosedural": "527",
    "Dokumen izin tinggal": "1.999",
    "Tindakan administratif keimigrasian": "53",
    "termasuk deportasi": "15",
    "Operasi gabungan (TIMPORA)": "8",
    "PNBP pelayanan paspor": "Rp 33,81 miliar",
    "Persentase dari target": "333,68 %",
}


@pytest.fixture(scope="module")
def demo(malang_demo, tmp_path_factory, chromium) -> Iterator[tuple[str, dict[str, str]]]:
    """The run's one generated demo year (shared with tests/test_demo.py), served live."""
    settings = Settings(database_url=malang_demo.url, sqlite_path=tmp_path_factory.mktemp("demo") / "unused.db")
    system = bootstrap(settings)
    try:
        admin = console_admin("MLG")
        tokens = {
            role: users.register(system.app, admin, f"{role.lower()} demo", role, "MLG")[1]
            for role in ("AUDITOR", "SUPERVISOR")
        }
        with live_server(system) as base:
            yield base, tokens
    finally:
        system.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/ui/sign-in")
    page.get_by_label("Token akses").fill(token)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def headline(page, label: str) -> str:
    return page.locator(".headlines .figure", has=page.locator("dt", has_text=label)).first.locator("dd").inner_text()


def test_the_malang_2024_dashboard_shows_the_seed_reports_figures(page, demo):
    base, tokens = demo
    sign_in(page, base, tokens["AUDITOR"])
    page.goto(f"{base}/ui/reports")
    page.get_by_label("Tahun").fill("2024")
    page.get_by_label("Kantor").select_option("MLG")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    assert "Laporan tahunan 2024 — MLG" in page.inner_text("h1")
    for label, figure in SEED_FIGURES_ID.items():
        assert headline(page, label) == figure, label
    assert page.locator("svg.chart").count() == 5
    assert "Des: 73.338" not in page.inner_text("main")  # the charts speak through their descriptions
    screenshot(page, "dashboard-malang-2024")

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert headline(page, "Passports issued") == "73,338"
    assert headline(page, "Share of target") == "333.68 %"
    assert headline(page, "Passport-service revenue") == "Rp 33.81 billion"
    screenshot(page, "dashboard-malang-2024-en")


def test_the_dashboard_as_known_before_the_late_entries_and_printable(page, demo):
    base, tokens = demo
    sign_in(page, base, tokens["SUPERVISOR"])
    page.goto(f"{base}/ui/reports?year=2024&as_known_at=2025-01-05")
    assert headline(page, "Paspor diterbitkan") != "73.338"  # late entries were recorded afterwards
    assert headline(page, "PNBP pelayanan paspor") == "Rp 33,81 miliar"
    page.set_viewport_size(A4_CSS_PIXELS)
    page.goto(f"{base}/ui/reports?year=2024&print=1")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("form.filters").is_visible()
    # Readable on paper: every chart spans the page, so its 12 px labels print at 8 pt or more.
    widths = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
    assert len(widths) == 5 and all(width >= 0.85 * A4_CSS_PIXELS["width"] for width in widths), widths
    screenshot(page, "dashboard-print")
    pdf = ARTIFACTS / "dashboard-malang-2024.pdf"  # what "Save as PDF" in the print dialog gives
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    assert pdf.read_bytes().startswith(b"%PDF") and 3 <= pages <= 8, pages


def test_the_dashboard_downloads_its_figures_as_csv(page, demo):
    base, tokens = demo
    sign_in(page, base, tokens["SUPERVISOR"])
    page.goto(f"{base}/ui/reports?year=2024")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Unduh CSV").click()
    download = caught.value
    assert download.suggested_filename == "laporan-2024-MLG.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    summary = {row["name"]: row["value"] for row in rows if row["part"] == "summary"}
    assert summary["passports_issued"] == "73338"
    assert summary["passport_revenue"] == "33810000000"
    assert summary["percent_of_target"] == "333.68"
    with page.expect_download() as caught:
        page.get_by_role("link", name="angka format Indonesia").click()
    indonesian = open(caught.value.path(), encoding="utf-8").read()
    assert "summary;passports_issued;;;73.338;" in indonesian
