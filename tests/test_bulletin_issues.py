"""第N期 of the 工作简报 (template `bulletin`), counted per template and region from the ledger: a briefing that fails
gives its number back, a remake and the other script's edition keep theirs, one made outside the archive takes the
next; a ledger made before numbers is numbered in the order of making; and through `briefing run-due` (real
processes, three Mondays, the league and a banner of test_catalogs.py's generated catalog) each region's bulletins
are 第1期, 第2期, 第3期, with the schedule's 报、送、发, and `archive remake` keeps the number."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from test_bulletin import TOP, bulletin, league_db

from briefing.archive.ledger import Key, Ledger
from briefing.figures.period_text import parse_period
from briefing.store.db import Store


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    return league_db(tmp_path_factory.mktemp("bulletin-issues"))


# --- numbering in the ledger ----------------------------------------------------------------------------------

def test_a_briefing_that_fails_gives_its_number_back_and_a_remake_keeps_its_own(office, tmp_path):
    copy = tmp_path / "ledger.db"
    shutil.copy(office, copy)
    with Store(copy, create=False) as store:
        ledger = Ledger(store)

        def claim(week: str, script: str = "simplified"):
            return ledger.claim(Key("bulletin", week, "152500", script), week, "2024-03-01T00:00:00+00:00", "简报",
                                None).report

        def done(report):
            assert ledger.finish(report, [], {"data_batch": 1, "template_version": "v", "software": "t"})

        first = claim("2024-W01")
        done(first)
        second = claim("2024-W02")
        ledger.fail(second, "broken", now="2024-03-01T00:00:00+00:00")
        third = claim("2024-W03")
        assert (first.issue, second.issue, third.issue) == (1, 2, 2)       # W02 failed: W03 is made second
        done(third)
        again = ledger.claim(Key("bulletin", "2024-W02", "152500"), "2024-W02", "2024-03-01T00:00:00+00:00", "简报",
                             None, now="2024-03-02T00:00:00+00:00")
        assert (again.outcome, again.report.issue) == ("retry", 3)
        done(again.report)
        assert ledger.claim_next(Key("bulletin", "2024-W03", "152500"), "x", "2024-03-05T00:00:00+00:00").issue == 2
        assert claim("2024-W03", "traditional").issue == 2                  # the other script's edition: the same
        assert claim("2024-W04").issue == 4
        assert bulletin(copy, period="2024-W05").blocks[0].lines[1] == "第5期"   # outside the archive: the next
        assert bulletin(copy, period="2024-W01").blocks[0].lines[1] == "第1期"   # its period's number


def test_a_ledger_made_before_numbers_is_numbered_in_the_order_its_briefings_were_first_made(office, tmp_path):
    copy = tmp_path / "old.db"
    shutil.copy(office, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("ALTER TABLE reports DROP COLUMN issue")
        conn.execute("ALTER TABLE reports DROP COLUMN recipients")
        conn.execute("DELETE FROM _migrations WHERE name = 'm008_issues'")
        for period, version, status in [("2024-W03", 1, "done"), ("2024-W01", 1, "done"), ("2024-W02", 1, "pruned"),
                                        ("2024-W02", 2, "done"), ("2024-W04", 1, "failed")]:
            conn.execute("INSERT INTO reports (template, period, region, script, version, status, as_of, stem, "
                         "created_at) VALUES ('bulletin', ?, '152500', 'simplified', ?, ?, '', '', '')",
                         [period, version, status])
    with Store(copy, create=False) as store:
        rows = store.db.execute("SELECT period, version, issue FROM reports ORDER BY id").fetchall()
    assert rows == [("2024-W03", 1, 1), ("2024-W01", 1, 2), ("2024-W02", 1, 3), ("2024-W02", 2, 3), ("2024-W04", 1, None)]


# --- through `briefing run-due`, real processes -----------------------------------------------------------------

SCHEDULE = """db = "briefing.db"
archive_dir = "archive"

[[schedule]]
name = "工作简报"
template = "bulletin"
when = "weekly"
regions = ["锡林郭勒盟", "阿巴嘎旗"]
start = 2024-01-01
formats = ["docx", "html"]
recipients = { "报" = ["盟委办公室", "盟行署办公室"], "送" = ["自治区乡村振兴局"], "发" = ["各旗乡村振兴局"] }
"""


def run(site: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "briefing", "--config", "briefing.toml", *args], cwd=site,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def masthead_of(path: Path) -> list[str]:
    paragraphs = docx.Document(io.BytesIO(path.read_bytes())).paragraphs
    return [p.text for p in paragraphs[:3]] + [p.text for p in paragraphs if p.style.name == "Distribution"]


@pytest.fixture(scope="module")
def site(office, tmp_path_factory) -> Path:
    """Three Mondays of `briefing run-due`, each making the week just ended for the league and a banner."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copy(office, folder / "briefing.db")
    (folder / "briefing.toml").write_text(SCHEDULE, encoding="utf-8")
    for day in ("08", "15", "22"):
        made = run(folder, "run-due", "--now", f"2024-01-{day}T10:00+08:00").stdout.split()
        assert len([p for p in made if p.endswith(".docx")]) == 2, made
    return folder


def test_run_due_numbers_each_regions_bulletins_1_2_3_and_prints_the_schedules_recipients(site):
    folder = site / "archive" / "2024" / "bulletin"
    for region in ("锡林郭勒盟", "阿巴嘎旗"):
        for n, week in enumerate(("2024-W01", "2024-W02", "2024-W03"), start=1):
            day = parse_period(week).end.day + 1
            title = "东西部协作工作简报"
            assert masthead_of(folder / f"{week}_{region}_工作简报.docx") == [
                title, f"第{n}期", f"锡林郭勒盟乡村振兴局\t2024年1月{day}日", "\u3000报：盟委办公室，盟行署办公室。",
                "\u3000送：自治区乡村振兴局。", "\u3000发：各旗乡村振兴局。"], (region, week)
        html = (folder / f"2024-W03_{region}_工作简报.html").read_text(encoding="utf-8")
        assert '<div class="masthead-issue">第3期</div>' in html and "<p>送：自治区乡村振兴局。</p>" in html


def test_a_remake_keeps_its_number_and_recipients(site):
    with sqlite3.connect(site / "briefing.db") as conn:
        (ident,) = conn.execute("SELECT id FROM reports WHERE template = 'bulletin' AND period = '2024-W02' "
                                "AND region = '152500'").fetchone()
    same = run(site, "archive", "remake", str(ident))
    assert "byte-identical" in same.stdout                                # the same 第2期, the same block
    run(site, "archive", "remake", str(ident), "--current")
    v2 = site / "archive" / "2024" / "bulletin" / "2024-W02_锡林郭勒盟_工作简报_v2.docx"
    assert masthead_of(v2)[1] == "第2期" and masthead_of(v2)[3] == "\u3000报：盟委办公室，盟行署办公室。"
    outside = run(site, "generate", "--template", "bulletin", "--period", "2024-W05", "--region", TOP,
                  "-o", "out").stdout.split()[0]
    assert masthead_of(site / outside)[1] == "第4期"                      # made outside the archive: the next one
    assert len(masthead_of(site / outside)) == 3                          # no schedule, no settings: no block
