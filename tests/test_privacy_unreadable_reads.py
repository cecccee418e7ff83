"""Each kind's own read (``GET /passport-applications/{id}``, ``/stay-permits/{id}``,
``/enforcement-cases/{id}``, ``/joint-operations/{id}``) and the web interface's case page, on
cases whose data subject's key row was altered with psql, answer as ``/cases/{id}`` does
(tests/test_privacy_unreadable_roles.py): an auditor reads each with that personal data null and
flagged ``personal_data_unreadable`` (its ETag still answering If-None-Match), the page saying so
in its language; the office's officers and supervisors are refused loudly (409); another office
and an admin are refused as for any case (403), not told the data does not open. They answered
every reader 409 before. A key row mended reads at once (a flagged answer is not cached)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.http.commands import PATHS
from api.ui import i18n
from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.stay_permit import StayPermit
from domain.values import ERASED, UNREADABLE, CaseSource, PermitBasis, PermitKind, PersonalData, StayTerm
from projections.eventstore import sql
from projections.eventstore.store import VAULT_TABLES
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for
from tests.test_api_command_states import following
from tests.ui_support import sign_in

SUBJECTS = VAULT_TABLES[0]
PROBLEM = "urn:berkas:problem:personal-data-unreadable"
AREA = "Dusun Sumberwaras Testarea"
# The attribute of each kind that holds its personal data, null for an auditor.
PERSONAL = {"PassportApplication": "applicant", "StayPermit": "foreigner", "EnforcementCase": "subject"}


@dataclass
class Altered:
    system: System
    cases: dict[str, UUID]  # kind -> case id
    versions: dict[str, int]
    sealed: tuple[str, ...]  # texts sealed in them: none may show
    keys: dict[str, str]  # subject id -> its wrapped key as it was (to mend the row)


def _person(given: str) -> PersonalData:
    return PersonalData(f"{given} Testdata", builders.fresh_nik(), date(1984, 2, 29), f"Jl. {given} 3, Kota Malang")


def _wrapped(system: System, subject_id: str) -> str:
    with system.store.connect() as conn:
        [(wrapped,)] = sql.fetchall(conn, f"SELECT wrapped_key FROM {SUBJECTS} WHERE subject_id = ?", [subject_id])
    return wrapped


def _set_wrapped(system: System, subject_id: str, wrapped: str) -> None:
    with system.store.connect() as conn:
        sql.execute(conn, f"UPDATE {SUBJECTS} SET wrapped_key = ? WHERE subject_id = ?", [wrapped, subject_id])


def _altered(wrapped: str) -> str:
    """One character of the key changed, its format kept (it still looks like a key)."""
    at = len(wrapped) - 8
    return wrapped[:at] + ("A" if wrapped[at] != "A" else "B") + wrapped[at + 1 :]


@pytest.fixture
def altered(ledger: System) -> Iterator[Altered]:
    """A case of each kind, each of a subject of its own (the joint operation's is its own
    record's); every subject's key row then altered, and the store opened afresh (a new
    process: no key cached)."""
    clock = builders.Clock()
    applicant, foreigner, found = _person("Ratna"), _person("Wiremu"), _person("Gianluca")
    passport_number = f"PX{uuid4().int % 10**7:07d}"
    officer = builders.officer_of
    made = [
        builders.passport(clock, until="PAID", applicant=applicant),
        StayPermit.apply_for(
            builders.new_id(),
            officer(clock),
            PermitKind.ITAS,
            PermitBasis.VISA,
            foreigner,
            "NZL",
            passport_number,
            "PT Sponsor Testdata Malang",
            StayTerm.YEARS_1,
        ),
        EnforcementCase.open(
            builders.new_id(), officer(clock), CaseSource.COUNTER, None, found, "ITA", "overstay", "Pasal 78 UU 6/2011"
        ),
        JointOperation.plan(builders.new_id(), officer(clock), ("POLRI", "SATPOL_PP"), AREA),
    ]
    for case in made:
        ledger.app.save(case)
    catch_up(ledger.store, ledger.projections())
    stored = [ledger.app.get_case(case.id) for case in made]
    subjects = [case.person.subject_id for case in stored[:3]] + [stored[3].area.subject_id]
    keys = {subject: _wrapped(ledger, subject) for subject in subjects}
    for subject, wrapped in keys.items():
        _set_wrapped(ledger, subject, _altered(wrapped))
    about_people = [text for p in (applicant, foreigner, found) for text in (p.name, p.nik, p.address, "1984-02-29")]
    sealed = (*about_people, passport_number, "PT Sponsor Testdata Malang", AREA)
    fresh = bootstrap(ledger.settings)
    try:
        yield Altered(
            fresh,
            {case.KIND: case.id for case in made},
            {case.KIND: case.version for case in stored},
            sealed,
            keys,
        )
    finally:
        fresh.close()


def _nothing_shown(text: str, altered: Altered) -> None:
    for sealed in altered.sealed:
        assert sealed not in text, sealed
    for marker in (ERASED, UNREADABLE, "&lt;erased&gt;", "&lt;unreadable&gt;", "Traceback"):
        assert marker not in text, marker


def _paths(altered: Altered) -> dict[str, str]:
    return {kind: f"{PATHS[kind]}/{case_id}" for kind, case_id in altered.cases.items()}


def test_an_auditor_reads_each_kind_as_cases_answers_it_with_its_etag(altered):
    with TestClient(create_app(altered.system), raise_server_exceptions=False) as client:
        auditor = auth(token_for(altered.system, "AUDITOR", "SBY"))  # auditors read every office
        for kind, path in _paths(altered).items():
            read = client.get(path, headers=auditor)
            assert read.status_code == 200, (path, read.text[:300])
            body = read.json()
            assert body["personal_data_unreadable"] is True and body["kind"] == kind
            assert body[PERSONAL.get(kind, "area")] is None
            etag = f'"{altered.versions[kind]}"'
            assert read.headers["ETag"] == etag
            replayed = client.get(f"/cases/{altered.cases[kind]}", headers=auditor)
            assert replayed.status_code == 200 and replayed.json() == body
            for tag in (etag, f"W/{etag}", f'"99", {etag}'):
                unchanged = client.get(path, headers={**auditor, "If-None-Match": tag})
                assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.content
            again = client.get(path, headers={**auditor, "If-None-Match": '"99"'})
            assert again.status_code == 200 and again.json() == body
            _nothing_shown(read.text + replayed.text, altered)
        # The kind is still the path's: a passport application is no stay permit.
        wrong = client.get(f"/stay-permits/{altered.cases['PassportApplication']}", headers=auditor)
        assert wrong.status_code == 404, wrong.text[:300]


@pytest.mark.parametrize("role", ["OFFICER", "SUPERVISOR"])
def test_the_offices_own_readers_are_refused_loudly_on_each_kind(altered, role):
    with TestClient(create_app(altered.system), raise_server_exceptions=False) as client:
        reader = auth(token_for(altered.system, role))
        # Read by an auditor first: what the auditor was answered is no answer for them.
        auditor = auth(token_for(altered.system, "AUDITOR"))
        assert client.get(_paths(altered)["PassportApplication"], headers=auditor).status_code == 200
        for kind, path in _paths(altered).items():
            etag = f'"{altered.versions[kind]}"'
            for headers in (reader, {**reader, "If-None-Match": etag}):  # no 304 where the answer is a refusal
                refused = client.get(path, headers=headers)
                assert refused.status_code == 409, (path, refused.status_code, refused.text[:300])
                assert refused.json()["type"] == PROBLEM
                _nothing_shown(refused.text, altered)


@pytest.mark.parametrize(("role", "office"), [("OFFICER", "JKT"), ("SUPERVISOR", "SBY"), ("ADMIN", "MLG")])
def test_whoever_may_not_read_the_case_is_refused_as_for_any_case(altered, role, office):
    with TestClient(create_app(altered.system), raise_server_exceptions=False) as client:
        stranger = auth(token_for(altered.system, role, office))
        for path in _paths(altered).values():
            refused = client.get(path, headers=stranger)
            assert refused.status_code == 403, (path, refused.status_code, refused.text[:300])
            assert refused.json()["type"] == "urn:berkas:problem:not-permitted"
            _nothing_shown(refused.text, altered)


def test_a_mended_key_row_reads_at_once(altered):
    """The flagged answer was not kept: the read after the row is mended shows the data."""
    system = altered.system
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        following(client, system)  # answers are cached from here on
        auditor, officer = auth(token_for(system, "AUDITOR")), auth(token_for(system, "OFFICER"))
        paths = _paths(altered)
        for path in paths.values():
            assert client.get(path, headers=auditor).json()["personal_data_unreadable"] is True
        for subject, wrapped in altered.keys.items():
            _set_wrapped(system, subject, wrapped)
        for kind, path in paths.items():
            mended = client.get(path, headers=auditor)
            assert mended.status_code == 200 and mended.json()["personal_data_unreadable"] is False
            shown = client.get(path, headers=officer)
            assert shown.status_code == 200, shown.text[:300]
            assert shown.json()[PERSONAL.get(kind, "area")] is not None
        assert client.get(paths["JointOperation"], headers=officer).json()["area"] == AREA


def test_an_auditors_case_page_says_the_personal_data_does_not_open(altered):
    with TestClient(create_app(altered.system), raise_server_exceptions=False) as client:
        sign_in(client, token_for(altered.system, "AUDITOR"))
        for lang in ("id", "en"):
            client.cookies.set("berkas_lang", lang, path="/ui")
            said = escape(i18n.text(lang, "case.unreadable"))
            for kind, case_id in altered.cases.items():
                for query in ("", "?version=1", "?as_of=2099-01-01T00:00"):
                    page = client.get(f"/ui/cases/{case_id}{query}")
                    assert page.status_code == 200, (kind, query, page.text[:500])
                    assert f'<p class="problem" role="alert" data-unreadable>{said}</p>' in page.text
                    assert i18n.text(lang, "case.unreadable_event") in page.text  # on the timeline's events
                    _nothing_shown(page.text, altered)


def test_the_offices_officer_is_refused_the_case_page_loudly(altered):
    with TestClient(create_app(altered.system), raise_server_exceptions=False) as client:
        sign_in(client, token_for(altered.system, "OFFICER"))
        for case_id in altered.cases.values():
            page = client.get(f"/ui/cases/{case_id}")
            assert page.status_code == 409, page.text[:500]
            _nothing_shown(page.text, altered)
