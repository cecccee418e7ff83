"""Workers starting together on a fresh store (``berkas serve --workers 2``) each make the
personal-data key file if it is missing: one makes it, every other one reads the same keys,
none fails ("exists") and none reads a half-written file."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from projections.privacy import keyfile


def _race(path: str, start, out) -> None:
    start.wait()
    try:
        keys = keyfile.load_or_create(Path(path))
        out.put(("ok", keys.kek.hex(), keys.index_key.hex()))
    except Exception as error:  # the answer the parent checks
        out.put(("failed", type(error).__name__, str(error)))


@pytest.mark.parametrize("round_", range(3))
def test_processes_racing_to_make_the_key_file_all_get_the_same_keys(tmp_path, round_):
    path = tmp_path / "personal-data.key"
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(6), context.Queue()
    workers = [context.Process(target=_race, args=(str(path), start, out)) for _ in range(6)]
    for worker in workers:
        worker.start()
    answers = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert {answer[0] for answer in answers} == {"ok"}, answers
    assert len({answer[1:] for answer in answers}) == 1
    assert keyfile.load(path).kek.hex() == answers[0][1]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["personal-data.key"], "a draft was left behind"


def test_making_the_key_file_never_overwrites_one(tmp_path):
    path = tmp_path / "personal-data.key"
    first = keyfile.generate(path)
    with pytest.raises(keyfile.KeyFileExists):
        keyfile.generate(path)
    assert keyfile.load(path) == first
    assert keyfile.load_or_create(path) == first


class _CheckedBeforeTheSibling(type(Path())):
    """A path whose first ``exists()`` answers as it did just before a sibling process linked
    its key file into place: the window every racing worker can be caught in."""

    checked = False

    def exists(self, *args, **kwargs) -> bool:
        if not _CheckedBeforeTheSibling.checked:
            _CheckedBeforeTheSibling.checked = True
            return False
        return super().exists(*args, **kwargs)


def test_a_key_file_made_by_a_sibling_after_the_check_is_read_not_refused(tmp_path):
    path = tmp_path / "personal-data.key"
    siblings = keyfile.generate(path)
    _CheckedBeforeTheSibling.checked = False
    assert keyfile.load_or_create(_CheckedBeforeTheSibling(path)) == siblings
    assert [p.name for p in tmp_path.iterdir()] == ["personal-data.key"]
