"""A case's history is typed per event: every event a case kind can record has a model of its
own (topic as discriminator, payload as its fields), and every event of a real year (the Malang
demo) is served through that model, with and without personal data, and read back by a client."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from api.bootstrap import System, bootstrap
from api.http.present import event_public
from api.http.schemas.events import ENVELOPE, EVENT_MODELS, EventsPublic, case_events
from api.settings import Settings
from domain import CASE_KINDS
from domain.usecases import users
from tests.api_support import auth, client, passport_body, token_for

__all__ = ["client"]

pytestmark = pytest.mark.postgres


def test_every_event_of_every_case_kind_has_a_model_naming_each_of_its_fields():
    for kind in CASE_KINDS:
        for event_class in case_events(kind):
            model = EVENT_MODELS[f"berkas:{kind.__name__}.{event_class.__name__}"]
            recorded = {f.name for f in dataclasses.fields(event_class)} - set(ENVELOPE)
            assert set(model.model_fields["payload"].annotation.model_fields) == recorded, event_class


def test_the_history_schema_discriminates_on_the_topic():
    schema = EventsPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    union = schema["properties"]["data"]["items"]
    assert union["discriminator"]["propertyName"] == "topic"
    assert set(union["discriminator"]["mapping"]) == set(EVENT_MODELS)


def test_every_event_of_the_demo_year_is_served_by_its_own_model(malang_demo, tmp_path):
    with psycopg.connect(malang_demo.url) as conn:
        first_of_each = conn.execute(
            "SELECT DISTINCT ON (topic) topic, originator_id FROM berkas_events ORDER BY topic, notification_id"
        ).fetchall()
    case_topics = {topic: case_id for topic, case_id in first_of_each if topic.split(".")[0] in _KINDS}
    assert set(case_topics) <= set(EVENT_MODELS), "events recorded that no model types"
    assert len(case_topics) >= 20  # a year of an office: most of what cases record

    system = bootstrap(Settings(database_url=malang_demo.url, sqlite_path=tmp_path / "unused.db"))
    try:
        for topic, case_id in case_topics.items():
            for reveal in (True, False):
                history = EventsPublic(
                    data=[event_public(event, reveal) for event in system.app.history(case_id)], count=0
                )
                read_back = EventsPublic.model_validate_json(history.model_dump_json())
                entry = next(e for e in read_back.data if e.topic == topic)
                assert type(entry) is EVENT_MODELS[topic]
                if not reveal:
                    assert all(value is None for value in _personal(entry.payload))
    finally:
        system.close()


def test_only_a_case_has_a_history_and_only_its_readers_see_it(client, pg_system: System):
    officer = token_for(pg_system, "OFFICER")
    case = client.post("/passport-applications", json=passport_body(), headers=auth(officer)).json()
    history = client.get(f"/cases/{case['id']}/history", headers=auth(officer))
    assert history.status_code == 200 and history.json()["data"][0]["payload"]["applicant"] is not None
    elsewhere = token_for(pg_system, "OFFICER", office="SBY")
    assert client.get(f"/cases/{case['id']}/history", headers=auth(elsewhere)).status_code == 403
    account = users.authenticate(pg_system.app, officer).id
    for not_a_case in (account, "6a1f0c1e-0000-4000-8000-000000000000"):
        missing = client.get(f"/cases/{not_a_case}/history", headers=auth(officer))
        assert missing.status_code == 404 and missing.json()["type"] == "urn:berkas:problem:not-found"


_KINDS = {f"berkas:{kind.__name__}" for kind in CASE_KINDS}


def _personal(payload) -> list:
    return [getattr(payload, name) for name in ("applicant", "foreigner", "subject", "note") if hasattr(payload, name)]
