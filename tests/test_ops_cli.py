"""What an office's IT team types: ``--version``, an ``sqlite:///`` URL, a first admin that
an install script may ask for on every start."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings
from projections.ledger import keys
from projections.privacy import keyfile


def test_version_prints_the_installed_version():
    shown = CliRunner().invoke(cli, ["--version"])
    assert shown.exit_code == 0
    assert shown.output.strip() == f"berkas {version('berkas')}"
    assert re.fullmatch(r"berkas \d+\.\d+\.\d+\S*", shown.output.strip())


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///berkas.db", Path("berkas.db")),
        ("sqlite:////var/lib/berkas/kanim.db", Path("/var/lib/berkas/kanim.db")),
    ],
)
def test_an_sqlite_url_names_the_embedded_file(monkeypatch, url, path):
    monkeypatch.setenv("BERKAS_DATABASE_URL", url)
    settings = Settings()
    assert (settings.database_url, settings.sqlite_path) == (None, path)


def test_an_sqlite_url_without_a_path_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("BERKAS_DATABASE_URL", "sqlite:///")
    from api.cli import main

    monkeypatch.setattr("sys.argv", ["berkas", "store", "info"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2


def test_the_cli_works_on_an_sqlite_url(monkeypatch, tmp_path):
    monkeypatch.setenv("BERKAS_DATABASE_URL", f"sqlite:///{tmp_path / 'kanim.db'}")
    shown = CliRunner().invoke(cli, ["store", "info"], terminal_width=200)
    assert shown.exit_code == 0 and "kanim.db: 0 events" in shown.output
    assert (tmp_path / "kanim.db").exists()


def test_a_first_admin_is_added_once_and_its_token_never_printed_again(monkeypatch, tmp_path):
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "kanim.db"))
    command = ["users", "add", "Administrator", "--role", "admin", "--office", "MLG", "--first"]
    first = CliRunner().invoke(cli, command, terminal_width=200)
    again = CliRunner().invoke(cli, command, terminal_width=200)
    assert first.exit_code == again.exit_code == 0
    assert "token: bk_" in first.output
    assert "token" not in again.output.replace("no token printed", "") and "exists already" in again.output
    listed = CliRunner().invoke(cli, ["users", "list"], terminal_width=200)
    assert listed.output.count("admin") == 1


def test_the_readme_links_only_to_files_of_the_repository():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert "docs/design.md" in links and "docs/deployment.md" in links
    for link in links:
        if "://" in link:
            continue
        assert not link.startswith(".."), link
        assert (root / link).exists(), link
    for doc in (root / "docs").glob("*.md"):
        for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text()):
            assert "://" in link or (doc.parent / link).exists(), (doc.name, link)


def test_keygen_writes_both_keys_once_and_never_overwrites_them(tmp_path):
    target = tmp_path / "secrets"
    first = CliRunner().invoke(cli, ["store", "keygen", str(target)], terminal_width=200)
    assert first.exit_code == 0, first.output
    written = {path.name: path.read_bytes() for path in target.iterdir()}
    assert set(written) == {"ledger-key.pem", "personal-data.key"}
    assert all((target / name).stat().st_mode & 0o077 == 0 for name in written)
    again = CliRunner().invoke(cli, ["store", "keygen", str(target)], terminal_width=200)
    assert again.exit_code == 0 and again.output.count("kept as it is") == 2
    assert {path.name: path.read_bytes() for path in target.iterdir()} == written
    keys.load_private(target / "ledger-key.pem")
    keyfile.load(target / "personal-data.key")


def test_users_list_prints_each_id_whole_on_a_narrow_terminal_so_revoke_can_take_it(monkeypatch, tmp_path):
    """An id cut to fit 80 columns (`7b9a1543-5780-5c05-87db-d…`) is no use to `users revoke`."""
    monkeypatch.delenv("BERKAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(tmp_path / "kanim.db"))
    command = ["users", "add", "Ketut Wirawan Putra", "--role", "supervisor", "--office", "DPS"]
    added = CliRunner().invoke(cli, command, terminal_width=80)
    user_id = re.search(r"user ([0-9a-f-]{36})", added.output).group(1)
    listed = CliRunner().invoke(cli, ["users", "list"], terminal_width=80)
    assert listed.exit_code == 0 and user_id in listed.output, listed.output
    revoked = CliRunner().invoke(cli, ["users", "revoke", user_id], terminal_width=80)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
