"""The annual report dashboard (laporan tahunan): headline figures, monthly charts,
breakdowns, CSV and a printable page, per office or national, as known at any day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http import access
from api.ui import charts, i18n
from api.ui.charts import Series
from api.ui.web import CODE, Viewer, ViewerDep, optional_date, page, state_of
from domain.reference import OFFICES
from domain.reference import office as lookup_office
from projections.reports import SUMMARY, AnnualReport, annual_report, is_rupiah, sections

router = APIRouter()

# The seed report's figures, in its order (DESIGN.md section 1).
HEADLINES = (
    "passports_issued",
    "electronic_passports",
    "refusals_pmi_nonprocedural",
    "stay_permit_documents",
    "administrative_actions",
    "deportations",
    "joint_operations",
    "passport_revenue",
    "revenue_target",
)
MONTHS = range(1, 13)

# No year: the current one in the viewer's office, not a year fixed in the code.
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Office = Annotated[str | None, Query(max_length=8, pattern=CODE)]
KnownAt = Annotated[str | None, Query(max_length=10)]


def _report(
    request: Request, viewer: Viewer, year: int | None, office: str | None, known_at: str | None
) -> AnnualReport:
    assert viewer.actor is not None
    scope = access.report_scope(viewer.actor, office or None)
    as_known_at = optional_date("as_known_at", known_at)
    chosen = year or datetime.now(lookup_office(viewer.actor.office).tz).year
    return annual_report(state_of(request).system.store, chosen, office=scope, as_known_at=as_known_at)


def value_text(lang: str, metric: str, value: int) -> str:
    return i18n.rupiah(lang, value) if is_rupiah(metric) else i18n.number(lang, value)


def _series(report: AnnualReport, metric: str, keys: list[str] | None = None) -> list[Series]:
    by_key = report.monthly_by_key.get(metric, {})
    chosen = keys if keys is not None else sorted(by_key)
    return [Series(key, [by_key.get(key, {}).get(m, 0) for m in MONTHS]) for key in chosen] or [Series("—", [0] * 12)]


def _charts(viewer: Viewer, report: AnnualReport) -> list:
    lang, t = viewer.lang, viewer.t
    months = list(i18n.MONTHS[lang])

    def count(value: float) -> str:
        return i18n.number(lang, value)

    revenue = report.monthly.get("passport_revenue", {})
    target = report.total("revenue_target")
    money = money_axis(lang, max(sum(revenue.values()), target))
    refusals = report.monthly_by_key.get("refusals", {})
    pmi = [refusals.get("PMI_NONPROCEDURAL", {}).get(m, 0) for m in MONTHS]
    other = [sum(v.get(m, 0) for k, v in refusals.items() if k != "PMI_NONPROCEDURAL") for m in MONTHS]
    return [
        charts.stacked_bars("c-passports", t("chart.passports"), months, _series(report, "passports_issued"), count),
        charts.stacked_bars(
            "c-pmi",
            t("chart.pmi"),
            months,
            [Series("PMI_NONPROCEDURAL", pmi), Series("LAINNYA" if lang == "id" else "OTHER", other)],
            count,
        ),
        charts.stacked_bars("c-permits", t("chart.permits"), months, _series(report, "stay_permit_documents"), count),
        charts.stacked_bars("c-actions", t("chart.actions"), months, _series(report, "administrative_actions"), count),
        charts.cumulative_against(
            "c-revenue",
            t("chart.revenue"),
            months,
            Series(t("chart.revenue_series"), [revenue.get(m, 0) for m in MONTHS]),
            (t("chart.target"), target) if target > 0 else None,
            money,
        ),
    ]


# An axis's rupiah in the unit its largest value needs: a small office or January of a year
# is in juta or ribu (in miliar every tick of Rp 950.000 read "0,0 M").
MONEY_UNITS = ((10**9, " M", " B"), (10**6, " jt", " M"), (10**3, " rb", " K"))


def money_axis(lang: str, largest: int) -> Callable[[float], str]:
    for size, indonesian, english in MONEY_UNITS:
        if largest >= size:
            return charts.compact(lambda v, p: i18n.number(lang, v, p), size, indonesian if lang == "id" else english)
    return lambda value: i18n.number(lang, value)


@router.get("/reports")
def dashboard(
    request: Request,
    viewer: ViewerDep,
    year: Year = None,
    office: Office = None,
    as_known_at: KnownAt = None,
    printable: Annotated[bool, Query(alias="print")] = False,
) -> Response:
    report = _report(request, viewer, year, office, as_known_at)
    lang = viewer.lang
    headlines = [
        (SUMMARY[name][2 if lang == "id" else 3], value_text(lang, SUMMARY[name][0], report.total(*SUMMARY[name][:2])))
        for name in HEADLINES
    ]
    headlines.append((viewer.t("report.share"), i18n.percent(lang, report.percent_of_target)))
    tables = [
        (
            title,
            [
                (label_id if lang == "id" else label_en, key, value_text(lang, metric, value))
                for metric, key, label_id, label_en, value in lines
            ],
        )
        for title, lines in sections(report)
    ]
    query = urlencode({"year": report.year, "office": report.office or "", "as_known_at": report.as_known_at or ""})
    return page(
        request,
        viewer,
        "report.html",
        report=report,
        headlines=headlines,
        tables=tables,
        charts=_charts(viewer, report),
        offices=sorted(OFFICES),
        chosen_office=report.office or "",
        printable=printable,
        report_query=query,
    )


@router.get("/reports/annual.csv")
def download(
    request: Request,
    viewer: ViewerDep,
    year: Year = None,
    office: Office = None,
    as_known_at: KnownAt = None,
    numbers: Annotated[Literal["plain", "id"], Query(description="id: 73.338 and 333,68, separated by ;")] = "plain",
) -> Response:
    report = _report(request, viewer, year, office, as_known_at)
    known = f"-{report.as_known_at.isoformat()}" if report.as_known_at else ""
    name = f"laporan-{report.year}-{report.office or 'nasional'}{known}"
    return Response(
        report.to_csv(numbers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"},
    )
