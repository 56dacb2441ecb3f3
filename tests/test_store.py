"""The store: migrations from a blank file, write transactions, and what it refuses."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from briefing.errors import StoreError
from briefing.store.db import Store
from briefing.store.migrations import MIGRATIONS


def test_migrations_from_a_blank_database(tmp_path):
    with Store(tmp_path / "b.db") as store:
        assert set(store.db.table_names()) >= {"regions", "indicators", "observations", "highlights", "records",
                                                "batches", "_migrations"}
        names = [r["name"] for r in store.db.query("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [m.__name__ for m in MIGRATIONS]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Store(tmp_path / "b.db") as again:
        assert again.migrate() == []


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    with Store(tmp_path / "n.db") as store:
        store.conn.execute("INSERT INTO _migrations VALUES ('m999_future', '2030-01-01')")
    with pytest.raises(StoreError, match="newer version of briefing"):
        Store(tmp_path / "n.db")


def test_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "x.db").write_text("hello, this is a text file, not SQLite" * 20)
    with pytest.raises(StoreError, match="cannot be opened as a SQLite database"):
        Store(tmp_path / "x.db")


def test_a_missing_database_is_not_created_for_reading(tmp_path):
    with pytest.raises(StoreError, match="briefing init"):
        Store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_write_rolls_back_everything_on_error(tmp_path):
    with Store(tmp_path / "w.db") as store:
        with pytest.raises(RuntimeError):
            with store.write() as db:
                db["regions"].insert({"code": "1", "name": "甲"})
                raise RuntimeError("boom")
        assert store.db["regions"].count == 0
        assert not store.conn.in_transaction


def test_writes_start_immediate_so_a_second_writer_waits_instead_of_failing(tmp_path):
    """A plain BEGIN that reads before writing fails at once with 'database is locked'; BEGIN IMMEDIATE
    waits for the first writer (up to the busy timeout) and then succeeds."""
    path = tmp_path / "c.db"
    first, second = Store(path), Store(path, busy_timeout_ms=5000)
    entered, release = threading.Event(), threading.Event()

    def hold():
        with first.write() as db:
            db["regions"].insert({"code": "1", "name": "甲"})
            entered.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    entered.wait(5)
    threading.Timer(0.3, release.set).start()
    with second.write() as db:  # waits ~0.3 s for the first writer, then reads and writes
        n = db["regions"].count
        db["regions"].insert({"code": "2", "name": "乙"})
    t.join()
    assert n == 1 and second.db["regions"].count == 2
    first.close(), second.close()


def test_a_writer_that_waits_too_long_gets_a_clear_error(tmp_path):
    path = tmp_path / "t.db"
    holder, waiter = Store(path), Store(path, busy_timeout_ms=100)
    holder.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="Another process holds the database"):
            with waiter.write():
                pass
    finally:
        holder.conn.execute("ROLLBACK")
        holder.close(), waiter.close()


def test_observations_cannot_point_at_unknown_catalog_entries(tmp_path):
    with Store(tmp_path / "f.db") as store:
        with pytest.raises(sqlite3.IntegrityError):
            with store.write() as db:
                db.execute("INSERT INTO observations (indicator, region, period, revision, value, recorded_at) "
                           "VALUES ('x', 'y', '2024', 1, 1.0, '2024-01-01T00:00:00+00:00')")


def test_a_failed_commit_is_rolled_back_and_the_next_write_commits(tmp_path):
    """COMMIT itself fails here, at a named point: a foreign key checked only at COMMIT. The transaction it
    leaves open must be rolled back, or the next write() would nest in it as a savepoint and never commit."""
    path = tmp_path / "d.db"
    with Store(path) as store:
        with pytest.raises(StoreError, match="FOREIGN KEY constraint failed") as err:
            with store.write() as db:
                db.execute("PRAGMA defer_foreign_keys = ON")
                db["regions"].insert({"code": "1", "name": "甲"})
                db["regions"].insert({"code": "2", "name": "乙", "parent": "no such region"})
        assert "nothing of it was written" in str(err.value)
        assert not store.conn.in_transaction
        assert store.db["regions"].count == 0
        with store.write() as db:
            db["regions"].insert({"code": "3", "name": "丙"})
        other = sqlite3.connect(path)
        try:
            assert other.execute("SELECT code FROM regions").fetchall() == [("3",)]
        finally:
            other.close()


def test_a_ledger_written_before_the_waiting_state_is_kept_whole(tmp_path, monkeypatch):
    from briefing.store import migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:4])       # the schema of an older version
    monkeypatch.setattr("briefing.store.db.MIGRATIONS", migrations.MIGRATIONS[:4])
    with Store(tmp_path / "old.db") as old:
        old.conn.execute("INSERT INTO regions (code, name) VALUES ('R1', '甲旗')")
        old.conn.execute("INSERT INTO reports (template, period, region, script, version, status, as_of, stem, "
                         "attempts, created_at) VALUES ('weekly', '2024-W01', 'R1', 'simplified', 1, 'done', "
                         "'2024-01-08T00:00:00+00:00', '2024-W01_甲旗_周报', 1, '2024-01-08T00:00:00+00:00')")
        old.conn.execute("INSERT INTO report_files VALUES (1, 'docx', '2024/weekly/a.docx', 'abc', 10)")
    monkeypatch.undo()
    with Store(tmp_path / "old.db") as store:
        assert [m["name"] for m in store.db.query("SELECT name FROM _migrations")][-1] == MIGRATIONS[-1].__name__
        assert store.conn.execute("SELECT id, stem, status FROM reports").fetchall() == [(1, "2024-W01_甲旗_周报", "done")]
        assert store.conn.execute("SELECT report, path FROM report_files").fetchall() == [(1, "2024/weekly/a.docx")]
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        store.conn.execute("UPDATE reports SET status = 'waiting' WHERE id = 1")      # the new state is allowed
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("INSERT INTO report_files VALUES (2, 'docx', 'b.docx', 'x', 1)")  # keys still hold
