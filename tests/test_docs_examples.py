"""docs/ingest.md and docs/examples stay true: the example files import as the doc says, a workbook made
from them imports to the same figures, every header the code accepts is in the doc, and every command the
doc shows in a ```console block prints exactly what the doc quotes."""

from __future__ import annotations

import codecs
import csv
import os
import re
import shlex
import shutil
import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlite_utils
from click.testing import CliRunner

from briefing.cli import cli
from briefing.errors import InputError
from briefing.ingest import ingest_files
from briefing.ingest.cells import MISSING
from briefing.ingest.columns import ALIASES
from briefing.store.catalog import DEFAULT_DECIMALS, FREQUENCIES, KINDS, OFFICE, REGION_AGGS, TIME_AGGS, WORDINGS
from briefing.store.db import Store
from briefing.store.observations import Observations

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ingest.md"
EXAMPLES = ROOT / "docs" / "examples"
TZ = ZoneInfo("Asia/Shanghai")
FILES = ["office.csv", "regions.csv", "domains.csv", "indicators.csv", "observations.csv", "highlights.csv",
         "records.csv", "observations.json", "observations-gbk.csv"]
OBS_COLUMNS = "indicator, region, period, value, revision, recorded_at, source, note"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def stored(db_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def count(db_path: Path, table: str) -> int:
    return stored(db_path, f"SELECT COUNT(*) FROM {table}")[0][0]


def ingest_examples(db_path: Path, names: list[str] = FILES, **kw):
    with Store(db_path) as store:
        return ingest_files(store, [EXAMPLES / n for n in names], TZ, **kw)


# --- (a) the example files -------------------------------------------------------------------------------

def test_the_example_folder_holds_exactly_the_documented_files():
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(FILES)
    for name in FILES:
        assert f"docs/examples/{name}" in doc(), f"{name} is not mentioned in docs/ingest.md"


def test_example_files_are_in_the_encodings_the_doc_says():
    for name in FILES:
        data = (EXAMPLES / name).read_bytes()
        if name.endswith("-gbk.csv"):  # as Excel on Chinese Windows saves "CSV (逗号分隔)": GBK, no BOM
            assert not data.startswith(codecs.BOM_UTF8)
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert data.decode("gbk").startswith("指标名称,旗县,报告期")
        elif name.endswith(".csv"):
            assert data.startswith(codecs.BOM_UTF8), f"{name} should be UTF-8 with BOM"
            assert data.decode("utf-8-sig").split(",")[0] in ("代码", "指标", "日期", "领域", "设置")
        else:
            assert data.decode("utf-8").lstrip().startswith("[")


def test_every_example_file_imports_into_a_fresh_database(tmp_path):
    db = tmp_path / "examples.db"
    report = ingest_examples(db)
    assert report.problems == [] and report.rejected == 0
    by_file = {Path(o.where).name: o for o in report.outcomes}
    assert (by_file["observations.csv"].added, by_file["observations.csv"].missing) == (12, 1)   # the — row
    assert (by_file["observations.json"].added, by_file["observations.json"].missing) == (5, 1)  # the null
    assert by_file["observations-gbk.csv"].added == 4
    assert {t: count(db, t) for t in ("regions", "indicators", "observations", "highlights", "records", "domains",
                                      "office")} == {
        "regions": 3, "indicators": 6, "observations": 21, "highlights": 3, "records": 2, "domains": 3, "office": 3}
    assert report.notices == []          # every domain the indicators and highlights name is in domains.csv

    # the domains in the file's order, a two-line heading as written; the office's settings by key
    assert stored(db, "SELECT name, heading FROM domains ORDER BY sort") == [
        ("医疗", "打造百姓新“医”靠｜医疗帮扶筑牢“健康之本”"), ("教育", "薪火相传育桃李｜教育帮扶托起“振兴之梦”"),
        ("科技", "科技帮扶夯实“富裕之基”")]
    assert dict(stored(db, "SELECT key, value FROM office")) == {
        "programme": "干部人才“组团式”帮扶", "source": "兴安盟“组团式”帮扶工作专班", "editor": "苏文彦"}

    # the catalog: a parent given by name is stored by code; defaults filled in by kind
    assert stored(db, "SELECT code, parent FROM regions ORDER BY code") == [
        ("152200", None), ("152221", "152200"), ("152223", "152200")]
    assert stored(db, "SELECT kind, frequency, time_agg, region_agg, decimals FROM indicators "
                      "WHERE code = 'med_patients'") == [("flow", "week", "sum", "sum", 0)]
    assert stored(db, "SELECT kind, region_agg, numerator, denominator, decimals FROM indicators "
                      "WHERE code = 'edu_voc_employment_rate'") == [
        ("rate", "ratio", "edu_voc_employed", "edu_voc_graduates", 2)]
    assert stored(db, "SELECT unit, per, record_scope FROM indicators WHERE code = 'tech_rice_yield'") == [
        ("公斤", "亩", "全区")]

    def value(indicator, region, period):
        return stored(db, f"SELECT value, recorded_at, source, note FROM observations WHERE indicator = "
                          f"'{indicator}' AND region = '{region}' AND period = '{period}'")

    # values as people write them: 850万元, "1,260,000", 98.89%, 761.5公斤, full-width digits (GBK file)
    assert value("tech_enterprise_income", "152223", "2023-12")[0][0] == 8_500_000
    assert value("tech_enterprise_income", "152223", "2023-11")[0][0] == 1_260_000
    assert value("edu_voc_employment_rate", "152221", "2023")[0][:3] == (98.89, "2024-01-10T02:00:00+00:00", "旗教育局")
    assert value("tech_rice_yield", "152223", "2023")[0][0] == 761.5
    assert value("med_patients", "152223", "2023-W52")[0][::3] == (182, "全角数字也可")
    assert value("med_patients", "152221", "2024-W02")[0][0] == 203            # 2024年第2周
    assert value("med_patients", "152223", "2024-W02") == []                   # — is missing, not a zero
    assert value("tech_enterprise_income", "152221", "2023-12") == []          # JSON null
    assert value("med_patients", "152223", "2024-W03")[0][1] == "2024-01-22T01:00:00+00:00"  # +08:00 in JSON

    # what a briefing reads: the league's employment rate is the ratio of the banners' sums, 397/400
    obs = Observations(sqlite_utils.Database(db))
    league = {f.period.key: f.value for f in obs.series("edu_voc_employment_rate", "152200")}
    assert league["2023"] == Decimal("99.25")
    patients = {f.period.key: f.value for f in obs.series("med_patients", "152200")}
    assert patients["2024-W01"] == 176 + 190 and patients["2023-W52"] == 164 + 182

    # the records and highlights
    assert stored(db, "SELECT value, period, holder, holder_region FROM records ORDER BY period") == [
        (718.2, "2019", "其他盟市", None), (732.6, "2021", "扎赉特旗", "152223")]
    assert ("2023-10-16", "152223", "科技") in stored(db, "SELECT date, region, domain FROM highlights")


def test_importing_the_examples_again_adds_nothing(tmp_path):
    db = tmp_path / "examples.db"
    ingest_examples(db)
    before = stored(db, f"SELECT {OBS_COLUMNS} FROM observations ORDER BY 1, 2, 3, 5")
    again = ingest_examples(db)
    assert [(o.added, o.revised) for o in again.outcomes] == [(0, 0)] * len(again.outcomes)
    assert sum(o.unchanged for o in again.outcomes) == 3 + 3 + 3 + 6 + 21 + 3 + 2
    assert stored(db, f"SELECT {OBS_COLUMNS} FROM observations ORDER BY 1, 2, 3, 5") == before


def test_figures_need_their_catalog_in_the_same_command_or_before(tmp_path):
    with pytest.raises(InputError) as caught:
        ingest_examples(tmp_path / "x.db", ["observations.csv"])
    assert "unknown indicator 'med_patients'" in str(caught.value)
    assert count(tmp_path / "x.db", "observations") == 0


# --- (b) the same figures from a workbook -----------------------------------------------------------------

def workbook_from_csv(source: Path, target: Path) -> Path:
    """The CSV as a person would have it in Excel: numbers as numbers, the rate as a percent cell, a month
    as the date Excel makes of "2023-11", 录入时间 as date-time cells; the rest stays text."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "周报"
    sheet.append(rows[0])
    for values in rows[1:]:
        sheet.append([excel_value(header, value) for header, value in zip(rows[0], values)])
        for cell in sheet[sheet.max_row]:
            if rows[0][cell.column - 1] == "数值" and isinstance(cell.value, float) and cell.value < 1:
                cell.number_format = "0.00%"
    book.save(target)
    return target


def excel_value(header: str, value: str):
    if header == "录入时间":
        return datetime.strptime(value, "%Y-%m-%d %H:%M")
    if header == "期间" and re.fullmatch(r"\d{4}", value):
        return int(value)
    if header == "期间" and re.fullmatch(r"\d{4}-\d{2}", value):
        return datetime(int(value[:4]), int(value[5:]), 1)
    if header == "数值":
        if re.fullmatch(r"[\d.]+%", value):
            return float(Decimal(value[:-1]) / 100)
        if re.fullmatch(r"[\d,]+(\.\d+)?", value):
            number = Decimal(value.replace(",", ""))
            return int(number) if number == number.to_integral() else float(number)
    return value


def test_a_workbook_of_the_observations_imports_to_the_same_figures(tmp_path):
    from_csv, from_xlsx = tmp_path / "csv.db", tmp_path / "xlsx.db"
    ingest_examples(from_csv, ["regions.csv", "indicators.csv", "observations.csv"])
    ingest_examples(from_xlsx, ["regions.csv", "indicators.csv"])
    book = workbook_from_csv(EXAMPLES / "observations.csv", tmp_path / "周报.xlsx")

    check = openpyxl.load_workbook(book)["周报"]
    kinds = {type(c.value).__name__ for c in check["D"][1:]}
    assert kinds == {"int", "float", "str"}                       # the workbook really holds numbers
    assert any(c.number_format == "0.00%" for c in check["D"])     # and a percent cell (98.89%)
    assert any(isinstance(c.value, datetime) for c in check["C"])  # and a month Excel made a date

    with Store(from_xlsx) as store:
        report = ingest_files(store, [book], TZ)
    assert report.outcomes[0].where == f"{book} [周报]"
    assert (report.outcomes[0].added, report.outcomes[0].missing) == (12, 1)
    sql = f"SELECT {OBS_COLUMNS} FROM observations ORDER BY 1, 2, 3, 5"
    assert stored(from_xlsx, sql) == stored(from_csv, sql)
    assert ("edu_voc_employment_rate", "152221", "2023", 98.89) in [r[:4] for r in stored(from_xlsx, sql)]


# --- (c) the doc names every header, missing marker and choice the code accepts --------------------------

def table_rows() -> list[str]:
    return [line for line in doc().splitlines() if line.startswith("|")]


@pytest.mark.parametrize("column", sorted(ALIASES))
def test_every_header_alias_is_in_the_row_of_its_column(column):
    aliases = ALIASES[column]
    rows = [r for r in table_rows() if f"`{aliases[0]}`" in r.split("|")[1]]
    assert rows, f"no table row documents the column {aliases[0]} ({column})"
    for row in rows:
        missing = [a for a in aliases if f"`{a}`" not in row]
        assert not missing, f"the row for {aliases[0]} does not list {missing}: {row}"


def test_every_missing_marker_is_listed():
    text = doc()
    for marker in sorted(MISSING - {""}):
        assert f"`{marker}`" in text, f"the missing marker {marker!r} is not in docs/ingest.md"


@pytest.mark.parametrize("options", [KINDS, FREQUENCIES, TIME_AGGS, REGION_AGGS, WORDINGS],
                         ids=["类型", "频率", "时间汇总", "地区汇总", "措辞"])
def test_every_choice_is_documented_in_chinese_and_english(options):
    text = doc()
    for en, zh in options.items():
        assert f"`{zh}`" in text and en in text, f"{zh} ({en}) is not in docs/ingest.md"
    assert all(f"`{zh}`" in text and f"`{en}`" in text for en, zh in OFFICE.items())   # the office's settings


def test_the_default_decimals_per_kind_are_the_documented_ones():
    row = next(r for r in table_rows() if r.split("|")[1].strip() == "`小数位`")
    for kind, decimals in DEFAULT_DECIMALS.items():
        assert f"{KINDS[kind]} {decimals}" in row, f"小数位 default for {KINDS[kind]} should read {decimals}"


# --- (d) every ```console block prints what the doc quotes ------------------------------------------------

# A ```console block runs in a folder holding docs/examples and data/sample, against the default database
# (data/briefing.db there): none yet for ```console fresh (its block starts with `briefing init`), else one
# holding the example catalog. `$ cat FILE` makes FILE from the lines below it, or, when briefing wrote FILE,
# checks them; `$ echo $?` checks the status.
CONSOLE = re.compile(r"^```console( fresh)?\n(.*?)^```", re.DOTALL | re.MULTILINE)


def console_blocks() -> list[tuple[int, bool, str]]:
    text = doc()
    return [(text[:m.start()].count("\n") + 1, bool(m.group(1)), m.group(2)) for m in CONSOLE.finditer(text)]


def build_inputs(folder: Path) -> None:
    """Files the doc's examples use that cannot be shown with cat: workbooks and an old .xls."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "周报"
    sheet.append(["指标", "地区", "期间", "数值"])
    sheet.append(["诊疗患者人次", "扎赉特旗", "2024-W03", 211])
    notes = book.create_sheet("说明")
    notes.append(["本表由扎赉特旗卫健委填报，每周一上午报送"])
    book.save(folder / "周报.xlsx")

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "填报"
    sheet.append(["指标", "地区", "期间", "数值"])
    sheet.append(["中职毕业生就业率", "扎赉特旗", 2023, 219 / 220 * 100])  # what =219/220*100 leaves in a cell
    sheet.append(["中职毕业生人数", "扎赉特旗", 2023, 0.95])
    sheet["D3"].number_format = "0%"
    sheet.append(["诊疗患者人次", "扎赉特旗", datetime(2024, 1, 17), 211])   # a Wednesday of 2024-W03
    book.save(folder / "填报.xlsx")

    book_bytes = (folder / "填报.xlsx").read_bytes()
    (folder / "损坏.xlsx").write_bytes(book_bytes[:len(book_bytes) // 2])  # a download cut short
    (folder / "周报.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))  # an Excel 97-2003 header


def is_input(name: str, later: list[tuple[str, list[str]]]) -> bool:
    """A file the doc cats is an input when a later briefing command names it; otherwise briefing wrote it,
    and the harness must find it there rather than make it."""
    return any(cmd.startswith("briefing ") and name in shlex.split(cmd) for cmd, _ in later)


def test_a_file_the_doc_shows_as_written_by_briefing_must_exist(tmp_path, monkeypatch):
    block = "$ cat never.csv\nx\n$ briefing regions\n"     # no later command reads never.csv: an output
    with pytest.raises(AssertionError, match="briefing did not write never.csv"):
        run_block(tmp_path, False, block, monkeypatch)


def run_block(folder: Path, fresh: bool, block: str, monkeypatch) -> None:
    monkeypatch.chdir(folder)
    for name in [k for k in os.environ if k.startswith("BRIEFING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BRIEFING_LANG", "en")      # docs/ingest.md quotes the English interface (--lang en)
    shutil.copytree(EXAMPLES, folder / "docs" / "examples")
    shutil.copytree(ROOT / "data" / "sample", folder / "data" / "sample", ignore=shutil.ignore_patterns("*.py", "*.md"))
    build_inputs(folder)
    runner = CliRunner()
    if not fresh:
        assert runner.invoke(cli, ["init"]).exit_code == 0
        setup = runner.invoke(cli, ["ingest", "docs/examples/regions.csv", "docs/examples/domains.csv",
                                    "docs/examples/indicators.csv"])
        assert setup.exit_code == 0, setup.output

    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    assert any(cmd.startswith("briefing ") for cmd, _ in steps), "a console block without a briefing command"

    status = None
    for i, (cmd, lines) in enumerate(steps):
        argv = shlex.split(cmd)
        expected = "\n".join(lines)
        if argv[0] == "cat" and is_input(argv[1], steps[i + 1:]):  # the doc shows an input file: make it
            (folder / argv[1]).write_text(expected + "\n", encoding="utf-8")
        elif argv[0] == "cat":                                     # a file briefing wrote: compare it
            assert (folder / argv[1]).exists(), f"$ {cmd}: briefing did not write {argv[1]}"
            shown = (folder / argv[1]).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            assert shown.rstrip("\n") == expected, f"$ {cmd}"
        elif argv == ["echo", "$?"]:
            assert expected == str(status), f"exit status after the command before `$ {cmd}`"
        elif argv[0] == "briefing":
            result = runner.invoke(cli, argv[1:], prog_name="briefing")
            status = result.exit_code
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
            assert result.output.rstrip("\n") == expected, f"$ {cmd}"
        else:
            pytest.fail(f"the doc runs a command the test cannot check: $ {cmd}")


def test_the_doc_shows_the_checks_in_console_blocks():
    blocks = console_blocks()
    assert len(blocks) >= 15
    text = "\n".join(b for _, _, b in blocks)
    for phrase in ("nothing was written", "rows rejected; see", "is not after revision", "unknown column",
                   "cannot tell what this table holds", "expected a week", "is not a domain name", "$ echo $?",
                   "new domain 就业, headed by its name",
                   "already has 3 figures stored", "a record is never changed in place", "--as-of"):
        assert phrase in text, f"no console example shows {phrase!r}"


@pytest.mark.parametrize("line, fresh, block", console_blocks(), ids=[f"line{b[0]}" for b in console_blocks()])
def test_console_example(line, fresh, block, tmp_path, monkeypatch):
    run_block(tmp_path, fresh, block, monkeypatch)


def problem_of(db: Path, path: Path) -> str:
    with Store(db) as store, pytest.raises(InputError) as caught:
        ingest_files(store, [path], TZ)
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


def test_messages_quoted_outside_console_blocks_are_real(tmp_path, monkeypatch):
    """Inputs a console block cannot show: bytes that are not text, a control character, a huge cell."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "x.db"
    ingest_examples(db, ["regions.csv", "indicators.csv"])
    text = doc()

    build_inputs(tmp_path)  # a workbook renamed to .csv: the line named depends on the bytes, so only the words
    (tmp_path / "周报.xlsx").rename(tmp_path / "周报.csv")
    message = problem_of(db, Path("周报.csv"))
    fixed = "is neither UTF-8 nor GBK/GB18030 text (the first bad byte is on line "
    assert message.startswith("周报.csv row ") and fixed in message
    assert message.endswith("; in Excel use Save As → 'CSV UTF-8'")
    assert fixed in text and "in Excel use Save As → 'CSV UTF-8'" in text

    control = Path("周报.csv")
    control.write_text("指标,地区,期间,数值,备注\n诊疗患者人次,扎赉特旗,2024-W03,211,扎赉特旗\x07人民医院\n", encoding="utf-8")
    message = problem_of(db, control)
    assert f"\n{message}\n" in text, message

    huge = Path("huge.csv")
    huge.write_text("指标,地区,期间,数值,备注\n诊疗患者人次,扎赉特旗,2024-W03,211,\"" + "很长" * 70_000 + "\"\n",
                    encoding="utf-8")
    message = problem_of(db, huge)
    assert message == "huge.csv row 2: is not valid CSV near line 2: field larger than field limit (131072)"
    assert "`is not valid CSV near line N: field larger than field limit (131072)`" in text
