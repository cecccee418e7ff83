"""Data subjects over HTTP and the CLI: search by blind index, hold, approved erasure, access."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from functools import partial

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli.app import app as cli
from api.http.app import create_app
from domain.values import PersonalData
from projections.runner import catch_up
from tests.api_support import account_for, all_at_once, auth, client, server_process, token_for  # noqa: F401 (fixtures)
from tests.test_privacy_erasure import closed_history


def someone() -> PersonalData:
    nik = str(uuid.uuid4().int)[:16]
    return PersonalData(f"Dewi Sartika {nik}", nik, date(1985, 5, 6), "Jl. Kawi 3, Malang")


def test_search_erase_and_export_over_http(client, pg_system):  # noqa: F811
    person = someone()
    passport_id, enforcement_id = closed_history(pg_system, person)
    catch_up(pg_system.store, pg_system.projections())
    officer, supervisor = token_for(pg_system, "OFFICER"), token_for(pg_system, "SUPERVISOR")
    admin, auditor = token_for(pg_system, "ADMIN"), token_for(pg_system, "AUDITOR")

    found = client.post("/cases/search", json={"nik": person.nik}, headers=auth(officer))
    assert found.status_code == 200, found.text
    assert {row["id"] for row in found.json()["data"]} == {str(passport_id), str(enforcement_id)}
    by_name = client.post("/cases/search", json={"name": person.name.lower()}, headers=auth(officer)).json()
    assert by_name["count"] == 2
    subject = pg_system.app.get_case(passport_id).applicant.subject_id
    assert [row["subject_ids"] for row in found.json()["data"]] == [[subject], [subject]]

    held = client.post(
        f"/subjects/{subject}/legal-hold", json={"reason_code": "AUDIT", "legal_basis": "LHP 1/2025"},
        headers=auth(auditor),
    )  # fmt: skip
    assert held.status_code == 200, held.text
    assert held.json()["legal_hold"] == "AUDIT"
    erasure = {"reason_code": "SUBJECT_REQUEST", "legal_basis": "Pasal 8 UU 27/2022"}
    assert client.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(supervisor)).status_code == 403
    approved = client.post(f"/subjects/{subject}/erasure-approval", json=erasure, headers=auth(supervisor))
    assert approved.json()["erasure_approved_by"]
    refused = client.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(admin))
    assert (refused.status_code, refused.json()["type"]) == (409, "urn:berkas:problem:erasure-refused")
    assert "legal hold" in refused.json()["detail"]
    released = client.post(
        f"/subjects/{subject}/legal-hold/release", json={"legal_basis": "audit closed"}, headers=auth(auditor)
    )
    assert released.json()["legal_hold"] is None
    # The default retention (five years) has not run out since 2024.
    refused = client.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(admin))
    assert "retention" in refused.json()["detail"]
    pg_system.settings.retention_days = 0
    try:
        erased = client.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(admin))
    finally:
        pg_system.settings.retention_days = 5 * 365
    assert erased.status_code == 200 and erased.json()["erased"]

    assert client.post("/cases/search", json={"nik": person.nik}, headers=auth(officer)).json()["count"] == 0
    history = client.get(f"/cases/{passport_id}/history", headers=auth(officer)).json()
    assert history["data"][0]["payload"]["applicant"]["name"] == "<erased>"
    exported = client.get(f"/subjects/{subject}/export", headers=auth(supervisor))
    assert exported.status_code == 200, exported.text
    assert exported.json()["erased"] and person.nik not in exported.text
    assert client.get(f"/subjects/{subject}/export", headers=auth(officer)).status_code == 403


def test_unknown_subjects_and_bad_bodies_are_named(client, pg_system):  # noqa: F811
    admin = token_for(pg_system, "ADMIN")
    missing = client.get(f"/subjects/{uuid.uuid4().hex}/export", headers=auth(admin))
    assert missing.status_code == 404
    bad = client.post(
        f"/subjects/{uuid.uuid4().hex}/erasure", json={"reason_code": "BORED", "legal_basis": "x"},
        headers=auth(admin),
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason_code"
    empty = client.post("/cases/search", json={}, headers=auth(token_for(pg_system, "OFFICER")))
    assert empty.status_code == 422


def test_the_cli_finds_holds_erases_and_exports_without_printing_personal_data(sqlite_system, tmp_path, monkeypatch):
    person = someone()
    passport_id, _ = closed_history(sqlite_system, person)
    subject = sqlite_system.app.get_case(passport_id).applicant.subject_id
    auditor, supervisor, admin = (account_for(sqlite_system, role) for role in ("AUDITOR", "SUPERVISOR", "ADMIN"))
    sqlite_system.close()
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(sqlite_system.store.sqlite_path))
    monkeypatch.setenv("BERKAS_RETENTION_DAYS", "0")
    run = CliRunner().invoke

    found = run(cli, ["subjects", "find", "--nik", person.nik])
    assert found.exit_code == 0 and f"subject {subject}" in found.output and person.name not in found.output
    assert subject in run(cli, ["subjects", "due"]).output
    held = run(cli, ["subjects", "hold", subject, "--reason", "COURT_ORDER", "--legal-basis", "PN", "--as", auditor])
    assert held.exit_code == 0, held.output
    approve = ["subjects", "approve-erasure", subject, "--reason", "SUBJECT_REQUEST", "--legal-basis", "Pasal 8"]
    assert run(cli, [*approve, "--as", supervisor]).exit_code == 0
    erase = ["subjects", "erase", subject, "--reason", "SUBJECT_REQUEST", "--legal-basis", "Pasal 8", "--as", admin]
    refused = run(cli, erase)
    assert refused.exit_code != 0 and "legal hold" in str(refused.exception)
    assert run(cli, ["subjects", "release", subject, "--legal-basis", "PN", "--as", auditor]).exit_code == 0
    assert run(cli, erase).exit_code == 0
    assert "no subject found" in run(cli, ["subjects", "find", "--nik", person.nik]).output
    out = tmp_path / "export.json"
    exported = run(cli, ["subjects", "export", subject, "-o", str(out), "--as", admin, "--role", "ADMIN"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(out.read_text())
    assert document["erased"] and person.nik not in out.read_text() and document["exported_by"] == admin


@pytest.fixture
def any_client(system) -> Iterator[TestClient]:
    """The real app over each backend (``client`` is PostgreSQL's only)."""
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_case_hold_over_http_blocks_erasure_until_released(any_client, system):
    http, person = any_client, someone()
    passport_id, enforcement_id = closed_history(system, person)
    supervisor, admin, auditor = (token_for(system, role) for role in ("SUPERVISOR", "ADMIN", "AUDITOR"))
    subject = system.app.get_case(passport_id).applicant.subject_id
    erasure = {"reason_code": "SUBJECT_REQUEST", "legal_basis": "Pasal 8 UU 27/2022"}
    assert http.post(f"/subjects/{subject}/erasure-approval", json=erasure, headers=auth(supervisor)).is_success

    hold = {"reason_code": "AUDIT", "legal_basis": "ST Inspektorat 3/2025"}
    key = uuid.uuid4().hex
    held = http.post(
        f"/cases/{enforcement_id}/legal-hold", json=hold, headers=auth(auditor, **{"Idempotency-Key": key})
    )
    assert held.status_code == 200, held.text
    assert held.json() == {"case_id": str(enforcement_id), "version": 2, "legal_hold": "AUDIT"}
    retried = http.post(
        f"/cases/{enforcement_id}/legal-hold", json=hold, headers=auth(auditor, **{"Idempotency-Key": key})
    )
    assert (retried.status_code, retried.json()) == (200, held.json())
    again = http.post(f"/cases/{enforcement_id}/legal-hold", json=hold, headers=auth(auditor))
    assert (again.status_code, again.headers["content-type"]) == (409, "application/problem+json")

    system.settings.retention_days = 0
    try:
        refused = http.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(admin))
        assert (refused.status_code, refused.json()["type"]) == (409, "urn:berkas:problem:erasure-refused")
        assert "hold" in refused.json()["detail"] and person.nik not in refused.text
        release = {"legal_basis": "audit closed, LHP 12/2025"}
        released = http.post(f"/cases/{enforcement_id}/legal-hold/release", json=release, headers=auth(supervisor))
        assert released.json() == {"case_id": str(enforcement_id), "version": 3, "legal_hold": None}
        erased = http.post(f"/subjects/{subject}/erasure", json=erasure, headers=auth(admin))
    finally:
        system.settings.retention_days = 5 * 365
    assert erased.status_code == 200 and erased.json()["erased"]
    # A hold on the erased person is refused by its own rule, not as an erasure refused.
    late = http.post(f"/subjects/{subject}/legal-hold", json=hold, headers=auth(auditor))
    assert (late.status_code, late.headers["content-type"]) == (409, "application/problem+json")
    problem = late.json()
    assert problem["type"] == "urn:berkas:problem:subject-erased"
    assert problem["title"] == "The data subject is erased: nothing more is held about them"
    assert "erased" in problem["detail"] and person.nik not in late.text


