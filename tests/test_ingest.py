"""Ingest: every file kind and encoding, every validation error with its place, all-or-nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import NOW, TZ, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import InputError
from briefing.ingest import ingest_files
from briefing.store.catalog import Catalog, template_folders
from briefing.store.observations import Observations

HEAD = ["指标", "地区", "期间", "数值", "备注"]


def count(store, table: str = "observations") -> int:
    return store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def values(store, indicator: str = "patients") -> dict:
    obs = Observations(store.db)
    return {(f.region, f.period.key): f.value for f in obs.stored(indicator, list(obs.catalog.regions)).values()}


def test_csv_round_trip_with_formats_people_type(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [
        ["指标", "地区", "期间", "数值"],
        ["诊疗患者人次", "扎赉特旗", "2024-W02", "19,532"],
        ["patients", "152221", "2024年第1周", "１２３"],          # full-width digits, Chinese period
        ["诊疗患者人次", "科右中旗", "2024-W01", "1.2万"],
        ["诊疗患者人次", "科右中旗", "2024-W02", "—"],            # missing: skipped, never a zero
        ["诊疗患者人次", "科右前旗", "2024-W02", ""],
        ["就业率", "兴安盟", "2023", "99.25%"],
    ])
    report = ingest_files(catalog_store, [path], TZ, now=NOW)
    assert values(catalog_store) == {("152223", "2024-W02"): Decimal(19532), ("152221", "2024-W01"): Decimal(123),
                                     ("152222", "2024-W01"): Decimal(12000)}
    assert values(catalog_store, "emp_rate") == {("152200", "2023"): Decimal("99.25")}
    assert report.outcomes[0].missing == 2 and report.outcomes[0].added == 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_excel_writes(catalog_store, tmp_path, encoding):
    path = write_csv(tmp_path / "f.csv", [HEAD, ["诊疗患者人次", "扎赉特旗", "2024-W02", "15", "扎赉特旗人民医院"]],
                     encoding=encoding)
    ingest_files(catalog_store, [path], TZ, now=NOW)
    assert values(catalog_store) == {("152223", "2024-W02"): Decimal(15)}
    note = catalog_store.db.execute("SELECT note FROM observations").fetchone()[0]
    assert note == "扎赉特旗人民医院"


def test_an_unreadable_encoding_is_named(catalog_store, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("指标,地区\n".encode("utf-8") + b"\xff\xfe\xfa\x80\x81")
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert "f.csv" in str(err.value) and "CSV UTF-8" in str(err.value)


def test_xlsx_sheets_and_percent_cells(catalog_store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "观测"
    sheet.append(["指标", "地区", "期间", "数值"])
    sheet.append(["就业率", "兴安盟", "2023", 0.9925])
    sheet["D2"].number_format = "0.00%"
    sheet.append(["诊疗患者人次", "扎赉特旗", "2024-W02", 211])
    notes = book.create_sheet("亮点")
    notes.append(["日期", "地区", "领域", "内容"])
    notes.append(["2024-01-09", "扎赉特旗", "医疗", "完成首例肾囊肿微创手术"])
    book.save(tmp_path / "f.xlsx")
    ingest_files(catalog_store, [tmp_path / "f.xlsx"], TZ, now=NOW)
    assert values(catalog_store, "emp_rate") == {("152200", "2023"): Decimal("99.25")}
    assert values(catalog_store) == {("152223", "2024-W02"): Decimal(211)}
    assert count(catalog_store, "highlights") == 1


def test_xlsx_errors_name_the_sheet(catalog_store, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "第一周"
    book.active.append(["指标", "地区", "期间", "数值"])
    book.active.append(["诊疗患者人次", "扎赉特旗", "2024-W02", "abc"])
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [tmp_path / "f.xlsx"], TZ, now=NOW)
    assert "f.xlsx [第一周] row 2, column 数值" in str(err.value)


def test_json_list_and_tables(catalog_store, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(
        [{"indicator": "patients", "region": "扎赉特旗", "period": "2024-W02", "value": 211}]), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"observations": [
        {"指标": "就业率", "地区": "兴安盟", "期间": "2023", "数值": "99.25%"}]}, ensure_ascii=False), encoding="utf-8")
    ingest_files(catalog_store, [tmp_path / "a.json", tmp_path / "b.json"], TZ, now=NOW)
    assert count(catalog_store) == 2


# Each bad row, the column the problem is reported in, and words the message must contain.
BAD_ROWS = [
    (["诊疗患者人数", "扎赉特旗", "2024-W02", "5"], "指标", "did you mean '诊疗患者人次'"),
    (["诊疗患者人次", "扎赉特", "2024-W02", "5"], "地区", "did you mean '扎赉特旗'"),
    (["诊疗患者人次", "扎赉特旗", "2024-W54", "5"], "期间", "2024-W54"),
    (["诊疗患者人次", "扎赉特旗", "2024-01", "5"], "期间", "is a month, expected a week"),
    (["诊疗患者人次", "扎赉特旗", "2099-W02", "5"], "期间", "has not begun"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "五"], "数值", "not a number"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "inf"], "数值", "not a finite number"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "NaN"], "数值", "not a finite number"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "-5"], "数值", "negative"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5%"], "数值", "is a percentage"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5公斤"], "数值", "carries the unit '公斤'"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "1,23"], "数值", "not a number"),
    (["就业率", "兴安盟", "2023", "100.5"], "数值", "outside 0–100"),
    (["就业率", "兴安盟", "2023", "-0.5%"], "数值", "outside 0–100"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "坏\x0b字"], "备注", "U+000B"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "坏\ufdd0字"], "备注", "U+FDD0"),   # a provenance mark
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "", "例"], "单位", "disagrees"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "", "", "2030-01-01 08:00"], "录入时间", "in the future"),
    (["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "", "", "昨天"], "录入时间", "not a date and time"),
]


@pytest.mark.parametrize("row, column, words", BAD_ROWS, ids=[w for *_, w in BAD_ROWS])
def test_each_bad_value_is_named_and_nothing_is_written(catalog_store, tmp_path, row, column, words):
    head = ["指标", "地区", "期间", "数值", "备注", "单位", "录入时间"]
    good = ["诊疗患者人次", "科右前旗", "2024-W02", "7"]
    path = tmp_path / "bad.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows([head, good, row])
    path.write_bytes(buf.getvalue().encode("utf-8", errors="surrogatepass"))
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (str(path), 3, column)
    assert words in problem.message
    assert count(catalog_store) == 0 and count(catalog_store, "batches") == 0


def test_lone_surrogates_from_json_are_named(catalog_store, tmp_path):
    (tmp_path / "s.json").write_text('[{"指标": "patients", "地区": "扎赉特旗", "期间": "2024-W02", "数值": 5, '
                                     '"备注": "坏\\ud800字"}]', encoding="utf-8")
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [tmp_path / "s.json"], TZ, now=NOW)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "备注")]
    assert "U+D800" in str(err.value) and count(catalog_store) == 0


def test_duplicates_within_a_file(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"],
                                          ["patients", "152223", "2024年第2周", "6"]])
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert err.value.problems[0].row == 3 and "row 2" in err.value.problems[0].message


def test_every_problem_is_listed_not_only_the_first(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["x", "扎赉特旗", "2024-W02", "5"],
                                          ["诊疗患者人次", "y", "2024-W02", "z"]])
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "指标"), (3, "地区"), (3, "数值")]
    assert "3 problems" in str(err.value)


def test_one_bad_file_keeps_every_file_out(catalog_store, tmp_path):
    good = write_csv(tmp_path / "good.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"]])
    bad = write_csv(tmp_path / "bad.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W03", "x"]])
    with pytest.raises(InputError):
        ingest_files(catalog_store, [good, bad], TZ, now=NOW)
    assert count(catalog_store) == 0


@pytest.mark.parametrize("headers, words", [
    (["指标", "地区", "期间", "数值", "备往"], "unknown column"),
    (["指标", "地区", "期间", "数值", "数据"], "names the same column as '数值'"),
    (["foo", "bar"], "cannot tell what this table holds"),
    (["指标", "范围", "保持者", "数值"], "missing the column 期间"),
])
def test_header_problems(catalog_store, tmp_path, headers, words):
    path = write_csv(tmp_path / "f.csv", [headers, ["1"] * len(headers)])
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert words in str(err.value) and "row 1" in str(err.value)


def test_skip_invalid_keeps_the_valid_rows_and_writes_rejects(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"],
                                          ["诊疗患者人次", "扎赉特旗", "2024-W03", "五"]])
    report = ingest_files(catalog_store, [path], TZ, skip_invalid=True, now=NOW)
    assert count(catalog_store) == 1
    rejects = (tmp_path / "f.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].startswith("行号 row,指标") and rejects[1].startswith("3,诊疗患者人次,扎赉特旗,2024-W03,五,")
    assert "not a number" in rejects[1] and report.outcomes[0].reject_file == str(tmp_path / "f.rejects.csv")


def test_reimport_adds_nothing_and_a_change_adds_a_revision(catalog_store, tmp_path):
    rows = [HEAD[:4] + ["录入时间"], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5", "2024-01-15 09:00"]]
    path = write_csv(tmp_path / "f.csv", rows)
    ingest_files(catalog_store, [path], TZ, now=NOW)
    again = ingest_files(catalog_store, [path], TZ, now=NOW)
    assert count(catalog_store) == 1 and again.outcomes[0].unchanged == 1
    write_csv(path, [rows[0], ["诊疗患者人次", "扎赉特旗", "2024-W02", "6", "2024-01-19 16:30"]])
    changed = ingest_files(catalog_store, [path], TZ, now=NOW)
    assert changed.outcomes[0].revised == 1
    stored = catalog_store.db.execute("SELECT value, revision FROM observations ORDER BY revision").fetchall()
    assert stored == [(5.0, 1), (6.0, 2)]  # the first figure is kept, never overwritten


def test_a_revision_must_come_after_the_one_it_corrects(catalog_store, tmp_path):
    head = HEAD[:4] + ["录入时间"]
    ingest_files(catalog_store, [write_csv(tmp_path / "a.csv", [head, ["诊疗患者人次", "扎赉特旗", "2024-W02", "5",
                                                                       "2024-01-15 09:00"]])], TZ, now=NOW)
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [write_csv(tmp_path / "b.csv", [head, ["诊疗患者人次", "扎赉特旗", "2024-W02", "6",
                                                                           "2024-01-14 09:00"]])], TZ, now=NOW)
    assert "录入时间" in str(err.value) and "not after revision 1" in str(err.value)


def test_catalog_change_that_would_change_stored_figures_is_refused(catalog_store, tmp_path):
    ingest_files(catalog_store, [write_csv(tmp_path / "a.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"]])],
                 TZ, now=NOW)
    changed = [["代码", "名称", "领域", "类型", "单位", "频率"], ["patients", "诊疗患者人次", "医疗", "流量", "人次", "月"]]
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [write_csv(tmp_path / "i.csv", changed)], TZ, now=NOW)
    assert "already has 1 figures" in str(err.value) and "频率" in str(err.value)


@pytest.mark.parametrize("rows, column, words", [
    ([["1", "甲", "9"]], "上级", "not a region"),
    ([["1", "甲", ""], ["2", "甲", ""]], "名称", "also on row 2"),
    ([["1", "甲", "2"], ["2", "乙", "1"]], "上级", "under itself"),
])
def test_region_catalog_problems(store, tmp_path, rows, column, words):
    with pytest.raises(InputError) as err:
        ingest_files(store, [write_csv(tmp_path / "r.csv", [["代码", "名称", "上级"], *rows])], TZ, now=NOW)
    assert any(p.column == column and words in p.message for p in err.value.problems), str(err.value)


@pytest.mark.parametrize("row, column, words", [
    (["x", "甲", "体育｜竞技", "流量", "人", "周", "", ""], "领域", "not a domain name"),
    (["x", "甲", "", "流量", "人", "周", "", ""], "领域", "is empty"),
    (["x", "甲", "医疗", "速度", "人", "周", "", ""], "类型", "not a kind"),
    (["x", "甲", "医疗", "流量", "人", "旬", "", ""], "频率", "not a frequency"),
    (["x", "甲", "教育", "比率", "%", "年", "missing", "grads"], "分子", "not an indicator"),
    (["x", "甲", "教育", "比率", "%", "周", "employed", "grads"], "分子", "counted per week"),
])
def test_indicator_catalog_problems(catalog_store, tmp_path, row, column, words):
    head = ["代码", "名称", "领域", "类型", "单位", "频率", "分子", "分母"]
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [write_csv(tmp_path / "i.csv", [head, row])], TZ, now=NOW)
    assert any(p.column == column and words in p.message for p in err.value.problems), str(err.value)


def test_a_domain_no_file_declared_is_added_under_its_name_with_a_notice(catalog_store, tmp_path):
    """An office whose indicators name 就业 and 文旅 gets those sections (after the ones it has) without a domains
    file, and is told once; a domains file then gives them headings and an order."""
    head = ["代码", "名称", "领域", "类型", "单位", "频率"]
    jobs = write_csv(tmp_path / "i.csv", [head, ["jobs", "新增就业人数", "就业", "流量", "人", "月"],
                                          ["visits", "接待游客人次", "文旅", "流量", "人次", "月"]])
    report = ingest_files(catalog_store, [jobs], TZ, now=NOW)
    assert report.notices == [f"{jobs}: new domains 就业、文旅, headed by their names; give headings and an order in a "
                              "domains file (领域, 标题, 排序)"]
    domains = Catalog.load(catalog_store.db).domains
    assert list(domains)[-2:] == ["就业", "文旅"] and domains["就业"].title == "就业"
    assert ingest_files(catalog_store, [jobs], TZ, now=NOW).notices == []      # told once

    headings = write_csv(tmp_path / "d.csv", [["领域", "标题", "排序"], ["文旅", "文旅融合|旅游帮扶添活力", "-1"],
                                              ["就业", "", ""]])
    outcome = ingest_files(catalog_store, [headings], TZ, now=NOW).outcomes[0]
    assert (outcome.kind, outcome.added, outcome.revised, outcome.unchanged) == ("domains", 0, 2, 0)
    domains = Catalog.load(catalog_store.db).domains          # a blank 排序 is the default, 0: before 医疗 (1)
    assert list(domains)[:3] == ["文旅", "就业", "医疗"] and domains["文旅"].title == "文旅融合｜旅游帮扶添活力"
    assert Catalog.load(catalog_store.db).indicators["jobs"].section == domains["就业"]


@pytest.mark.parametrize("row, column, words", [
    (["就业", "一｜二｜三", ""], "标题", "not a heading"),
    (["就业", "｜二", ""], "标题", "not a heading"),
    (["就业（含创业）和技能培训与劳务输出", "", ""], "领域", "at most 12 characters"),
    (["就业", "", "第一"], "排序", "not a whole number"),
])
def test_domain_file_problems(store, tmp_path, row, column, words):
    with pytest.raises(InputError) as err:
        ingest_files(store, [write_csv(tmp_path / "d.csv", [["领域", "标题", "排序"], row])], TZ, now=NOW)
    assert any(p.column == column and words in p.message for p in err.value.problems), str(err.value)


def test_the_office_settings_and_its_template_folder(store, tmp_path):
    (tmp_path / "模板").mkdir()
    office = write_csv(tmp_path / "o.csv", [["设置", "值"], ["项目名称", "东西部协作"], ["source", "县乡村振兴局"],
                                            ["模板目录", "模板"]])
    ingest_files(store, [office], TZ, now=NOW)
    assert Catalog.load(store.db).office == {"programme": "东西部协作", "source": "县乡村振兴局",
                                             "template_dirs": str((tmp_path / "模板").resolve())}
    assert template_folders(tmp_path / "t.db") == [str((tmp_path / "模板").resolve())]
    cleared = write_csv(tmp_path / "o2.csv", [["设置", "值"], ["来源", ""]])
    assert ingest_files(store, [cleared], TZ, now=NOW).outcomes[0].revised == 1
    assert "source" not in Catalog.load(store.db).office


@pytest.mark.parametrize("row, words", [
    (["来原", "x"], "not a setting of the office; did you mean '来源'?"),
    (["模板目录", "没有这个目录"], "is not a folder"),
])
def test_office_setting_problems(store, tmp_path, row, words):
    with pytest.raises(InputError) as err:
        ingest_files(store, [write_csv(tmp_path / "o.csv", [["设置", "值"], row])], TZ, now=NOW)
    assert words in str(err.value)


def test_records_and_highlights(catalog_store, tmp_path):
    records = write_csv(tmp_path / "r.csv", [["指标", "范围", "数值", "期间", "保持者"],
                                             ["水稻亩产量", "全区", "745.3公斤", "2022", "扎赉特旗"],
                                             ["水稻亩产量", "全区", "700.1", "2021", "其他盟市"]])
    notes = write_csv(tmp_path / "h.csv", [["日期", "地区", "领域", "内容"], ["2023年4月18日", "扎赉特旗", "医疗", "首例手术"]])
    ingest_files(catalog_store, [records, notes], TZ, now=NOW)
    ingest_files(catalog_store, [records, notes], TZ, now=NOW)  # again: nothing added
    rows = catalog_store.db.execute("SELECT holder, holder_region, value FROM records ORDER BY period").fetchall()
    assert rows == [("其他盟市", None, 700.1), ("扎赉特旗", "152223", 745.3)]
    assert catalog_store.db.execute("SELECT date, text FROM highlights").fetchall() == [("2023-04-18", "首例手术")]
    changed = write_csv(tmp_path / "r2.csv", [["指标", "范围", "数值", "期间", "保持者"],
                                              ["水稻亩产量", "全区", "746", "2022", "扎赉特旗"]])
    with pytest.raises(InputError, match="already stored as 745.3"):
        ingest_files(catalog_store, [changed], TZ, now=NOW)


# Values a person may enter: whole counts and decimals with up to two places, within what a REAL keeps.
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(str.strip)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.tuples(amounts, texts), min_size=1, max_size=8),
       fmt=st.sampled_from(["csv", "gbk", "xlsx", "json"]))
def test_round_trip_any_values_and_texts(tmp_path_factory, data, fmt):
    from conftest import INDICATORS, REGIONS

    from briefing.store.db import Store

    folder = tmp_path_factory.mktemp("rt")
    if fmt == "gbk":  # GBK holds only Chinese and ASCII text
        data = [(v, ("".join(c for c in t if c.isascii() and c.isprintable()) + "扎赉特旗").strip()) for v, t in data]
    rows = [["指标", "地区", "期间", "数值", "备注"]] + [
        ["income", "扎赉特旗", f"{2020 + i // 12}-{i % 12 + 1:02d}", str(v), t] for i, (v, t) in enumerate(data)]
    path = _write(folder, rows, fmt)
    with Store(folder / "rt.db") as store:
        ingest_files(store, [write_csv(folder / "r.csv", REGIONS), write_csv(folder / "i.csv", INDICATORS)], TZ, now=NOW)
        ingest_files(store, [path], TZ, now=NOW)
        back = store.db.execute("SELECT period, value, note FROM observations ORDER BY period").fetchall()
    assert [(p, Decimal(repr(v)), n or "") for p, v, n in back] == [(r[2], Decimal(r[3]), r[4]) for r in rows[1:]]


def _write(folder: Path, rows: list[list], fmt: str) -> Path:
    if fmt in ("csv", "gbk"):
        return write_csv(folder / "d.csv", rows, "gbk" if fmt == "gbk" else "utf-8")
    if fmt == "json":
        path = folder / "d.json"
        path.write_text(json.dumps([dict(zip(rows[0], r)) for r in rows[1:]], ensure_ascii=False), encoding="utf-8")
        return path
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for cells in book.active.iter_rows():
        for cell in cells:          # text typed as "=0" is text in Excel (it keeps a quote prefix), not a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    book.save(folder / "d.xlsx")
    return folder / "d.xlsx"


def test_a_unit_in_the_header_scales_the_figures(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["指标", "地区", "期间", "数值（万元）"], ["带动企业增收", "扎赉特旗", "2023-12", "126"],
                                          ["带动企业增收", "科右前旗", "2023-12", "1.5"]])
    ingest_files(catalog_store, [path], TZ, now=NOW)
    assert values(catalog_store, "income") == {("152223", "2023-12"): 1260000, ("152221", "2023-12"): 15000}


def test_a_header_unit_that_is_not_the_indicators_is_refused(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["指标", "地区", "期间", "数值（例）"], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"]])
    with pytest.raises(InputError, match="header gives figures in '例'"):
        ingest_files(catalog_store, [path], TZ, now=NOW)


def test_a_plain_whole_number_is_still_checked_for_a_rate(catalog_store, tmp_path):
    with pytest.raises(InputError, match="outside 0–100"):
        ingest_files(catalog_store, [write_csv(tmp_path / "f.csv", [HEAD[:4], ["就业率", "兴安盟", "2023", "120"]])],
                     TZ, now=NOW)


def test_a_row_without_a_figure_is_still_checked(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "上周", "—"]])
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [path], TZ, now=NOW)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "期间")]


def test_replaying_an_old_file_never_undoes_a_correction(catalog_store, tmp_path):
    first = write_csv(tmp_path / "a.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "190"]])
    fix = write_csv(tmp_path / "b.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W02", "196"]])
    ingest_files(catalog_store, [first], TZ, now=NOW)
    ingest_files(catalog_store, [fix], TZ, now=NOW)  # the same second: recorded one second later
    again = ingest_files(catalog_store, [first], TZ, now=NOW)
    assert again.outcomes[0].unchanged == 1
    assert values(catalog_store) == {("152223", "2024-W02"): 196}
    times = [r[0] for r in catalog_store.db.execute("SELECT recorded_at FROM observations ORDER BY revision")]
    assert times[1] > times[0]


def test_a_corrections_file_given_first_still_applies_last(catalog_store, tmp_path):
    head = HEAD[:4] + ["录入时间"]
    fix = write_csv(tmp_path / "a-corrections.csv", [head, ["诊疗患者人次", "扎赉特旗", "2024-W02", "196", "2024/1/19 16:30"]])
    main = write_csv(tmp_path / "b-week.csv", [head, ["诊疗患者人次", "扎赉特旗", "2024-W02", "190", "2024/1/8 9:00"]])
    ingest_files(catalog_store, [fix, main], TZ, now=NOW)
    rows = catalog_store.db.execute("SELECT value, revision FROM observations ORDER BY revision").fetchall()
    assert rows == [(190.0, 1), (196.0, 2)]


def test_a_fixed_rejects_file_imports_as_it_is(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["诊疗患者人次", "扎赉特旗", "2024-W03", "五"]])
    ingest_files(catalog_store, [path], TZ, skip_invalid=True, now=NOW)
    rejects = tmp_path / "f.rejects.csv"
    rejects.write_text(rejects.read_text(encoding="utf-8-sig").replace(",五,", ",5,"), encoding="utf-8-sig")
    ingest_files(catalog_store, [rejects], TZ, now=NOW)
    assert values(catalog_store) == {("152223", "2024-W03"): 5}


def test_a_partial_catalog_file_changes_only_its_columns(catalog_store, tmp_path):
    ingest_files(catalog_store, [write_csv(tmp_path / "r.csv", [["代码", "名称"], ["152223", "扎赉特旗"]]),
                                 write_csv(tmp_path / "i.csv", [["代码", "名称", "领域", "类型", "单位", "频率"],
                                                                ["emp_rate", "中职就业率", "教育", "比率", "%", "年"]])],
                 TZ, now=NOW)
    from briefing.store.catalog import Catalog

    cat = Catalog.load(catalog_store.db)
    assert cat.regions["152223"].parent == "152200"
    rate = cat.indicators["emp_rate"]
    assert rate.name == "中职就业率" and (rate.numerator, rate.denominator, rate.region_agg) == ("employed", "grads", "ratio")
    assert rate.decimals == 2


def test_excel_formula_results_keep_their_digits(catalog_store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEAD[:4], ["就业率", "兴安盟", "2023", "99.54545454545455"]])
    ingest_files(catalog_store, [path], TZ, now=NOW)
    assert values(catalog_store, "emp_rate") == {("152200", "2023"): Decimal("99.54545454545455")}


def test_workbooks_skip_notes_and_hidden_sheets_and_say_so(catalog_store, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由扎赉特旗卫健委填报"])
    data = book.create_sheet("数据")
    data.append(["指标", "地区", "期间", "数值"])
    data.append(["诊疗患者人次", "扎赉特旗", "2024-W02", 211])
    hidden = book.create_sheet("草稿")
    hidden.append(["指标", "地区", "期间", "数值"])
    hidden.append(["诊疗患者人次", "扎赉特旗", "2024-W02", "草稿"])
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "f.xlsx")
    report = ingest_files(catalog_store, [tmp_path / "f.xlsx"], TZ, now=NOW)
    assert values(catalog_store) == {("152223", "2024-W02"): 211}
    assert report.notices == [f"{tmp_path / 'f.xlsx'} [说明]: skipped, no column of a table of figures "
                              "(指标, 地区, 期间, 数值 …) in its first row"]


def test_an_empty_workbook_is_an_error(catalog_store, tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="holds no table of figures"):
        ingest_files(catalog_store, [tmp_path / "empty.xlsx"], TZ, now=NOW)


def test_checks_hold_for_rows_after_many_plain_ones(catalog_store, tmp_path):
    """Rows like the ones before them take a fast path; a duplicate, a stored key or a bad cell among
    them must still be caught."""
    rows = [HEAD[:4]] + [["诊疗患者人次", "扎赉特旗", f"2023-W{w:02d}", str(w)] for w in range(1, 40)]
    rows.append(["诊疗患者人次", "扎赉特旗", "2023-W05", "5"])          # a duplicate of a fast row
    rows.append(["诊疗患者人次", "扎赉特旗", "2023-W41", "-3"])         # negative
    rows.append(["就业率", "兴安盟", "2023", "120"])                     # a rate out of range
    with pytest.raises(InputError) as err:
        ingest_files(catalog_store, [write_csv(tmp_path / "f.csv", rows)], TZ, now=NOW)
    assert [(p.row, p.column) for p in err.value.problems] == [(41, None), (42, "数值"), (43, "数值")]
    ingest_files(catalog_store, [write_csv(tmp_path / "g.csv", rows[:40])], TZ, now=NOW)
    again = ingest_files(catalog_store, [write_csv(tmp_path / "h.csv", rows[:40])], TZ, now=NOW)
    assert again.outcomes[0].unchanged == 39 and again.outcomes[0].added == 0
