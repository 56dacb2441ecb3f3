"""Hostile input: names never become paths, and files meant for a spreadsheet carry no formulas."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW, TZ, write_csv

from briefing.cli import cli
from briefing.errors import InputError
from briefing.ingest import ingest_files

HEAD_OBSERVATIONS = ["指标", "地区", "期间", "数值", "来源", "备注"]
HOSTILE = "../../../../../outside/pwned"    # from archive/2024/weekly/2024-W02_… it leads to the site's folder


@pytest.fixture
def site(tmp_path: Path, sample_db: Path, monkeypatch) -> Path:
    """The sample database with a weekly schedule for every region, and its archive in the site's folder."""
    shutil.copy(sample_db, tmp_path / "briefing.db")
    (tmp_path / "briefing.toml").write_text(
        'db = "briefing.db"\narchive_dir = "archive"\n\n[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'
        'regions = ["all"]\nstart = 2024-01-08\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def briefing(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, ["--config", "briefing.toml", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def files_outside(site: Path) -> list[Path]:
    """Every file the run left in the site's folder outside the archive, but for the database and settings."""
    return [p for p in site.rglob("*") if p.is_file() and "archive" not in p.relative_to(site).parts
            and not p.name.startswith(("briefing.", "regions", "figures"))]


def test_a_region_named_as_a_path_is_refused_at_ingest_and_nothing_leaves_the_archive(site):
    write_csv(site / "regions.csv", [["代码", "名称", "上级"], ["152299", HOSTILE, "152200"]])
    write_csv(site / "figures.csv", [["指标", "地区", "期间", "数值"], ["诊疗患者人次", "152299", "2024-W02", "5"]])
    refused = briefing("ingest", "regions.csv", "figures.csv", code=1)
    assert "regions.csv row 2, column 名称: contains '/' at position 3" in refused.output
    assert "write the name without /" in refused.output and "nothing was written" in refused.output
    assert HOSTILE not in briefing("regions").output
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")
    assert files_outside(site) == [] and not (site / "outside").exists()


def test_a_path_put_into_the_database_another_way_still_writes_inside_the_archive(site):
    with sqlite3.connect("briefing.db") as conn:
        conn.execute("UPDATE regions SET name = ? WHERE code = '152223'", [HOSTILE])
    made = briefing("run-due", "--now", "2024-01-15T10:00+08:00").output
    assert files_outside(site) == [] and not (site / "outside").exists()
    written = list((site / "archive").rglob("*pwned*.docx"))
    assert len(written) == 1 and written[0].parent == site / "archive" / "2024" / "weekly", made
    assert written[0].name.startswith("2024-W02_") and written[0].name.endswith("pwned~8d6994bd_周报.docx")
    assert "0 missing, 0 corrupt, 0 orphan" in briefing("archive", "verify").output


def test_verify_reports_a_ledger_file_outside_the_archive_and_nothing_is_written_there(site):
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")
    with sqlite3.connect("briefing.db") as conn:
        (report,) = conn.execute("SELECT report FROM report_files ORDER BY report LIMIT 1").fetchone()
        conn.execute("UPDATE report_files SET path = '../../stolen.docx' WHERE report = ?", [report])
    found = briefing("archive", "verify", code=1).output
    assert "outside the archive: ../../stolen.docx" in found and "1 outside the archive" in found
    refused = briefing("archive", "remake", str(report), code=1).output
    assert "'../../stolen.docx' would lie outside the archive" in refused
    assert not (site.parent / "stolen.docx").exists() and files_outside(site) == []


def _refused(store, tmp_path: Path, name: str) -> list[str]:
    path = write_csv(tmp_path / "r.csv", [["代码", "名称", "上级"], ["152299", name, "152200"]])
    try:
        ingest_files(store, [path], TZ, now=NOW)
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.mark.parametrize("name", ["CON", "con", "Prn.txt", "AUX", "nul.docx", "COM1", "com9.tar.gz", "LPT1",
                                  "lpt9"])
def test_names_windows_keeps_for_devices_are_refused(catalog_store, tmp_path, name):
    problems = _refused(catalog_store, tmp_path, name)
    assert len(problems) == 1 and "r.csv row 2, column 名称" in problems[0], problems
    assert "Windows keeps for a device" in problems[0] and "write another name" in problems[0]


@pytest.mark.parametrize("name", ["CONSOLE", "COM10", "LPT", "扎赉特旗北部", "x" * 40])
def test_names_like_them_are_accepted(catalog_store, tmp_path, name):
    assert _refused(catalog_store, tmp_path, name) == []
    assert catalog_store.db.execute("SELECT name FROM regions WHERE code = '152299'").fetchone() == (name,)


@pytest.mark.parametrize("length", [41, 90, 300])
def test_long_names_are_refused_at_ingest(catalog_store, tmp_path, length):
    problems = _refused(catalog_store, tmp_path, "旗" * length)
    assert len(problems) == 1 and "r.csv row 2, column 名称" in problems[0]
    assert f"is {length} characters long, more than the 40 allowed" in problems[0]
    assert "write a shorter name" in problems[0]


@pytest.mark.parametrize("column, value, words", [
    ("代码", "a/b", "contains '/'"), ("代码", ".x", "begins with '.'"), ("名称", "甲\t乙", "contains U+0009"),
    ("名称", "甲:乙", "contains ':'"), ("名称", 'a"b', "contains '\"'"), ("代码", "LPT3", "Windows keeps"),
])
def test_indicator_codes_and_names_are_checked_too(catalog_store, tmp_path, column, value, words):
    head = ["代码", "名称", "领域", "类型", "单位", "频率"]
    row = ["x", "甲", "医疗", "流量", "人", "周"]
    row[head.index(column)] = value
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [write_csv(tmp_path / "i.csv", [head, row])], TZ, now=NOW)
    assert any(p.column == column and words in p.message for p in err.value.problems), str(err.value)


