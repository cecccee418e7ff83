"""Legal-review bundles: built by the server, verified offline by ``berkas_verify``."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import time
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
from berkas_verify import merkle, note
from domain.case import recorded_at
from projections.ledger import keys
from projections.ledger.bundle import LedgerNotReady, build_bundle
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
    return build_bundle(system.store, case.id, keys.load_private(system.settings.ledger_key_path))


def pinned(key_path: Path) -> berkas_verify.Trust:
    return berkas_verify.Trust(public_keys=[keys.load_public(key_path)])


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
    # The second day is still open: the tree checkpointed when the bundle was built.
    assert len(bundle["checkpoints"]) == 1 and bundle["checkpoints"][0].startswith(bundle["origin"] + "\n42\n")


def test_an_event_of_a_closed_day_is_proven_in_its_day_and_the_latest_extends_it(ledger_system, verifier_dir, key_path):
    cases = two_days_of_cases(ledger_system)
    data = bundle_of(ledger_system, cases[0])
    bundle = json.loads(data)
    sizes = [int(note.split("\n")[1]) for note in bundle["checkpoints"]]
    assert sizes == [21, 42]
    assert {e["checkpoint"] for e in bundle["events"]} == {0}
    assert bundle["consistency"][1] == [] and len(bundle["consistency"][0]) > 0
    assert berkas_verify.verify_bundle(data, pinned(key_path)).ok
    fingerprint = note.fingerprint(keys.load_public(key_path))
    path = verifier_dir / "bundle.json"
    path.write_bytes(data)
    assert offline(path, "--fingerprint", fingerprint, cwd=verifier_dir).returncode == 0


def test_without_a_published_key_the_verifier_says_loudly_it_trusted_the_bundles_own(ledger_system, verifier_dir):
    path = verifier_dir / "bundle.json"
    path.write_bytes(bundle_of(ledger_system, two_days_of_cases(ledger_system)[0]))
    result = offline(path, cwd=verifier_dir)
    assert result.returncode == 3
    assert "NOT VERIFIED AGAINST A PUBLISHED KEY" in result.stdout and "OK" not in result.stdout


def test_flipping_any_byte_of_a_bundle_makes_it_fail(ledger_system, key_path):
    data = bundle_of(ledger_system, two_days_of_cases(ledger_system)[0])
    trust = pinned(key_path)
    assert berkas_verify.verify_bundle(data, trust).ok
    survivors = []
    for position in range(0, len(data), 3):
        flipped = bytearray(data)
        flipped[position] ^= 1 << (position % 7)
        if berkas_verify.verify_bundle(bytes(flipped), trust).ok:
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


def test_a_bundle_re_signed_by_another_key_fails_against_the_published_one(ledger_system, key_path):
    bundle = json.loads(bundle_of(ledger_system, two_days_of_cases(ledger_system)[0]))
    impostor = Ed25519PrivateKey.generate()
    signed = [note.parse_note(text) for text in bundle["checkpoints"]]
    bundle["checkpoints"] = [str(note.Note(n.text, (note.sign(n.text, bundle["origin"], impostor),))) for n in signed]
    bundle["public_keys"] = [note.verifier_key(bundle["origin"], impostor.public_key())]
    forged = berkas_verify.canonical_dumps(bundle)
    assert not berkas_verify.verify_bundle(forged).problems
    report = berkas_verify.verify_bundle(forged, pinned(key_path))
    assert "carries no signature by a trusted key" in report.problems[0]


def test_a_bundle_from_an_unpublished_key_fails_against_the_published_one(ledger_system, verifier_dir):
    path = verifier_dir / "bundle.json"
    path.write_bytes(bundle_of(ledger_system, two_days_of_cases(ledger_system)[0]))
    published = verifier_dir / "published.pub"
    published.write_text(keys.public_pem(Ed25519PrivateKey.generate().public_key()))
    result = offline(path, "--public-key", str(published), cwd=verifier_dir)
    assert result.returncode == 1
    assert "FAIL checkpoint 0: tree size 21 carries no signature by a trusted key" in result.stdout


def test_events_not_yet_under_a_signed_checkpoint_give_no_bundle(ledger_system):
    case = two_days_of_cases(ledger_system)[1]
    with pytest.raises(LedgerNotReady, match="berkas ledger checkpoint"):
        build_bundle(ledger_system.store, case.id)


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
    assert checked.exit_code == 0, checked.output
    assert "verified 42 events up to notification id 42" in checked.output
    exported = runner.invoke(cli, ["ledger", "pubkey"], env=env)
    assert exported.output.startswith("-----BEGIN PUBLIC KEY-----")


def test_auditors_get_a_bundle_the_latest_checkpoint_and_a_verification_over_http(ledger_system):
    case = two_days_of_cases(ledger_system)[0]
    client = TestClient(create_app(ledger_system))
    auditor = auth(token_for(ledger_system, "AUDITOR", "SBY"))
    bundle = client.get(f"/cases/{case.id}/bundle", headers=auditor)
    assert bundle.status_code == 200
    assert berkas_verify.verify_bundle(bundle.content).ok
    latest = client.get("/ledger/checkpoints/latest", headers=auditor).json()
    assert latest["latest"]["size"] == 43 and latest["latest"]["note"].startswith(latest["origin"])
    older = client.get("/ledger/checkpoints/latest", params={"size": 21}, headers=auditor).json()
    merkle.verify_consistency(
        21,
        43,
        base64.b64decode(older["older"]["root"]),
        base64.b64decode(older["latest"]["root"]),
        [base64.b64decode(h) for h in older["consistency"]],
    )
    assert client.get("/ledger/checkpoints/latest", params={"size": 5}, headers=auditor).status_code == 404
    assert client.get("/ledger/verification", headers=auditor).status_code == 404
    started = client.post("/ledger/verification", headers=auditor)
    assert started.status_code == 202
    for _ in range(200):
        job = client.get(started.headers["Location"], headers=auditor).json()
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert job["state"] == "succeeded", job
    verification = client.get("/ledger/verification", headers=auditor).json()
    # The auditor's own account is an event too: 42 case events and one user.
    assert verification["ok"] and verification["events"] == 43 and verification["divergence"] is None
    assert verification["verified_at"]
    officer = auth(token_for(ledger_system, "OFFICER", "MLG"))
    assert client.get(f"/cases/{case.id}/bundle", headers=officer).status_code == 403


def test_followers_built_by_the_composition_root_sign_each_completed_day(ledger_system):
    two_days_of_cases(ledger_system)
    catch_up(ledger_system.store, ledger_system.projections())
    result = verify(ledger_system.store, [ledger_system.ledger_key.public_key()])
    # The first day is closed (a later day's events are sealed) and signed at once;
    # the open day waits for `berkas ledger checkpoint`.
    assert result.ok and result.signatures_checked
    assert (result.checkpoints, result.signed) == (1, 1)
