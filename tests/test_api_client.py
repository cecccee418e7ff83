"""A client generated from the OpenAPI document (openapi-python-client, from the dev lock)
compiles, imports, and runs a journey against the app served by uvicorn: submit a passport
application, read it, find it in the list, read its typed history, and read a missing case
as a typed problem."""

from __future__ import annotations

import compileall
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

from api.bootstrap import System, bootstrap
from api.http.app import create_app
from api.settings import Settings
from projections.runner import catch_up
from tests.api_support import passport_body, token_for
from tests.ui_support import live_server

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The client package, generated once from the app's own document."""
    where = tmp_path_factory.mktemp("client")
    system = bootstrap(Settings(database_url=None, sqlite_path=where / "schema.db"))
    try:
        document = create_app(system).openapi()
    finally:
        system.close()
    (where / "openapi.json").write_text(json.dumps(document))
    name = f"berkas_client_{uuid.uuid4().hex[:8]}"
    # Its post-generation hooks run ruff, found on PATH beside this interpreter.
    env = os.environ | {"PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [GENERATOR, "generate", "--path", "openapi.json", "--output-path", name, "--meta", "none"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A schema the generator cannot express is skipped with a warning: none may be.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert compileall.compile_dir(where / name, quiet=1)
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            importlib.import_module(module.name)
    finally:
        sys.path.remove(str(where))
    return package


def test_a_generated_client_submits_reads_and_lists_a_passport_application(generated, system: System):
    name = generated.__name__
    client_module = importlib.import_module(f"{name}.client")
    calls = {
        call: importlib.import_module(f"{name}.api.passport_applications.passport_applications_{call}")
        for call in ("submit", "get_application", "list_applications")
    }
    models = importlib.import_module(f"{name}.models")
    token = token_for(system, "OFFICER")

    with live_server(system) as url:
        client = client_module.AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True)
        body = models.PassportApplicationCreate.from_dict(passport_body())
        created = calls["submit"].sync_detailed(client=client, body=body, idempotency_key=uuid.uuid4().hex)
        assert created.status_code == 201, created.content
        case = created.parsed
        assert isinstance(case, models.PassportApplicationPublic)
        assert case.status == models.PassportStatus.SUBMITTED and case.version == 1
        assert created.headers["location"] == f"/passport-applications/{case.id}"

        read = calls["get_application"].sync_detailed(case.id, client=client)
        assert read.status_code == 200 and read.headers["etag"] == '"1"'
        assert read.parsed.to_dict() == case.to_dict()
        assert read.parsed.applicant.name == passport_body()["applicant"]["name"]

        catch_up(system.store, system.projections())
        listed = calls["list_applications"].sync(client=client, status=models.PassportStatus.SUBMITTED)
        assert case.id in [row.id for row in listed.data]

        history = importlib.import_module(f"{name}.api.replay_auditors.cases_history").sync(case.id, client=client)
        (submitted,) = history.data
        assert isinstance(submitted, models.PassportApplicationSubmittedEventPublic)
        assert submitted.payload.channel == models.Channel.M_PASPOR and submitted.payload.applicant.nik

        missing = calls["get_application"].sync(uuid.uuid4(), client=client)
        assert isinstance(missing, models.ProblemPublic) and missing.status == 404
