"""Every built-in template (weekly, bulletin, monthly, summary) makes a briefing of any office's catalog through
`briefing generate`, read back with python-docx: its title, and every indicator's figure where a reader looks
for it, computed here from the generated rows (the verifier runs inside generate too). The offices share no name
with the sample: the weekly 呼伦贝尔市 of other_office.py, and catalogs generated here: only monthly figures
(乌兰察布市, banners and a county, 万元, 公斤, a rate of 分子/分母), only annual ones (阿拉善盟: a yield per 亩, a
rate kept per banner), a mix of weekly, monthly and annual (通辽市), and a city with no parts counting daily
(满洲里市). A monthly briefing of weekly (or daily) figures rolls them up over the month by each indicator's
time aggregation: a flow's weeks added up, a stock's last week."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, write_csv
from other_office import INDICATORS as WEEKLY_INDICATORS
from other_office import write_office

from briefing.cli import cli
from briefing.figures.period_text import parse_period
from briefing.figures.periods import Period, period_of
from briefing.store.db import Store
from briefing.store.facts import gather

FREQ = {"日": "day", "周": "week", "月": "month", "年": "year"}
LAST_DAY = date(2024, 3, 31)                    # the generated figures run through March 2024
SAMPLE_NAMES = {row.split(",")[1] for path in ("regions.csv", "indicators.csv")
                for row in (SAMPLE / path).read_text(encoding="utf-8-sig").splitlines()[1:]}


@dataclass(frozen=True)
class Ind:
    code: str
    name: str
    short: str            # as a briefing writes it before a figure (新增就业人数 → 新增就业)
    domain: str
    kind: str
    unit: str
    frequency: str
    decimals: int = 0
    region_agg: str = ""
    per: str = ""
    parts_of: tuple[str, str] = ()          # (分子, 分母) of a rate
    scope: str = ""                          # 纪录范围
    scale: int = 100


@dataclass
class Office:
    top: str
    parts: list[str]
    indicators: list[Ind]
    programme: str = ""
    rows: list[tuple[str, str, Period, Decimal, datetime]] = field(default_factory=list)   # what was ingested


OFFICES = {
    "monthly": Office("乌兰察布市", ["四子王旗", "察哈尔右翼后旗", "化德县"], [
        Ind("invest", "招商引资到位资金", "招商引资到位资金", "招商", "流量", "万元", "月", 1, scale=400),
        Ind("milk", "鲜奶收购量", "鲜奶收购量", "畜牧", "流量", "公斤", "月", scale=3000),
        Ind("insured", "参保人数", "参保", "社保", "存量", "人", "月", scale=5000),
        Ind("residents", "户籍人口", "户籍人口", "社保", "存量", "人", "月", scale=5300),
        Ind("cover", "医保参保率", "医保参保率", "社保", "比率", "%", "月", 1, "比值",
            parts_of=("insured", "residents"))],
        programme="京蒙协作"),
    "annual": Office("阿拉善盟", ["阿拉善左旗", "阿拉善右旗", "额济纳旗"], [
        Ind("grain", "粮食产量", "粮食产量", "农业", "流量", "吨", "年", scale=2000),
        Ind("saxaul", "梭梭林保存面积", "梭梭林保存面积", "生态", "存量", "亩", "年", scale=6000),
        Ind("forest", "森林覆盖率", "森林覆盖率", "生态", "比率", "%", "年", 1, "不汇总"),
        Ind("cistanche", "肉苁蓉亩产", "肉苁蓉亩产", "农业", "单位水平", "公斤", "年", 1, "最大", per="亩",
            scale=300)]),
    "mix": Office("通辽市", ["科尔沁左翼中旗", "开鲁县", "扎鲁特旗"], [
        Ind("clinic", "门诊接诊人次", "门诊接诊", "卫健", "流量", "人次", "周", scale=900),
        Ind("beds", "开放床位数", "开放床位", "卫健", "存量", "张", "周", scale=400),
        Ind("project", "重点项目完成投资", "重点项目完成投资", "项目", "流量", "万元", "月", 2, scale=700),
        Ind("corn", "玉米亩产", "玉米亩产", "项目", "单位水平", "公斤", "年", 1, "最大", per="亩", scale=800),
        Ind("enrol", "学前教育毛入园率", "学前教育毛入园率", "教体", "比率", "%", "年", 1, "不汇总")],
        programme="乡村振兴"),
    "alone": Office("满洲里市", [], [
        Ind("trucks", "通关货车", "通关货车", "口岸", "流量", "辆", "日", scope="全市", scale=300),
        Ind("trade", "外贸进出口额", "外贸进出口额", "口岸", "流量", "万元", "月", 1, scale=900),
        Ind("jobless", "城镇登记失业率", "城镇登记失业率", "民生", "比率", "%", "年", 1)]),
}
WEEKLY = Office("呼伦贝尔市", ["鄂温克族自治旗", "陈巴尔虎旗", "莫力达瓦达斡尔族自治旗"],
                [Ind(code, name, short, domain, kind, unit, "周") for (code, name, domain, kind, unit), short
                 in zip(WEEKLY_INDICATORS, ("人工造林面积", "新增就业", "招聘会"))])
TEMPLATES = {"weekly": ("2024-W12", "工作周报（2024年第12周）"),                # the period, the title after 地区项目
             "bulletin": ("2024-W12", "工作动态（2024年第12周）"), "monthly": ("2024-03", "工作月报（2024年3月）"),
             "summary": ("2024-03-25", "工作综述（截至2024年3月25日）")}


# --- the generated offices -------------------------------------------------------------------------------

def _periods(ind: Ind) -> list[Period]:
    kind = FREQ[ind.frequency]
    out = [period_of(kind, date(2012, 1, 1) if kind == "year" else date(2023, 1, 2))]
    while out[-1].next().end <= (date(2023, 12, 31) if kind == "year" else LAST_DAY):
        out.append(out[-1].next())
    return out


def _value(ind: Ind, part: int, n: int) -> Decimal:
    """A figure that moves up and down from period to period; a rate between 55% and 75%; a daily count rising
    (each day beats every earlier one: a record)."""
    if ind.kind == "比率":
        return Decimal(f"{55 + 7 * part + (n * 3 % 5) * 0.8:.1f}")
    if ind.frequency == "日":
        return Decimal(ind.scale + 3 * n + part)
    wobble = Decimal((n * 7 + part * 3) % 10) / 20 + Decimal(part) / 5
    return (ind.scale * (1 + wobble)).quantize(Decimal(1).scaleb(-ind.decimals))


def _recorded(period: Period) -> datetime:
    day = date(period.end.year + 1, 1, 10) if period.kind == "year" else period.end + timedelta(days=1)
    return datetime.combine(day, datetime.min.time()).replace(hour=7)


def office_files(office: Office, folder: Path) -> list[Path]:
    regions = [["代码", "名称", "上级", "级别"], ["900", office.top, "", office.top[-1]]]
    regions += [[f"90{n}", name, "900", name[-1]] for n, name in enumerate(office.parts, 1)]
    domains = list(dict.fromkeys(i.domain for i in office.indicators))
    head = ["代码", "名称", "领域", "类型", "单位", "每", "频率", "地区汇总", "小数位", "分子", "分母", "纪录范围"]
    inds = [[i.code, i.name, i.domain, i.kind, i.unit, i.per, i.frequency, i.region_agg, str(i.decimals),
             *(i.parts_of or ("", "")), i.scope] for i in office.indicators]
    reporters = office.parts or [office.top]
    for ind in office.indicators:
        if not ind.parts_of:       # a rate of 分子/分母 is computed from them
            office.rows += [(ind.code, region, period, _value(ind, p, n), _recorded(period))
                            for n, period in enumerate(_periods(ind)) for p, region in enumerate(reporters)]
    figures = [["指标", "地区", "期间", "数值", "录入时间"]]
    figures += [[code, region, period.key, str(value), f"{at:%Y-%m-%d %H:%M}"]
                for code, region, period, value, at in office.rows]
    settings = [["设置", "值"], ["项目名称", office.programme]] if office.programme else [["设置", "值"]]
    return [write_csv(folder / "office.csv", settings), write_csv(folder / "regions.csv", regions),
            write_csv(folder / "domains.csv", [["领域", "标题"], *[[d, f"{d}工作｜{d}成效"] for d in domains]]),
            write_csv(folder / "indicators.csv", [head, *inds]), write_csv(folder / "observations.csv", figures)]


def weekly_files(folder: Path) -> list[Path]:
    files = write_office(folder)
    with files[-1].open(encoding="utf-8") as f:
        WEEKLY.rows = [(code, region, parse_period(key), Decimal(value), datetime.fromisoformat(at))
                       for code, region, key, value, at in list(csv.reader(f))[1:]]
    return files


def briefing(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture(scope="module")
def offices(tmp_path_factory):
    """Each office's database, made and filled through the command line when a test first asks for it."""
    made: dict[str, tuple[Office, Path]] = {}

    def of(name: str) -> tuple[Office, Path]:
        if name not in made:
            folder = tmp_path_factory.mktemp(name)
            office = WEEKLY if name == "weekly" else OFFICES[name]
            office.rows = []
            files = weekly_files(folder) if name == "weekly" else office_files(office, folder)
            assert briefing(folder / "office.db", "init").exit_code == 0
            result = briefing(folder / "office.db", "ingest", *map(str, files))
            assert result.exit_code == 0, result.output
            made[name] = office, folder / "office.db"
        return made[name]
    return of


