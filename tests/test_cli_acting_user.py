"""``--as`` names a registered account, as a bearer token does over HTTP: the CLI's holds,
erasure approvals, erasures, exports and revenue targets are refused (exit 2, one line,
nothing recorded) for an id that is not a UUID, names no account, names a revoked one, or
one whose role or office may not act; accepted, the provenance names the account. Without
that, a shell on the server approved an erasure as a made-up supervisor and erased as a
made-up admin: the four-eyes rule defeated, the record naming nobody. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import System, bootstrap
from api.cli.app import run
from api.cli.common import console_admin
from domain.revenue_target import revenue_target_id
from domain.subject import case_hold_id
from domain.usecases import users
from domain.usecases.base import Actor
from tests.api_support import account_for
from tests.test_privacy_erasure import BASIS, REASON, closed_history, someone

TARGET_YEAR = 2031


@pytest.fixture(params=["sqlite", "postgres"])
def built(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """The store the CLI runs against (through the environment, as on a server), and a
    system of the test's own on it, to set the scene and read what was recorded."""
    for name in ("BERKAS_DATABASE_URL", "BERKAS_LEDGER_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "berkas.db"))
    monkeypatch.setenv("BERKAS_RETENTION_DAYS", "0")
    if request.param == "postgres":
        monkeypatch.setenv("BERKAS_DATABASE_URL", request.getfixturevalue("database_url"))
        monkeypatch.setenv("BERKAS_LEDGER_KEY_PATH", str(tmp_path / "ledger.key"))
    system = bootstrap()
    yield system
    system.close()


def actor_of(system: System, account: str) -> Actor:
    user = users.get_user(system.app, UUID(account))
    return Actor(str(user.id), user.role, user.office)


def revoked(system: System, role: str, office: str = "MLG") -> str:
    account = account_for(system, role, office)
    users.revoke(system.app, console_admin(office), UUID(account), "left the office")
    return account


class Scene:
    """A person's closed cases in Malang, and accounts of every role there, in Surabaya,
    and revoked."""

    def __init__(self, system: System, output: Path) -> None:
        self.system, self.output = system, output
        self.case, _ = closed_history(system, someone())
        self.subject: str = system.app.get_case(self.case).applicant.subject_id
        self.accounts: dict[str, str] = {}
        for role in ("OFFICER", "SUPERVISOR", "AUDITOR", "ADMIN"):
            self.accounts[role] = account_for(self.system, role)
            self.accounts[f"SBY {role}"] = account_for(self.system, role, "SBY")
            self.accounts[f"revoked {role}"] = revoked(self.system, role)

    def actor(self, role: str) -> Actor:
        return actor_of(self.system, self.accounts[role])

    def last_event(self, record: UUID):
        return self.system.app.history(record)[-1]


@dataclass(frozen=True)
class Command:
    """A command that acts for someone: its words without ``--as``, the role of an account
    that may run it (``other``: another such role, for ``--role``), the record whose last
    event says who acted, what must stand first for it to succeed."""

    words: Callable[[Scene], list[str]]
    role: str
    record: Callable[[Scene], UUID]
    prepare: Callable[[Scene], object] = lambda scene: None
    other: str | None = None
    elsewhere: str | None = "has no case in office SBY"  # the domain's refusal of another office's account


def _subject(scene: Scene) -> UUID:
    return UUID(scene.subject)


COMMANDS = {
    "hold": Command(
        lambda s: ["subjects", "hold", s.subject, "--reason", "AUDIT", "--legal-basis", BASIS],
        "SUPERVISOR",
        _subject,
        other="AUDITOR",
    ),
    "release": Command(
        lambda s: ["subjects", "release", s.subject, "--legal-basis", BASIS],
        "SUPERVISOR",
        _subject,
        lambda s: s.system.app.place_legal_hold(s.actor("AUDITOR"), _subject(s), "AUDIT", BASIS),
        other="AUDITOR",
    ),
    "hold-case": Command(
        lambda s: ["subjects", "hold-case", str(s.case), "--reason", "LITIGATION", "--legal-basis", BASIS],
        "SUPERVISOR",
        lambda s: case_hold_id(s.case),
        other="AUDITOR",
        elsewhere="belongs to another office",
    ),
    "release-case": Command(
        lambda s: ["subjects", "release-case", str(s.case), "--legal-basis", BASIS],
        "SUPERVISOR",
        lambda s: case_hold_id(s.case),
        lambda s: s.system.app.place_case_hold(s.actor("AUDITOR"), s.case, "AUDIT", BASIS),
        other="AUDITOR",
        elsewhere="belongs to another office",
    ),
    "approve-erasure": Command(
        lambda s: ["subjects", "approve-erasure", s.subject, "--reason", REASON, "--legal-basis", BASIS],
        "SUPERVISOR",
        _subject,
    ),
    "erase": Command(
        lambda s: ["subjects", "erase", s.subject, "--reason", REASON, "--legal-basis", BASIS],
        "ADMIN",
        _subject,
        lambda s: s.system.app.approve_erasure(s.actor("SUPERVISOR"), _subject(s), REASON, BASIS),
    ),
    "export": Command(
        lambda s: ["subjects", "export", s.subject, "-o", str(s.output)],
        "SUPERVISOR",
        _subject,
        other="ADMIN",
    ),
    "target set": Command(
        lambda s: ["target", "set", str(TARGET_YEAR), "1500000", "--legal-basis", "DIPA 2031"],
        "SUPERVISOR",
        lambda s: revenue_target_id("MLG", TARGET_YEAR),
        elsewhere=None,  # a supervisor sets their own office's target
    ),
}


def refusals(scene: Scene, command: Command) -> list[tuple[list[str], str]]:
    """(what follows the command's words, what the one line says) of each refusal."""
    accounts = scene.accounts
    refused = [
        ([], "Missing option '--as'"),
        (["--as", "cli-supervisor"], "--as: must be an account's id, a UUID"),
        (["--as", str(uuid.uuid4())], "--as: no account has this id"),
        (["--as", str(scene.case)], "--as: no account has this id"),  # in the log, but not an account
        (["--as", accounts[f"revoked {command.role}"]], "--as: this account is revoked"),
        (["--as", accounts["OFFICER"]], "this account is an officer's"),
        (["--as", accounts[f"SBY {command.role}"], "--office", "MLG"], "this account is of office SBY, not MLG"),
    ]
    if command.elsewhere is not None:
        refused.append((["--as", accounts[f"SBY {command.role}"]], command.elsewhere))
    if command.other is not None:
        refused.append((["--as", accounts[command.role], "--role", command.other], "(--role)"))
    return refused


def one_line(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> str:
    assert run(arguments) == 2, arguments
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berkas: "), captured.err
    assert captured.out == "" and "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_only_a_live_account_that_may_act_is_taken_and_recorded(built, capsys, tmp_path, name):
    command = COMMANDS[name]
    scene = Scene(built, tmp_path / "export.json")
    command.prepare(scene)
    record = command.record(scene)
    before = built.app.recorder.max_notification_id()
    for given, said in refusals(scene, command):
        line = one_line(capsys, [*command.words(scene), *given])
        assert said in line, (given, line)
        assert built.app.recorder.max_notification_id() == before, f"{given} recorded something"
        assert not scene.output.exists()

    account = scene.accounts[command.role]
    role_given = ["--role", command.role.lower()] if command.other else []
    assert run([*command.words(scene), "--as", account, "--office", " mlg", *role_given]) == 0
    capsys.readouterr()
    provenance = scene.last_event(record).provenance
    assert (provenance.actor_id, provenance.actor_role.value, provenance.office) == (account, command.role, "MLG")
    if name == "export":
        assert json.loads(scene.output.read_text())["exported_by"] == account


def test_an_erasure_takes_a_supervisor_s_approval_and_an_admin_s_erasure_two_accounts(built, capsys):
    """Four eyes: one account holds one role, so neither a supervisor nor an admin does both
    steps; the erasure records both accounts' ids."""
    scene = Scene(built, Path("unused"))
    approve = ["subjects", "approve-erasure", scene.subject, "--reason", REASON, "--legal-basis", BASIS]
    erase = ["subjects", "erase", scene.subject, "--reason", REASON, "--legal-basis", BASIS]
    supervisor, admin = scene.accounts["SUPERVISOR"], scene.accounts["ADMIN"]
    before = built.app.recorder.max_notification_id()
    assert "needs a supervisor's recorded approval" in one_line(capsys, [*erase, "--as", admin])
    assert "only a supervisor may approve an erasure" in one_line(capsys, [*approve, "--as", admin])
    assert built.app.recorder.max_notification_id() == before and built.app.get_subject(UUID(scene.subject)) is None

    assert run([*approve, "--as", supervisor]) == 0
    assert "approved" in capsys.readouterr().out
    approved = built.app.recorder.max_notification_id()
    assert "only an admin may erase a data subject" in one_line(capsys, [*erase, "--as", supervisor])
    assert "has no case in office SBY" in one_line(capsys, [*erase, "--as", scene.accounts["SBY ADMIN"]])
    assert (
        built.app.recorder.max_notification_id() == approved and not built.app.get_subject(UUID(scene.subject)).erased
    )

    assert run([*erase, "--as", admin]) == 0
    erased = scene.last_event(UUID(scene.subject))
    assert (erased.approved_by, erased.provenance.actor_id) == (supervisor, admin)
    assert built.app.get_subject(UUID(scene.subject)).erased


def test_an_account_id_spelled_otherwise_is_recorded_as_the_account_s_own(built, capsys):
    """``--as`` takes a UUID as Python reads one (upper case, no dashes); the record always
    holds the account's id as the API's tokens give it, so audits find one actor, not two."""
    supervisor = account_for(built, "SUPERVISOR", "JYP")
    assert run(["target", "set", "2032", "2500000", "--as", UUID(supervisor).hex.upper()]) == 0
    assert "target for JYP 2032" in capsys.readouterr().out
    provenance = built.app.history(revenue_target_id("JYP", 2032))[-1].provenance
    assert (provenance.actor_id, provenance.office) == (supervisor, "JYP")
