"""Legal-review bundles: built by the server, verified offline by ``berkas_verify``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import berkas_verify
from api.bootstrap import System, bootstrap
from api.cli.app import app as cli
from api.http.app import create_app
from api.settings import Settings
from domain.case import recorded_at
from projections.ledger import keys
from projections.ledger.bundle import LedgerNotReady, build_bundle
from projections.ledger.seal import SealProjection
from projections.ledger.verify import verify
from projections.runner import catch_up
from tests import builders
from tests.api_support import auth, token_for

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def key_path(tmp_path) -> Path:
    path = tmp_path / "ledger.key"
    keys.generate(path)
    return path


@pytest.fixture
def ledger_system(tmp_path, key_path) -> Iterator[System]:
    system = bootstrap(Settings(database_url=None, sqlite_path=tmp_path / "berkas.db", ledger_key_path=key_path))
    yield system
    system.close()


def two_days_of_cases(system: System) -> list:
    clock = builders.Clock()
    cases = []
    for day in (4, 5):
        with recorded_at(datetime(2024, 3, day, 2, tzinfo=UTC)):
            batch = [builders.passport(clock, until="HANDED_OVER") for _ in range(3)]
            system.app.bulk_save(batch)
        cases += batch
    return cases


def bundle_of(system: System, case) -> bytes:
    key = keys.load_private(system.settings.ledger_key_path)
    return build_bundle(system.store, case.id, key.public_key(), key)


def offline(bundle: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "berkas_verify", "verify-bundle", str(bundle), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def verifier_dir(tmp_path) -> Path:
    """The verifier alone, away from the repository: proves it needs nothing of Berkas."""
    where = tmp_path / "reviewer"
    shutil.copytree(REPO / "berkas_verify", where / "berkas_verify")
    return where


def test_a_bundle_verifies_offline_with_its_events_as_stored_and_decoded(ledger_system, verifier_dir, key_path):
    cases = two_days_of_cases(ledger_system)
    path = verifier_dir / "bundle.json"
    path.write_bytes(bundle_of(ledger_system, cases[4]))
    public = verifier_dir / "ledger.pub"
    public.write_text(keys.public_pem(keys.load_public(key_path)))
    result = offline(path, "--public-key", str(public), cwd=verifier_dir)
    assert result.returncode == 0, result.stdout
    assert f"OK: 7 events of case {cases[4].id}" in result.stdout
    bundle = json.loads(path.read_bytes())
    assert [e["version"] for e in bundle["events"]] == list(range(1, 8))
    assert bundle["events"][0]["decoded"]["provenance"][2] == "MLG"
    # The second day is still open: a partial checkpoint, signed when the bundle was built.
    assert [c["complete"] for c in bundle["checkpoints"]] == [False]


def test_flipping_any_byte_of_a_bundle_makes_it_fail(ledger_system):
    data = bundle_of(ledger_system, two_days_of_cases(ledger_system)[0])
    assert berkas_verify.verify_bundle(data).ok
    survivors = []
    for position in range(0, len(data), 3):
        flipped = bytearray(data)
        flipped[position] ^= 1 << (position % 7)
        if berkas_verify.verify_bundle(bytes(flipped)).ok:
            survivors.append(position)
    assert survivors == []


def test_a_changed_stored_byte_is_named_by_event_and_notification_id(ledger_system, verifier_dir):
    data = bundle_of(ledger_system, two_days_of_cases(ledger_system)[1])
    bundle = json.loads(data)
    event = bundle["events"][2]
    state = bytearray(__import__("base64").b64decode(event["state"]))
    state[30] ^= 1
    event["state"] = __import__("base64").b64encode(bytes(state)).decode()
    event["decoded"] = berkas_verify.decoded_view(bytes(state))
    path = verifier_dir / "bundle.json"
    path.write_bytes(berkas_verify.canonical_dumps(bundle))
    result = offline(path, cwd=verifier_dir)
    assert result.returncode == 1
    assert f"FAIL event 2 (notification id {event['notification_id']}): version 3: stored bytes" in result.stdout


def test_an_edited_decoded_view_is_caught_even_though_no_hash_covers_it(ledger_system):
    bundle = json.loads(bundle_of(ledger_system, two_days_of_cases(ledger_system)[0]))
    bundle["events"][0]["decoded"]["purpose"] = "work"
    report = berkas_verify.verify_bundle(berkas_verify.canonical_dumps(bundle))
    assert report.problems == [
        f"event 0 (notification id {bundle['events'][0]['notification_id']}): decoded: does not match the stored bytes"
    ]


def test_checkpoints_signed_by_another_key_fail(ledger_system, verifier_dir):
    case = two_days_of_cases(ledger_system)[0]
    catch_up(ledger_system.store, [SealProjection(keys.load_private(ledger_system.settings.ledger_key_path))])
    impostor = Ed25519PrivateKey.generate().public_key()
    path = verifier_dir / "bundle.json"
    path.write_bytes(build_bundle(ledger_system.store, case.id, impostor))
    result = offline(path, cwd=verifier_dir)
    assert result.returncode == 1
    assert f"FAIL checkpoint 0: signature of day 2024-03-04 does not verify with key {keys.key_id(impostor)}" in (
        result.stdout
    )


def test_a_bundle_from_an_unpublished_key_fails_against_the_published_one(ledger_system, verifier_dir):
    path = verifier_dir / "bundle.json"
    path.write_bytes(bundle_of(ledger_system, two_days_of_cases(ledger_system)[0]))
    published = verifier_dir / "published.pub"
    published.write_text(keys.public_pem(Ed25519PrivateKey.generate().public_key()))
    result = offline(path, "--public-key", str(published), cwd=verifier_dir)
    assert result.returncode == 1
    assert "is not the published key you gave" in result.stdout


def test_events_not_yet_under_a_signed_checkpoint_give_no_bundle(ledger_system):
    case = two_days_of_cases(ledger_system)[0]
    with pytest.raises(LedgerNotReady, match="berkas ledger checkpoint"):
        build_bundle(ledger_system.store, case.id, Ed25519PrivateKey.generate().public_key())


def test_the_cli_writes_a_bundle_and_verifies_the_ledger(ledger_system, tmp_path):
    case = two_days_of_cases(ledger_system)[3]
    env = {
        "BERKAS_DATABASE_URL": "",
        "BERKAS_SQLITE_PATH": str(ledger_system.settings.sqlite_path),
        "BERKAS_LEDGER_KEY_PATH": str(ledger_system.settings.ledger_key_path),
    }
    runner = CliRunner()
    made = runner.invoke(cli, ["case", "bundle", str(case.id), "-o", str(tmp_path / "b.json")], env=env)
    assert made.exit_code == 0, made.output
    assert berkas_verify.verify_bundle((tmp_path / "b.json").read_bytes()).ok
    checked = runner.invoke(cli, ["ledger", "verify"], env=env)
    assert checked.exit_code == 0
    assert "verified 42 events up to notification id 42" in checked.output
    exported = runner.invoke(cli, ["ledger", "pubkey"], env=env)
    assert exported.output.startswith("-----BEGIN PUBLIC KEY-----")


def test_auditors_get_the_verification_and_a_bundle_over_http(ledger_system):
    case = two_days_of_cases(ledger_system)[0]
    client = TestClient(create_app(ledger_system))
    auditor = auth(token_for(ledger_system, "AUDITOR", "SBY"))
    bundle = client.get(f"/cases/{case.id}/bundle", headers=auditor)
    assert bundle.status_code == 200
    assert berkas_verify.verify_bundle(bundle.content).ok
    verification = client.get("/ledger/verification", headers=auditor).json()
    # The auditor's own account is an event too: 42 case events and one user.
    assert verification["ok"] and verification["events"] == 43 and verification["divergence"] is None
    assert client.get("/ledger/verification", params={"from": "2024-03-05"}, headers=auditor).json()["events"] == 22
    officer = auth(token_for(ledger_system, "OFFICER", "MLG"))
    assert client.get(f"/cases/{case.id}/bundle", headers=officer).status_code == 403


def test_followers_built_by_the_composition_root_sign_each_completed_day(ledger_system):
    two_days_of_cases(ledger_system)
    catch_up(ledger_system.store, ledger_system.projections())
    result = verify(ledger_system.store, ledger_system.ledger_key.public_key())
    # The first day is complete (a later day's events are sealed) and signed at once;
    # the open day waits for `berkas ledger checkpoint`.
    assert result.ok and result.signatures_checked
    assert result.checkpoints - result.unsigned >= 1
