"""Find a PostgreSQL server for the tests, starting the local cluster if need be.

Prints the server's admin URL on stdout; on failure prints one line on stderr and
exits 1. Order: BERKAS_TEST_DATABASE_URL, 127.0.0.1:5432 as postgres, pg_ctlcluster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def start_local_cluster() -> str | None:
    """Start every local cluster pg_ctlcluster knows; returns why it could not."""
    if not shutil.which("pg_ctlcluster"):
        return "pg_ctlcluster is not installed (apt-get install postgresql)"
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions:
        return "no cluster under /etc/postgresql"
    for version in versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            check=False,
        )
    return None


def main() -> int:
    explicit = os.environ.get("BERKAS_TEST_DATABASE_URL")
    if explicit:
        if reachable(explicit):
            print(explicit)
            return 0
        print("berkas: BERKAS_TEST_DATABASE_URL is set but PostgreSQL does not answer there", file=sys.stderr)
        return 1
    if reachable(DEFAULT_URL):
        print(DEFAULT_URL)
        return 0
    problem = start_local_cluster()
    for _ in range(30):
        if problem is None and reachable(DEFAULT_URL):
            print(DEFAULT_URL)
            return 0
        time.sleep(0.5)
    print(
        "berkas: no PostgreSQL for the tests: set BERKAS_TEST_DATABASE_URL, or run one on 127.0.0.1:5432 "
        f"(user postgres, trust auth){'; ' + problem if problem else ''}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
