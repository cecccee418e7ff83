"""Numbers as an Indonesian report prints them, and charts drawn as SVG on the server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from api.ui import charts, i18n
from api.ui.charts import Series

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("lang", "value", "places", "shown"),
    [
        ("id", 73_338, 0, "73.338"),
        ("en", 73_338, 0, "73,338"),
        ("id", Decimal("333.68"), 2, "333,68"),
        ("en", Decimal("333.68"), 2, "333.68"),
        ("id", 1_999, 0, "1.999"),
        ("id", 527, 0, "527"),
        ("id", -1_234_567, 0, "-1.234.567"),
        ("id", Decimal("0.005"), 2, "0,01"),
    ],
)
def test_numbers_follow_the_languages_separators(lang, value, places, shown):
    assert i18n.number(lang, value, places) == shown


def test_rupiah_and_percentages_read_as_the_office_writes_them():
    assert i18n.rupiah("id", 33_810_000_000) == "Rp 33,81 miliar"
    assert i18n.rupiah("en", 33_810_000_000) == "Rp 33.81 billion"
    assert i18n.rupiah("id", 512_500_000) == "Rp 512,50 juta"
    assert i18n.rupiah("id", 350_000) == "Rp 350.000"
    assert i18n.percent("id", Decimal("333.68")) == "333,68 %"
    assert i18n.percent("id", None) == "—"


def test_every_key_has_both_languages_and_an_unknown_language_falls_back_to_indonesian():
    assert all(len(pair) == 2 and all(pair) for pair in i18n.CATALOG.values())
    assert i18n.language("fr") == "id" and i18n.language(None) == "id" and i18n.language("en") == "en"


@pytest.mark.parametrize(
    ("largest", "top", "lines"), [(13, 15, 3), (250, 250, 5), (7_700, 8_000, 4), (0, 1, 1), (33.81e9, 40e9, 4)]
)
def test_axes_end_on_a_round_number_with_round_gridlines(largest, top, lines):
    assert charts.scale(largest) == (top, lines)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to check it is well-formed


def test_a_stacked_bar_chart_is_well_formed_svg_with_a_title_a_description_and_escaped_labels():
    svg = charts.stacked_bars(
        "c-test",
        "Paspor <diterbitkan> & lainnya",
        list(i18n.MONTHS["id"]),
        [Series("ELECTRONIC", [1] * 12), Series("NON_<ELECTRONIC>", [2] * 12)],
        lambda v: i18n.number("id", v),
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Paspor <diterbitkan> & lainnya"
    assert "Jan: 3" in root.find(f"{SVG}desc").text
    bars = root.findall(f"{SVG}rect[{SVG}title]")
    assert len(bars) == 24
    assert any("NON_<ELECTRONIC>" in bar.find(f"{SVG}title").text for bar in bars)


def test_a_cumulative_line_adds_up_and_draws_the_target():
    svg = charts.cumulative_against(
        "c-rev", "PNBP", list(i18n.MONTHS["en"]), Series("revenue", [10] * 12), ("target", 100), str
    )
    root = _parse(svg)
    points = root.findall(f"{SVG}circle")
    assert points[-1].find(f"{SVG}title").text == "Dec: 120"
    assert root.find(f"{SVG}line[@stroke-dasharray]") is not None
    assert "target: 100" in root.find(f"{SVG}desc").text


def test_an_empty_year_still_draws_an_empty_chart():
    root = _parse(charts.stacked_bars("c-empty", "—", list(i18n.MONTHS["id"]), [Series("—", [0] * 12)], str))
    assert root.findall(f"{SVG}rect[{SVG}title]") == []