# --- what a reader should find: the figures, computed here from the rows --------------------------------

def figure_of(office: Office, ind: Ind, region: str, start: date, end: date, as_of: datetime) -> Decimal | None:
    """The region's figure over the days start..end: its periods that end in them, added up for a flow, the
    last for the rest; a league's from its parts (added up, the largest, or the ratio of the sums)."""
    if ind.parts_of:
        num, den = (figure_of(office, _ind(office, c), region, start, end, as_of) for c in ind.parts_of)
        return None if num is None or den is None else num / den * 100
    if region == office.top and office.parts and not any(r == region for c, r, *_ in office.rows if c == ind.code):
        parts = [v for p in office.parts if (v := figure_of(office, ind, p, start, end, as_of)) is not None]
        if not parts or ind.region_agg == "不汇总":
            return None
        return max(parts) if ind.region_agg == "最大" else sum(parts)
    found = sorted((period.end, value) for code, r, period, value, at in office.rows
                   if code == ind.code and r == region and start <= period.end <= end and at <= as_of)
    if not found:
        return None
    return sum(v for _, v in found) if ind.kind == "流量" else found[-1][1]


def _ind(office: Office, code: str) -> Ind:
    return next(i for i in office.indicators if i.code == code)


def written(value: Decimal, ind: Ind) -> str:
    """A figure as a briefing writes it (docs/templates.md, 数字): from 1亿 up in 亿, exact or to two decimals; a
    round one from 1万 up in 万 (245700人次 is 24.57万人次); else in digits with the indicator's decimals."""
    if ind.unit == "万元" and value >= 10000:
        yi = value / 10000
        exact = yi == yi.quantize(Decimal("0.01"))
        return f"{yi.normalize() if exact else yi.quantize(Decimal('0.01'), ROUND_HALF_UP):f}亿元"
    shown = value.quantize(Decimal(1).scaleb(-ind.decimals), ROUND_HALF_UP)
    if ind.unit not in ("万元", "%") and shown >= 10000 and shown % 100 == 0:
        return f"{(shown / 10000).normalize():f}万{ind.unit}"
    return f"{shown}{ind.unit}"


