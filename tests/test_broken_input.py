"""Hostile and broken input: files that cannot be decoded or parsed, periods at the calendar's ends. Each is
a clear error (exit 1 or 2) naming what is wrong, never an internal error (exit 70), and nothing is written."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INDICATORS, REGIONS, write_csv

from briefing.cli import cli
from briefing.errors import OutOfCalendar
from briefing.figures.period_text import parse_period

HEAD = "指标,地区,期间,数值\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    files = [str(write_csv(tmp_path / "regions.csv", REGIONS)), str(write_csv(tmp_path / "indicators.csv", INDICATORS))]
    assert CliRunner().invoke(cli, ["--db", str(path), "init"]).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", str(path), "ingest", *files]).exit_code == 0
    return path


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def figures(db: Path) -> int:
    import sqlite3
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]


BROKEN = {
    "bom-bad-byte.csv": (codecs.BOM_UTF8 + (HEAD + "诊疗患者人次,扎赉特旗,2024-W03,1").encode() + b"\xff\n",
                         ["row 2", "UTF-8", "byte"]),
    "utf16-odd.csv": (codecs.BOM_UTF16_LE + HEAD.encode("utf-16-le") + b"x", ["row 2", "middle of a character"]),
    "utf16-surrogate.csv": (codecs.BOM_UTF16_LE + HEAD.encode("utf-16-le") + b"\x00\xd8a\x00",
                            ["row 2", "UTF-16", "surrogate"]),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, ["deep.json", "too deeply"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_is_a_clear_error_naming_the_file_and_line(db, tmp_path, name):
    data, words = BROKEN[name]
    (tmp_path / name).write_bytes(data)
    result = run(db, "ingest", str(tmp_path / name))
    assert result.exit_code == 1, result.output
    assert "Internal error" not in result.output and "nothing was written" in result.output
    for word in words:
        assert word in result.output
    assert figures(db) == 0


def test_a_5000_digit_json_integer_is_not_an_internal_error(db, tmp_path):
    path = tmp_path / "big.json"
    path.write_text('[{"指标": "诊疗患者人次", "地区": "扎赉特旗", "期间": "2024-W03", "数值": ' + "9" * 5000 + "}]")
    result = run(db, "ingest", str(path))
    assert result.exit_code in (0, 1) and "Internal error" not in result.output, result.output


def test_a_figure_too_large_for_a_float_is_refused(db, tmp_path):
    path = write_csv(tmp_path / "big.csv", [["指标", "地区", "期间", "数值"], ["诊疗患者人次", "扎赉特旗", "2024-W03", "9" * 400]])
    result = run(db, "ingest", str(path))
    assert result.exit_code == 1 and "row 2, column 数值" in result.output
    assert figures(db) == 0


@pytest.mark.parametrize("period, words", [("9999-W52", "runs past 9999-12-31"),
                                           ("2024-W53", "there is no week 53")])
def test_a_week_past_the_calendar_is_a_problem_of_its_cell(db, tmp_path, period, words):
    path = write_csv(tmp_path / "w.csv", [["指标", "地区", "期间", "数值"], ["诊疗患者人次", "扎赉特旗", period, "1"]])
    result = run(db, "ingest", str(path))
    assert result.exit_code == 1 and "w.csv row 2, column 期间" in result.output and words in result.output
    assert figures(db) == 0


@pytest.mark.parametrize("args", [["generate", "--as-of", "9999-12-31"], ["generate", "--as-of", "0001-01-01"],
                                  ["generate", "--period", "0001-W01"], ["generate", "--period", "9999-W52"],
                                  ["observations", "--as-of", "9999-12-31"]])
def test_a_moment_or_period_at_the_calendars_ends_is_a_usage_error(db, args):
    result = run(db, *args)
    assert result.exit_code == 2, result.output
    assert "Internal error" not in result.output and ("calendar" in result.output or "9999-12-31" in result.output)


def test_run_due_now_at_the_calendars_start_is_a_usage_error(db, tmp_path):
    config = tmp_path / "b.toml"
    config.write_text('[[schedule]]\nname = "周报"\ntemplate = "weekly"\ncron = "0 8 * * 1"\n', encoding="utf-8")
    result = run(db, "--config", str(config), "run-due", "--now", "0001-01-01T00:00")
    assert result.exit_code == 2 and "too near the ends of the calendar" in result.output, result.output


@pytest.mark.parametrize("key, step", [("0001", "previous"), ("0001-W01", "previous"), ("0001-01-01", "previous"),
                                       ("9999", "next"), ("9999-12", "next"), ("9999-W51", "next")])
def test_period_arithmetic_at_the_ends_says_which_end(key, step):
    with pytest.raises(OutOfCalendar, match="calendar holds"):
        getattr(parse_period(key), step)()


def test_the_first_year_has_no_year_ago():
    assert parse_period("0001-W05").year_ago() is None and parse_period("0001-03").year_ago() is None
    assert parse_period("0002-03").year_ago().key == "0001-03"


def big_csv(path: Path, rows: int, bad: bool = False) -> Path:
    lines = [f"诊疗患者人次,扎赉特旗,2024-W03,{'x' if bad else n}\n" for n in range(rows)]
    path.write_text(HEAD + "".join(lines), encoding="utf-8")
    return path


def test_a_file_past_the_row_limit_is_refused_naming_the_setting(db, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_MAX_ROWS", "100")
    result = run(db, "ingest", str(big_csv(tmp_path / "many.csv", 101)))
    assert result.exit_code == 1 and "more than 100 rows" in result.output and "max_rows" in result.output
    assert figures(db) == 0
    assert run(db, "ingest", str(big_csv(tmp_path / "enough.csv", 100))).exit_code == 1  # duplicates, not the limit
    assert "max_rows" not in run(db, "ingest", str(big_csv(tmp_path / "enough.csv", 100))).output


def test_a_file_past_the_size_limit_is_refused_naming_the_setting(db, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_MAX_FILE_MB", "1")
    path = tmp_path / "large.json"
    path.write_text("[" + ",".join(['{"指标": "诊疗患者人次"}'] * 60_000) + "]", encoding="utf-8")
    result = run(db, "ingest", str(path))
    assert result.exit_code == 1 and "more than the 1 MB" in result.output and "max_file_mb" in result.output


def test_a_workbook_is_refused_by_its_declared_dimension_or_unpacked_size(db, tmp_path, monkeypatch):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "填报"
    sheet.append(["指标", "地区", "期间", "数值"])
    for n in range(3000):
        sheet.append(["诊疗患者人次", "扎赉特旗", "2024-W03", n])
    book.save(tmp_path / "book.xlsx")
    monkeypatch.setenv("BRIEFING_MAX_ROWS", "1000")
    result = run(db, "ingest", str(tmp_path / "book.xlsx"))
    assert result.exit_code == 1 and "the sheet '填报' has more than 1,000 rows" in result.output, result.output
    bomb = openpyxl.Workbook(write_only=True)   # well under 1 MB, its sheet unpacks past it
    sheet = bomb.create_sheet("填报")
    for n in range(40_000):
        sheet.append(["诊疗患者人次", "扎赉特旗", "2024-W03", "这一格的文字重复了很多次" * 3])
    bomb.save(tmp_path / "bomb.xlsx")
    assert (tmp_path / "bomb.xlsx").stat().st_size < 2**20
    monkeypatch.setenv("BRIEFING_MAX_ROWS", "100000")
    monkeypatch.setenv("BRIEFING_MAX_FILE_MB", "1")
    result = run(db, "ingest", str(tmp_path / "bomb.xlsx"))
    assert result.exit_code == 1 and "bomb.xlsx: unpacks to" in result.output and "max_file_mb" in result.output


def test_thousands_of_problems_list_the_first_200_and_a_count(db, tmp_path):
    result = run(db, "ingest", str(big_csv(tmp_path / "bad.csv", 5000, bad=True)))
    count = int(re.search(r"([\d,]+) problems in the input", result.output)[1].replace(",", ""))
    assert result.exit_code == 1 and count >= 5000
    assert result.output.count("bad.csv row ") == 200 and f"{count - 200:,} more problems not shown" in result.output
