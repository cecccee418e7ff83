"""A client retrying a data subject's erasure approval or erasure with the same
`Idempotency-Key` (a dropped connection, a proxy's retry) gets the first answer: no second
approval in the log, no 409 "already erased" for the erasure that just succeeded. Outside
Malang and 2024: a Denpasar subject with two passports and a deportation in 2025."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.app import create_app
from domain.case import recorded_at
from domain.enforcement import EnforcementCase
from domain.values import AdministrativeAction, CaseSource, PersonalData, Product
from tests import builders
from tests.api_support import all_at_once, auth, token_for

ERASURE = {"reason_code": "SUBJECT_REQUEST", "legal_basis": "Pasal 8 UU 27/2022"}


@contextmanager
def retention_ended(system: System) -> Iterator[None]:
    """Within: the retention period is over for every closed case (back to five years after)."""
    system.settings.retention_days = 0
    try:
        yield
    finally:
        system.settings.retention_days = 5 * 365


def erase_over_http(
    http: TestClient, system: System, subject: str, office: str = "DPS", supervisor: str = "", admin: str = ""
):
    """A supervisor of ``office`` approves, and its admin erases (``supervisor``, ``admin``: their
    tokens, new accounts if not given), once the retention has ended: the erasure's answer."""
    supervisor = supervisor or token_for(system, "SUPERVISOR", office)
    assert http.post(f"/subjects/{subject}/erasure-approval", json=ERASURE, headers=auth(supervisor)).is_success
    with retention_ended(system):
        return http.post(
            f"/subjects/{subject}/erasure", json=ERASURE, headers=auth(admin or token_for(system, "ADMIN", office))
        )


def denpasar_person() -> PersonalData:
    nik = "5171" + str(uuid.uuid4().int)[:12]
    return PersonalData(f"Ni Luh Putu Sari {nik[-6:]}", nik, date(1991, 7, 1), "Jl. Teuku Umar 5, Denpasar")


def closed_history_in(system: System, person: PersonalData, office: str = "DPS", year: int = 2025) -> list:
    """Two passports issued and handed over and an enforcement case (detention, deportation,
    closed) of one person, in ``office`` and ``year``, recorded that year."""
    clock = builders.Clock(now=datetime(year, 2, 1, 1, tzinfo=UTC))
    regency = {"DPS": "5171", "JYP": "9471", "SBY": "3578"}[office]
    officer = lambda: builders.officer_of(clock, office=office)  # noqa: E731
    with recorded_at(datetime(year, 5, 1, 2, tzinfo=UTC)):
        passports = []
        for product in (Product.ELECTRONIC, Product.NON_ELECTRONIC):
            case = builders.passport(
                clock, until="APPROVED", office=office, applicant=person, product=product, regency_code=regency
            )
            case.issue(officer(), f"X{uuid.uuid4().hex[:7].upper()}")
            case.hand_over(officer(), builders.Collector.SELF)
            passports.append(case)
        case = EnforcementCase.open(
            builders.new_id(), officer(), CaseSource.COUNTER, None, person, "MYS", "overstay", "Pasal 78 UU 6/2011"
        )
        case.examine(officer(), f"BAP-002/{year}")
        case.detain(officer(), "Rudenim Denpasar", "awaiting deportation")
        case.impose_action(
            builders.supervisor_of(clock, office=office), AdministrativeAction.DEPORTATION, f"KEP-02/{year}",
            "OVERSTAY", builders.DEPORTATION_BASIS,
        )  # fmt: skip
        case.deport(officer(), "Bandara Internasional Ngurah Rai")
        case.close(officer(), "deported")
        system.app.bulk_save([*passports, case])
    return [*passports, case]


