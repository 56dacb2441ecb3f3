"""`briefing form`: the fill-in sheet a banner fills, read back with openpyxl as Excel would show it, filled
in and imported with `briefing ingest` as it is; on the sample and on a catalog of another league."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import write_csv
from openpyxl.worksheet.cell_range import CellRange

HEADER = ["领域", "指标", "单位", "地区", "期间", "数值", "备注"]
WEEKLY = ["诊疗患者人次", "手术示教例数", "培训讲座次数", "会诊义诊人次"]

# Another league, sharing no name with the sample: its banners report monthly figures in 公斤 and 万元.
OTHER_REGIONS = [["代码", "名称", "上级", "级别", "排序"], ["152500", "锡林郭勒盟", "", "盟", "1"],
                 ["152530", "正蓝旗", "152500", "旗", "2"], ["152531", "多伦县", "152500", "县", "3"],
                 ["152527", "太仆寺旗", "152500", "旗", "4"]]
OTHER_INDICATORS = [
    ["代码", "名称", "领域", "类型", "单位", "频率", "地区汇总", "分子", "分母", "小数位", "可为负", "排序"],
    ["milk", "鲜奶收购量", "畜牧", "流量", "公斤", "月", "", "", "", "1", "", "1"],
    ["subsidy", "到户补贴资金", "财政", "流量", "万元", "月", "", "", "", "2", "", "2"],
    ["balance", "合作社盈余", "财政", "流量", "万元", "月", "", "", "", "2", "是", "3"],
    ["herders", "参保牧户数", "畜牧", "存量", "户", "月", "", "", "", "", "", "4"],
    ["insured", "已参保牧户数", "畜牧", "存量", "户", "月", "", "", "", "", "", "5"],
    ["cover", "牧户参保率", "畜牧", "比率", "%", "月", "比值", "insured", "herders", "1", "", "6"],
    ["grass", "草场覆盖度", "生态", "比率", "%", "月", "不汇总", "", "", "1", "", "7"],
    ["checks", "防疫检查次数", "畜牧", "流量", "次", "周", "", "", "", "", "", "8"],
]
MONTHLY = ["鲜奶收购量", "到户补贴资金", "合作社盈余", "参保牧户数", "已参保牧户数", "草场覆盖度"]


@pytest.fixture
def demo(run, tmp_path) -> Path:
    assert run("demo", "--out", "d.db", db=False).exit_code == 0
    return tmp_path / "d.db"


@pytest.fixture
def other(run, tmp_path) -> Path:
    assert run("init").exit_code == 0
    result = run("ingest", str(write_csv(tmp_path / "r.csv", OTHER_REGIONS)),
                 str(write_csv(tmp_path / "i.csv", OTHER_INDICATORS)))
    assert result.exit_code == 0, result.output
    return tmp_path / "t.db"


def form_of(run, db: Path, *args: str) -> openpyxl.Workbook:
    result = run("--db", str(db), "form", *args, db=False)
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(Path(result.stdout.strip()))


def table(ws) -> tuple[int, list[tuple]]:
    """The header's row and the rows under it, up to the first empty row."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if list(row[:7]) == HEADER or row[:2] == ("地区", "期间"))
    body = []
    for row in rows[top + 1:]:
        if not any(v is not None for v in row):
            break
        body.append(row)
    return top + 1, body


def validations(ws, cell: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if any(cell in CellRange(str(r)) for r in dv.sqref.ranges)]


def test_the_sample_form_of_a_banner_for_a_week(run, demo):
    book = form_of(run, demo, "--period", "2024-W05", "--region", "扎赉特旗", "-o", "第5周.xlsx")
    ws = book["填报表"]
    assert [ws.cell(row=r, column=1).value for r in (1, 2, 3)] == [
        "干部人才“组团式”帮扶", "扎赉特旗 2024年第5周（1月29日—2月4日）数据填报表",
        "地区：扎赉特旗　期间：2024年第5周（1月29日—2月4日）"]
    top, rows = table(ws)
    assert [r[:5] for r in rows] == [("医疗", name, unit, "扎赉特旗", "2024-W05") for name, unit in
                                     zip(WEEKLY, ["人次", "例", "次", "人次"])]
    assert all(r[5] is None and r[6] is None for r in rows)
    notes = [ws.cell(row=r, column=1).value for r in range(top + len(rows) + 2, ws.max_row + 1)]
    assert notes[:3] == ["填报人：", "审核人：", "填报日期："] and notes[3].startswith("注：")
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.column_dimensions["B"].width >= 14 and ws.column_dimensions["G"].width >= 20   # 会诊义诊人次 readable


