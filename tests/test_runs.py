"""A failing schedule as the office's IT person meets it, through real `briefing` processes on a real database:
run-due exits 1 while a briefing fails (for cron's mail and systemd's OnFailure=), the schedule's on_failure
hook (a real script) is told once per failure, `briefing runs` shows the failure with its error in words, and
`briefing retry` tries it again at once. Times are shown in the configured time zone."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from briefing.cli.schedule import ZonedFormatter

ROOT = Path(__file__).resolve().parents[1]
BROKEN = "\n{{ 本周要闻 }}\n"         # a name no template knows: the template raises when it is run
HOOK = """#!/bin/sh
# appends one JSON line per call: what it was told, in BRIEFING_* variables
python3 -c 'import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith("BRIEFING_")},
ensure_ascii=False))' >> "$(dirname "$0")/calls.jsonl"
"""


def config(site: Path, **settings: str) -> None:
    lines = ['db = "briefing.db"', 'archive_dir = "archive"', 'template_dirs = "mine"',
             *(f'{k} = "{v}"' for k, v in settings.items()),
             "", "[[schedule]]", 'name = "周报"', 'template = "weekly"', 'regions = ["扎赉特旗"]', "start = 2024-01-01",
             'on_failure = "hooks/notify.sh --channel \'值班 组\'"']
    (site / "briefing.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, sample_db: Path) -> Path:
    """The sample database, a weekly schedule for 扎赉特旗 with a template of the office's own (the built-in
    one, copied) and a hook script beside the config."""
    shutil.copy(sample_db, tmp_path / "briefing.db")
    shutil.copytree(ROOT / "templates" / "weekly", tmp_path / "mine" / "weekly")
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "notify.sh").write_text(HOOK, encoding="utf-8")
    (tmp_path / "hooks" / "notify.sh").chmod(0o755)
    config(tmp_path)
    return tmp_path


def break_template(site: Path, broken: bool = True) -> None:
    main = site / "mine" / "weekly" / "briefing.md.j2"
    good = (ROOT / "templates" / "weekly" / "briefing.md.j2").read_text(encoding="utf-8")
    main.write_text(good + BROKEN if broken else good, encoding="utf-8")


def briefing(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", "briefing.toml", *args], cwd=site,
                          capture_output=True, text=True, timeout=120)


def calls(site: Path) -> list[dict]:
    path = site / "hooks" / "calls.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def listed(site: Path, *args: str) -> list[dict]:
    result = briefing(site, "runs", "-f", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_failing_schedule_exits_1_calls_the_hook_once_and_shows_in_runs(site):
    break_template(site)
    first = briefing(site, "run-due", "--now", "2024-01-16T10:00+08:00")          # owes 2024-W01 and W02
    assert first.returncode == 1
    assert "2 briefings are failing: `briefing runs --failed` says why" in first.stderr
    told = calls(site)
    assert [(c["BRIEFING_PERIOD"], c["BRIEFING_ATTEMPT"]) for c in told] == [("2024-W01", "1"), ("2024-W02", "1")]
    assert told[0]["BRIEFING_SCHEDULE"] == "周报" and told[0]["BRIEFING_REGION"] == "扎赉特旗"
    assert "briefing.md.j2" in told[0]["BRIEFING_ERROR"] and "本周要闻" in told[0]["BRIEFING_ERROR"]
    assert told[0]["BRIEFING_RETRY_AT"] == "2024-01-16T10:01:00+08:00"

    rows = listed(site)
    assert [(r["period"], r["result"], r["attempts"]) for r in rows] == [("2024-W02", "failed", 1),
                                                                         ("2024-W01", "failed", 1)]
    assert rows[0]["next try"] == "2024-01-16 10:01" and "'本周要闻' is undefined" in rows[0]["error"]
    assert rows[0]["took"].endswith(" ms") and rows[0]["started"]
    table = briefing(site, "runs")
    assert "failed" in table.stdout and "2 briefings are failing: `briefing retry --failed`" in table.stderr

    # still failing, its retry not yet due: run-due still exits 1, and the hook is not called again
    again = briefing(site, "run-due", "--now", "2024-01-16T10:00:30+08:00")
    assert again.returncode == 1 and "failed before" in again.stderr and len(calls(site)) == 2
    # retried and failing again: no second call either
    retried = briefing(site, "retry", "--failed", "--now", "2024-01-16T10:00:40+08:00")
    assert retried.returncode == 1 and len(calls(site)) == 2
    assert retried.stdout.count(": failed again: ") == 2 and "(next try 2024-01-16 10:02)" in retried.stdout


def test_retry_makes_it_at_once_and_run_due_is_well_again(site):
    break_template(site)
    briefing(site, "run-due", "--now", "2024-01-16T10:00+08:00")
    break_template(site, broken=False)                   # the template is mended
    one = briefing(site, "retry", str(listed(site)[-1]["ID"]), "--now", "2024-01-16T10:00:30+08:00")
    assert one.returncode == 0, one.stderr
    assert one.stdout.strip() == "#1 周报: weekly 2024-W01 扎赉特旗: generated archive/2024/weekly/2024-W01_扎赉特旗_周报.docx"
    still = briefing(site, "run-due", "--now", "2024-01-16T10:00:40+08:00")   # W02 waits for its next try
    assert still.returncode == 1 and "1 briefing is failing" in still.stderr
    rest = briefing(site, "retry", "--failed", "--now", "2024-01-16T10:00:50+08:00")
    assert rest.returncode == 0 and rest.stdout.count(": generated ") == 1
    well = briefing(site, "run-due", "--now", "2024-01-16T10:01+08:00")
    assert well.returncode == 0 and "failing" not in well.stderr
    assert [(r["period"], r["result"], r["attempts"], r["next try"], r["error"]) for r in listed(site)] == [
        ("2024-W02", "generated", 2, "", ""), ("2024-W01", "generated", 2, "", "")]
    assert listed(site, "--failed") == []
    assert briefing(site, "retry", "--failed").stdout.strip() == "no briefing is failing"

    # a week made and then failing anew is a new failure: told again
    break_template(site)
    assert briefing(site, "run-due", "--now", "2024-01-23T10:00+08:00").returncode == 1
    assert [c["BRIEFING_PERIOD"] for c in calls(site)] == ["2024-W01", "2024-W02", "2024-W03"]


def test_retry_refuses_what_it_cannot_retry(site):
    assert briefing(site, "run-due", "--now", "2024-01-09T10:00+08:00").returncode == 0
    done = briefing(site, "retry", "1")
    assert done.returncode == 2 and "briefing #1 is not failed or waiting" in done.stderr
    assert "archive remake" in done.stderr and "Traceback" not in done.stderr
    assert "there is no briefing #99" in briefing(site, "retry", "99").stderr
    neither = briefing(site, "retry")
    assert neither.returncode == 2 and "give the IDs of briefings to retry, or --failed" in neither.stderr


def test_a_hook_that_fails_is_logged_and_the_run_goes_on(site):
    (site / "hooks" / "notify.sh").write_text("#!/bin/sh\necho 'smtp: connection refused' >&2\nexit 7\n",
                                               encoding="utf-8")
    break_template(site)
    result = briefing(site, "run-due", "--now", "2024-01-16T10:00+08:00")
    assert result.returncode == 1                          # for the briefings, not for the hook
    assert "on_failure of 周报 for report #1 exited with status 7; it wrote: smtp: connection refused" in result.stderr
    assert "run as of 2024-01-16T10:00+08:00: 2 due, 0 made, 0 skipped, 0 waiting, 2 failed" in result.stderr


def test_runs_filters_by_schedule_and_count_and_writes_csv(site):
    assert briefing(site, "run-due", "--now", "2024-01-30T10:00+08:00").returncode == 0     # W01–W04
    assert [r["period"] for r in listed(site, "-n", "2")] == ["2024-W04", "2024-W03"]
    assert len(listed(site, "-s", "周报")) == 4 and listed(site, "-s", "月报") == []
    rows = list(csv.reader(io.StringIO(briefing(site, "runs", "-f", "csv").stdout)))
    assert rows[0] == ["ID", "schedule", "template", "period", "region", "result", "started", "took", "attempts",
                       "next try", "error"]
    assert {row[5] for row in rows[1:]} == {"generated"}


def test_times_are_shown_in_the_configured_time_zone(site):
    config(site, timezone="UTC")                          # the schedule keeps its own, Asia/Shanghai
    break_template(site)
    result = briefing(site, "run-due", "--now", "2024-01-16T10:00+08:00")
    assert "run as of 2024-01-16T02:00+00:00" in result.stderr
    assert "due 周报: weekly 2024-W01 扎赉特旗 (due 2024-01-08T00:00+00:00)" in result.stderr
    assert "(tried again after 2024-01-16T02:01+00:00)" in result.stderr
    assert listed(site)[0]["next try"] == "2024-01-16 02:01"
    assert calls(site)[0]["BRIEFING_RETRY_AT"] == "2024-01-16T02:01:00+00:00"
    shown = briefing(site, "archive", "show", "1").stdout
    assert "retry after       2024-01-16 02:01" in shown and "due               2024-01-08 00:00" in shown
    schedules = briefing(site, "schedules", "--now", "2024-01-16T10:00+08:00").stdout
    assert "next: Mon 2024-01-22 08:00 (Mon 2024-01-22 00:00 UTC) → 2024-W03" in schedules
    assert "failing: 2" in schedules and "on failure: " in schedules and "notify.sh --channel 值班 组" in schedules


def test_serve_stamps_its_log_lines_in_the_configured_zone():
    record = logging.LogRecord("briefing.archive.runner", logging.INFO, __file__, 1, "run", None, None)
    record.created = datetime(2024, 1, 22, 0, 0, 3, tzinfo=timezone.utc).timestamp()
    line = ZonedFormatter("%(asctime)s %(levelname)s %(message)s", ZoneInfo("Asia/Shanghai")).format(record)
    assert line == "2024-01-22T08:00:03+08:00 INFO run"
