"""Fixtures of the HTTP tests that run on both backends: the real app over the ``system``
fixture's store (SQLite file, then PostgreSQL), and an officer's token for it.
A test module takes them by importing them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import System
from api.http.app import create_app
from tests.api_support import token_for


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def officer(system: System) -> str:
    return token_for(system, "OFFICER")