# --- files meant for a spreadsheet ------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","点我")', "+1+1", "@SUM(A1)"]


def test_formulas_typed_in_notes_are_stored_as_typed_and_listed_escaped(catalog_store, tmp_path, run):
    signed = write_csv(tmp_path / "s.csv", [["代码", "名称", "领域", "类型", "单位", "频率", "可为负"],
                                            ["net", "净增户数", "医疗", "流量", "户", "周", "是"]])
    rows = [["净增户数", "扎赉特旗", f"2024-W0{i + 1}", "-5", text, text] for i, text in enumerate(FORMULAS)]
    ingest_files(catalog_store, [signed, write_csv(tmp_path / "f.csv", [HEAD_OBSERVATIONS, *rows])], TZ, now=NOW)
    stored = catalog_store.db.execute("SELECT value, source, note FROM observations ORDER BY period").fetchall()
    assert stored == [(-5.0, text, text) for text in FORMULAS]
    listed = list(csv.reader(run("observations", "-i", "净增户数", "-r", "扎赉特旗", "-f", "csv").output.splitlines()))
    assert [(r[3], r[7], r[8]) for r in listed[1:]] == [("-5", "'" + text, "'" + text) for text in FORMULAS]
    as_json = run("observations", "-i", "净增户数", "-r", "扎赉特旗", "-f", "json").output
    assert '"备注": "+1+1"' in as_json      # not a file for a spreadsheet: as typed


def test_a_rejects_file_escapes_formulas_and_imports_again_as_typed(catalog_store, tmp_path):
    rows = [["诊疗患者人次", "扎赉特旗", f"2024-W0{i + 1}", "五", text, text] for i, text in enumerate(FORMULAS)]
    rows.append(["诊疗患者人次", "扎赉特旗", "2024-W05", "-5", "-5", "'=已加引号"])
    path = write_csv(tmp_path / "f.csv", [HEAD_OBSERVATIONS, *rows])
    ingest_files(catalog_store, [path], TZ, skip_invalid=True, now=NOW)
    rejects = tmp_path / "f.rejects.csv"
    written = list(csv.reader(rejects.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r[5], r[6]) for r in written[1:4]] == [("'" + text, "'" + text) for text in FORMULAS]
    assert written[4][4:7] == ["-5", "-5", "''=已加引号"]      # numbers as they are; a typed ' kept apart
    assert not any(cell.startswith(("=", "+", "@")) for row in written[1:] for cell in row)
    fixed = rejects.read_text(encoding="utf-8-sig").replace(",五,", ",5,").replace(",-5,-5,", ",5,-5,")
    rejects.write_text(fixed, encoding="utf-8-sig")
    ingest_files(catalog_store, [rejects], TZ, now=NOW)
    stored = catalog_store.db.execute("SELECT source, note FROM observations ORDER BY period").fetchall()
    assert stored == [(text, text) for text in FORMULAS] + [("-5", "'=已加引号")]