def test_a_case_hold_is_for_auditors_and_the_cases_own_supervisor(any_client, system):
    http, person = any_client, someone()
    passport_id, _ = closed_history(system, person)
    hold = {"reason_code": "AUDIT", "legal_basis": "ST Inspektorat 3/2025"}
    for token in (token_for(system, "OFFICER"), token_for(system, "ADMIN"), token_for(system, "SUPERVISOR", "SBY")):
        refused = http.post(f"/cases/{passport_id}/legal-hold", json=hold, headers=auth(token))
        assert (refused.status_code, refused.headers["content-type"]) == (403, "application/problem+json")
    auditor = auth(token_for(system, "AUDITOR", "SBY"))
    unknown = http.post(f"/cases/{uuid.uuid4()}/legal-hold", json=hold, headers=auditor)
    assert (unknown.status_code, unknown.json()["type"]) == (404, "urn:berkas:problem:not-found")
    bad = http.post(
        f"/cases/{passport_id}/legal-hold", json={"reason_code": "WHIM", "legal_basis": "x"}, headers=auditor
    )
    assert (bad.status_code, bad.headers["content-type"]) == (422, "application/problem+json")
    not_held = http.post(f"/cases/{passport_id}/legal-hold/release", json={"legal_basis": "x"}, headers=auditor)
    assert not_held.status_code == 409
    assert http.post(f"/cases/{passport_id}/legal-hold", json=hold, headers=auditor).json()["legal_hold"] == "AUDIT"
    assert system.app.held_cases([passport_id]) == [passport_id]