def test_only_the_cells_to_fill_can_be_changed(run, demo):
    ws = form_of(run, demo, "-p", "2024-W05", "-r", "扎赉特旗", "-o", "f.xlsx")["填报表"]
    top, rows = table(ws)
    assert ws.protection.sheet is True and not ws.protection.password
    assert all(ws.cell(row=r, column=c).protection.locked for r in range(1, top + 1) for c in range(1, 8))
    for r in range(top + 1, top + 1 + len(rows)):
        locked = {HEADER[c - 1]: ws.cell(row=r, column=c).protection.locked for c in range(1, 8)}
        assert locked == {"领域": True, "指标": True, "单位": True, "地区": False, "期间": True, "数值": False,
                          "备注": False}
    labels = {ws.cell(row=r, column=1).value: r for r in range(top + len(rows) + 1, ws.max_row + 1)}
    for label in ("填报人：", "审核人：", "填报日期："):
        assert ws.cell(row=labels[label], column=1).protection.locked
        assert not ws.cell(row=labels[label], column=2).protection.locked


def test_the_region_drop_down_lists_the_catalogs_regions(run, demo):
    book = form_of(run, demo, "-p", "2024-W05", "-r", "扎赉特旗", "-o", "f.xlsx")
    ws = book["填报表"]
    top, _ = table(ws)
    [dv] = validations(ws, f"D{top + 1}")
    assert dv.type == "list" and dv.showErrorMessage
    sheet, cells = dv.formula1.split("!")
    listed = book[sheet.strip("'")]
    assert listed.sheet_state == "hidden" and listed.protection.sheet
    assert [c.value for row in listed[cells.replace("$", "")] for c in row] == ["兴安盟", "科右前旗", "科右中旗",
                                                                                 "扎赉特旗"]
    [number] = validations(ws, f"F{top + 1}")
    assert number.type == "decimal" and number.operator == "greaterThanOrEqual" and number.formula1 == "0"
    assert number.showInputMessage and "人次" in number.prompt and number.promptTitle == "诊疗患者人次"


def test_a_filled_form_imports_with_no_other_step(run, demo, tmp_path):
    run("--db", str(demo), "form", "-p", "2024-W05", "-r", "扎赉特旗", "-o", "第5周.xlsx", db=False)
    book = openpyxl.load_workbook(tmp_path / "第5周.xlsx")
    ws = book["填报表"]
    top, rows = table(ws)
    for r, (value, note) in enumerate([(230, "含夜间急诊"), (3, None), (None, None), (17, None)], start=top + 1):
        ws.cell(row=r, column=6).value = value
        ws.cell(row=r, column=7).value = note
    end = top + len(rows)
    for r, value in zip(range(end + 2, end + 5), ["王芳", "李强", date(2024, 2, 5)]):
        ws.cell(row=r, column=2).value = value
    book.save(tmp_path / "第5周.xlsx")
    result = run("--db", str(demo), "ingest", "第5周.xlsx", db=False)
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output and "1 without a figure" in result.output
    with sqlite3.connect(demo) as conn:
        got = conn.execute("SELECT indicator, value, note FROM observations WHERE region = '152223' AND "
                           "period = '2024-W05' ORDER BY indicator").fetchall()
    assert got == [("med_consultations", 17.0, None), ("med_patients", 230.0, "含夜间急诊"),
                   ("med_surgery_teaching", 3.0, None)]


def test_another_leagues_monthly_form_for_its_banners(run, other):
    book = form_of(run, other, "--period", "2025年3月")
    ws = book["填报表"]
    assert ws.cell(row=1, column=1).value == "锡林郭勒盟 2025年3月数据填报表"   # no programme: no line for it
    top, rows = table(ws)
    assert top == 3
    banners = ["正蓝旗", "多伦县", "太仆寺旗"]
    assert [(r[1], r[3]) for r in rows] == [(name, banner) for banner in banners for name in MONTHLY]
    units = {r[1]: r[2] for r in rows}
    assert units["鲜奶收购量"] == "公斤" and units["到户补贴资金"] == "万元" and "牧户参保率" not in units
    assert {r[4] for r in rows} == {"2025-03"}
    checks = {r[1]: validations(ws, f"F{n}")[0] for n, r in enumerate(rows, start=top + 1)}
    assert (checks["草场覆盖度"].operator, checks["草场覆盖度"].formula1, checks["草场覆盖度"].formula2) == \
        ("between", "0", "100")
    assert checks["合作社盈余"].operator == "between" and checks["合作社盈余"].formula1.startswith("-")
    assert "万元" in checks["到户补贴资金"].prompt and "2位小数" in checks["到户补贴资金"].prompt
    assert "公斤" in checks["鲜奶收购量"].prompt


