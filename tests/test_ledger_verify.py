"""``berkas ledger verify``: an untouched log verifies; every kind of tampering by someone
who bypasses the append-only triggers is caught, named by notification id, exit 1, on
both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from api.cli.app import app as cli_typer
from domain.case import recorded_at
from projections.ledger import keys
from projections.ledger.seal import SealProjection, checkpoint_now
from projections.ledger.verify import verify
from projections.runner import catch_up, rebuild
from tests import builders
from tests.ledger_support import (
    DAYS,
    all_rows,
    assert_diverges,
    cli_env,
    event_at,
    forge,
    run,
    sealed,
    tamper,
    verify_cli,
)


def test_an_untouched_log_verifies_every_event_against_signed_checkpoints(ledger):
    sealed(ledger)
    result = verify(ledger.store, [ledger.ledger_key.public_key()])
    assert result.ok, result.describe()
    assert (result.events, result.tree_size, result.last_notification_id) == (84, 84, 84)
    # Two closed days and the tree as it stood when checkpointed on demand.
    assert (result.checkpoints, result.signed) == (3, 3)
    checked = verify_cli(ledger)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("verified 84 events up to notification id 84 (3 checkpoints, 3 signed")


def test_one_flipped_byte_is_named_with_its_case(ledger):
    sealed(ledger)
    case_id, state = event_at(ledger, 40)
    forged = state[:60] + bytes([state[60] ^ 1]) + state[61:]
    tamper(ledger, "UPDATE berkas_events SET state = %s WHERE notification_id = 40", (forged,))
    assert_diverges(ledger, "changed", 40, case_id)


@pytest.mark.parametrize(
    "change",
    ["state = NULL", "topic = NULL", "state = 5", "state = CAST(state AS TEXT)", "state = json(state)"],
)
def test_a_value_of_another_type_is_named_not_a_traceback_sqlite(sqlite_ledger, change):
    sealed(sqlite_ledger)
    case_id, _ = event_at(sqlite_ledger, 30)
    tamper(sqlite_ledger, f"UPDATE berkas_events SET {change} WHERE rowid = 30")
    assert_diverges(sqlite_ledger, "type", 30, case_id)


@pytest.mark.parametrize(
    ("change", "nid"),
    [
        ("UPDATE berkas_events SET state = NULL WHERE notification_id = 30", 30),
        ("UPDATE berkas_events SET topic = NULL WHERE notification_id = 30", 30),
        ("ALTER TABLE berkas_events ALTER COLUMN state TYPE text USING encode(state, 'escape')", 1),
        ("ALTER TABLE berkas_events ALTER COLUMN state TYPE jsonb USING convert_from(state, 'UTF8')::jsonb", 1),
        ("ALTER TABLE berkas_events ALTER COLUMN state TYPE integer USING length(state)", 1),
    ],
)
def test_a_value_of_another_type_is_named_not_a_traceback_postgres(pg_ledger, change, nid):
    sealed(pg_ledger)
    case_id, _ = event_at(pg_ledger, nid)
    tamper(pg_ledger, change)
    assert_diverges(pg_ledger, "type", nid, case_id)


def test_a_deleted_event_is_missing_at_its_notification_id(ledger):
    sealed(ledger)
    case_id, _ = event_at(ledger, 33)
    tamper(ledger, "DELETE FROM berkas_events WHERE notification_id = 33")
    assert_diverges(ledger, "missing", 33, case_id)


def test_two_swapped_events_are_reordered_at_the_first(ledger):
    sealed(ledger)
    moved_case, _ = event_at(ledger, 50)
    tamper(
        ledger,
        "UPDATE berkas_events SET notification_id = 1000 WHERE notification_id = 45;"
        "UPDATE berkas_events SET notification_id = 45 WHERE notification_id = 50;"
        "UPDATE berkas_events SET notification_id = 50 WHERE notification_id = 1000",
    )
    result = verify_cli(ledger)
    assert result.exit_code == 1
    assert "reordered at notification id 45" in result.output
    assert f"case {moved_case}, sealed at notification id 50" in result.output


def test_a_row_forged_at_id_minus_one_is_named(ledger):
    sealed(ledger)
    case_id = forge(ledger, -1, 20)
    assert_diverges(ledger, "id", -1, case_id)


def test_a_row_forged_far_ahead_is_named_and_honest_events_after_it_are_not_blamed(ledger):
    sealed(ledger)
    far = 84 + 10**7
    case_id = forge(ledger, far, 20)
    # Honest work goes on after the forgery.
    with recorded_at(datetime(2024, 3, 6, 5, tzinfo=UTC)):
        ledger.app.save(builders.passport(builders.Clock()))
    catch_up(ledger.store, [SealProjection(ledger.ledger_key)])
    # PostgreSQL's sequence never issued that id; SQLite numbers rows without gaps.
    assert_diverges(ledger, "gap" if ledger.store.dialect.gapless else "ahead", far, case_id)


def test_a_row_forged_into_a_gap_of_the_sealed_range_is_inserted(pg_ledger):
    clock = builders.Clock()
    for n, moment in enumerate(DAYS):
        if n == 1:
            # A rolled-back insert leaves a hole in the notification ids, as in production.
            tamper(pg_ledger, "SELECT nextval(pg_get_serial_sequence('berkas_events', 'notification_id'))")
        with recorded_at(moment):
            pg_ledger.app.bulk_save([builders.passport(clock, until="HANDED_OVER") for _ in range(4)])
    checkpoint_now(pg_ledger.store, pg_ledger.ledger_key)
    assert event_at(pg_ledger, 29) is None
    case_id = forge(pg_ledger, 29, 30)
    assert_diverges(pg_ledger, "inserted", 29, case_id)


@pytest.mark.parametrize("with_key", [True, False])
def test_a_seal_rebuild_compares_and_never_launders_a_flipped_byte(ledger, with_key):
    sealed(ledger)
    case_id, state = event_at(ledger, 40)
    tamper(
        ledger,
        "UPDATE berkas_events SET state = %s WHERE notification_id = 40",
        (state[:60] + bytes([state[60] ^ 1]) + state[61:],),
    )
    env = cli_env(ledger) | ({} if with_key else {"BERKAS_LEDGER_KEY_PATH": str(ledger.store.sqlite_path) + ".nokey"})
    if not with_key:
        Path(env["BERKAS_LEDGER_KEY_PATH"]).unlink(missing_ok=True)
        env.pop("BERKAS_LEDGER_KEY_PATH")
        env["BERKAS_SQLITE_PATH"] = str(ledger.store.sqlite_path)
    rebuilt = CliRunner().invoke(cli_typer, ["projections", "rebuild", "ledger_seal"], env=env)
    assert rebuilt.exit_code != 0
    assert "changed at notification id 40" in str(rebuilt.exception or rebuilt.output)
    assert_diverges(ledger, "changed", 40, case_id)


def test_events_and_ledger_rewritten_together_are_caught_by_the_signed_checkpoint(ledger):
    sealed(ledger)
    _, state = event_at(ledger, 40)
    tamper(
        ledger,
        "UPDATE berkas_events SET state = %s WHERE notification_id = 40",
        (state[:60] + bytes([state[60] ^ 1]) + state[61:],),
    )
    # The forger replaces every ledger table but the checkpoints and signatures.
    for table in ("ledger_leaves", "ledger_nodes"):
        tamper(ledger, f"DELETE FROM {table} WHERE 1 = 1")
    catch_up(ledger.store, [SealProjection()])
    result = verify_cli(ledger)
    assert result.exit_code == 1
    assert "checkpoint at notification id 56" in result.output, result.output


def test_a_rewritten_history_resealed_with_a_new_key_is_caught_against_an_exported_checkpoint(ledger, tmp_path):
    sealed(ledger)
    exported = tmp_path / "kept-by-the-directorate.note"
    assert run(ledger, "ledger", "latest", "-o", str(exported)).exit_code == 0
    assert verify_cli(ledger, "--against", str(exported)).exit_code == 0
    # Everything truncated, a forged history inserted in its place and sealed under a new key.
    history = all_rows(ledger)
    nid, case, version, topic, state = history[39]
    history[39] = (nid, case, version, topic, state[:60] + bytes([state[60] ^ 1]) + state[61:])
    for table in ("berkas_events", "ledger_signatures", "ledger_checkpoints", "ledger_keys", "ledger_leaves"):
        tamper(ledger, f"DELETE FROM {table} WHERE 1 = 1")
    tamper(ledger, "DELETE FROM ledger_nodes WHERE 1 = 1")
    for row in history:
        tamper(
            ledger,
            "INSERT INTO berkas_events (notification_id, originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s, %s)",
            row,
        )
    forger = Ed25519PrivateKey.generate()
    rebuild(ledger.store, [SealProjection(forger)])
    checkpoint_now(ledger.store, forger)
    resealed = verify(ledger.store, [forger.public_key()], pinned=True)
    assert resealed.ok and resealed.signed == resealed.checkpoints == 3
    caught = verify_cli(ledger, "--against", str(exported))
    assert caught.exit_code == 1
    assert "history was rewritten: first divergent tree size 84" in caught.output


def test_rotation_keeps_old_checkpoints_valid(ledger, tmp_path):
    sealed(ledger)
    old = ledger.ledger_key.public_key()
    rotated = run(ledger, "ledger", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    new = keys.load_private(ledger.settings.ledger_key_path).public_key()
    assert new != old
    with recorded_at(datetime(2024, 3, 7, 2, tzinfo=UTC)):
        ledger.app.save(builders.passport(builders.Clock()))
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
    checked = verify_cli(ledger)
    assert checked.exit_code == 0, checked.output
    listed = run(ledger, "ledger", "pubkey", "--all")
    assert listed.output.count("fingerprint") == 2 and "(current)" in listed.output
    # Each key alone vouches for its own checkpoints only.
    both = tmp_path / "old.pub"
    both.write_text(keys.public_pem(old))
    assert verify(ledger.store, [old, new], pinned=True).signed == verify(ledger.store, [new]).signed


def test_a_witness_cosigns_and_the_note_still_verifies(ledger, tmp_path):
    sealed(ledger)
    kept = tmp_path / "latest.note"
    run(ledger, "ledger", "latest", "-o", str(kept))
    witness = tmp_path / "witness.key"
    keys.generate(witness)
    signed = run(ledger, "ledger", "cosign", str(kept), "--key", str(witness), "--name", "ditjenim.example/witness")
    assert signed.exit_code == 0, signed.output
    assert kept.read_text().count("\u2014 ") == 2
    assert verify_cli(ledger, "--against", str(kept)).exit_code == 0


def test_verify_json_reports_the_divergence(ledger):
    sealed(ledger)
    tamper(ledger, "DELETE FROM berkas_events WHERE notification_id = 60")
    result = verify_cli(ledger, "--json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert (found["ok"], found["divergence"]["kind"], found["divergence"]["notification_id"]) == (False, "missing", 60)


def test_a_checkpoint_signed_by_another_key_fails_when_only_the_published_key_is_trusted(ledger):
    sealed(ledger)
    result = verify(ledger.store, [Ed25519PrivateKey.generate().public_key()], pinned=True)
    assert result.ok and result.signed == 0
