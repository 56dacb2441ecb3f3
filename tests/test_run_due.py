"""Scheduled runs with real processes: `briefing run-due` and `briefing serve` on a real database and archive.

Downtime is caught up by the schedule's policy; two processes at once make each briefing once; a process
killed at a named point of its work (tests/fault_points.py) leaves whole files only, and the next run
finishes its work.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from briefing.archive.schedules import load, period_due
from briefing.cli import cli
from briefing.figures.period_text import parse_period

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2023, 1, 2, 10, 0, tzinfo=TZ)    # a Monday after 08:00, when 2023-W01 is due, and 09:00,
                                                   # when the sample enters the figures of the week before
FAULT_POINTS = Path(__file__).with_name("fault_points.py")
# A few rounds by default; the full 50 with `pytest -m full_rounds` (.ci/run runs them too)
ROUNDS = [pytest.param(3, id="3-rounds"), pytest.param(50, id="50-rounds", marks=pytest.mark.full_rounds)]


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


def add_figures(site: Path, *weeks: str, entered: datetime | None = None) -> None:
    """Figures of 扎赉特旗 for weeks the sample does not hold, entered on the Monday after each at 09:00 (or
    at `entered`)."""
    rows = ["指标,地区,期间,数值,录入时间"]
    for week in weeks:
        when = entered or datetime.combine(parse_period(week).end + timedelta(days=1), time(9), TZ)
        stamp = when.strftime("%Y-%m-%d %H:%M")
        rows += [f"诊疗患者人次,扎赉特旗,{week},200,{stamp}", f"手术示教例数,扎赉特旗,{week},2,{stamp}"]
    (site / "figures.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = briefing(site, "ingest", "figures.csv")
    assert result.returncode == 0, result.stderr


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
    assert lines[3] == "run as of 2023-01-09T10:00+08:00: 1 due, 1 made, 0 skipped, 0 waiting, 0 failed"


def test_a_failed_briefing_is_logged_recorded_and_retried_later(site):
    config(site)
    template_dir = site / "mine" / "weekly"
    shutil.copytree(Path(__file__).resolve().parents[1] / "templates" / "weekly", template_dir)
    main = template_dir / "briefing.md.j2"
    wrong = '{{ 数字(领域("医疗")[0].本期.value * 0 + 9999, "例") }}'     # a figure from the data, but no fact
    main.write_text(main.read_text(encoding="utf-8") + f"\n本周新增病例{wrong}。\n", encoding="utf-8")
    config(site, template_dirs="mine")
    result = run_due(site, START + timedelta(weeks=1))
    assert result.returncode == 1
    assert "failed 周报: weekly 2023-W01 扎赉特旗: " in result.stderr and "9999" in result.stderr
    assert ledger(site) == [("2023-W01", "152223", 1, "failed")]
    assert not list((site / "archive").rglob("*.docx"))
    again = run_due(site, START + timedelta(weeks=1))     # too soon: it waits for its retry time, still failing
    assert "skipped 周报: weekly 2023-W01 扎赉特旗: failed before" in again.stderr and again.returncode == 1


@pytest.mark.parametrize("rounds", ROUNDS)
def test_two_processes_at_once_make_each_briefing_once(site, rounds):
    config(site, regions=("扎赉特旗", "科右前旗"))
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


# The points of tests/fault_points.py, and what a kill there leaves besides the unfinished claim:
# (the week's .docx under its final name, a leftover temporary file)
AFTER_KILL = {"claimed": (False, False), "mid-write": (False, True), "before-done": (True, False)}
POINTS = tuple(AFTER_KILL)


@pytest.mark.parametrize("rounds", ROUNDS)
def test_kill_9_at_each_named_point_leaves_whole_files_and_the_next_run_finishes(site, monkeypatch, rounds):
    """Round n owes week n, finishes the week the killed round before it left (taking over its claim), then
    kills itself with SIGKILL at a named point of week n (claimed, mid-write, before-done, in turn)."""
    config(site, horizon_days=400)
    monkeypatch.chdir(site)
    for n in range(1, rounds + 1):
        point = POINTS[(n - 1) % len(POINTS)]
        killed = run_with_fault(site, point, START + timedelta(weeks=n))
        assert killed.returncode == -signal.SIGKILL, f"{point} was not reached: {killed.stderr}"
        assert n == 1 or finished_after_takeover(killed.stderr, week_due(n - 1), n - 1), killed.stderr
        assert_whole_files_after_a_kill(site, point, week_due(n), done=n - 1)
    final = run_due(site, START + timedelta(weeks=rounds))
    assert final.returncode == 0 and finished_after_takeover(final.stderr, week_due(rounds), rounds), final.stderr
    assert ledger(site) == [(week_due(n), "152223", 1, "done") for n in range(1, rounds + 1)]
    with sqlite3.connect(site / "briefing.db") as conn:         # each claimed once by a killed run, once by the next
        assert conn.execute("SELECT attempts FROM reports").fetchall() == [(2,)] * rounds
    check = verify()
    assert check.exit_code == 0 and f"{rounds} files checked: 0 missing, 0 corrupt, 0 orphan" in check.output
    assert "leftover" not in check.output and "unfinished" not in check.output
    assert [p.name for p in (site / "archive").rglob(".*")] == []


def assert_whole_files_after_a_kill(site: Path, point: str, week: str, done: int) -> None:
    """`archive verify` finds the `done` briefings whole and nothing corrupt or unknown; it shows the killed
    week's claim unfinished, and the temporary file of a write cut off; any .docx with its final name is whole."""
    check = verify()
    assert check.exit_code == 0 and f"{done} files checked: 0 missing, 0 corrupt, 0 orphan" in check.output
    stem, folder = f"{week}_扎赉特旗_周报", f"{week[:4]}/weekly"
    has_docx, leftover = AFTER_KILL[point]
    shown = f"after a kill at {point}: {check.output}"
    assert (site / "archive" / folder / f"{stem}.docx").is_file() == has_docx, shown
    assert check.output.count("unfinished: ") == 1 and f"unfinished: #{done + 1} {stem}: " in check.output, shown
    leftovers = check.output.count("leftover: ")
    assert leftovers == check.output.count(f"leftover: {folder}/.{stem}.docx.") == leftover, shown
    for docx in (site / "archive").rglob("*.docx"):
        assert zipfile.ZipFile(docx).testzip() is None


