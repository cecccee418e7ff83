"""An event altered with psql before the views read it (a superuser past the append-only
trigger) stops every projection at that row, by design; what the operator is told must say
so and what to run: `berkas projections rebuild` one line naming the altered log and
`berkas ledger verify`, exit 1, and the API's follower the same in its log, never only the
decoder's class name. Found by the review (round 2): both said `ValidationError`, nothing
more. A Denpasar case, on both backends."""

from __future__ import annotations

import logging
import time

import pytest

from api.cli.app import run as cli
from api.http.follower import Follower
from projections.runner import catch_up
from tests import builders
from tests.ledger_support import cli_env, tamper

ALTERED = {"not-json": b"\x00garbage", "other-json": b'{"x":1}'}


def _altered_denpasar_case(ledger, altered: bytes) -> None:
    """Two Denpasar applications, the first read by the views; the second's stored bytes
    (notification id 2) replaced before any view read them."""
    clock = builders.Clock()
    ledger.app.save(builders.passport(clock, office="DPS", regency_code="5171"))
    catch_up(ledger.store, ledger.projections())
    ledger.app.save(builders.passport(clock, office="DPS", regency_code="5171"))
    tamper(ledger, "UPDATE berkas_events SET state = %s WHERE notification_id = %s", (altered, 2))


@pytest.mark.parametrize("alteration", sorted(ALTERED))
def test_a_rebuild_stopped_by_an_altered_event_says_so_in_one_line(ledger, alteration, monkeypatch, capsys):
    _altered_denpasar_case(ledger, ALTERED[alteration])
    for name, value in cli_env(ledger).items():
        monkeypatch.setenv(name, value)
    assert cli(["projections", "rebuild", "case_index"]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "the event log was changed outside Berkas" in said[0], said
    assert "berkas ledger verify" in said[0] and builders.APPLICANT_NAME not in said[0]


def test_the_follower_stopped_by_an_altered_event_logs_what_to_run(ledger, caplog):
    _altered_denpasar_case(ledger, ALTERED["other-json"])
    follower = Follower(ledger.store, ledger.projections(), poll_interval=0.05)
    with caplog.at_level(logging.ERROR, logger="berkas.follower"):
        follower.start()
        try:
            deadline = time.monotonic() + 30
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            follower.close()
    said = caplog.records[0].getMessage()
    assert "the event log was changed outside Berkas" in said and "berkas ledger verify" in said, said