def test_another_leagues_form_round_trip(run, other, tmp_path):
    run("--db", str(other), "form", "-p", "2025-03", "-r", "多伦县", "-o", "多伦县.xlsx", db=False)
    book = openpyxl.load_workbook(tmp_path / "多伦县.xlsx")
    ws = book["填报表"]
    top, rows = table(ws)
    filled = {"鲜奶收购量": 1520.5, "到户补贴资金": 10463, "合作社盈余": -12.5, "草场覆盖度": 61.3}
    for n, row in enumerate(rows, start=top + 1):
        ws.cell(row=n, column=6).value = filled.get(row[1])
    book.save(tmp_path / "多伦县.xlsx")
    result = run("--db", str(other), "ingest", "多伦县.xlsx", db=False)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(other) as conn:
        got = dict(conn.execute("SELECT indicator, value FROM observations WHERE region = '152531' "
                                "AND period = '2025-03'").fetchall())
    assert got == {"milk": 1520.5, "subsidy": 10463.0, "balance": -12.5, "grass": 61.3}


def test_the_wide_layout_has_a_row_per_region_and_a_column_per_indicator(run, other):
    ws = form_of(run, other, "-p", "2025-03", "-r", "all", "--layout", "wide", "-o", "w.xlsx")["填报表"]
    top, rows = table(ws)
    header = [c.value for c in ws[top]]
    assert header[:2] == ["地区", "期间"] and header[2:] == [
        "鲜奶收购量（公斤）", "到户补贴资金（万元）", "合作社盈余（万元）", "参保牧户数（户）", "已参保牧户数（户）", "草场覆盖度（%）"]
    assert [r[:2] for r in rows] == [("锡林郭勒盟", "2025-03"), ("正蓝旗", "2025-03"), ("多伦县", "2025-03"),
                                     ("太仆寺旗", "2025-03")]
    league = top + 1        # the league reports only what does not add up from its banners: 草场覆盖度
    assert [ws.cell(row=league, column=c).protection.locked for c in range(3, 9)] == [True] * 5 + [False]
    assert not any(ws.cell(row=league + 1, column=c).protection.locked for c in range(3, 9))
    assert ws.freeze_panes == f"C{top + 1}"


def test_the_banners_report_what_they_have_reported(run, demo):
    ws = form_of(run, demo, "-p", "2024-01", "-r", "科右前旗", "-r", "扎赉特旗", "-o", "m.xlsx")["填报表"]
    _, rows = table(ws)
    by_region = {name: [r[1] for r in rows if r[3] == name] for name in ("科右前旗", "扎赉特旗")}
    assert "教师培训场次" in by_region["扎赉特旗"] and "教师培训场次" not in by_region["科右前旗"]
    assert "带动企业增收" in by_region["科右前旗"]
    assert ws.cell(row=2, column=1).value == "科右前旗、扎赉特旗 2024年1月数据填报表"


def test_a_region_named_that_reports_nothing_then_is_left_out_and_said_so(run, demo):
    result = run("--db", str(demo), "form", "-p", "2024-W05", "-r", "兴安盟", "-r", "扎赉特旗", "-o", "f.xlsx", db=False)
    assert result.exit_code == 0 and "兴安盟" in result.stderr
    _, rows = table(openpyxl.load_workbook("f.xlsx")["填报表"])
    assert {r[3] for r in rows} == {"扎赉特旗"}


def test_an_existing_file_is_kept_without_force(run, demo, tmp_path):
    args = ["--db", str(demo), "form", "-p", "2024-W05", "-r", "扎赉特旗", "-o", "f.xlsx"]
    (tmp_path / "f.xlsx").write_bytes(b"mine")
    refused = run(*args, db=False)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert (tmp_path / "f.xlsx").read_bytes() == b"mine"
    assert run(*args, "--force", db=False).exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "f.xlsx")["填报表"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".f.xlsx")] == []   # no temporary left


def test_the_default_file_name_and_period(run, demo, tmp_path):
    result = run("--db", str(demo), "form", "-r", "扎赉特旗", db=False)
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip())
    assert written.parent == Path(".") and written.name.endswith("_扎赉特旗_填报表.xlsx")
    assert "-W" in written.name     # weekly: the shortest frequency 扎赉特旗 reports


@pytest.mark.parametrize("args, words", [
    (["-p", "2024-W05", "-r", "扎赉特"], "扎赉特旗"),                # a near miss: did you mean
    (["-p", "2024-Q1", "-r", "扎赉特旗"], "quarter"),               # no quarterly indicator: an empty form
    (["-p", "2024-W05", "-o", "f.csv"], ".xlsx"),
    (["-p", "第五周"], "2024-W03"),
])
def test_a_form_that_cannot_be_made_says_why(run, demo, tmp_path, args, words):
    result = run("--db", str(demo), "form", *args, db=False)
    assert result.exit_code == 2 and words in result.stderr
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob("*.csv"))