def week_due(n: int) -> str:
    """The week a run n weeks after START owes (2023-W01 for n = 1)."""
    return period_due("week", START + timedelta(weeks=n), TZ).key


def run_with_fault(site: Path, point: str, now: datetime) -> subprocess.CompletedProcess:
    """`briefing run-due --now NOW` (the arguments after `python -m briefing`) in a process that kills itself
    at `point` (see fault_points.py)."""
    args = [sys.executable, str(FAULT_POINTS), point, *command("run-due", "--now", now.isoformat())[3:]]
    return subprocess.run(args, cwd=site, capture_output=True, text=True, timeout=120)


def finished_after_takeover(stderr: str, week: str, report: int) -> bool:
    return (f"taken over 周报: weekly {week} 扎赉特旗 (report #{report}, attempt 2)" in stderr
            and f"generated 周报: weekly {week} 扎赉特旗: " in stderr)


def verify():
    """`briefing archive verify` in this process (the current folder is the site)."""
    return CliRunner().invoke(cli, ["--config", "briefing.toml", "archive", "verify"], catch_exceptions=False)


def test_serve_catches_up_at_start_and_stops_on_sigterm(site):
    config(site, catch_up="latest", start="2024-01-01", tick_seconds=3600)
    owed = parse_period(latest_week(datetime.now(TZ)))      # whichever of these the run at start owes has figures
    add_figures(site, owed.key, owed.next().key, entered=datetime.now(TZ) - timedelta(minutes=5))
    proc = subprocess.Popen(command("serve", "--no-web"), cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    log = Lines(proc.stderr)
    try:
        summary = log.until(" run as of ")                     # the run at start has ended
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    err = log.until_the_end()
    assert summary and proc.returncode == 0, err
    assert summary.rstrip().endswith(": 1 due, 1 made, 0 skipped, 0 waiting, 0 failed"), err      # the latest week only
    assert "serving 1 schedule(s)" in err and "stopping (SIGTERM)" in err and err.rstrip().endswith("stopped")
    made = [path.name for path in (site / "archive").rglob("*.docx")]
    assert len(made) == 1 and [row[0] for row in ledger(site, "status = 'done'")] == [made[0].split("_")[0]], made
    run_as_of = datetime.fromisoformat(re.search(r" run as of (\S+): ", summary)[1])
    assert made[0].startswith(latest_week(run_as_of) + "_")


class Lines:
    """The lines a process writes to a pipe, read by a thread: waiting for a line fails the test after a
    generous timeout (a guard against a hung process only) instead of hanging it."""

    def __init__(self, stream, timeout: float = 120):
        self.seen: list[str] = []
        self.timeout = timeout
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def until(self, text: str) -> str | None:
        """Read up to the first line holding `text` and return it; None if the stream ends first."""
        while not self._ended:
            try:
                line = self._queue.get(timeout=self.timeout)
            except queue.Empty:
                pytest.fail(f"no line with {text!r} after {self.timeout} s; so far:\n{''.join(self.seen)}")
            self._ended = line is None
            if line is not None:
                self.seen.append(line)
                if text in line:
                    return line
        return None

    def until_the_end(self) -> str:
        """Everything the process wrote, once it has closed the pipe."""
        self.until("\0")
        return "".join(self.seen)


def latest_week(now: datetime) -> str:
    """The week of the latest weekly due moment up to `now`."""
    latest_due = load([{"template": "weekly"}], "t")[0].due_moments(now - timedelta(days=8), now)[-1]
    return period_due("week", latest_due, TZ).key


def test_run_due_without_schedules_says_where_to_start(site):
    (site / "briefing.toml").write_text('db = "briefing.db"\n', encoding="utf-8")
    result = briefing(site, "run-due")
    assert result.returncode == 2
    assert "briefing.toml has no [[schedule]] tables" in result.stderr and "deploy/briefing.example.toml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("monday, week", [("2021-01-04", "2020-W53"), ("2016-01-04", "2015-W53"),
                                          ("2024-01-01", "2023-W52")])
