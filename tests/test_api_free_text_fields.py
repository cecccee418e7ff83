"""The last free text an officer could type a name into (an adversarial review): what is
about the person is sealed with their key, shown to those who may see personal data, null to
others (an auditor), <erased> after erasure; stores written before still read."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from api.bootstrap import System
from api.demo import enforcement as demo_enforcement
from api.demo import passports as demo_passports
from api.http.schemas.common import ReferralCreate
from api.http.schemas.enforcement import DeportationCreate, DetentionCreate, JointOperationCreate
from api.http.schemas.places import Agency, DetentionPlace, Port
from domain.offices import OFFICES
from domain.values import ERASED, PersonalNote, Role
from projections.privacy.legacy import plaintext_events
from tests import builders
from tests.api_support import auth, finding_body, key, passport_body, person, token_for

NAME = "Yohanes Testwenda"
REASON, BASIS = "SUBJECT_REQUEST", "Pasal 8 UU 27/2022"
ADMIN = builders.actor(Role.ADMIN)


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(token, **{"Idempotency-Key": key()}))


def _raw_states(system: System, *case_ids: uuid.UUID) -> bytes:
    return b"\n".join(bytes(s.state) for case_id in case_ids for s in system.app.recorder.select_events(case_id))


def _interviewed(client: TestClient, token: str, indicators: list[str]) -> str:
    created = _post(client, token, "/passport-applications", passport_body(applicant=person()))
    assert created.status_code == 201, created.text[:300]
    case = f"/passport-applications/{created.json()['id']}"
    for command, body in (
        ("payment", {"billing_code": f"82024{uuid.uuid4().int % 10**7:07d}"}),
        ("biometrics", {}),
        ("interview", {"stated_purpose": "x", "assessment": "x", "indicators": indicators}),
    ):
        answer = _post(client, token, f"{case}/{command}", body)
        assert answer.status_code == 200, (command, answer.text[:300])
    return created.json()["id"]


def _interview_payload(client: TestClient, token: str, case_id: str) -> dict[str, Any]:
    history = client.get(f"/cases/{case_id}/history", headers=auth(token))
    assert history.status_code == 200, history.text[:300]
    (interviewed,) = (e for e in history.json()["data"] if e["event"] == "Interviewed")
    return interviewed["payload"]


def test_a_name_in_an_interview_indicator_does_not_reach_an_auditor(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    case_id = _interviewed(client, supervisor, [f"travels with {NAME}", "second passport"])
    auditor = token_for(system, "AUDITOR")
    for path in (f"/cases/{case_id}/history", f"/passport-applications/{case_id}"):
        answer = client.get(path, headers=auth(auditor))
        assert answer.status_code == 200 and NAME not in answer.text, path
    assert client.get(f"/passport-applications/{case_id}", headers=auth(auditor)).json()["indicators"] is None
    assert _interview_payload(client, auditor, case_id)["indicators"] == [None, None]
    # Those of the office handling the case read them as written.
    shown = client.get(f"/passport-applications/{case_id}", headers=auth(supervisor)).json()["indicators"]
    assert shown == [f"travels with {NAME}", "second passport"]
    texts = [note["text"] for note in _interview_payload(client, supervisor, case_id)["indicators"]]
    assert texts == shown
    # Nor is it anywhere in the events table's bytes.
    assert NAME.encode() not in _raw_states(system, uuid.UUID(case_id))


def test_an_interview_without_indicators_reads_as_an_empty_list(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    case_id = _interviewed(client, supervisor, [])
    assert client.get(f"/passport-applications/{case_id}", headers=auth(supervisor)).json()["indicators"] == []


def test_indicators_read_erased_after_the_applicants_erasure(client, system, officer, supervisor):
    token = token_for(system, "SUPERVISOR")
    case_id = _interviewed(client, token, [f"travels with {NAME}"])
    app = system.app
    app.withdraw_passport(officer, uuid.UUID(case_id), "applicant withdrew")
    subject = uuid.UUID(app.get_case(uuid.UUID(case_id)).applicant.subject_id)
    app.approve_erasure(supervisor, subject, REASON, BASIS)
    app.erase_subject(ADMIN, subject, REASON, BASIS, timedelta(0))
    answer = client.get(f"/passport-applications/{case_id}", headers=auth(token))
    assert answer.status_code == 200 and answer.json()["indicators"] == [ERASED]
    assert [note["text"] for note in _interview_payload(client, token, case_id)["indicators"]] == [ERASED]


def test_indicators_recorded_in_plain_text_still_read_and_count_as_plaintext(client, system, officer):
    """Stores written before hold the indicators as a list of plain strings: they read as before,
    and `berkas store info` counts the event (the field is found from the event's type hints)."""
    app = system.app
    sealed = builders.interviewed_passport(app, officer)  # no indicators: nothing to count
    before = plaintext_events(system.store)
    case_id = app.submit_passport_application(officer, **builders.submission())
    app.pay_passport_fee(officer, case_id, "820240300002")
    app.capture_biometrics(officer, case_id)
    case = app.get_case(case_id)
    case._interviewed(
        provenance=app.provenance(officer, None, None),
        officer=officer.id,
        stated_purpose=PersonalNote.about(case.applicant, "stated_purpose", "tourism"),
        indicators=("old plain indicator",),
        assessment=PersonalNote.about(case.applicant, "assessment", "credible"),
    )
    app.save(case)
    assert b"old plain indicator" in _raw_states(system, case_id)
    assert plaintext_events(system.store) == before + 1
    token = token_for(system, "SUPERVISOR")
    shown = client.get(f"/passport-applications/{case_id}", headers=auth(token)).json()["indicators"]
    assert shown == ["old plain indicator"]
    assert _interview_payload(client, token, str(case_id))["indicators"] == ["old plain indicator"]
    assert client.get(f"/passport-applications/{sealed}", headers=auth(token)).json()["indicators"] == []


# Places and institutions are not about a person and an auditor must read them: plain, and a
# name refused instead (api/http/schemas/places.py).
ACCEPTED = {
    DetentionPlace: [
        "Ruang Detensi Kanim Malang",  # the OpenAPI example
        "Rudenim Surabaya",
        "Ruang Detensi",
        "Rumah Detensi Imigrasi Jakarta",
        *(f"Ruang Detensi {office.name}" for office in OFFICES.values()),  # what the demo writes
    ],
    Port: [
        "Bandara Internasional Juanda",  # the OpenAPI example
        demo_enforcement.PORT,
        demo_enforcement.OTHER_PORT,
        "Bandara Juanda",
        "Juanda International Airport",
        "Pelabuhan Tanjung Perak, Surabaya",
        "SUB",
        "ID SUB",
        "IDTPP",
    ],
    Agency: [
        "POLRI",  # the OpenAPI examples
        "SATPOL_PP",
        "BP3MI Jawa Timur",
        "DISNAKER",
        "Kementerian Ketenagakerjaan",
        *demo_enforcement.AGENCIES,
        *demo_enforcement.OTHER_AGENCIES,
        *(office.name for office in OFFICES.values()),  # the demo names its own office among them
        demo_passports.BP3MI.agency,
        demo_passports.DUKCAPIL.agency,
    ],
}
REFUSED = [
    NAME,
    f"Rudenim Surabaya ({NAME})",
    "Polres Malang Kota atas nama Budi Santoso",
    "Bandara Juanda via Siti",
    "Ruang Detensi 3573014512900001",
    "Bandara Juanda E1234567",
    *(f"{given} Pratama" for given in ("Agus", "Sri", "Dewi", "Yusuf")),  # the demo's given names
]


@pytest.mark.parametrize("kind", ACCEPTED, ids=["place", "port", "agency"])
def test_every_place_and_agency_the_demo_docs_and_tests_write_is_taken(kind):
    for text in ACCEPTED[kind]:
        assert TypeAdapter(kind).validate_python(text) == text


@pytest.mark.parametrize("text", REFUSED)
def test_a_name_is_refused_as_a_place_a_port_or_an_agency(text):
    for kind in (DetentionPlace, Port, Agency):
        with pytest.raises(ValidationError):
            TypeAdapter(kind).validate_python(text)


def _refused_naming(answer: Any, field: str, rule: str) -> None:
    assert answer.status_code == 422, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert rule in problem["errors"][0]["detail"]
    assert "Yohanes" not in answer.text and "Testwenda" not in answer.text


def test_a_name_as_a_detention_place_or_a_deportation_port_is_a_422_and_the_auditor_reads_both(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    opened = dict(finding_body(), source="COUNTER")
    del opened["summary"]
    created = _post(client, supervisor, "/enforcement-cases", opened)
    assert created.status_code == 201, created.text[:300]
    case = f"/enforcement-cases/{created.json()['id']}"
    assert _post(client, supervisor, f"{case}/examination", {"report_number": "BAP-1/2025"}).status_code == 200
    refused = _post(client, supervisor, f"{case}/detention", {"place": f"Rudenim {NAME}", "ground": "x"})
    _refused_naming(refused, "place", "place of detention")
    detained = _post(client, supervisor, f"{case}/detention", {"place": "Rudenim Surabaya", "ground": "x"})
    assert detained.status_code == 200, detained.text[:300]
    action = {"action": "DEPORTATION", "decision_number": "KEP-1/2025", "reason_code": "OVERSTAY"}
    action |= {"legal_basis": "Pasal 75 ayat (2) huruf f UU 6/2011"}
    assert _post(client, supervisor, f"{case}/actions", action).status_code == 200
    _refused_naming(_post(client, supervisor, f"{case}/deportation", {"port": NAME}), "port", "port of exit")
    deported = _post(client, supervisor, f"{case}/deportation", {"port": "SUB"})
    assert deported.status_code == 200, deported.text[:300]
    auditor = token_for(system, "AUDITOR")
    assert client.get(case, headers=auth(auditor)).json()["port"] == "SUB"
    history = client.get(f"/cases/{created.json()['id']}/history", headers=auth(auditor)).json()["data"]
    assert [e["payload"]["place"] for e in history if e["event"] == "Detained"] == ["Rudenim Surabaya"]


def test_a_name_as_a_referrals_or_an_operations_agency_is_a_422(client, system):
    supervisor = token_for(system, "SUPERVISOR")
    case_id = _interviewed(client, supervisor, [])
    refusal = {"reason_code": "PMI_NONPROCEDURAL", "legal_basis": "SE IMI-0277.GR.02.06/2017"}
    referral = {"agency": f"BP3MI {NAME}", "instructions": "register first"}
    path = f"/passport-applications/{case_id}/refusal"
    _refused_naming(_post(client, supervisor, path, refusal | {"referral": referral}), "referral.agency", "agency")
    referral["agency"] = "BP3MI Jawa Timur"
    assert _post(client, supervisor, path, refusal | {"referral": referral}).status_code == 200
    body = {"agencies": ["POLRI", NAME], "area": "Kota Batu"}
    _refused_naming(_post(client, supervisor, "/joint-operations", body), "agencies.1", "agency")
    body["agencies"] = ["POLRI", "Satpol PP"]
    assert _post(client, supervisor, "/joint-operations", body).status_code == 201


def test_every_openapi_example_of_these_fields_is_taken():
    for model in (DetentionCreate, DeportationCreate, JointOperationCreate, ReferralCreate):
        for example in model.model_config["json_schema_extra"]["examples"]:
            model.model_validate(example)
