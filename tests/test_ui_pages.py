"""The web interface over HTTP: sessions, CSRF, roles and office scope, personal data,
commands with the page's version, reports and operations (no browser needed here)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from api.cli.common import console_admin
from api.http.app import create_app
from api.ui.session import COOKIE
from domain.usecases import users
from domain.values import PersonalData
from projections.runner import catch_up
from tests.builders import APPLICANT_NAME, APPLICANT_NIK, fresh_nik, submission
from tests.ui_support import command_form, csrf_of, nonce_for, sign_in, verify_from_the_ops_page

PERSONAL = (APPLICANT_NAME, APPLICANT_NIK, "1990-12-05", "Jl. Ijen 12")


def test_pages_send_a_visitor_without_a_session_to_sign_in(client, office):
    answer = client.get(f"/ui/cases/{office.interviewed}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/sign-in?next=/ui/cases/{office.interviewed}"


def test_signing_in_keeps_an_httponly_strict_cookie_that_is_not_the_token(client, office):
    form = client.get("/ui/sign-in")
    answer = client.post(
        "/ui/sign-in",
        data={"csrf": csrf_of(form.text), "token": office.tokens["OFFICER"], "next": "/ui/cases"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/cases"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the next test
    assert office.tokens["OFFICER"] not in cookie
    assert office.tokens["OFFICER"][3:20] not in cookie


def test_over_https_the_cookie_is_secure(system, office):
    with TestClient(create_app(system), base_url="https://testserver") as secure_client:
        form = secure_client.get("/ui/sign-in")
        answer = secure_client.post(
            "/ui/sign-in",
            data={"csrf": csrf_of(form.text), "token": office.tokens["OFFICER"]},
            follow_redirects=False,
        )
    assert "Secure" in answer.headers["set-cookie"]


def test_an_unknown_token_is_refused_and_a_form_without_its_csrf_token_too(client, office):
    form = client.get("/ui/sign-in")
    wrong = client.post("/ui/sign-in", data={"csrf": csrf_of(form.text), "token": "bk_not-a-token"})
    assert wrong.status_code == 401 and "Token tidak dikenal" in wrong.text
    forged = client.post("/ui/sign-in", data={"csrf": "forged", "token": office.tokens["OFFICER"]})
    assert forged.status_code == 403
    assert client.get("/ui/cases", follow_redirects=False).status_code == 303


def test_an_edited_cookie_is_no_session(client, office):
    sign_in(client, office.tokens["OFFICER"])
    value = client.cookies[COOKIE]
    for edited in (value[:-1] + ("A" if value[-1] != "A" else "B"), value + "A", "x" * 600):
        client.cookies.set(COOKIE, edited, path="/ui")
        assert client.get("/ui/cases", follow_redirects=False).status_code == 303


def test_a_revoked_account_is_signed_out_at_once(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    assert client.get("/ui/cases").status_code == 200
    account = users.authenticate(system.app, office.tokens["OFFICER"])
    users.revoke(system.app, console_admin("MLG"), UUID(account.id), "left")
    assert client.get("/ui/cases", follow_redirects=False).status_code == 303


def test_signing_out_needs_the_csrf_token_and_ends_the_session(client, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    page = client.get("/ui/cases")
    assert client.post("/ui/sign-out", data={"csrf": "forged"}).status_code == 403
    client.post("/ui/sign-out", data={"csrf": csrf_of(page.text)})
    assert client.get("/ui/cases", follow_redirects=False).status_code == 303


def test_an_auditor_never_sees_personal_data_but_the_officer_of_the_office_does(client, office):
    sign_in(client, office.tokens["AUDITOR"])
    case = f"/ui/cases/{office.interviewed}"
    for url in (case, f"{case}?version=1", "/ui/cases", "/ui/audit"):
        html = client.get(url).text
        for value in PERSONAL:
            assert value not in html, f"{url} shows personal data to an auditor"
    assert "disamarkan" in client.get(f"/ui/cases/{office.interviewed}").text

    client.cookies.clear()
    sign_in(client, office.tokens["OFFICER"])
    assert APPLICANT_NAME in client.get(f"/ui/cases/{office.interviewed}").text  # the check above can see it


def test_officers_see_only_their_own_office(client, system, office):
    other = users.register(system.app, console_admin("SBY"), "officer SBY", "OFFICER", "SBY")[1]
    sign_in(client, other)
    refused = client.get(f"/ui/cases/{office.interviewed}")
    assert refused.status_code == 403
    assert APPLICANT_NAME not in refused.text
    assert str(office.interviewed) not in client.get("/ui/cases").text
    assert client.get("/ui/cases?office=MLG").status_code == 403


def test_search_finds_cases_by_kind_and_status_and_opens_one_by_number(client, office):
    sign_in(client, office.tokens["OFFICER"])
    found = client.get("/ui/cases", params={"kind": "PassportApplication", "status": "INTERVIEWED"}).text
    assert str(office.interviewed) in found and str(office.submitted) not in found
    opened = client.get("/ui/cases", params={"number": str(office.submitted)}, follow_redirects=False)
    assert opened.headers["location"] == f"/ui/cases/{office.submitted}"
    bad = client.get("/ui/cases", params={"number": "not-a-number"})
    assert bad.status_code == 422 and "number" in bad.text


def test_a_command_runs_with_the_pages_version_and_a_stale_page_is_refused(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    page = client.get(f"/ui/cases/{office.submitted}").text
    csrf = csrf_of(page)
    paid = client.post(
        f"/ui/cases/{office.submitted}/commands/payment",
        data={"csrf": csrf, "version": "1", "nonce": nonce_for("payment"), "billing_code": "820240300099"},
        follow_redirects=False,
    )
    assert paid.status_code == 303 and paid.headers["location"].endswith("?done=2")
    stale = client.post(
        f"/ui/cases/{office.submitted}/commands/biometrics",
        data={"csrf": csrf, "version": "1", "nonce": nonce_for("biometrics")},
    )
    assert stale.status_code == 409
    assert "sudah usang" in stale.text and "versi 2" in stale.text
    assert system.app.get_case(office.submitted).version == 2  # nothing overwritten


def test_a_double_submitted_form_runs_its_command_once(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    csrf = csrf_of(client.get(f"/ui/cases/{office.submitted}").text)
    form = {"csrf": csrf, "version": "1", "nonce": nonce_for("payment"), "billing_code": "820240300098"}
    first = client.post(f"/ui/cases/{office.submitted}/commands/payment", data=form, follow_redirects=False)
    again = client.post(f"/ui/cases/{office.submitted}/commands/payment", data=form, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert system.app.get_case(office.submitted).version == 2


def test_commands_need_the_csrf_token_and_a_worker_of_the_office(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    refused = client.post(
        f"/ui/cases/{office.submitted}/commands/payment",
        data={"csrf": "forged", "version": "1", "billing_code": "820240300097"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in(client, office.tokens["AUDITOR"])
    csrf = csrf_of(client.get(f"/ui/cases/{office.submitted}").text)
    auditor = client.post(
        f"/ui/cases/{office.submitted}/commands/payment",
        data={"csrf": csrf, "version": "1", "billing_code": "820240300097"},
    )
    assert auditor.status_code == 403
    assert system.app.get_case(office.submitted).version == 1


def test_a_decision_by_an_officer_is_refused_with_the_rule(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    page = client.get(f"/ui/cases/{office.interviewed}").text
    assert 'data-command="approval"' not in page  # not offered to an officer
    refused = client.post(
        f"/ui/cases/{office.interviewed}/commands/approval",
        data={"csrf": csrf_of(page), "version": "4", "nonce": nonce_for("approval"), "legal_basis": "Pasal 27"},
    )
    assert refused.status_code == 403 and "hanya kepala seksi yang boleh melakukan Persetujuan" in refused.text
    assert system.app.get_case(office.interviewed).version == 4


def test_the_case_page_shows_an_earlier_version_and_every_event(client, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    html = client.get(f"/ui/cases/{office.interviewed}?version=2").text
    assert re.search(r"data-shown-status>PAID<", html)
    for event in ("Submitted", "FeePaid", "BiometricsCaptured", "Interviewed"):
        assert f"<td>{event}" in html
    assert 'data-command="approval"' not in html  # history is read-only
    bad = client.get(f"/ui/cases/{office.interviewed}?version=9")
    assert bad.status_code == 422 and "version" in bad.text


def test_the_dashboard_and_csv_of_a_seeded_office(client, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    html = client.get("/ui/reports?year=2026").text
    assert "Laporan tahunan 2026 — MLG" in html and html.count("<svg") == 5
    csv = client.get("/ui/reports/annual.csv?year=2026")
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="laporan-2026-MLG.csv"' in csv.headers["content-disposition"]
    assert csv.text.startswith("part,name,key,month,value,label_id,label_en")
    assert client.get("/ui/reports?year=2026&office=SBY").status_code == 403


def test_an_officer_has_no_reports_and_an_admin_no_cases(client, office):
    sign_in(client, office.tokens["OFFICER"])
    assert client.get("/ui/reports").status_code == 403
    assert client.get("/ui/ops").status_code == 403
    client.cookies.clear()
    sign_in(client, office.tokens["ADMIN"])
    assert client.get("/ui/cases").status_code == 403


def test_the_operations_page_rebuilds_with_progress_and_verifies_the_ledger(client, office):
    sign_in(client, office.tokens["ADMIN"])
    page = client.get("/ui/ops").text
    assert "case_index" in page and "annual_report" in page
    started = client.post("/ui/ops/rebuild", data={"csrf": csrf_of(page)}, follow_redirects=False)
    job_id = started.headers["location"].rpartition("#job-")[2]
    for _ in range(200):
        job = client.get(f"/ui/ops/jobs/{job_id}").json()
        if job["state"] != "running":
            break
    assert job["state"] in ("running", "succeeded")
    verify_from_the_ops_page(client, page, office.tokens["AUDITOR"])
    assert 'data-verification="ok"' in client.get("/ui/ops").text


def test_the_language_switch_stays_on_our_own_pages(client, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    switched = client.get("/ui/lang/en?next=/ui/cases", follow_redirects=False)
    assert switched.headers["location"] == "/ui/cases"
    assert "Search cases" in client.get("/ui/cases").text
    for target in ("//evil.example/ui/", "https://evil.example/", "/ui//evil.example"):
        away = client.get("/ui/lang/id", params={"next": target}, follow_redirects=False)
        assert away.headers["location"] == "/ui/"


def test_search_pages_through_the_results_with_a_keyset_cursor(client, system, office):
    sign_in(client, office.tokens["OFFICER"])
    first = client.get("/ui/cases", params={"kind": "PassportApplication", "limit": 1})
    following = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert following, "a full page links to the next one"
    second = client.get(following.group(1).replace("&amp;", "&"))
    ids = [re.findall(r'href="/ui/cases/([0-9a-f-]{36})"', page.text) for page in (first, second)]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]


def test_berkas_serve_leaves_the_session_secret_to_the_derived_default(monkeypatch):
    """Every worker and every host then derives the same one (tests/test_ops_serve.py)."""
    from api.cli import serve
    from api.settings import Settings

    monkeypatch.setenv("BERKAS_SESSION_SECRET", "recorded, so that the test's own value is undone")
    monkeypatch.delenv("BERKAS_SESSION_SECRET")
    monkeypatch.setattr(serve.uvicorn, "run", lambda *args, **kwargs: None)
    serve.run_server("127.0.0.1", 8000, workers=2)
    assert Settings().session_secret is None


def test_the_page_offers_what_the_lifecycle_allows_the_viewers_role_in_this_state(client, office):
    sign_in(client, office.tokens["OFFICER"])
    officer_sees = set(re.findall(r'data-command="([a-z-]+)"', client.get(f"/ui/cases/{office.interviewed}").text))
    assert officer_sees == {"postponement", "withdrawal"}
    client.cookies.clear()
    sign_in(client, office.tokens["SUPERVISOR"])
    supervisor_sees = set(re.findall(r'data-command="([a-z-]+)"', client.get(f"/ui/cases/{office.interviewed}").text))
    assert supervisor_sees == {"postponement", "withdrawal", "refusal", "approval"}


def test_a_refusal_with_a_referral_is_validated_like_the_api_and_lands_in_the_audit_trail(client, system, office):
    sign_in(client, office.tokens["SUPERVISOR"])
    url = f"/ui/cases/{office.interviewed}"
    form = command_form(
        client,
        url,
        "refusal",
        4,
        {
            "reason_code": "PMI_NONPROCEDURAL",
            "legal_basis": "SE Dirjen Imigrasi IMI-0277.GR.02.06/2017",
            "referral.agency": "BP3MI Jawa Timur",
        },
    )
    half = client.post(f"{url}/commands/refusal", data=form)
    assert half.status_code == 422 and "referral.instructions" in half.text
    form["referral.instructions"] = "register as a migrant worker first"
    done = client.post(f"{url}/commands/refusal", data=form | {"nonce": nonce_for("refusal")}, follow_redirects=False)
    assert done.status_code == 303
    refused = system.app.get_case(office.interviewed)
    assert refused.status.value == "REFUSED" and refused.referral.agency == "BP3MI Jawa Timur"
    catch_up(system.store, system.projections())
    trail = client.get("/ui/audit", params={"reason": "PMI_NONPROCEDURAL"}).text
    assert f'href="/ui/cases/{office.interviewed}"' in trail


def test_a_late_entry_keeps_its_business_time_and_is_marked_in_the_timeline(client, system, office):
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    case_id = system.app.submit_passport_application(officer, **submission(), occurred_at=three_days_ago)
    sign_in(client, office.tokens["OFFICER"])
    url = f"/ui/cases/{case_id}"
    two_days_ago = (three_days_ago + timedelta(days=1)).astimezone(ZoneInfo("Asia/Jakarta")).replace(microsecond=0)
    form = command_form(
        client,
        url,
        "payment",
        1,
        # office time, as the form sends it
        {"billing_code": "820240300077", "occurred_at": two_days_ago.strftime("%Y-%m-%dT%H:%M:%S")},
    )
    assert client.post(f"{url}/commands/payment", data=form, follow_redirects=False).status_code == 303
    assert system.app.history(case_id)[-1].provenance.occurred_at == two_days_ago
    timeline = client.get(url).text
    assert timeline.count("data-late") == 2 and "dicatat terlambat" in timeline


def test_search_by_nik_goes_by_post_and_finds_only_the_offices_cases(client, system, office):
    officer = users.authenticate(system.app, office.tokens["OFFICER"])
    nik = fresh_nik()
    person = PersonalData(APPLICANT_NAME, nik, date(1990, 12, 5), "Jl. Ijen 12")
    # One person may have one open application per product: two products, two cases.
    cases = [
        system.app.submit_passport_application(officer, **submission(applicant=person, product=product))
        for product in ("ELECTRONIC", "NON_ELECTRONIC")
    ]
    catch_up(system.store, system.projections())
    sign_in(client, office.tokens["OFFICER"])
    page = client.get("/ui/cases").text
    found = client.post("/ui/cases/search", data={"csrf": csrf_of(page), "nik": nik})
    assert found.status_code == 200
    assert all(str(case_id) in found.text for case_id in cases)
    assert str(office.interviewed) not in found.text  # another applicant's
    assert nik not in found.text  # not echoed back
    assert client.post("/ui/cases/search", data={"csrf": "forged", "nik": nik}).status_code == 403
    nothing = client.post("/ui/cases/search", data={"csrf": csrf_of(page)})
    assert nothing.status_code == 422 and "nik" in nothing.text
    other = users.register(system.app, console_admin("SBY"), "officer SBY", "OFFICER", "SBY")[1]
    client.cookies.clear()
    sign_in(client, other)
    theirs = client.post("/ui/cases/search", data={"csrf": csrf_of(client.get("/ui/cases").text), "nik": nik})
    assert str(cases[0]) not in theirs.text
