"""`docker compose up` as an office's IT team runs it, read from the files (Docker is not
needed): the services, their roles, secrets, healthchecks and restart policies agree with
the code, and no password is written in the repository."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OWNER, APP_ROLE = "berkas", "berkas_app"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def environment(name: str) -> dict[str, str]:
    return services()[name]["environment"]


def url(service: str) -> SplitResult:
    """The service's database URL as compose would fill it in, each variable by its name."""
    raw = services()[service]["environment"]["BERKAS_DATABASE_URL"]
    return urlsplit(re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", r"\1", raw))


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_compose_runs_postgresql_a_one_off_init_the_api_and_the_projection_worker():
    found = services()
    assert set(found) == {"db", "init", "api", "worker"}
    assert found["db"]["image"].startswith("postgres:")
    assert found["api"]["command"][:2] == ["berkas", "serve"]
    assert found["worker"]["command"] == ["berkas", "projections", "run"]
    assert found["init"]["build"] == found["api"]["build"] == found["worker"]["build"] == "."


def test_init_sets_up_the_store_the_app_role_and_a_first_admin_once_as_the_owner():
    init = services()["init"]
    script = init["command"][-1]
    steps = [step.strip() for step in script.split("&&")]
    assert steps[0] == "berkas store init"
    assert steps[1] == f"berkas store create-app-role {APP_ROLE}"
    assert steps[2].startswith("berkas users add") and "--role admin" in steps[2] and "--first" in steps[2]
    assert (url("init").username, url("init").password) == (OWNER, "POSTGRES_PASSWORD")
    assert init["restart"] == "no"
    # Every step is a real command of this CLI.
    for command in (["store", "init"], ["store", "create-app-role"], ["users", "add"]):
        shown = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
        assert shown.exit_code == 0, command
    assert "--first" in CliRunner().invoke(cli, ["users", "add", "--help"], terminal_width=200).output


def test_the_api_and_the_worker_connect_as_the_restricted_role_after_init_succeeded():
    for name in ("api", "worker"):
        service = services()[name]
        found = url(name)
        assert (found.username, found.password) == (APP_ROLE, "BERKAS_APP_PASSWORD")
        assert (found.hostname, found.port, found.path) == ("db", 5432, "/berkas")
        assert service["environment"]["BERKAS_CREATE_TABLES"] == "false"
        assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert (url("init").hostname, url("init").path) == ("db", "/berkas")


def test_no_password_is_written_in_the_files_only_required_variables_from_env():
    found = services()
    db_password = found["db"]["environment"]["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", db_password)
    for name in ("init", "api", "worker"):
        raw = found[name]["environment"]["BERKAS_DATABASE_URL"]
        assert re.search(r":\$\{(POSTGRES_PASSWORD|BERKAS_APP_PASSWORD):\?[^}]+\}@db:", raw), name
    assert found["init"]["environment"]["BERKAS_APP_ROLE_PASSWORD"].startswith("${BERKAS_APP_PASSWORD:?")
    template = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    assert template["POSTGRES_PASSWORD"] == template["BERKAS_APP_PASSWORD"] == ""
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored and "secrets/" in ignored


def test_keys_are_mounted_secret_files_never_environment_values():
    declared = compose()["secrets"]
    settings = {"ledger_key": "BERKAS_LEDGER_KEY_PATH", "personal_data_key": "BERKAS_PERSONAL_DATA_KEY_PATH"}
    assert set(declared) == set(settings)
    for secret, setting in settings.items():
        assert declared[secret]["file"].startswith("./secrets/")
        for name in ("api", "worker", "init"):
            service = services()[name]
            assert secret in service["secrets"], name
            assert service["environment"][setting] == f"/run/secrets/{secret}", name
    for service in services().values():
        for key, value in service.get("environment", {}).items():
            assert "BEGIN" not in str(value) and not key.endswith("_KEY"), key


def test_each_service_has_a_healthcheck_that_fits_it_and_a_restart_policy():
    found = services()
    assert "pg_isready" in " ".join(found["db"]["healthcheck"]["test"])
    api_check = " ".join(found["api"]["healthcheck"]["test"])
    assert "/healthz" in api_check and f":{environment('api')['BERKAS_PORT']}/" in api_check
    worker_check = found["worker"]["healthcheck"]["test"]
    assert "http" not in " ".join(worker_check)
    assert worker_check[0] == "CMD" and worker_check[1] == "berkas"
    assert CliRunner().invoke(cli, [*worker_check[2:], "--help"]).exit_code == 0
    for name in ("db", "api", "worker"):
        assert found[name]["restart"] == "unless-stopped", name
    # The image itself declares none: it would be the API's HTTP check for every service.
    assert "HEALTHCHECK" not in dockerfile()


def test_postgresql_keeps_its_data_in_a_named_volume():
    volumes = services()["db"]["volumes"]
    name, _, target = volumes[0].partition(":")
    assert target == "/var/lib/postgresql/data" and name in compose()["volumes"]


def test_every_berkas_environment_variable_is_a_settings_field():
    fields = {f"BERKAS_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker"):
        env = {key: value for key, value in environment(name).items() if key.startswith("BERKAS_")}
        assert set(env) <= fields, name
        values = {key.removeprefix("BERKAS_").lower(): value for key, value in env.items()}
        values["database_url"] = "postgresql://berkas_app:pw@db:5432/berkas"
        Settings.model_validate(values)


def test_the_api_listens_on_the_port_it_publishes_to_the_host_loopback_only():
    api = services()["api"]
    port = environment("api")["BERKAS_PORT"]
    assert api["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert environment("api")["BERKAS_HOST"] == "0.0.0.0"  # noqa: S104 - inside its container
    assert f"EXPOSE {port}" in dockerfile()


def test_the_image_runs_as_a_non_root_user_and_installs_the_lock_with_hashes():
    text = dockerfile()
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in text
    assert "pip install --no-deps ." in text and "pip check" in text
    assert text.index("COPY requirements.lock") < text.index("COPY api")


@pytest.mark.parametrize("path", ["berkas.db", ".venv/bin/python", "tests/test_demo.py", ".git/HEAD", ".env"])
def test_the_build_context_leaves_out_local_files(path):
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert rules[0] == "*"
    allowed = [rule[1:].rstrip("/") for rule in rules if rule.startswith("!")]
    assert not any(path == rule or path.startswith(rule + "/") for rule in allowed)
    for needed in ("requirements.lock", "pyproject.toml", "api", "domain", "projections", "berkas_verify"):
        assert needed in allowed


def test_the_api_trusts_forwarded_headers_from_the_networks_gateway_only():
    """The host's proxy reaches the published port through Docker's bridge, from the network's
    gateway: that address (and no wider one) is the API's trusted proxy, so the session cookie
    is Secure behind TLS and the client's address reaches the log."""
    [network] = compose()["networks"]["default"]["ipam"]["config"]
    trusted = environment("api")["BERKAS_FORWARDED_ALLOW_IPS"]
    assert trusted == network["gateway"]
    assert ipaddress.ip_address(trusted) in ipaddress.ip_network(network["subnet"])
    assert Settings(forwarded_allow_ips=trusted).forwarded_allow_ips == trusted  # the setting takes it


def test_images_are_pinned_to_a_release_not_a_moving_major():
    assert re.fullmatch(r"postgres:\d+\.\d+(-\w+)?", services()["db"]["image"])
    [base] = re.findall(r"^FROM (\S+)", dockerfile(), re.MULTILINE)
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), base
