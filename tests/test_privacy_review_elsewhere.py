"""The erasure's promises outside Malang 2024, as an outside checker reads them over HTTP:
a Denpasar subject with two passports and a deportation in 2025 is erased, and the office's
and the nation's annual report, the audit trail, the ledger and a bundle built before all stay
as they were, while every read of the person shows <erased> and search finds nothing."""

from __future__ import annotations

import json

import berkas_verify
from projections.ledger.bundle import build_bundle
from projections.ledger.verify import verify
from projections.runner import catch_up
from tests.api_support import auth, token_for
from tests.stores import shared_ledger_key
from tests.test_privacy_review_retries import closed_history_in, denpasar_person, erase_over_http, http  # noqa: F401


def _figures(http, system, auditor: str) -> str:  # noqa: F811
    catch_up(system.store, system.projections())
    answers = [
        http.get("/reports/annual/2025", params={"office": "DPS"}, headers=auth(auditor)),
        http.get("/reports/annual/2025", headers=auth(auditor)),
        http.get("/audit/decisions", params={"office": "DPS", "limit": 200}, headers=auth(auditor)),
    ]
    assert all(answer.status_code == 200 for answer in answers), [a.text[:200] for a in answers]
    return json.dumps([answer.json() for answer in answers], sort_keys=True)


def test_erasing_a_denpasar_subject_keeps_every_figure_and_proof_and_hides_the_person(http, system):  # noqa: F811
    person = denpasar_person()
    cases = closed_history_in(system, person, office="DPS", year=2025)
    subject = system.app.get_case(cases[0].id).applicant.subject_id
    officer, supervisor = token_for(system, "OFFICER", "DPS"), token_for(system, "SUPERVISOR", "DPS")
    admin, auditor = token_for(system, "ADMIN", "DPS"), token_for(system, "AUDITOR", "JYP")
    before = _figures(http, system, auditor)
    key = shared_ledger_key()
    bundles = [build_bundle(system.store, case.id, key) for case in cases]
    found = http.post("/cases/search", json={"nik": person.nik}, headers=auth(officer)).json()
    assert {row["id"] for row in found["data"]} == {str(case.id) for case in cases}

    erased = erase_over_http(http, system, subject, "DPS", supervisor, admin)
    assert erased.status_code == 200 and erased.json()["erased"], erased.text

    assert _figures(http, system, auditor) == before
    assert verify(system.store).ok
    trust = berkas_verify.Trust(public_keys=[key.public_key()])
    assert all(berkas_verify.verify_bundle(bundle, trust).ok for bundle in bundles)
    for case in cases:
        history = http.get(f"/cases/{case.id}/history", headers=auth(supervisor))
        assert history.status_code == 200 and "<erased>" in history.text
        assert person.nik not in history.text and person.name not in history.text
    read = http.get(f"/passport-applications/{cases[0].id}", headers=auth(supervisor)).json()
    assert read["applicant"]["nik"] == "<erased>" and read["passport_number"] == "<erased>"
    for body in ({"nik": person.nik}, {"name": person.name.lower()}):
        assert http.post("/cases/search", json=body, headers=auth(auditor)).json()["count"] == 0
    exported = http.get(f"/subjects/{subject}/export", headers=auth(admin))
    assert exported.status_code == 200 and exported.json()["erased"] is True
    assert person.nik not in exported.text and person.name not in exported.text
