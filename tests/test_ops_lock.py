"""The lock files: every dependency pyproject.toml names is pinned there with its hashes,
and the Dockerfile's install steps build a working set from them in a fresh venv."""

from __future__ import annotations

import re
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
STALE = "run `make lock` (after a rebase conflict in a lock file: take either side, then `make lock`)"


def pinned(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for each ``name==version`` entry of a lock file."""
    text = (ROOT / lock).read_text()
    found: dict[str, tuple[str, int]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", entry)
        if head:
            found[canonicalize_name(head[1])] = (head[2], entry.count("--hash=sha256:"))
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", lambda: project()["dependencies"]),
        ("requirements-dev.lock", lambda: project()["dependencies"] + project()["optional-dependencies"]["dev"]),
    ],
)
def test_the_lock_pins_every_dependency_of_pyproject_with_hashes(lock, requirements):
    found = pinned(lock)
    for line in requirements():
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in found, f"{lock} has no {requirement.name}: {STALE}"
        version, hashes = found[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{lock}: {name}=={version} ∉ {line}: {STALE}"
        assert hashes >= 1, f"{lock}: {name} has no hash"
    assert all(hashes for _, hashes in found.values())


def test_the_dev_lock_keeps_the_runtime_versions():
    runtime, dev = pinned("requirements.lock"), pinned("requirements-dev.lock")
    assert {name: version for name, (version, _) in runtime.items()} == {name: dev[name][0] for name in runtime}, (
        f"the two locks disagree: {STALE}"
    )


@pytest.mark.slow
def test_the_dockerfile_steps_build_the_locked_set_in_a_fresh_venv(tmp_path):
    """As the image is built: the lock with hashes checked, the project without resolving,
    ``pip check``; then the app imports and the CLI answers. Uses the local pip cache."""
    steps = re.findall(r"pip install [^\n&\\]+", (ROOT / "Dockerfile").read_text())
    assert steps == ["pip install --require-hashes --no-deps -r requirements.lock", "pip install --no-deps . "]
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = str(tmp_path / "venv" / "bin" / "python")

    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    run(python, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", "requirements.lock")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", str(ROOT))
    run(python, "-m", "pip", "check")
    installed = {
        canonicalize_name(line.split("==")[0]): line.split("==")[1]
        for line in run(python, "-m", "pip", "freeze", "--all").splitlines()
        if "==" in line
    }
    locked = {name: version for name, (version, _) in pinned("requirements.lock").items()}
    wanted = {name: version for name, version in locked.items() if name in installed}
    assert {name: installed[name] for name in wanted} == wanted
    assert set(locked) - set(installed) <= {"colorama", "tzdata"}  # Windows only
    # Outside the tree, so that the installed packages are the ones imported.
    shown = subprocess.run(
        [tmp_path / "venv" / "bin" / "berkas", "--version"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0 and shown.stdout.startswith("berkas "), shown.stderr[-2000:]
    imported = subprocess.run([python, "-c", "import api.http.app"], cwd=tmp_path, capture_output=True, check=False)
    assert imported.returncode == 0, imported.stderr[-2000:]
