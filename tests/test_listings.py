"""Listings as a person opens them: CSV with a BOM wherever it lands in a file (Excel reads it as UTF-8), no
BOM into a pipe; -f xlsx a real workbook with numbers as numbers, never onto a terminal; -o FILE kept unless
--force; and in a table, money and large counts written as people write them (1.05亿 元, 110万 公斤)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import write_csv

import briefing

REGIONS = [["代码", "名称", "上级"], ["330100", "钱塘市", ""], ["330101", "东湖区", "330100"],
           ["330102", "西岭县", "330100"]]
INDICATORS = [["代码", "名称", "领域", "类型", "单位", "频率", "小数位"],
              ["fund", "专项资金", "财政", "流量", "万元", "月", "2"],
              ["grain", "粮食收购量", "农业", "流量", "公斤", "月", "1"],
              ["invest", "社会投资", "财政", "流量", "元", "季", ""],
              ["homes", "入户走访户数", "民生", "流量", "户", "月", ""]]
FIGURES = [["指标", "地区", "期间", "数值", "备注"],
           ["专项资金", "东湖区", "2025-01", "10463", "=1+2"],
           ["专项资金", "西岭县", "2025-01", "856.5", ""],
           ["粮食收购量", "东湖区", "2025-01", "1100000", ""],
           ["社会投资", "东湖区", "2025-Q1", "104630000", ""],
           ["入户走访户数", "东湖区", "2025-01", "19532", ""]]


@pytest.fixture
def db(run, tmp_path) -> Path:
    assert run("init").exit_code == 0
    inputs = [write_csv(tmp_path / f"in-{n}.csv", rows) for n, rows in enumerate([REGIONS, INDICATORS, FIGURES])]
    result = run("ingest", *map(str, inputs))
    assert result.exit_code == 0, result.output
    return tmp_path / "t.db"


def briefing_cmd(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", "--db", str(db), *args]


def environment() -> dict:
    """The package this test imports, for the subprocess too."""
    return {**os.environ, "PYTHONPATH": str(Path(briefing.__file__).resolve().parents[1])}


def test_csv_redirected_to_a_file_starts_with_a_bom(db, tmp_path):
    with open(tmp_path / "列表.csv", "wb") as out:
        subprocess.run(briefing_cmd(db, "regions", "-f", "csv"), stdout=out, check=True, env=environment())
    data = (tmp_path / "列表.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and data[3:].decode("utf-8").startswith("代码,名称,上级")
    with open(tmp_path / "列表.csv", "ab") as out:      # >> 列表.csv: no BOM in the middle of the file
        subprocess.run(briefing_cmd(db, "regions", "-f", "csv"), stdout=out, check=True, env=environment())
    assert (tmp_path / "列表.csv").read_bytes().count(codecs.BOM_UTF8) == 1


def test_csv_into_a_pipe_has_no_bom(db):
    piped = subprocess.run(briefing_cmd(db, "regions", "-f", "csv"), capture_output=True, check=True,
                           env=environment()).stdout
    assert piped.startswith("代码,名称".encode())
    assert next(csv.reader(io.StringIO(piped.decode()))) == ["代码", "名称", "上级", "级别"]


def test_out_file_gets_a_bom_and_is_not_replaced_without_force(run, db, tmp_path):
    assert run("observations", "-f", "csv", "-o", "o.csv").exit_code == 0
    data = (tmp_path / "o.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["指标", "地区", "期间", "数值", "单位"]
    assert ["专项资金", "东湖区", "2025-01", "10463", "万元"] in [r[:5] for r in rows]
    again = run("regions", "-f", "csv", "-o", "o.csv")
    assert again.exit_code == 2 and "--force" in again.stderr and (tmp_path / "o.csv").read_bytes() == data
    assert run("regions", "-f", "csv", "-o", "o.csv", "--force").exit_code == 0
    assert (tmp_path / "o.csv").read_text(encoding="utf-8-sig").startswith("代码,名称")


def test_json_never_has_a_bom(run, db, tmp_path):
    assert run("regions", "-f", "json", "-o", "r.json").exit_code == 0
    assert json.loads((tmp_path / "r.json").read_bytes())[1]["名称"] == "东湖区"


def test_xlsx_listing_keeps_numbers_as_numbers_and_text_as_text(run, db, tmp_path):
    assert run("observations", "-f", "xlsx", "-o", "o.xlsx").exit_code == 0
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("指标", "地区", "期间", "数值", "单位", "修订", "录入时间", "来源", "备注")
    own = {(r[0], r[1]): r for r in rows[1:] if r[5] == 1}
    assert own["专项资金", "东湖区"][3] == 10463 and isinstance(own["专项资金", "东湖区"][3], int)
    assert own["专项资金", "西岭县"][3] == 856.5
    assert own["社会投资", "东湖区"][3] == 104630000
    [note] = [c for c in ws["I"] if c.value == "=1+2"]
    assert note.data_type == "s"      # text, as typed: not a formula Excel would run
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_xlsx_goes_to_a_pipe_but_never_onto_a_terminal(db):
    piped = subprocess.run(briefing_cmd(db, "indicators", "-f", "xlsx"), capture_output=True, check=True,
                           env=environment()).stdout
    ws = openpyxl.load_workbook(io.BytesIO(piped)).active
    assert [c.value for c in ws[2]][:2] == ["fund", "专项资金"] and ws.cell(row=2, column=9).value == 2
    main, terminal = pty.openpty()
    try:
        done = subprocess.run(briefing_cmd(db, "indicators", "-f", "xlsx"), stdout=terminal, stderr=subprocess.PIPE,
                              env=environment())
    finally:
        os.close(terminal)
        os.close(main)
    assert done.returncode == 2 and b"-o FILE" in done.stderr


def test_a_table_writes_money_and_large_counts_as_people_do(run, db):
    def shown(*args: str) -> list[list[str]]:
        return [line.split()[3:5] for line in run("observations", *args).output.splitlines()[2:]]

    assert ["1.05亿", "元"] in shown("-r", "东湖区", "-i", "专项资金")    # 10463万元 is over 1亿: in 亿, as briefings write it
    assert shown("-r", "东湖区", "-i", "粮食收购量") == [["110万", "公斤"]]
    assert shown("-r", "东湖区", "-i", "入户走访户数") == [["19532", "户"]]   # not round: stays in digits
    assert shown("-r", "东湖区", "-i", "社会投资") == [["1.05亿", "元"]]       # 104630000元
    assert shown("-r", "西岭县", "-i", "专项资金") == [["856.50", "万元"]]     # below 1亿 a 万元 figure stays in 万元
    assert "10463,万元" in run("observations", "-f", "csv").output and "亿" not in run("observations", "-f", "json").output


def test_archive_list_takes_the_same_formats(run, db, tmp_path):
    assert run("archive", "list", "-f", "xlsx", "-o", "a.xlsx").exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").active["A1"].value == "编号"


def test_templates_take_the_same_formats(run, db, tmp_path):
    """Every command that lists a table writes it as a workbook too: the templates, with the built-in ones."""
    assert run("templates", "-f", "xlsx", "-o", "t.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in sheet[1]][:3] == ["模板", "名称", "期间"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} >= {"weekly", "monthly", "bulletin"}
    assert run("templates", "-f", "xlsx", "-o", "t.xlsx").exit_code == 2            # kept without --force
    listed = run("templates", "-f", "csv").output
    assert listed.startswith("模板,名称,期间") and "\nweekly," in listed
