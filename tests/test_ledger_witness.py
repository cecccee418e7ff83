"""The signer's witness (ops review §2, §3): a database insider without the app server's
key file rewrites history; the installation must refuse to sign it, and verify must fail.
A swapped key file is refused, not adopted; rotate-key and an ordinary day still work."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import System, witnessed
from api.cli.app import app as cli_typer
from api.http.app import create_app
from berkas_verify import note
from domain.case import recorded_at
from projections.ledger import facts, keys, witness
from projections.ledger.seal import SealProjection
from projections.runner import catch_up
from tests import builders
from tests.ledger_support import (
    DAYS,
    cli_env,
    event_at,
    ledger,
    pg_ledger,
    record_three_days,
    run,
    sqlite_ledger,
    tamper,
    verify_cli,
)

__all__ = ["ledger", "pg_ledger", "sqlite_ledger"]

REFUSED = "the database's ledger no longer holds checkpoint {} signed by this installation"


def witness_path(system: System) -> Path:
    return system.ledger_witness_path


def signed_day(system: System) -> int:
    """Three days recorded, checkpointed and signed through the CLI; the witnessed size."""
    record_three_days(system)
    result = run(system, "ledger", "checkpoint")
    assert result.exit_code == 0, result.output
    found = witness.read(witness_path(system))
    assert found is not None and found.size == 84
    return found.size


def verify_elsewhere(system: System, pem: Path):
    """``ledger verify --public-key`` where the ledger key (and so its witness) is not."""
    env: dict[str, str | None] = {**cli_env(system), "BERKAS_LEDGER_KEY_PATH": None}
    args = ["ledger", "verify", "--public-key", str(pem)]
    return CliRunner().invoke(cli_typer, args, env=env, terminal_width=400)


def another_day(system: System, day: int) -> None:
    """One passport case (seven events) recorded on 2024-03-``day``."""
    with recorded_at(DAYS[-1].replace(day=day)):
        system.app.bulk_save([builders.passport(builders.Clock(), until="HANDED_OVER")])


def signatures(system: System) -> int:
    with system.store.connect() as conn:
        return sum(len(c.signatures) for c in facts.checkpoints(conn))


def review_attack(system: System) -> None:
    """ops.md §2 as written: past the triggers, every ledger table and the seal's tracking
    row deleted, and one event edited (another case's state of the same kind)."""
    _, other = event_at(system, 27)
    for table in ("ledger_leaves", "ledger_nodes", "ledger_checkpoints", "ledger_signatures"):
        tamper(system, f"DELETE FROM {table} WHERE 1 = 1")
    tamper(system, "DELETE FROM projection_tracking WHERE name = 'ledger_seal'")
    tamper(system, "UPDATE berkas_events SET state = %s WHERE notification_id = 20", (other,))


def test_the_reviews_rewrite_is_refused_nothing_is_signed_and_verify_fails(ledger: System, caplog) -> None:
    size = signed_day(ledger)
    review_attack(ledger)
    refused = run(ledger, "ledger", "checkpoint")
    assert refused.exit_code == 1
    assert (
        refused.output.strip()
        == "berkas: " + REFUSED.format(size) + ": history may have been rewritten; nothing signed"
    )
    assert signatures(ledger) == 0
    # The follower's way (a day closing) signs nothing either.
    another_day(ledger, 7)
    with caplog.at_level(logging.ERROR, logger="berkas.ledger"):
        catch_up(ledger.store, [SealProjection(ledger.ledger_key)])
    assert signatures(ledger) == 0
    assert [r.getMessage() for r in caplog.records] == ["ledger seal: not signing: " + refused.output.strip()[8:]]
    checked = verify_cli(ledger)
    assert checked.exit_code == 1 and REFUSED.format(size) in checked.output
    # Elsewhere, with only the published key, the deleted signatures are still a failure.
    pem = witness_path(ledger).with_name("pub.pem")
    pem.write_text(keys.public_pem(ledger.ledger_key.public_key()))
    assert verify_elsewhere(ledger, pem).exit_code == 1


def test_readiness_reports_a_signer_that_refuses(ledger: System) -> None:
    size = signed_day(ledger)
    with TestClient(create_app(ledger)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        review_attack(ledger)
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "not_signing" and REFUSED.format(size) in answer.json()["reason"]


def test_deleted_checkpoints_signatures_or_keys_fail_verify(ledger: System) -> None:
    signed_day(ledger)
    pem = witness_path(ledger).with_name("pub.pem")
    pem.write_text(keys.public_pem(ledger.ledger_key.public_key()))
    assert verify_cli(ledger).exit_code == 0
    assert verify_elsewhere(ledger, pem).exit_code == 0
    tamper(ledger, "DELETE FROM ledger_signatures WHERE size = (SELECT MIN(size) FROM ledger_checkpoints)")
    gap = verify_elsewhere(ledger, pem)
    assert gap.exit_code == 1 and "unsigned while later ones are" in gap.output
    tamper(ledger, "DELETE FROM ledger_signatures WHERE 1 = 1")
    none = verify_elsewhere(ledger, pem)
    assert none.exit_code == 1 and "signed no checkpoint since" in none.output
    tamper(ledger, "DELETE FROM ledger_checkpoints WHERE 1 = 1")
    assert verify_elsewhere(ledger, pem).exit_code == 1
    tamper(ledger, "DELETE FROM ledger_keys WHERE 1 = 1")
    # Nothing of the ledger's signing is left in the database: only the witness knows.
    assert verify_cli(ledger).exit_code == 1


def test_deleting_only_the_keys_fails_verify_and_signing(ledger: System) -> None:
    size = signed_day(ledger)
    tamper(ledger, "DELETE FROM ledger_keys WHERE 1 = 1")
    pem = witness_path(ledger).with_name("pub.pem")
    pem.write_text(keys.public_pem(ledger.ledger_key.public_key()))
    found = verify_elsewhere(ledger, pem)
    assert found.exit_code == 1 and "a key the log never registered" in found.output
    refused = run(ledger, "ledger", "checkpoint")
    assert refused.exit_code == 1 and REFUSED.format(size) in refused.output


def test_a_swapped_key_file_is_refused_not_adopted(ledger: System, caplog) -> None:
    signed_day(ledger)
    path = ledger.settings.ledger_key_path
    path.unlink()
    foreign = keys.generate(path)
    another_day(ledger, 7)
    another_day(ledger, 8)
    # A follower holding the foreign key seals the new day but signs nothing, registers nothing.
    with caplog.at_level(logging.ERROR, logger="berkas.ledger"):
        catch_up(ledger.store, [SealProjection(keys.load_private(path))])
    assert any("not the ledger's current key" in r.getMessage() for r in caplog.records)
    with ledger.store.connect() as conn:
        assert len(facts.registered_keys(conn)) == 1
        assert [c.size for c in facts.checkpoints(conn) if not c.signatures] == [91]
    refused = run(ledger, "ledger", "checkpoint")
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"berkas: the key file is not the ledger's current key (fingerprint {note.fingerprint(foreign.public_key())}): "
        "restore it, or run `berkas ledger rotate-key`"
    )
    with ledger.store.connect() as conn:
        assert len(facts.registered_keys(conn)) == 1
    assert signatures(ledger) == 3


def test_rotate_key_still_works_and_the_witness_follows(ledger: System) -> None:
    signed_day(ledger)
    old = witness.read(witness_path(ledger))
    rotated = run(ledger, "ledger", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    new = keys.load_private(ledger.settings.ledger_key_path)
    followed = witness.read(witness_path(ledger))
    assert followed.fingerprint == note.fingerprint(new.public_key()) != old.fingerprint
    assert followed.size >= old.size
    assert verify_cli(ledger).exit_code == 0
    # The retired key, still loaded by a process started before the rotation, no longer signs.
    another_day(ledger, 7)
    another_day(ledger, 8)
    (retired,) = ledger.settings.ledger_key_path.parent.glob("*.retired-*")
    catch_up(ledger.store, [SealProjection(witnessed(ledger.settings, keys.load_private(retired)))])
    with ledger.store.connect() as conn:
        assert [c.size for c in facts.checkpoints(conn) if not c.signatures] == [91]
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
    assert witness.read(witness_path(ledger)).size == followed.size + 14
    assert verify_cli(ledger).exit_code == 0


def test_a_normal_day_checkpoints_twice_and_the_witness_moves(ledger: System) -> None:
    size = signed_day(ledger)
    assert witness_path(ledger).stat().st_mode & 0o777 == 0o600
    another_day(ledger, 7)
    catch_up(ledger.store, [SealProjection(ledger.ledger_key)])
    second = run(ledger, "ledger", "checkpoint")
    assert second.exit_code == 0, second.output
    assert witness.read(witness_path(ledger)).size == size + 7
    checked = verify_cli(ledger)
    assert checked.exit_code == 0 and f"holds checkpoint {size + 7} signed by this installation" in checked.output


def test_a_witness_behind_the_database_recovers(ledger: System) -> None:
    """Killed after the commit, before the witness was written: what the database holds
    extends the older witness, so signing goes on and the witness catches up."""
    size = signed_day(ledger)
    behind = witness_path(ledger).read_text()
    another_day(ledger, 7)
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
    witness_path(ledger).write_text(behind)
    another_day(ledger, 8)
    assert verify_cli(ledger).exit_code == 0
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
    assert witness.read(witness_path(ledger)).size == size + 14


def test_a_restore_that_goes_back_is_accepted_only_when_asked(ledger: System) -> None:
    signed_day(ledger)
    kept = witness_path(ledger).read_text()
    another_day(ledger, 7)
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
    ahead = witness.read(witness_path(ledger))
    # As if the database were restored from the backup taken before that checkpoint.
    tamper(ledger, "DELETE FROM ledger_signatures WHERE size = %s", (ahead.size,))
    tamper(ledger, "DELETE FROM ledger_checkpoints WHERE size = %s", (ahead.size,))
    assert run(ledger, "ledger", "checkpoint").exit_code == 1
    accepted = run(ledger, "ledger", "checkpoint", "--accept-witness-reset")
    assert accepted.exit_code == 0, accepted.output
    assert witness.read(witness_path(ledger)).size == ahead.size
    assert witness_path(ledger).read_text() != kept
    assert run(ledger, "ledger", "checkpoint").exit_code == 0
