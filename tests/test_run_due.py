"""Scheduled runs with real processes: `briefing run-due` and `briefing serve` on a real database and archive.

Downtime is caught up by the schedule's policy; two processes at once make each briefing once; a process
killed at any moment leaves whole files only, and the next run finishes its work.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from briefing.archive.schedules import load, period_due
from briefing.cli import cli

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2023, 1, 2, 8, 0, tzinfo=TZ)     # a Monday: the first due moment of 2023-W01


def config(folder: Path, catch_up: str | int = "all", regions=("扎赉特旗",), start: str = "2023-01-02",
           horizon_days: int = 90, **extra) -> Path:
    lines = ['db = "briefing.db"', 'archive_dir = "archive"', *(f"{k} = {json.dumps(v)}" for k, v in extra.items()),
             "", "[[schedule]]", 'name = "周报"', 'template = "weekly"', 'when = "weekly"',
             f"regions = {json.dumps(list(regions), ensure_ascii=False)}", f"catch_up = {json.dumps(catch_up)}",
             f"start = {start}", f"horizon_days = {horizon_days}"]
    path = folder / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path, sample_db: Path) -> Path:
    """A folder holding a copy of the sample database; commands run in it."""
    shutil.copy(sample_db, tmp_path / "briefing.db")
    return tmp_path


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", "--config", "briefing.toml", *args]


def briefing(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), cwd=site, capture_output=True, text=True, timeout=120)


def run_due(site: Path, now: datetime, *args: str) -> subprocess.CompletedProcess:
    return briefing(site, "run-due", "--now", now.isoformat(), *args)


def ledger(site: Path, where: str = "1") -> list[tuple]:
    with sqlite3.connect(site / "briefing.db") as conn:
        return conn.execute(f"SELECT period, region, version, status FROM reports WHERE {where} "
                            "ORDER BY period, region, version").fetchall()


def made_periods(result: subprocess.CompletedProcess) -> list[str]:
    return sorted(Path(line).name.split("_")[0] for line in result.stdout.splitlines())


@pytest.mark.parametrize("policy, expected", [
    ("all", ["2023-W01", "2023-W02", "2023-W03", "2023-W04"]),
    ("latest", ["2023-W04"]),
    (2, ["2023-W03", "2023-W04"]),
])
def test_after_downtime_the_policy_decides_what_is_caught_up(site, policy, expected):
    config(site, catch_up=policy)
    now = START + timedelta(weeks=4)        # four weeks after the start, nothing made yet
    first = run_due(site, now)
    assert first.returncode == 0, first.stderr
    assert made_periods(first) == expected
    assert [row[0] for row in ledger(site, "status = 'done'")] == expected
    for line in first.stdout.splitlines():
        assert (site / line).is_file() and zipfile.ZipFile(site / line).testzip() is None
    second = run_due(site, now)
    assert second.returncode == 0 and second.stdout == ""
    assert "0 due, 0 made" in second.stderr


def test_one_log_line_per_decision(site):
    config(site)
    result = run_due(site, START + timedelta(weeks=1))
    lines = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith("INFO briefing.archive.runner")]
    assert lines[0].startswith("due 周报: weekly 2023-W01 扎赉特旗 (due 2023-01-09T08:00+08:00)")
    assert lines[1].startswith("claimed 周报: weekly 2023-W01 扎赉特旗 (report #1, attempt 1)")
    assert lines[2].startswith("generated 周报: weekly 2023-W01 扎赉特旗: archive/2023/weekly/2023-W01_扎赉特旗_周报.docx (")
    assert lines[2].endswith(" ms)")
    assert lines[3] == "run as of 2023-01-09T08:00+08:00: 1 due, 1 made, 0 skipped, 0 failed"


def test_a_failed_briefing_is_logged_recorded_and_retried_later(site):
    config(site)
    template_dir = site / "mine" / "weekly"
    shutil.copytree(Path(__file__).resolve().parents[1] / "templates" / "weekly", template_dir)
    main = template_dir / "briefing.md.j2"
    main.write_text(main.read_text(encoding="utf-8") + "\n本周新增病例9999例。\n", encoding="utf-8")  # not in the data
    config(site, template_dirs="mine")
    result = run_due(site, START + timedelta(weeks=1))
    assert result.returncode == 1
    assert "failed 周报: weekly 2023-W01 扎赉特旗: " in result.stderr and "9999" in result.stderr
    assert ledger(site) == [("2023-W01", "152223", 1, "failed")]
    assert not list((site / "archive").rglob("*.docx"))
    again = run_due(site, START + timedelta(weeks=1))     # too soon: it waits for its retry time
    assert "skipped 周报: weekly 2023-W01 扎赉特旗: failed before" in again.stderr and again.returncode == 0


def test_two_processes_at_once_make_each_briefing_once(site):
    config(site, regions=("扎赉特旗", "科右前旗"))
    rounds = 50
    outputs = []
    for n in range(1, rounds + 1):
        now = (START + timedelta(weeks=n)).isoformat()
        procs = [subprocess.Popen(command("run-due", "--now", now), cwd=site, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "locked" not in err
            outputs.append(out)
    rows = ledger(site)
    assert len(rows) == 2 * rounds and {row[3] for row in rows} == {"done"}
    assert len({(period, region) for period, region, _, _ in rows}) == 2 * rounds
    written = [line for out in outputs for line in out.splitlines()]
    assert len(written) == len(set(written)) == 2 * rounds
    assert "0 missing, 0 corrupt, 0 orphan" in briefing(site, "archive", "verify").stdout


def test_kill_9_at_random_moments_leaves_whole_files_and_the_next_run_finishes(site, monkeypatch):
    """Each of 50 runs owes a new week (and whatever the killed runs before it left), and is killed at a
    random moment of its work; after each kill the archive holds whole files only."""
    config(site, horizon_days=400)
    rng = random.Random(20240122)
    assert briefing(site, "--help").returncode == 0            # compiled once, so the timing below is the run's
    started = time.monotonic()
    assert run_due(site, START + timedelta(weeks=1)).returncode == 0
    duration = time.monotonic() - started                      # a run that makes one briefing
    monkeypatch.chdir(site)
    rounds = 50
    for n in range(2, rounds + 2):
        proc = subprocess.Popen(command("run-due", "--now", (START + timedelta(weeks=n)).isoformat()), cwd=site,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.2) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check = verify()
        assert check.exit_code == 0 and " 0 missing, 0 corrupt, 0 orphan" in check.output, check.output
        for docx in (site / "archive").rglob("*.docx"):        # whatever has its final name is whole
            assert zipfile.ZipFile(docx).testzip() is None
    final = run_due(site, START + timedelta(weeks=rounds + 1))
    assert final.returncode == 0, final.stderr
    assert [row[3] for row in ledger(site)] == ["done"] * (rounds + 1)
    with sqlite3.connect(site / "briefing.db") as conn:        # kills did land between a claim and its end
        taken = conn.execute("SELECT COUNT(*) FROM reports WHERE attempts > 1").fetchone()[0]
        assert taken >= 3
    check = verify()
    assert check.exit_code == 0 and f"{rounds + 1} files checked: 0 missing, 0 corrupt, 0 orphan" in check.output
    assert "leftover" not in check.output and "unfinished" not in check.output
    assert [p.name for p in (site / "archive").rglob(".*")] == []


def verify():
    """`briefing archive verify` in this process (the current folder is the site)."""
    return CliRunner().invoke(cli, ["--config", "briefing.toml", "archive", "verify"], catch_exceptions=False)


def test_serve_catches_up_at_start_and_stops_on_sigterm(site):
    config(site, catch_up="latest", start="2024-01-01", tick_seconds=3600)
    proc = subprocess.Popen(command("serve"), cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((site / "archive").rglob("*.docx")):
            time.sleep(0.2)
        made = list((site / "archive").rglob("*.docx"))
        assert len(made) == 1          # the latest week only
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "serving 1 schedule(s)" in err and "generated 周报: weekly" in err and "stopping (SIGTERM)" in err
    assert ledger(site, "status = 'done'")[0][0] == made[0].name.split("_")[0]
    now = datetime.now(TZ)
    latest_due = load([{"template": "weekly"}], "t")[0].due_moments(now - timedelta(days=8), now)[-1]
    assert made[0].name.startswith(period_due("week", latest_due, TZ).key + "_")


def test_run_due_without_schedules_says_where_to_start(site):
    (site / "briefing.toml").write_text('db = "briefing.db"\n', encoding="utf-8")
    result = briefing(site, "run-due")
    assert result.returncode == 2
    assert "briefing.toml has no [[schedule]] tables" in result.stderr and "deploy/briefing.example.toml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("monday, week", [("2021-01-04", "2020-W53"), ("2027-01-04", "2026-W53"),
                                          ("2024-01-01", "2023-W52")])
def test_monday_0800_files_the_week_just_ended_under_its_own_year(site, monday, week):
    config(site, start=(datetime.fromisoformat(monday) - timedelta(days=7)).date().isoformat())
    result = run_due(site, datetime.fromisoformat(f"{monday}T08:00+08:00"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"archive/{week[:4]}/weekly/{week}_扎赉特旗_周报.docx"
