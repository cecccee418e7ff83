"""``berkas demo``: the Malang 2024 year, generated through the domain, reproduces the
office's published figures."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app as cli
from api.demo import enforcement, stay_permits
from api.demo.plan import (
    ELECTRONIC,
    ISSUED,
    LATE_ENTRIES,
    PMI_REFUSALS,
    REVENUE,
    REVENUE_TARGET,
    TARIFF_CHANGE,
    Outcome,
    plan_passports,
)
from api.demo.site import malang
from api.settings import Settings
from domain.reference import passport_fee
from domain.values import Product, RefusalReason

SEED_FIGURES = {
    "passports_issued": 73_338,
    "electronic_passports": 18_402,
    "refusals_pmi_nonprocedural": 527,
    "stay_permit_documents": 1_999,
    "administrative_actions": 53,
    "deportations": 15,
    "deportations_executed": 15,
    "joint_operations": 8,
    "passport_revenue": 33_810_000_000,
    "revenue_target": 10_132_500_000,
}


def test_the_planned_fees_add_up_to_the_reported_revenue_under_the_tariff():
    plan = plan_passports(malang(2024))
    paid = [spec for spec in plan.passports if spec.paid]
    fees = sum(
        passport_fee("-", s.day, s.product, s.validity_years, s.expedited, s.application_type).total for s in paid
    )
    assert fees == REVENUE == Decimal(33_810_000_000)
    share = (REVENUE * 100 / REVENUE_TARGET).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert share == Decimal("333.68")
    assert all(spec.day.year == 2024 for spec in plan.passports)
    pricier = [s for s in paid if s.day >= TARIFF_CHANGE and s.validity_years == 10]
    assert len(pricier) == plan.mix.window_ten_year > 0


def test_the_plan_issues_and_refuses_as_many_passports_as_the_office_reported():
    specs = plan_passports(malang(2024)).passports
    issued = [s for s in specs if s.outcome is Outcome.ISSUED]
    refused = Counter(s.refusal for s in specs if s.outcome is Outcome.REFUSED)
    assert len(issued) == ISSUED == 73_338
    assert sum(s.product is Product.ELECTRONIC for s in issued) == ELECTRONIC == 18_402
    assert refused[RefusalReason.PMI_NONPROCEDURAL] == PMI_REFUSALS == 527
    assert refused[RefusalReason.UNCLEAR_PURPOSE] > 0
    assert all(
        s.application_type.value == "NEW" and s.product is Product.NON_ELECTRONIC for s in specs if s.zero_tariff
    )
    assert sum(s.entered_late for s in issued) == LATE_ENTRIES


def test_the_same_seed_plans_the_same_year_and_another_seed_other_days_but_the_same_totals():
    first, again, other = plan_passports(malang(7)), plan_passports(malang(7)), plan_passports(malang(8))
    assert first == again
    assert first.passports != other.passports
    assert first.mix == other.mix


def test_stay_permits_and_enforcement_add_up_to_the_reported_documents_and_actions():
    assert stay_permits.DOCUMENTS == 1_999
    assert (enforcement.ACTIONS, enforcement.DEPORTATIONS, len(enforcement.OPERATIONS)) == (53, 15, 8)


@pytest.mark.postgres
@pytest.mark.slow
def test_the_malang_demo_reproduces_every_published_figure_and_a_second_run_adds_nothing(
    malang_demo, tmp_path, monkeypatch
):
    from projections.privacy.legacy import plaintext_events
    from projections.reports import annual_report

    monkeypatch.setenv("BERKAS_DATABASE_URL", malang_demo.url)
    monkeypatch.setenv("BERKAS_LEDGER_KEY_PATH", str(malang_demo.ledger_key))
    first = malang_demo.output
    assert "wrote" in first and "333.68 %" in first and "Rp 33,810,000,000" in first
    assert "ledger created key" in first and malang_demo.ledger_key.stat().st_mode & 0o777 == 0o600
    # Every office day closed is checkpointed and signed by the key made for the demo.
    verified = CliRunner().invoke(cli, ["ledger", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    result = json.loads(verified.stdout)
    assert result["checkpoints"] >= 239 and result["signed"] == result["checkpoints"] and result["unsealed"] == 0

    system = bootstrap(Settings(database_url=malang_demo.url, sqlite_path=tmp_path / "unused.db"))
    try:
        events = system.app.recorder.max_notification_id()
        report = annual_report(system.store, 2024, office="MLG")
        assert {name: report.summary()[name] for name in SEED_FIGURES} == SEED_FIGURES
        assert report.percent_of_target == Decimal("333.68")
        # Sealed per subject: no event holds personal data in plaintext, nor anything like a NIK.
        assert plaintext_events(system.store) == 0
        with system.store.connect() as conn:
            nik_like = conn.execute(
                f"SELECT count(*) FROM {system.store.events_table} "
                "WHERE convert_from(state, 'UTF8') ~ '\"[0-9]{16}\"'"
            ).fetchone()[0]
        assert nik_like == 0

        before_late_entries = annual_report(system.store, 2024, office="MLG", as_known_at=date(2025, 1, 5))
        assert before_late_entries.total("passports_issued") == 73_338 - LATE_ENTRIES
        assert before_late_entries.total("passport_revenue") == 33_810_000_000

        for seed in ("2024", "7"):
            again = CliRunner().invoke(cli, ["demo", "--seed", seed], terminal_width=200)
            assert again.exit_code == 0, again.output
            assert "nothing generated" in again.output
        assert system.app.recorder.max_notification_id() == events
        assert annual_report(system.store, 2024, office="MLG").summary() == report.summary()
    finally:
        system.close()


def test_a_national_year_at_a_tiny_scale_is_every_office_and_its_report_the_sum_of_theirs(tmp_path, monkeypatch):
    from fractions import Fraction

    from api.demo.run import generate_national
    from domain.reference import OFFICES
    from projections.reports import annual_report

    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "national.db"))
    try:
        written = generate_national(system.app, seed=11, scale=Fraction(1, 2000))
        national = annual_report(system.store, 2024)
        offices = {code: annual_report(system.store, 2024, code, current=False) for code in OFFICES}
    finally:
        system.close()
    assert written > 5_000
    summed = {name: sum(report.summary()[name] for report in offices.values()) for name in national.summary()}
    assert national.summary() == summed
    assert national.total("passport_revenue") == sum(r.total("passport_revenue") for r in offices.values()) > 0
    # Every office wrote its year, in proportion to the people it serves.
    issued = {code: report.total("passports_issued") for code, report in offices.items()}
    assert all(count > 0 for count in issued.values())
    assert issued["BDG"] > issued["MLG"] > issued["TRK"]

    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "national.db"))
    shown = CliRunner().invoke(cli, ["report", "annual", "2024", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert orjson.loads(shown.output)["summary"]["passports_issued"] == sum(issued.values())


def test_the_national_demo_refuses_a_scale_outside_zero_to_one(tmp_path, monkeypatch):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "x.db"))
    from api.cli import main

    for scale in ("0", "2", "lots"):
        monkeypatch.setattr("sys.argv", ["berkas", "demo", "--national", "--scale", scale])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 2


def test_a_national_count_at_a_small_scale_is_apportioned_not_rounded_away_office_by_office():
    from fractions import Fraction

    from api.demo.plan import ISSUED, PMI_REFUSALS
    from api.demo.site import national

    for scale in (Fraction(1, 100), Fraction(1, 10), Fraction(1)):
        sites = national(2024, scale)
        people = sum(site.share for site in sites)  # Malang's figures times this: the nation's
        for figure in (8, 15, 53, PMI_REFUSALS, ISSUED):
            counts = [site.count(figure) for site in sites]
            assert sum(counts) == round(figure * people)
            assert all(abs(count - figure * site.share) < 1 for count, site in zip(counts, sites, strict=True))
    # 15 deportations at scale 0.01: about ten in the nation, where rounding each office gave none.
    assert sum(site.count(15) for site in national(2024, Fraction(1, 100))) == 10
    assert next(site for site in national(2024, Fraction(1)) if site.code == "MLG").count(ISSUED) == ISSUED


def test_the_national_year_issues_the_nations_passports_the_other_offices_by_their_people():
    from fractions import Fraction

    from api.demo.plan import ISSUED
    from api.demo.site import MALANG, NATIONAL_PASSPORTS, national
    from domain.offices import OFFICES

    for scale in (Fraction(1), Fraction(1, 10)):
        sites = national(2024, scale)
        assert sum(site.count(ISSUED) for site in sites) == round(NATIONAL_PASSPORTS * scale)
    assert 4_800_000 <= NATIONAL_PASSPORTS <= 5_000_000  # DESIGN.md section 1
    sites = {site.code: site for site in national(2024, Fraction(1))}
    assert sites[MALANG].count(ISSUED) == ISSUED  # its published figure, not its share of the nation's
    # Beyond Malang, passports per head are the same everywhere (up to rounding one office's count).
    per_head = {code: site.count(ISSUED) / OFFICES[code].population for code, site in sites.items() if code != MALANG}
    assert max(per_head.values()) / min(per_head.values()) < 1.001
    assert max(per_head.values()) > ISSUED / OFFICES[MALANG].population
    # The same seed, the same year: sites and their draws.
    again = {site.code: site for site in national(2024, Fraction(1))}
    assert [(s.share, s.rng("x").random()) for s in sites.values()] == [
        (s.share, s.rng("x").random()) for s in again.values()
    ]
