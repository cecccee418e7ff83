"""`berkas store backup FILE` into a folder that does not exist says so, naming the file and
its folder, exit 2, and writes nothing. Found by the review (round 2): on SQLite it said
'the database refused the operation: OperationalError, SQLITE_CANTOPEN', as if the store
were at fault. On an SQLite file and on PostgreSQL."""

from __future__ import annotations

from api.cli.app import run as cli


def test_a_backup_into_a_missing_folder_names_the_folder(system, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BERKAS_DATABASE_URL", system.settings.database_url or "")
    monkeypatch.setenv("BERKAS_SQLITE_PATH", str(system.settings.sqlite_path))
    target = tmp_path / "no-such-folder" / "kanim-dps.backup"
    assert cli(["store", "backup", str(target)]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and str(target.parent) in said[0] and "does not exist" in said[0], said
    assert not target.parent.exists()