def test_on_monday_the_week_just_ended_is_filed_under_its_own_year(site, monday, week):
    config(site, start=(datetime.fromisoformat(monday) - timedelta(days=7)).date().isoformat())
    if week != "2023-W52":                                   # the sample's figures end in 2024
        add_figures(site, week)
    result = run_due(site, datetime.fromisoformat(f"{monday}T10:00+08:00"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"archive/{week[:4]}/weekly/{week}_扎赉特旗_周报.docx"


def test_a_week_without_figures_waits_and_is_made_when_they_arrive(site):
    config(site, start="2024-01-22")                               # 2024-W04, the sample's last week, and W05
    first = run_due(site, datetime(2024, 2, 5, 10, 0, tzinfo=TZ))
    assert first.returncode == 0, first.stderr
    assert made_periods(first) == ["2024-W04"]
    assert "waiting 周报: weekly 2024-W05 扎赉特旗: no figures for 2024年第5周 in 扎赉特旗; the latest figures are " \
           "for 2024年第4周 (looked at again after 2024-" in first.stderr
    assert ": 2 due, 1 made, 0 skipped, 1 waiting, 0 failed" in first.stderr
    assert ledger(site, "period = '2024-W05'") == [("2024-W05", "152223", 1, "waiting")]
    assert not list((site / "archive").rglob("2024-W05*"))
    soon = run_due(site, datetime(2024, 2, 5, 10, 30, tzinfo=TZ))  # within the hour: not looked at again
    assert "skipped 周报: weekly 2024-W05 扎赉特旗: waiting for its figures (no figures for 2024年第5周" in soon.stderr
    add_figures(site, "2024-W05", entered=datetime(2024, 2, 5, 10, 45, tzinfo=TZ))
    later = run_due(site, datetime(2024, 2, 5, 11, 5, tzinfo=TZ))
    assert later.returncode == 0 and made_periods(later) == ["2024-W05"], later.stderr
    assert "look again 周报: weekly 2024-W05 扎赉特旗 (report #2, attempt 2)" in later.stderr
    assert ledger(site, "period = '2024-W05'") == [("2024-W05", "152223", 1, "done")]
