"""Briefings of offices that are not the sample: two catalogs generated here, sharing no name with the sample
(a league of 锡林郭勒盟 with its banners; a county, 临洮县, with its townships), other indicators, units,
frequencies and domains, written as CSV files and brought in through the real ingest. Every weekly, monthly
and summary briefing of 2024 is made, through `make` and through `briefing run-due`, and passes the figure
verifier; what a reader would notice is checked in the words: no name of the sample, the sections and headings
of the office's own domains table, no paragraph of "。" alone, no empty 作者：丨 on the metadata line."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from conftest import NOW, TZ, write_csv

from briefing import settings
from briefing.documents.make import Request, make, make_many
from briefing.figures.period_text import parse_period
from briefing.figures.periods import Period, period_of
from briefing.ingest import ingest_files
from briefing.store.db import Store

SAMPLE_WORDS = ("兴安盟", "扎赉特旗", "科右前旗", "科右中旗", "岭上兴安", "组团式", "专班", "帮扶", "薪火相传", "振兴之梦",
                "健康之本", "富裕之基", "诊疗", "教育", "医疗", "科技", "重点帮扶旗", "北京")
SETTINGS = settings.load(env={})


@dataclass
class Office:
    """One generated office: its catalog files and what its briefings should say of it."""

    name: str
    top: str
    parts: list[str]
    level: str
    headings: dict[str, str]          # domain -> the heading a reader sees (lines joined by ｜)
    masthead: str                     # the metadata line after 发布时间
    programme: str = ""
    files: list[Path] = field(default_factory=list)


# (code, name, domain, kind, unit, per, frequency, region_agg, decimals, record_scope)
LEAGUE_INDICATORS = [
    ("jobs_new", "新增就业人数", "就业", "流量", "人", "", "周", "", "", ""),
    ("jobs_training", "职业技能培训场次", "就业", "流量", "场", "", "月", "", "", ""),
    ("ind_sheep", "肉羊存栏量", "产业", "存量", "头", "", "季", "", "", ""),
    ("ind_income", "产业带动增收", "产业", "流量", "元", "", "月", "", "", ""),
    ("ind_forage", "饲草种植面积", "产业", "存量", "亩", "", "年", "", "", ""),
    ("ind_silage", "青贮玉米亩产", "产业", "单位水平", "公斤", "亩", "年", "最大", "1", "全盟"),
    ("tour_visitors", "接待游客人次", "文旅", "流量", "人次", "", "周", "", "", ""),
    ("tour_events", "文旅活动场次", "文旅", "流量", "场", "", "季", "", "", ""),
    ("peo_households", "监测户数", "民生", "存量", "户", "", "月", "", "", ""),
    ("peo_college", "本科上线率", "民生", "比率", "%", "", "年", "", "1", ""),
]
COUNTY_INDICATORS = [
    ("c_jobs", "外出务工人数", "就业", "流量", "人", "", "月", "", "", ""),
    ("c_fairs", "招聘会场次", "就业", "流量", "场", "", "季", "", "", ""),
    ("c_potato", "马铃薯种植面积", "产业", "存量", "亩", "", "年", "", "", ""),
    ("c_potato_yield", "马铃薯亩产", "产业", "单位水平", "公斤", "亩", "年", "最大", "1", "全市"),
    ("c_coop_income", "合作社分红", "产业", "流量", "元", "", "月", "", "", ""),
    ("c_pigs", "生猪出栏头数", "产业", "流量", "头", "", "季", "", "", ""),
    ("c_homestays", "民宿接待人次", "文旅", "流量", "人次", "", "月", "", "", ""),
]


def league(folder: Path) -> Office:
    office = Office("league", "锡林郭勒盟", ["阿巴嘎旗", "苏尼特左旗", "东乌珠穆沁旗"], "旗",
                    {"就业": "稳岗拓岗促增收｜就业服务端稳饭碗", "产业": "产业兴旺｜特色产业拓宽增收路", "文旅": "文旅",
                     "民生": "兜牢民生底线｜民生保障暖人心"},
                    "来源：锡林郭勒盟乡村振兴局丨责任编辑：乌兰", programme="东西部协作")
    office.files = [write_csv(folder / "office.csv", [["设置", "值"], ["项目名称", "东西部协作"],
                                                        ["来源", "锡林郭勒盟乡村振兴局"], ["责任编辑", "乌兰"]]),
                    write_csv(folder / "regions.csv", [["代码", "名称", "上级", "级别"], ["152500", "锡林郭勒盟", "", "盟"],
                                                       ["152522", "阿巴嘎旗", "152500", "旗"],
                                                       ["152523", "苏尼特左旗", "152500", "旗"],
                                                       ["152525", "东乌珠穆沁旗", "152500", "旗"]]),
                    write_csv(folder / "domains.csv", [["领域", "标题", "排序"], ["产业", "产业兴旺｜特色产业拓宽增收路", "1"],
                                                       ["就业", "稳岗拓岗促增收|就业服务端稳饭碗", "2"],
                                                       ["文旅", "", "3"], ["民生", "兜牢民生底线｜民生保障暖人心", "4"],
                                                       ["生态", "生态宜居｜草原生态持续向好", "5"]])]   # no figures
    records = [["指标", "范围", "数值", "期间", "保持者"], ["ind_silage", "全盟", "3800", "2022", "正蓝旗"]]
    office.files.append(write_csv(folder / "highlights.csv", [["日期", "地区", "领域", "内容"],
                                                              ["2024-03-05", "阿巴嘎旗", "文旅", "举办首届冬季那达慕"],
                                                              ["2024-03-06", "东乌珠穆沁旗", "生态", "完成草原补播5万亩"]]))
    return _with_figures(office, folder, LEAGUE_INDICATORS, records, seed=1)


def county(folder: Path) -> Office:
    """No office file (no programme, no source) and a domain (文旅) no domains file declares."""
    office = Office("county", "临洮县", ["洮阳镇", "八里铺镇", "新添镇", "辛店镇"], "镇",
                    {"产业": "产业振兴｜马铃薯产业链延链增值", "就业": "就业增收｜劳务输出稳步增长", "文旅": "文旅"}, "")
    office.files = [write_csv(folder / "regions.csv", [["代码", "名称", "上级", "级别"], ["621124", "临洮县", "", "县"],
                                                       *[[f"62112410{n}", name, "621124", "镇"]
                                                         for n, name in enumerate(office.parts)]]),
                    write_csv(folder / "domains.csv", [["领域", "标题"], ["产业", "产业振兴｜马铃薯产业链延链增值"],
                                                       ["就业", "就业增收｜劳务输出稳步增长"]])]
    records = [["指标", "范围", "数值", "期间", "保持者"], ["c_potato_yield", "全市", "2900", "2021", "新添镇"]]
    return _with_figures(office, folder, COUNTY_INDICATORS, records, seed=2)


def _with_figures(office: Office, folder: Path, indicators: list[tuple], records: list[list], seed: int) -> Office:
    head = ["代码", "名称", "领域", "类型", "单位", "每", "频率", "地区汇总", "小数位", "纪录范围"]
    rng = random.Random(seed)
    rows = [["指标", "地区", "期间", "数值", "录入时间"]]
    for code, _, _, kind, unit, _, frequency, _, _, _ in indicators:
        for n, part in enumerate(office.parts):
            for period in _periods(frequency):
                rows.append([code, part, period.key, _value(rng, kind, unit, code, n, period), _recorded(period)])
    office.files += [write_csv(folder / "indicators.csv", [head, *map(list, indicators)]),
                     write_csv(folder / "observations.csv", rows), write_csv(folder / "records.csv", records)]
    return office


def _periods(frequency: str) -> list[Period]:
    kind = {"周": "week", "月": "month", "季": "quarter", "年": "year"}[frequency]
    first = period_of(kind, date(2022, 1, 1) if kind == "year" else date(2023, 1, 2))
    out = [first]
    while out[-1].next().end < date(2025, 1, 1):
        out.append(out[-1].next())
    return out


def _value(rng: random.Random, kind: str, unit: str, code: str, part: int, period: Period) -> str:
    if code in ("ind_silage", "c_potato_yield"):      # a yield that beats the scope's record in 2024, at one part
        best = {2022: 3700, 2023: 3750, 2024: 3920} if code == "ind_silage" else {2022: 2800, 2023: 2850, 2024: 2960}
        return f"{best[period.start.year] - (0 if part == 2 else rng.randint(50, 300))}.{rng.randint(0, 9)}"
    if kind == "比率":
        return f"{rng.uniform(55, 92):.1f}"
    scale = {"万元": 40, "元": 400000, "亩": 30000, "头": 8000, "户": 600, "人次": 900, "人": 60, "场": 4}[unit]
    return str(max(0, round(scale * rng.uniform(0.6, 1.4) * (1.1 if period.start.year == 2024 else 1))))


def _recorded(period: Period) -> str:
    """Reported the morning after the period ends (a year's on 10 January), before a schedule's 08:00."""
    day = date(period.end.year + 1, 1, 10) if period.kind == "year" else period.end + timedelta(days=1)
    return f"{day.isoformat()} 07:00"


@pytest.fixture(scope="module", params=["league", "county"])
def office(request, tmp_path_factory) -> tuple[Office, Path]:
    folder = tmp_path_factory.mktemp(request.param)
    made = {"league": league, "county": county}[request.param](folder)
    with Store(folder / "briefing.db") as store:
        ingest_files(store, made.files, TZ, now=NOW.replace(year=2025, month=2))
    return made, folder


def text_of(document: docx.document.Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs]


def assert_reads_as_its_own(office: Office, document: bytes, where: str) -> None:
    """What a reader notices: the office's own title, metadata and section headings; nothing of the sample.
    ``where`` is the briefing's file name (2024-W05_锡林郭勒盟_周报), which names its region."""
    paragraphs = text_of(docx.Document(io.BytesIO(document)))
    text = "\n".join(t for _, t in paragraphs)
    assert not [w for w in SAMPLE_WORDS if w in text], (where, [w for w in SAMPLE_WORDS if w in text])
    title = where.split("_")[1] + office.programme
    assert paragraphs[0][0] == "Title" and paragraphs[0][1].startswith(title), (where, paragraphs[0])
    meta = paragraphs[1][1]                                  # nothing empty on it: no 作者：丨, no 来源： alone
    expected = r"发布时间：\d{4}年\d{1,2}月\d{1,2}日" + ("丨" + re.escape(office.masthead) if office.masthead else "")
    assert paragraphs[1][0] == "Subtitle" and re.fullmatch(expected, meta), (where, meta)
    headings = [t.replace("\n", "｜") for style, t in paragraphs if style == "Heading 1"]
    own = set(office.headings.values()) | {"工作亮点"} | {f"本{w}数据｜各{office.level}工作情况" for w in "周月"}
    assert headings and set(headings) <= own, (where, headings)
    bodies = [t for style, t in paragraphs if style not in ("Title", "Subtitle", "Heading 1", "Caption")]
    assert all(t.strip("。；，、 ") for t in bodies), (where, [t for t in bodies if not t.strip("。；，、 ")])


def periods_of(kind: str) -> list[Period]:
    first = period_of(kind, date(2024, 1, 1))
    out = [first]
    while out[-1].next().end <= date(2024, 12, 31):
        out.append(out[-1].next())
    return out


@pytest.mark.parametrize("template, kind", [("weekly", "week"), ("monthly", "month")])
def test_every_briefing_of_the_year_verifies_and_reads_as_the_offices_own(office, template, kind):
    made, folder = office
    with Store(folder / "briefing.db", create=False) as store:
        for region in [made.top, *made.parts]:
            briefings = make_many(store, SETTINGS, template, region, periods_of(kind))
            assert [b.facts.period for b in briefings] == periods_of(kind), region      # none left out
            for b in briefings:
                assert_reads_as_its_own(made, b.docx(), b.stem)


def test_a_summary_on_every_first_of_the_month_and_every_day_of_the_top(office):
    made, folder = office
    days = [period_of("day", date(2024, 1, 1) + timedelta(days=n)) for n in range(366)]
    with Store(folder / "briefing.db", create=False) as store:
        tops = make_many(store, SETTINGS, "summary", made.top, days)
        parts = [b for part in made.parts
                 for b in make_many(store, SETTINGS, "summary", part, [d for d in days if d.start.day == 1])]
    assert len(tops) == 366 and len(parts) == 12 * len(made.parts)
    for b in tops[::30] + parts:
        assert_reads_as_its_own(made, b.docx(), b.stem)


def briefing_text(folder: Path, template: str, period: str, region: str) -> str:
    with Store(folder / "briefing.db", create=False) as store:
        made = make(store, SETTINGS, Request(template, parse_period(period), region))
    return "\n".join(t for _, t in text_of(docx.Document(io.BytesIO(made.docx()))))


def test_a_league_week_says_which_total_is_which_and_what_only_its_banners_have(office):
    made, folder = office
    if made.name != "league":
        pytest.skip("the league's indicators")
    text = briefing_text(folder, "weekly", "2024-W05", made.top)
    assert "本周，新增就业215人，环比增长0.5%，同比增长5.9%。" in text
    assert "2024年第1—5周累计新增就业1033人，同比增长13.5%。" in text                 # this year's, labelled
    assert "项目开展以来，累计新增就业10167人。" in text                               # since the start, labelled
    assert ("2023年，各旗本科上线率分别为阿巴嘎旗83.4%（比上年下降3.1个百分点）；苏尼特左旗72.9%（比上年下降11.8个百分点）；"
            "东乌珠穆沁旗91.8%（比上年提高31.3个百分点）。") in text                    # the league has no rate of its own
    assert "本周数据\n各旗工作情况" in text and "文旅\n本周，接待游客" in text            # a domain without a heading
    assert "生态宜居" not in text                                                      # a domain without figures
    week = briefing_text(folder, "weekly", "2024-W10", made.top)        # highlights: in their domain's section, or
    assert "\n本周工作亮点：阿巴嘎旗举办首届冬季那达慕。\n" in week                     # apart when it has no figures
    assert "\n工作亮点\n本周，东乌珠穆沁旗完成草原补播5万亩。" in week and "生态宜居" not in week


def test_a_record_names_the_part_that_set_it(office):
    made, folder = office
    text = briefing_text(folder, "summary", "2025-01-15", made.top)
    setter = {"league": "2024年，东乌珠穆沁旗青贮玉米亩产达到3920.", "county": "2024年，新添镇马铃薯亩产达到2960."}
    assert setter[made.name] in text and ("创全盟纪录" if made.name == "league" else "再次刷新全市纪录") in text


def test_a_county_without_office_settings_says_only_what_it_has(office):
    made, folder = office
    if made.name != "county":
        pytest.skip("the county keeps no office file")
    text = briefing_text(folder, "monthly", "2024-03", made.top)
    assert text.startswith("临洮县工作月报（2024年3月）\n发布时间：2024年4月1日\n")        # no 来源：, no 作者：
    assert "本月数据\n各镇工作情况" in text and "\n文旅\n" in text                    # 文旅: named by indicators only


SCHEDULES = """db = "briefing.db"
archive_dir = "archive"

[[schedule]]
name = "周报"
template = "weekly"
when = "weekly"
regions = ["all"]
start = 2024-01-01
horizon_days = 400

[[schedule]]
name = "月报"
template = "monthly"
when = "monthly"
regions = ["all"]
start = 2024-01-01
horizon_days = 400

[[schedule]]
name = "综述"
template = "summary"
when = "monthly"
regions = ["all"]
start = 2024-01-01
horizon_days = 400
"""


def test_run_due_makes_the_year_of_every_schedule_and_each_reads_as_the_offices_own(office, tmp_path):
    made, folder = office
    shutil.copy(folder / "briefing.db", tmp_path / "briefing.db")
    (tmp_path / "briefing.toml").write_text(SCHEDULES, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "briefing", "--config", "briefing.toml", "run-due", "--now",
                             "2025-01-01T09:00+08:00"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    regions = 1 + len(made.parts)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.rstrip().endswith(" 0 failed") and "ERROR" not in result.stderr, result.stderr[-3000:]
    files = [tmp_path / line for line in result.stdout.splitlines()]
    by_template = Counter(f.parent.name for f in files)        # every week, month and first of the month of 2024
    assert by_template == {"weekly": 52 * regions, "monthly": 12 * regions, "summary": 12 * regions}
    for path in files:
        assert_reads_as_its_own(made, path.read_bytes(), path.stem)


def test_a_figure_counted_in_wan_yuan_verifies(tmp_path):
    files = [write_csv(tmp_path / "regions.csv", [["代码", "名称"], ["621124", "临洮县"]]),
             write_csv(tmp_path / "indicators.csv", [["代码", "名称", "领域", "类型", "单位", "频率", "小数位"],
                                                     ["income", "合作社分红", "产业", "流量", "万元", "月", "1"]]),
             write_csv(tmp_path / "observations.csv", [["指标", "地区", "期间", "数值"], ["income", "临洮县", "2024-01", "1478"],
                                                      ["income", "临洮县", "2024-02", "1500.5"]])]
    with Store(tmp_path / "briefing.db") as store:
        ingest_files(store, files, TZ, now=NOW)
        made = make(store, SETTINGS, Request("monthly", parse_period("2024-01"), "临洮县"))
        second = make(store, SETTINGS, Request("monthly", parse_period("2024-02"), "临洮县"))
    assert "合作社分红1478.0万元" in made.markup
    assert "累计合作社分红2978.5万元" in second.markup and "环比增长1.5%" in second.markup


def test_a_database_made_before_domains_keeps_the_domains_its_indicators_name(tmp_path):
    """m006 on a database that has indicators and highlights: their domains, in the order of the indicators,
    each headed by its name; nothing else changes."""
    from briefing.store.catalog import Catalog

    with Store(tmp_path / "old.db") as store:
        with store.write() as db:
            db.execute("DROP TABLE domains")
            db.execute("DROP TABLE office")
            db.execute("DELETE FROM _migrations WHERE name = 'm006_domains_office'")
            db["regions"].insert({"code": "621124", "name": "临洮县"})
            db["indicators"].insert_all([
                {"code": "b", "name": "招聘会场次", "domain": "就业", "kind": "flow", "unit": "场", "frequency": "month",
                 "time_agg": "sum", "region_agg": "sum", "sort": 2},
                {"code": "a", "name": "马铃薯种植面积", "domain": "产业", "kind": "stock", "unit": "亩",
                 "frequency": "year", "time_agg": "last", "region_agg": "sum", "sort": 1}])
            db["highlights"].insert({"date": "2024-03-05", "region": "621124", "domain": "文旅", "text": "首届马铃薯节"})
    with Store(tmp_path / "old.db") as store:
        catalog = Catalog.load(store.db)
    assert [(d.name, d.title) for d in catalog.domains.values()] == [("产业", "产业"), ("就业", "就业"), ("文旅", "文旅")]
    assert catalog.indicators["b"].section.name == "就业" and catalog.office == {}