def latest_span(office: Office, ind: Ind, by: date, as_of: datetime) -> tuple[date, date] | None:
    """The latest period of the indicator's own kind ended by ``by`` with a figure known at ``as_of``."""
    ends = sorted({p for code, _, p, _, at in office.rows if code in (ind.code, *ind.parts_of)
                   and p.end <= by and at <= as_of}, key=lambda p: p.end)
    return (ends[-1].start, ends[-1].end) if ends else None


def expected(office: Office, template: str) -> list[str]:
    """What a reader looks for: each indicator's figure of the briefing's period (rolled up when counted more
    often), else its latest; in a summary a flow's total since the start; a rate kept per part, each part's."""
    key, _ = TEMPLATES[template]
    period = parse_period(key)
    as_of = datetime(2024, 3, 25, 23, 59) if template == "summary" else datetime.max
    out = []
    for ind in office.indicators:
        if template == "summary":       # as of a day: a flow's total since the start, the latest of the rest
            span = (date(2000, 1, 1), period.end) if ind.kind == "流量" else latest_span(office, ind, period.end, as_of)
        elif list(FREQ).index(ind.frequency) <= list(FREQ.values()).index(period.kind):    # counted as often or more
            span = (period.start, period.end)
        else:
            span = latest_span(office, ind, period.end, as_of)
        top = figure_of(office, ind, office.top, *span, as_of)
        if ind.kind == "比率":
            out += ([f"{ind.name}为{written(top, ind)}"] if top is not None else
                    [f"{p}{written(figure_of(office, ind, p, *span, as_of), ind)}" for p in office.parts])
        else:
            out.append(f"{ind.short}{written(top, ind)}")
    return out


# --- the tests ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["weekly", *OFFICES])
@pytest.mark.parametrize("template", list(TEMPLATES))
def test_each_builtin_template_makes_a_briefing_of_each_office(offices, name, template, tmp_path):
    made, db = offices(name)
    key, title = TEMPLATES[template]
    when = ["--as-of", key] if template == "summary" else ["-p", key]
    result = briefing(db, "generate", "-t", template, *when, "-r", made.top, "-o", str(tmp_path), "-f", "docx")
    assert result.exit_code == 0, result.output
    document = docx.Document(Path(result.output.split()[-1]))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert ("Title", made.top + made.programme + title) in paragraphs
    text = "\n".join(t for _, t in paragraphs)
    missing = [figure for figure in expected(made, template) if figure not in text]
    assert not missing, (missing, text)
    assert "None" not in text and not [name for name in SAMPLE_NAMES if name in text]


