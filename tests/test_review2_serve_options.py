"""`berkas serve` refuses a port outside 1-65535, or fewer than one worker, in one line
naming the option, exit 2, before it listens: BERKAS_PORT was checked, `--port` was not, and
`--port 99999` listened on 34463 (99999 mod 65536) while its log said 99999. Found by the
review (round 2). A process of its own (the server would otherwise start and never return),
on an SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "from api.cli.app import main; main()"]


@pytest.mark.parametrize(("option", "value"), [("--port", "99999"), ("--port", "0"), ("--workers", "0")])
def test_serve_refuses_an_option_out_of_range_before_it_listens(system, option, value):
    env = os.environ | {
        "BERKAS_DATABASE_URL": system.settings.database_url or "",
        "BERKAS_SQLITE_PATH": str(system.settings.sqlite_path),
        "BERKAS_PERSONAL_DATA_KEY_PATH": str(system.settings.personal_data_key_file),
    }
    try:
        done = subprocess.run([*CLI, "serve", option, value], env=env, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"berkas serve {option} {value} started a server instead of refusing the option")
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and "Traceback" not in done.stderr, done.stderr