def test_a_retried_subject_hold_or_release_answers_as_the_first_did(any_client, system):
    """A hold or release whose answer was lost is sent again with its Idempotency-Key: the
    retry is the first answer, not a 409 "already held" (nor a second event); the same
    command under another key is still refused by the rule."""
    http, person = any_client, someone()
    passport_id, _ = closed_history(system, person)
    auditor = token_for(system, "AUDITOR", "DPS")
    subject = system.app.get_case(passport_id).applicant.subject_id
    steps = [
        ("legal-hold", {"reason_code": "LITIGATION", "legal_basis": "PN Malang 12/Pdt.G/2025"}, "LITIGATION"),
        ("legal-hold/release", {"legal_basis": "PN Malang 12/Pdt.G/2025"}, None),
    ]
    for step, body, hold in steps:
        headers = auth(auditor, **{"Idempotency-Key": uuid.uuid4().hex})
        first = http.post(f"/subjects/{subject}/{step}", json=body, headers=headers)
        assert first.status_code == 200 and first.json()["legal_hold"] == hold, first.text
        retried = http.post(f"/subjects/{subject}/{step}", json=body, headers=headers)
        assert (retried.status_code, retried.json()) == (200, first.json()), retried.text
        again = http.post(f"/subjects/{subject}/{step}", json=body, headers=auth(auditor))
        assert (again.status_code, again.json()["type"]) == (409, "urn:berkas:problem:erasure-refused")
    topics = [type(e).__name__ for e in system.app.history(uuid.UUID(subject))]
    assert topics.count("LegalHoldPlaced") == 1 and topics.count("LegalHoldReleased") == 1, topics


@pytest.mark.postgres
def test_holds_racing_on_one_subject_are_placed_once_and_never_fail(pg_system, server_process):  # noqa: F811
    """Holds and releases of one subject sent at once to a uvicorn process: with one key every
    answer is the first (200); with keys of their own one acts (200), the others are refused
    by the rule or the race (409); never a 500."""
    passport_id, _ = closed_history(pg_system, someone())
    subject = pg_system.app.get_case(passport_id).applicant.subject_id
    auditor = token_for(pg_system, "AUDITOR", "MDN")
    hold = {"reason_code": "AUDIT", "legal_basis": "LHP 12/2025"}
    same = auth(auditor, **{"Idempotency-Key": uuid.uuid4().hex})
    held = all_at_once([partial(server_process.post, f"/subjects/{subject}/legal-hold", json=hold, headers=same)] * 4)
    assert [(a.status_code, a.json()) for a in held] == [(200, held[0].json())] * 4, held[0].text[:200]
    release = {"legal_basis": "LHP 12/2025"}
    apart = all_at_once(
        [
            partial(
                server_process.post,
                f"/subjects/{subject}/legal-hold/release",
                json=release,
                headers=auth(auditor, **{"Idempotency-Key": uuid.uuid4().hex}),
            )
            for _ in range(4)
        ]
    )
    assert sorted(a.status_code for a in apart) == [200, 409, 409, 409], [a.text[:200] for a in apart]
    topics = [type(e).__name__ for e in pg_system.app.history(uuid.UUID(subject))]
    assert topics.count("LegalHoldPlaced") == 1 and topics.count("LegalHoldReleased") == 1, topics
