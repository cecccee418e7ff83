"""Schemathesis against the app's own OpenAPI schema: no 5xx, answers match their schema,
every refusal is problem+json.

Bounded (a few examples per operation) so that it stays in the default suite.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from tests.api_support import auth, token_for

pytestmark = pytest.mark.postgres
TRANSPORT = ("method", "url", "headers", "params", "json", "content")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(pg_admin_url: str, tmp_path_factory) -> Iterator[tuple[System, TestClient]]:
    """A database of its own: the fuzzer sets targets of random years, and other tests'
    targets must not meet them."""
    name = f"berkas_fuzz_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg_admin_url.rpartition('/')[0]}/{name}"
    system = bootstrap(Settings(database_url=url, sqlite_path=tmp_path_factory.mktemp("fuzz") / "x.db"))
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        yield system, client
    system.close()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    _, client = fuzzed
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


@pytest.fixture(scope="module")
def supervisor(fuzzed) -> dict[str, str]:
    system, _ = fuzzed
    return auth(token_for(system, "SUPERVISOR"))


def test_the_api_never_fails_and_answers_as_documented(api_schema, fuzzed, supervisor):
    _, client = fuzzed
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case):
            sent = case.as_transport_kwargs(headers=supervisor)
            response = client.request(**{k: v for k, v in sent.items() if k in TRANSPORT})
            # /readyz's 503 is its documented answer (not ready: a load balancer's signal), not a failure.
            ready_503 = (case.operation.path, response.status_code) == ("/readyz", 503)
            case.validate_response(response, checks=CHECKS[1:] if ready_503 else CHECKS)
            if response.status_code >= 400 and not ready_503:
                assert response.headers["content-type"] == "application/problem+json", response.text[:300]

        try:
            exercise()
        except Exception as failure:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(failure)[:2000]}")
    assert failures == []
