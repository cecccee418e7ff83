"""Signed by default: ``store init`` makes the ledger key, followers sign each closed day,
and no rebuild — from the CLI or over HTTP — can rewrite what was signed."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli.app import app as cli
from api.http.app import create_app
from api.settings import Settings
from berkas_verify import note
from domain.case import recorded_at
from projections.ledger import keys
from projections.ledger.verify import verify
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for
from tests.ledger_support import assert_diverges, event_at, sealed, tamper


def test_store_init_creates_a_private_key_beside_the_sqlite_file_and_keeps_it(tmp_path):
    env = {"BERKAS_DATABASE_URL": "", "BERKAS_SQLITE_PATH": str(tmp_path / "office.db")}
    first = CliRunner().invoke(cli, ["store", "init"], env=env, terminal_width=400)
    assert first.exit_code == 0, first.output
    path = tmp_path / "office.db.ledger-key"
    assert path.stat().st_mode & 0o777 == 0o600
    fingerprint = note.fingerprint(keys.load_public(path))
    assert f"ledger created key {path} (fingerprint {fingerprint})" in first.output
    again = CliRunner().invoke(cli, ["store", "init"], env=env, terminal_width=400)
    assert f"ledger uses key {path} (fingerprint {fingerprint})" in again.output


def test_followers_of_a_fresh_store_sign_every_day_as_it_closes(tmp_path):
    env = {"BERKAS_DATABASE_URL": "", "BERKAS_SQLITE_PATH": str(tmp_path / "office.db")}
    assert CliRunner().invoke(cli, ["store", "init"], env=env).exit_code == 0
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "office.db"))
    try:
        clock = builders.Clock()
        for day in (4, 5, 6, 7):
            with recorded_at(datetime(2024, 3, day, 2, tzinfo=UTC)):
                system.app.bulk_save([builders.passport(clock, until="ISSUED") for _ in range(2)])
        catch_up(system.store, system.projections())
        result = verify(system.store)
        assert result.ok and (result.checkpoints, result.signed) == (3, 3)
    finally:
        system.close()


def test_a_seal_rebuild_over_http_cannot_launder_a_flipped_byte(pg_ledger):
    sealed(pg_ledger)
    case_id, state = event_at(pg_ledger, 40)
    tamper(
        pg_ledger,
        "UPDATE berkas_events SET state = %s WHERE notification_id = 40",
        (state[:60] + bytes([state[60] ^ 1]) + state[61:],),
    )
    client = TestClient(create_app(pg_ledger))
    admin = auth(token_for(pg_ledger, "ADMIN", "MLG"))
    started = client.post("/reports/rebuild", json={"projection": "ledger_seal"}, headers=admin)
    assert started.status_code == 202
    for _ in range(200):
        job = client.get(started.headers["Location"], headers=admin).json()
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert (job["state"], job["error"]) == ("failed", "LedgerDiverged")
    assert_diverges(pg_ledger, "changed", 40, case_id)


def test_a_key_file_group_or_others_may_read_is_refused_with_what_to_run(tmp_path):
    """As ssh does: a ledger or personal-data key file of mode 0644 stops the CLI (and so
    ``berkas serve``) with one line naming the file and ``chmod 600``, no key material."""
    env = {
        "BERKAS_DATABASE_URL": "",
        "BERKAS_SQLITE_PATH": str(tmp_path / "office.db"),
        "BERKAS_PERSONAL_DATA_KEY_PATH": str(tmp_path / "office.db.personal-data.key"),
    }
    assert CliRunner().invoke(cli, ["store", "init"], env=env).exit_code == 0
    find = ["subjects", "find", "--name", "Nobody"]
    assert CliRunner().invoke(cli, find, env=env).exit_code == 0  # makes the personal-data key
    for name, command in [("office.db.ledger-key", ["ledger", "pubkey"]), ("office.db.personal-data.key", find)]:
        path = tmp_path / name
        secret = path.read_text()
        path.chmod(0o644)
        refused = CliRunner().invoke(cli, command, env=env, terminal_width=400)
        assert refused.exit_code != 0
        said = refused.output + str(refused.exception or "")  # the entry point prints the error's line
        assert f"{path} is readable by group or others (mode 0644): run chmod 600 {path}" in said
        assert "Traceback" not in said
        assert not any(line in said for line in secret.replace('"', "\n").splitlines() if len(line) > 20)
        path.chmod(0o600)
        assert CliRunner().invoke(cli, command, env=env).exit_code == 0
        path.chmod(0o400)  # the container's documented mode
        assert CliRunner().invoke(cli, command, env=env).exit_code == 0
        path.chmod(0o600)
