"""`briefing backfill`: a year of briefings at once, for the sample and for an office generated here that shares no
name with it (a city of districts, monthly figures of its own domain), through the real command: the files named
as everywhere, a summary of what was made, skipped, waiting for data and failed, exit 1 when any failed; a bar
of progress on a terminal and none in a pipe or a log."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from conftest import write_csv

SAMPLE_WORDS = ("兴安盟", "扎赉特旗", "科右前旗", "岭上兴安", "帮扶", "医疗", "诊疗")
PARTS = ("东坡区", "西岭县")


def briefing(site: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "briefing", "--db", "city.db", *args], cwd=site,
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """青松市 and its two districts, two monthly indicators of 文化, figures from 2023-01 to 2024-06."""
    site = tmp_path_factory.mktemp("city")
    months = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)][:18]
    rows = [["指标", "地区", "期间", "数值", "录入时间"]]
    for n, part in enumerate(PARTS):
        for m, month in enumerate(months):
            rows += [["books", part, month, 3000 + 120 * m + 500 * n, f"{month}-28 09:00"],
                     ["shows", part, month, 4 + (m + n) % 5, f"{month}-28 09:00"]]
    files = [write_csv(site / "regions.csv", [["代码", "名称", "上级", "级别"], ["330100", "青松市", "", "市"],
                                              ["330101", PARTS[0], "330100", "区"], ["330102", PARTS[1], "330100", "县"]]),
             write_csv(site / "indicators.csv", [["代码", "名称", "领域", "类型", "单位", "频率"],
                                                 ["books", "图书借阅册数", "文化", "流量", "册", "月"],
                                                 ["shows", "文艺演出场次", "文化", "流量", "场", "月"]]),
             write_csv(site / "observations.csv", rows)]
    assert briefing(site, "init").returncode == 0
    result = briefing(site, "ingest", *(f.name for f in files))
    assert result.returncode == 0, result.stderr
    return site


def test_a_year_of_monthly_briefings_of_every_region(city, tmp_path):
    out = tmp_path / "月报"
    result = briefing(city, "backfill", "-t", "monthly", "--from", "2024-01", "--to", "2024-12", "-r", "all",
                      "-f", "docx,html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"36 briefings in {out}: 18 made, 0 skipped (already there), "
                                     "18 waiting for data, 0 failed")         # July to December have no figures
    assert result.stderr == ""                                                # no progress in a pipe
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 36 and names[:3] == ["2024-01_东坡区_月报.docx", "2024-01_东坡区_月报.html",
                                              "2024-01_西岭县_月报.docx"]
    assert "2024-06_青松市_月报.docx" in names and not [n for n in names if n.startswith("2024-07")]
    text = "\n".join(p.text for p in docx.Document(out / "2024-03_青松市_月报.docx").paragraphs)
    assert "青松市" in text and "图书借阅" in text and not [w for w in SAMPLE_WORDS if w in text]

    again = briefing(city, "backfill", "-t", "monthly", "--from", "2024-01", "--to", "2024-12", "-r", "all",
                     "-f", "docx", "-f", "html", "-o", str(out))
    assert "18 made" not in again.stdout and ": 0 made, 18 skipped (already there), 18 waiting" in again.stdout
    forced = briefing(city, "backfill", "-t", "monthly", "--from", "2024-05", "--to", "2024-06", "-r", "青松市",
                      "-o", str(out), "--force")
    assert ": 2 made, 0 skipped" in forced.stdout


def test_periods_are_those_of_the_template_within_the_dates_given(city, tmp_path):
    result = briefing(city, "backfill", "-t", "monthly", "--from", "2024-W01", "--to", "2024-Q1", "-r", PARTS[1],
                      "-o", str(tmp_path), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"2024-0{m}_西岭县_月报.docx" for m in (1, 2, 3)]


def test_a_briefing_that_fails_is_named_with_why_and_the_backfill_exits_1(city, tmp_path):
    folder = tmp_path / "tpl" / "monthly"
    folder.mkdir(parents=True)
    (folder / "template.toml").write_text('name = "月报"\nperiod = "month"\n', encoding="utf-8")
    (folder / "briefing.md.j2").write_text("# {{ 标题 }}\n\n{{ 本月要闻 }}\n", encoding="utf-8")
    result = briefing(city, "--config", str(write_toml(tmp_path, f'template_dirs = "{tmp_path / "tpl"}"\n')),
                      "backfill", "-t", "monthly", "--from", "2024-05", "--to", "2024-07", "-r", "top",
                      "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stdout.strip().endswith(": 0 made, 0 skipped (already there), 1 waiting for data, 2 failed")
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert [line.split(":")[0] for line in failed] == ["failed 2024-05 青松市", "failed 2024-06 青松市"]
    assert "'本月要闻' is undefined" in failed[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def write_toml(folder: Path, text: str) -> Path:
    path = folder / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_weekly_by_default_for_named_regions(sample_db, tmp_path):
    result = subprocess.run([sys.executable, "-m", "briefing", "--db", str(sample_db), "backfill", "--from",
                             "2024-W01", "--to", "2024-W04", "-r", "扎赉特旗", "-r", "兴安盟", "-o", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert ": 8 made, 0 skipped (already there), 0 waiting for data, 0 failed" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == ["2024-W01_兴安盟_周报.docx", "2024-W01_扎赉特旗_周报.docx"]
    again = subprocess.run([sys.executable, "-m", "briefing", "--db", str(sample_db), "backfill", "--from", "2024-W01",
                            "--to", "2024-W04", "-r", "扎赉特旗", "-r", "兴安盟", "-o", str(tmp_path)],
                           capture_output=True, text=True, timeout=300)       # every one there: nothing to make
    assert again.returncode == 0 and ": 0 made, 8 skipped (already there), 0 waiting for data, 0 failed" in again.stdout
    unknown = subprocess.run([sys.executable, "-m", "briefing", "--db", str(sample_db), "backfill", "--from",
                              "2024-W01", "--to", "2024-W04", "-r", "扎赉特", "-o", str(tmp_path)],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "扎赉特旗" in unknown.stderr and "Traceback" not in unknown.stderr


def test_progress_is_drawn_on_a_terminal_only(city, tmp_path):
    """The same backfill with its standard error on a pseudo-terminal draws a bar there; into a pipe, not."""
    args = [sys.executable, "-m", "briefing", "--db", "city.db", "backfill", "-t", "monthly", "--from", "2024-01",
            "--to", "2024-06", "-r", "all", "-o", str(tmp_path / "tty"), "-j", "1"]
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=city, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    drawn = io.BytesIO()
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:                  # the terminal is closed once the process has ended
            break
        if not chunk:
            break
        drawn.write(chunk)
    out, _ = proc.communicate(timeout=300)
    os.close(leader)
    assert proc.returncode == 0 and b"18 made" in out
    bar = drawn.getvalue().decode("utf-8", errors="replace")
    assert "backfill" in bar and re.search(r"18/18", bar), bar
    piped = briefing(city, "backfill", "-t", "monthly", "--from", "2024-01", "--to", "2024-06", "-r", "all",
                     "-o", str(tmp_path / "pipe"), "-j", "1")
    assert piped.returncode == 0 and piped.stderr == "" and "18 made" in piped.stdout
