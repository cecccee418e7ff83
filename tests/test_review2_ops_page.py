"""The operations page of an installation that signs its ledger (every one: `berkas store init`
creates the key) opens for a Denpasar admin, on both backends. Found by the review (round 2):
`berkas serve` after `store init` answered /ui/ops with a 500 (the page asked the ledger keys
module for a function it does not have, only when a signing key was loaded)."""

from __future__ import annotations

from api.bootstrap import System
from tests.stores import shared_ledger_key_path
from tests.ui_support import client, seed_office, sign_in

__all__ = ["client"]  # fixture


def test_the_ops_page_opens_when_the_ledger_is_signed(client, system: System, tmp_path):
    system.settings.ledger_key_path = shared_ledger_key_path()  # the shared database's one key
    system.ensure_ledger_key()
    denpasar = seed_office(system, "DPS", "5171")
    sign_in(client, denpasar.tokens["ADMIN"])
    page = client.get("/ui/ops")
    assert page.status_code == 200, page.text[:300]
    assert "admin DPS" in page.text  # the office's accounts are listed
    client.get("/ui/lang/en")
    assert client.get("/ui/ops").status_code == 200
