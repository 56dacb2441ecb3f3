"""A large import beside the scheduler, as real processes: the import checks its rows before it takes the
write lock and writes in a short transaction, and a writer waits its turn (busy_timeout), so neither fails
with "database is locked"."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

WEEKLY = ["诊疗患者人次", "手术示教例数", "培训讲座次数"]
BANNERS = ["科右前旗", "科右中旗", "扎赉特旗"]


def big_csv(path: Path, rows: int) -> Path:
    """Weekly figures of years the sample does not hold (from 1800 on), `rows` of them."""
    lines = ["指标,地区,期间,数值"]
    year = 1800
    while len(lines) <= rows:
        lines += [f"{ind},{banner},{year}-W{week:02d},{week}" for week in range(1, 53) for ind in WEEKLY
                  for banner in BANNERS]
        year += 1
    path.write_text("\n".join(lines[:rows + 1]) + "\n", encoding="utf-8")
    return path


def test_a_60000_row_ingest_and_run_due_side_by_side_both_succeed(tmp_path, sample_db):
    shutil.copy(sample_db, tmp_path / "briefing.db")
    (tmp_path / "briefing.toml").write_text(
        'db = "briefing.db"\narchive_dir = "archive"\n\n[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'
        'when = "weekly"\nregions = ["扎赉特旗"]\ncatch_up = "all"\nstart = 2023-01-02\nhorizon_days = 90\n',
        encoding="utf-8")
    big_csv(tmp_path / "big.csv", 60_000)
    base = [sys.executable, "-m", "briefing", "--config", "briefing.toml"]
    ingest = subprocess.Popen([*base, "ingest", "big.csv"], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    run_due = subprocess.Popen([*base, "run-due", "--now", "2023-03-01T10:00"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    (in_out, in_err), (rd_out, rd_err) = ingest.communicate(timeout=300), run_due.communicate(timeout=300)
    assert ingest.returncode == 0, in_err
    assert run_due.returncode == 0, rd_err
    assert "locked" not in in_err + rd_err
    assert "60000 rows — 60000 added" in in_out
    assert len(rd_out.splitlines()) == 8   # the weeks 2023-W01 … W08 of 扎赉特旗, each archived
    with sqlite3.connect(tmp_path / "briefing.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM observations WHERE period < '2000'").fetchone()[0] == 60_000


def test_the_rows_are_checked_before_the_write_lock_is_taken(catalog_store, tmp_path, monkeypatch):
    """While an import of figures checks its rows, another process can still start writing at once."""
    from conftest import NOW, TZ

    from briefing import ingest
    from briefing.ingest import observations

    seen = []
    validate = observations.validate

    def validate_and_try_writing(table, ctx, db, outcome):
        other = sqlite3.connect(catalog_store.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("could write")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()
        return validate(table, ctx, db, outcome)

    monkeypatch.setitem(ingest._VALIDATE, "observations", validate_and_try_writing)
    path = tmp_path / "week.csv"
    path.write_text("指标,地区,期间,数值\n诊疗患者人次,扎赉特旗,2024-W03,211\n", encoding="utf-8")
    report = ingest.ingest_files(catalog_store, [path], TZ, now=NOW)
    assert seen == ["could write"] and report.outcomes[0].added == 1
