"""`berkas subjects find` takes a NIK, a passport number or a name from a hidden prompt or
from stdin (`--nik -`): on the command line they are visible to every user of the machine
(`ps`, /proc) and kept in shell history. Given there, they still work, with a warning on
stderr that never repeats the value. Real processes over an SQLite file and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from api.bootstrap import System
from tests.test_privacy_api import someone
from tests.test_privacy_erasure import closed_history

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(system: System) -> dict[str, str]:
    return os.environ | {
        "BERKAS_DATABASE_URL": system.settings.database_url or "",
        "BERKAS_SQLITE_PATH": str(system.settings.sqlite_path),
    }


def berkas(env: dict[str, str], *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from api.cli import main; main()", *arguments]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_find_reads_personal_data_from_stdin_and_warns_when_given_as_arguments(system, env):
    person = someone()
    passport_id, _ = closed_history(system, person)
    subject = system.app.get_case(passport_id).applicant.subject_id

    piped = berkas(env, "subjects", "find", "--nik", "-", stdin=f"{person.nik}\n")
    assert piped.returncode == 0 and f"subject {subject}" in piped.stdout, piped.stderr
    assert piped.stderr == ""
    both = berkas(env, "subjects", "find", "--nik", "-", "--name", "-", stdin=f"{person.nik}\n{person.name}\n")
    assert both.returncode == 0 and f"subject {subject}" in both.stdout, both.stderr
    nothing = berkas(env, "subjects", "find", "--name", "-", stdin="")
    assert nothing.returncode == 2 and "name" in nothing.stderr and "Traceback" not in nothing.stderr

    given = berkas(env, "subjects", "find", "--nik", person.nik)
    assert given.returncode == 0 and f"subject {subject}" in given.stdout
    assert "--nik" in given.stderr and "visible to other users" in given.stderr
    named = berkas(env, "subjects", "find", "--name", person.name)
    assert "--name" in named.stderr and f"subject {subject}" in named.stdout
    for run in (piped, both, given, named):
        assert person.nik not in run.stderr and person.name not in run.stderr and person.nik not in run.stdout


def _controlling_terminal() -> None:
    """In the child: the pseudo-terminal on its stdin becomes its terminal (/dev/tty), as in a shell."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_on_a_terminal_find_asks_without_echoing(system, env):
    person = someone()
    passport_id, _ = closed_history(system, person)
    subject = system.app.get_case(passport_id).applicant.subject_id
    master, slave = pty.openpty()
    command = [sys.executable, "-c", "from api.cli import main; main()", "subjects", "find", "--nik", "-"]
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, preexec_fn=_controlling_terminal
    )
    os.close(slave)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while marker not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    return

    try:
        read_until(b"NIK: ")  # the space comes from getpass, once echo is off
        os.write(master, f"{person.nik}\n".encode())
        read_until(b"subject ")
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError(seen) from None
        assert process.returncode == 0, seen
        read_until(b"\0")  # the rest, until the terminal closes
    finally:
        process.kill() if process.poll() is None else None
        os.close(master)
    text = seen.decode(errors="replace")
    assert f"subject {subject}" in text, text
    assert person.nik not in text, "the NIK was echoed on the terminal"