@pytest.fixture
def http(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def approved_subject(system: System) -> str:
    cases = closed_history_in(system, denpasar_person())
    return system.app.get_case(cases[0].id).applicant.subject_id


@pytest.fixture
def erasure_admin(http: TestClient, system: System, approved_subject: str) -> str:
    """A Denpasar admin's token, once a Denpasar supervisor has approved the subject's erasure."""
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    assert http.post(
        f"/subjects/{approved_subject}/erasure-approval", json=ERASURE, headers=auth(supervisor)
    ).is_success
    return token_for(system, "ADMIN", "DPS")


def _subject_topics(system: System, subject_id: str) -> list[str]:
    return [stored.topic for stored in system.app.recorder.select_events(uuid.UUID(subject_id))]


def test_an_approval_retried_with_its_key_is_recorded_once(http, system, approved_subject):
    supervisor = token_for(system, "SUPERVISOR", "DPS")
    key = uuid.uuid4().hex
    first = http.post(
        f"/subjects/{approved_subject}/erasure-approval",
        json=ERASURE,
        headers=auth(supervisor, **{"Idempotency-Key": key}),
    )
    again = http.post(
        f"/subjects/{approved_subject}/erasure-approval",
        json=ERASURE,
        headers=auth(supervisor, **{"Idempotency-Key": key}),
    )
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert _subject_topics(system, approved_subject).count("berkas:DataSubject.ErasureApproved") == 1
    other = {**ERASURE, "legal_basis": "Pasal 9 UU 27/2022"}
    reused = http.post(
        f"/subjects/{approved_subject}/erasure-approval",
        json=other,
        headers=auth(supervisor, **{"Idempotency-Key": key}),
    )
    assert reused.status_code == 422, reused.text
    assert "Idempotency-Key" in reused.text
    assert _subject_topics(system, approved_subject).count("berkas:DataSubject.ErasureApproved") == 1


def test_an_erasure_retried_with_its_key_answers_as_the_first_did(http, system, approved_subject, erasure_admin):
    admin = erasure_admin
    key = uuid.uuid4().hex
    with retention_ended(system):
        first = http.post(
            f"/subjects/{approved_subject}/erasure", json=ERASURE, headers=auth(admin, **{"Idempotency-Key": key})
        )
        again = http.post(
            f"/subjects/{approved_subject}/erasure", json=ERASURE, headers=auth(admin, **{"Idempotency-Key": key})
        )
        twice = http.post(f"/subjects/{approved_subject}/erasure", json=ERASURE, headers=auth(admin))
    assert first.status_code == 200 and first.json()["erased"], first.text
    assert (again.status_code, again.json()) == (200, first.json())
    # Without the key, erasing again is refused, naming the rule.
    assert twice.status_code == 409 and "already erased" in twice.json()["detail"]
    assert _subject_topics(system, approved_subject).count("berkas:DataSubject.SubjectErased") == 1


def test_concurrent_erasures_erase_once_and_the_rest_are_told_why(http, system, approved_subject, erasure_admin):
    admin = erasure_admin
    with retention_ended(system):
        answers = all_at_once(
            [lambda: http.post(f"/subjects/{approved_subject}/erasure", json=ERASURE, headers=auth(admin))] * 4
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["type"].startswith("urn:berkas:problem:") and "Traceback" not in refused.text
    assert _subject_topics(system, approved_subject).count("berkas:DataSubject.SubjectErased") == 1


def test_concurrent_retries_of_one_erasure_all_answer_200(http, system, approved_subject, erasure_admin):
    admin = erasure_admin
    headers = auth(admin, **{"Idempotency-Key": uuid.uuid4().hex})
    with retention_ended(system):
        answers = all_at_once(
            [lambda: http.post(f"/subjects/{approved_subject}/erasure", json=ERASURE, headers=headers)] * 3
        )
    # A retry racing the first one waits for it (409 "in progress") or answers as it did.
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    assert [a.status_code for a in answers].count(200) >= 1
    for answer in answers:
        if answer.status_code == 200:
            assert answer.json()["erased"]
        else:
            assert "already erased" not in answer.text, answer.text
    assert _subject_topics(system, approved_subject).count("berkas:DataSubject.SubjectErased") == 1