def test_a_monthly_briefing_of_weekly_figures_adds_up_the_weeks_of_the_month(offices, tmp_path):
    """呼伦贝尔市's March is its weeks 10—12, in the text, the table by banner and the chart of 12 months."""
    made, db = offices("weekly")
    result = briefing(db, "generate", "-t", "monthly", "-p", "2024-03", "-r", made.top, "-o", str(tmp_path),
                      "-f", "docx")
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    month = {r: sum(v for c, region, p, v, _ in made.rows if c == "eco_trees" and region == r and p.end.month == 3)
             for r in made.parts}
    document = docx.Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"本月，人工造林面积{sum(month.values())}亩" in text and "近12个月人工造林面积" in text
    rows = [[c.text for c in row.cells][:2] for row in document.tables[0].rows]
    assert rows[1:] == [*([r, str(v)] for r, v in month.items()), [made.top, str(sum(month.values()))]]
    with zipfile.ZipFile(path) as z:
        sheet = openpyxl.load_workbook(io.BytesIO(z.read("word/embeddings/Microsoft_Excel_Sheet1.xlsx"))).active
    assert [sheet[f"A{n}"].value for n in range(2, 14)] == [f"{m}月" for m in (*range(4, 13), 1, 2, 3)]
    assert sheet["B13"].value == sum(month.values()) and sheet["B12"].value is None     # no weeks in February


def test_a_month_of_a_weekly_stock_is_its_last_week_and_of_a_flow_all_its_weeks(offices):
    """通辽市's March: 开放床位数 as of week 13 (the last to end in March), 门诊接诊人次 of weeks 9—13 (week 9 runs
    from 26 February to 3 March: it ends in March); the months of its trend are rolled up the same way."""
    made, db = offices("mix")
    with Store(db, create=False) as store:
        facts = gather(store.db, made.top, parse_period("2024-03"))
    beds = sum(v for c, _, p, v, _ in made.rows if c == "beds" and p.key == "2024-W13")
    clinic = sum(v for c, _, p, v, _ in made.rows if c == "clinic" and p.key in ("2024-W09", "2024-W10", "2024-W11",
                                                                                "2024-W12", "2024-W13"))
    assert facts["beds"].value == beds and facts["clinic"].value == clinic
    months = [f"2023-{m:02}" for m in range(4, 13)] + ["2024-01", "2024-02", "2024-03"]
    assert [p.key for p, _ in facts["clinic"].trend] == months
    feb = figure_of(made, _ind(made, "clinic"), made.top, date(2024, 2, 1), date(2024, 2, 29), datetime.max)
    assert facts["clinic"].trend[-2][1] == facts["clinic"].previous == feb


def test_a_months_total_of_days_sets_no_daily_record(offices, tmp_path):
    """满洲里市's 通关货车 rises every day, so each day beats the record of the days before (全市纪录); a week's or a
    month's total of days is no day's figure and beats none."""
    made, db = offices("alone")
    texts = {}
    for template, when in (("monthly", ["-p", "2024-03"]), ("weekly", ["-p", "2024-W12"]),
                           ("summary", ["--as-of", "2024-03-25"])):
        result = briefing(db, "generate", "-t", template, *when, "-r", made.top, "-o", str(tmp_path), "-f", "docx")
        assert result.exit_code == 0, result.output
        texts[template] = "\n".join(p.text for p in docx.Document(Path(result.output.strip())).paragraphs)
    assert "纪录" not in texts["monthly"] and "纪录" not in texts["weekly"]
    assert "2024年3月24日，满洲里市通关货车达到" in texts["summary"] and "全市纪录" in texts["summary"]
    with Store(db, create=False) as store:
        assert gather(store.db, made.top, parse_period("2024-03"))["trucks"].record is None
        assert gather(store.db, made.top, parse_period("2024-03-24"))["trucks"].record.is_record


def test_a_summary_of_annual_figures_says_the_latest_year_and_a_trend_reaches_back_twelve_years(offices, tmp_path):
    made, db = offices("annual")
    result = briefing(db, "generate", "-t", "summary", "--as-of", "2024-03-25", "-r", made.top, "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(Path(result.output.strip().splitlines()[0])).paragraphs)
    grain = _ind(made, "grain")
    year = figure_of(made, grain, made.top, date(2023, 1, 1), date(2023, 12, 31), datetime.max)
    total = figure_of(made, grain, made.top, date(2012, 1, 1), date(2023, 12, 31), datetime.max)
    assert f"累计粮食产量{written(total, grain)}" in text and f"粮食产量{written(year, grain)}（比上年" in text
    with Store(db, create=False) as store:
        trend = gather(store.db, made.top, parse_period("2024-W12"))["grain"].trend
    assert [p.key for p, _ in trend] == [str(y) for y in range(2012, 2024)]
    assert all(v is not None for _, v in trend)                  # the window read them all (once only 2022 on)
