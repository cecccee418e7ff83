"""The benchmark runner, like the CLI: a database it cannot reach is one line and exit 1 (no
traceback, no server text); an unknown benchmark is one line and exit 2."""

from __future__ import annotations

import subprocess
import sys


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "bench", *args], capture_output=True, text=True, timeout=120
    )


def test_a_database_it_cannot_reach_is_one_line_and_exit_1():
    done = bench("national", "--database-url", "postgresql://postgres@127.0.0.1:1/berkas_bench_nowhere")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["bench.national: database error: OperationalError"]


def test_an_unknown_benchmark_names_the_ones_there_are():
    done = bench("nosuch")
    assert done.returncode == 2
    assert "no benchmark 'nosuch'" in done.stderr and "national" in done.stderr
