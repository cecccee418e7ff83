"""`docker compose up` must be all a user needs: the compose file agrees with the code."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgresql_the_api_and_the_projection_worker():
    services = compose()["services"]
    assert set(services) == {"db", "api", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["api"]["command"][:2] == ["berkas", "serve"]
    assert services["worker"]["command"] == ["berkas", "projections", "run"]
    assert services["api"]["build"] == services["worker"]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()


def test_every_environment_variable_is_a_settings_field():
    fields = {f"BERKAS_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker"):
        environment = compose()["services"][name]["environment"]
        assert set(environment) <= fields, name
        Settings.model_validate({key.removeprefix("BERKAS_").lower(): value for key, value in environment.items()})


def test_the_api_publishes_the_port_it_listens_on():
    api = compose()["services"]["api"]
    port = api["environment"]["BERKAS_PORT"]
    assert f"{port}:{port}" in api["ports"]
    assert api["environment"]["BERKAS_HOST"] == "0.0.0.0"  # noqa: S104 - inside its container
    assert f"EXPOSE {port}" in (ROOT / "Dockerfile").read_text()


def test_the_services_reach_the_database_the_db_service_creates():
    services = compose()["services"]
    db = services["db"]["environment"]
    for name in ("api", "worker"):
        url = urlsplit(services[name]["environment"]["BERKAS_DATABASE_URL"])
        assert (url.hostname, url.port or 5432) == ("db", 5432)
        assert (url.username, url.password, url.path.lstrip("/")) == (
            db["POSTGRES_USER"],
            db["POSTGRES_PASSWORD"],
            db["POSTGRES_DB"],
        )
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
