"""A league's briefing and the banners that have not reported, through real run-due processes, on a catalog
that shares no name with the sample: held until every banner has reported, up to a deadline; after it,
made with what there is and saying which banners it lacks; the ledger and `archive list` record them."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest

TZ = ZoneInfo("Asia/Shanghai")
REGIONS = "代码,名称,上级\nX,锡林郭勒盟,\nX1,阿巴嘎旗,X\nX2,苏尼特左旗,X\nX3,东乌珠穆沁旗,X\n"
INDICATORS = "代码,名称,领域,类型,单位,频率\ntrain,培训场次,教育,流量,场,周\nherders,培训牧民人数,教育,流量,人,周\n"
TEMPLATE = ('# {{ 标题 }}\n\n{{ 本期 }}，{{ 地区 }}{% for f in 领域("教育") %}{{ f.简称 }}{{ f.本期 }}'
            '{{ "，" if not loop.last }}{% endfor %}。{% if 未报送 %}（{{ 未报送 | join("、") }}未报送）{% endif %}\n')


def run(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", "briefing.toml", *args], cwd=site,
                          capture_output=True, text=True, timeout=120)


def report(site: Path, week: str, banners: list[str], entered: str) -> None:
    rows = ["指标,地区,期间,数值,录入时间"] + [f"{ind},{b},{week},{n},{entered}" for b in banners
                                            for ind, n in (("train", 3), ("herders", 40))]
    (site / f"{week}-{len(banners)}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(site, "ingest", f"{week}-{len(banners)}.csv")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "tpl" / "mine").mkdir(parents=True)
    (tmp_path / "tpl" / "mine" / "template.toml").write_text('name = "周报"\nperiod = "week"\n', encoding="utf-8")
    (tmp_path / "tpl" / "mine" / "briefing.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "briefing.toml").write_text(
        'db = "b.db"\narchive_dir = "archive"\ntemplate_dirs = "tpl"\n\n[[schedule]]\nname = "盟周报"\n'
        'template = "mine"\nwhen = "weekly"\nregions = ["锡林郭勒盟"]\nstart = 2024-01-08\nhold_hours = 48\n',
        encoding="utf-8")
    (tmp_path / "regions.csv").write_text(REGIONS, encoding="utf-8")
    (tmp_path / "indicators.csv").write_text(INDICATORS, encoding="utf-8")
    assert run(tmp_path, "init").returncode == 0
    assert run(tmp_path, "ingest", "regions.csv", "indicators.csv").returncode == 0
    report(tmp_path, "2024-W01", ["阿巴嘎旗", "苏尼特左旗", "东乌珠穆沁旗"], "2024-01-08 09:00")
    report(tmp_path, "2024-W02", ["阿巴嘎旗"], "2024-01-15 09:00")
    return tmp_path


def run_due(site: Path, moment: str) -> subprocess.CompletedProcess:
    result = run(site, "run-due", "--now", datetime.fromisoformat(moment).replace(tzinfo=TZ).isoformat())
    assert result.returncode == 0, result.stderr
    return result


def ledger(site: Path) -> list[tuple]:
    with sqlite3.connect(site / "b.db") as conn:
        return conn.execute("SELECT period, status, missing FROM reports ORDER BY id").fetchall()


def text_of(site: Path, result: subprocess.CompletedProcess) -> str:
    [path] = result.stdout.split()
    return "\n".join(p.text for p in docx.Document(io.BytesIO((site / path).read_bytes())).paragraphs)


def test_held_until_the_deadline_then_made_naming_the_banners_it_lacks(site):
    first = run_due(site, "2024-01-15T10:00")
    assert first.stdout == "" and "苏尼特左旗、东乌珠穆沁旗 have not reported yet" in first.stderr
    assert ledger(site) == [("2024-W02", "waiting", None)]
    report(site, "2024-W02", ["苏尼特左旗"], "2024-01-15 11:00")
    second = run_due(site, "2024-01-16T12:00")
    assert second.stdout == "" and "东乌珠穆沁旗 has not reported yet" in second.stderr
    assert "(looked at again after 2024-01-16T14:00+08:00)" in second.stderr       # 2 hours on, before the deadline
    made = run_due(site, "2024-01-17T08:30")                                          # the deadline has passed
    assert "锡林郭勒盟培训牧民80人，培训6场。（东乌珠穆沁旗未报送）" in text_of(site, made)
    assert ledger(site) == [("2024-W02", "done", '["东乌珠穆沁旗"]')]
    listing = run(site, "archive", "list", "-f", "csv").stdout.splitlines()
    assert listing[0].split(",")[8] == "未报送" and listing[1].split(",")[8] == "东乌珠穆沁旗"


def test_made_as_soon_as_every_banner_has_reported(site):
    assert run_due(site, "2024-01-15T10:00").stdout == ""
    report(site, "2024-W02", ["苏尼特左旗", "东乌珠穆沁旗"], "2024-01-15 10:30")
    made = run_due(site, "2024-01-15T11:05")
    text = text_of(site, made)
    assert "锡林郭勒盟培训牧民120人，培训9场。" in text and "未报送" not in text
    assert ledger(site) == [("2024-W02", "done", "[]")]
    with zipfile.ZipFile(site / made.stdout.strip()) as package:
        assert package.testzip() is None


def test_without_a_hold_it_is_made_at_once_and_says_what_it_lacks(site):
    config = (site / "briefing.toml").read_text(encoding="utf-8").replace("hold_hours = 48\n", "")
    (site / "briefing.toml").write_text(config, encoding="utf-8")
    made = run_due(site, "2024-01-15T10:00")
    assert "（苏尼特左旗、东乌珠穆沁旗未报送）" in text_of(site, made)


# --- figures that arrive or change after a briefing was made ---------------------------------------------

def corrections_site(site: Path, policy: str) -> None:
    config = (site / "briefing.toml").read_text(encoding="utf-8").replace("hold_hours = 48\n",
                                                                        f'corrections = "{policy}"\n')
    (site / "briefing.toml").write_text(config, encoding="utf-8")
    report(site, "2024-W02", ["苏尼特左旗", "东乌珠穆沁旗"], "2024-01-15 09:00")
    assert run_due(site, "2024-01-15T10:00").stdout.strip().endswith("2024-W02_锡林郭勒盟_周报.docx")
    late = "指标,地区,期间,数值,录入时间\ntrain,苏尼特左旗,2024-W02,5,2024-01-18 16:00\n"   # 3 → 5, three days on
    (site / "late.csv").write_text(late, encoding="utf-8")
    assert run(site, "ingest", "late.csv").returncode == 0


def test_automatically_a_corrected_edition_says_what_changed(site):
    corrections_site(site, "auto")
    result = run_due(site, "2024-01-19T10:00")
    assert "corrected 盟周报: mine 2024-W02 锡林郭勒盟: 1 figure(s) changed; version 2" in result.stderr
    assert ", 1 corrected" in result.stderr
    text = text_of(site, result)
    assert text.splitlines()[0].endswith("（更正版）")
    assert "更正说明：本期数据于2024年1月19日更新，苏尼特左旗培训场次由3场更正为5场。" in text
    assert "培训11场" in text                                                # 3 + 5 + 3
    again = run_due(site, "2024-01-19T11:00")                                 # corrected once, not again
    assert again.stdout == "" and "corrected" not in again.stderr
    listing = run(site, "archive", "list", "-f", "csv").stdout.splitlines()
    assert len(listing) == 3 and "out of date" not in "".join(listing)      # the corrected edition is current


@pytest.mark.parametrize("policy, said", [("ask", "archive remake 1 --current"), ("never", None)])
def test_by_policy_a_late_figure_is_only_told_or_left(site, policy, said):
    corrections_site(site, policy)
    result = run_due(site, "2024-01-19T10:00")
    assert result.stdout == "" and ("out of date" in result.stderr) == (said is not None)
    if said:
        assert said in result.stderr
    assert [r[1] for r in ledger(site)] == ["done"]
    assert "done (out of date: 1 changed)" in run(site, "archive", "list").stdout


def test_the_built_in_weekly_briefing_says_which_banners_it_lacks(site):
    result = run(site, "generate", "--template", "weekly", "--period", "2024-W02", "-f", "html", "-o", "out")
    assert result.returncode == 0, result.stderr
    page = (site / "out" / "2024-W02_锡林郭勒盟_周报.html").read_text(encoding="utf-8")
    assert "培训牧民40人、培训3场（苏尼特左旗、东乌珠穆沁旗未报送）。" in page
    assert "本周，培训牧民40人；培训3场。" in page and "环比" not in page   # one banner against three: no change


# --- the office's words are written as typed, never parsed as markup ---------------------------------------

HOSTILE = ["**重点** 工作<img src=x onerror=1>", "# 不是标题", "- 不是列表", "| 不 | 是表格 |", "1. 不是编号",
           "`代码` [链接](http://x) \\*"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_highlight_is_written_as_typed(site, text):
    tpl = site / "tpl" / "mine" / "briefing.md.j2"
    tpl.write_text(TEMPLATE + "\n{% for h in 亮点 %}\n{{ h.text }}\n\n{% endfor %}\n| 地区 | 亮点 |\n|---|---|\n"
                   "{% for h in 亮点 %}| {{ h.region }} | {{ h.text }} |\n{% endfor %}", encoding="utf-8")
    rows = f"日期,地区,领域,内容\n2024-01-10,阿巴嘎旗,教育,\"{text.replace(chr(34), chr(34) * 2)}\"\n"
    (site / "h.csv").write_text(rows, encoding="utf-8")
    assert run(site, "ingest", "h.csv").returncode == 0
    result = run(site, "generate", "--template", "mine", "--period", "2024-W02", "-o", "out")
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(site / "out" / "2024-W02_锡林郭勒盟_周报.docx"))
    assert any(p.text.endswith(text) for p in document.paragraphs)           # as typed: no bold, no tag, no heading
    [table] = document.tables
    assert [c.text for c in table.rows[1].cells] == ["阿巴嘎旗", text]          # a | in the data adds no column


def test_highlights_are_never_patterns(site):
    """Once the verifier compiled highlights as regular expressions: (x+x+)+y beside a long run of x hung a
    run, and **重点** crashed it (nothing to repeat)."""
    rows = "日期,地区,领域,内容\n2024-01-10,阿巴嘎旗,教育,(x+x+)+y\n2024-01-11,阿巴嘎旗,教育," + "x" * 60 + \
           "\n2024-01-12,苏尼特左旗,教育,**重点** 工作\n"
    (site / "h.csv").write_text(rows, encoding="utf-8")
    assert run(site, "ingest", "h.csv").returncode == 0
    tpl = site / "tpl" / "mine" / "briefing.md.j2"
    tpl.write_text(TEMPLATE + "\n\n{% for h in 亮点 %}{{ h.text }}；{% endfor %}\n", encoding="utf-8")
    result = run(site, "generate", "--template", "mine", "--period", "2024-W02", "-o", "out")
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(site / "out" / "2024-W02_锡林郭勒盟_周报.docx")).paragraphs)
    assert "(x+x+)+y；" + "x" * 60 + "；**重点** 工作；" in text
