"""The database as a file: another application's database is refused, a damaged one is a clear error,
`briefing check` and `briefing backup`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REGIONS, write_csv

from briefing.cli import cli
from briefing.store.db import APPLICATION_ID


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    assert run(path, "init").exit_code == 0
    assert run(path, "ingest", str(write_csv(tmp_path / "regions.csv", REGIONS))).exit_code == 0
    return path


def test_another_applications_database_is_refused_and_left_as_it_was(tmp_path):
    other = tmp_path / "other_app.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    before = other.read_bytes()
    result = run(other, "init")
    assert result.exit_code == 1 and "is not a briefing database" in result.output and "users" in result.output
    assert other.read_bytes() == before and not Path(f"{other}-wal").exists()


def test_an_empty_file_becomes_a_briefing_database_marked_as_ours(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    assert run(empty, "init").exit_code == 0
    with sqlite3.connect(empty) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_database_of_an_earlier_version_is_adopted(db):
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA application_id = 0")
    result = run(db, "regions")
    assert result.exit_code == 0 and "扎赉特旗" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def damage(db: Path, table: str | None) -> None:
    """Garbage over the pages of one table, or over every page after the first two."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()
    with db.open("r+b") as f:
        for page in ([root[0]] if table else range(3, pages + 1)):
            f.seek(4096 * (page - 1))
            f.write(os.urandom(4096))


@pytest.mark.parametrize("table", ["regions", None])
def test_a_damaged_database_is_a_clear_error_and_check_finds_it(db, table):
    damage(db, table)
    result = run(db, "regions")
    assert result.exit_code == 1 and "is damaged" in result.output and "briefing check" in result.output
    assert "Internal error" not in result.output
    result = run(db, "check")
    assert result.exit_code == 1 and "damaged" in result.output and "backup" in result.output


def test_check_of_a_sound_database_checks_the_archive_too(db, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_ARCHIVE_DIR", str(tmp_path / "archive"))
    result = run(db, "check")
    assert result.exit_code == 0 and "database ok" in result.output and "files checked" in result.output


def test_backup_is_a_database_with_the_same_figures_and_names_the_archive(db, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_ARCHIVE_DIR", str(tmp_path / "archive"))
    result = run(db, "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0 and str(tmp_path / "archive") in result.output and "copy that folder" in result.output
    assert run(tmp_path / "copy.db", "regions").output == run(db, "regions").output
    again = run(db, "backup", str(tmp_path / "copy.db"))
    assert again.exit_code == 2 and "never overwrites" in again.output
