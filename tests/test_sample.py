"""The sample data reproduces every figure of the two source articles as of 2024-01-17, and the
series synthesized around them are plausible."""

from __future__ import annotations

import importlib.util
import shutil
import statistics
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from conftest import SAMPLE, TZ

from briefing.figures.periods import Span
from briefing.store.db import Store
from briefing.store.observations import Observations

AS_OF = datetime(2024, 1, 17, 23, 59, 59, tzinfo=TZ).astimezone(timezone.utc).isoformat()


@pytest.fixture(scope="module")
def obs(sample_db):
    store = Store(sample_db, create=False)
    yield Observations(store.db)
    store.close()


def cumulative(obs: Observations, indicator: str, region: str) -> Decimal:
    """累计: the total of every period since the programme began, as known on 2024-01-17."""
    figures = obs.series(indicator, region, as_of=AS_OF)
    ind = obs.catalog.indicators[indicator]
    return obs.total(indicator, region, Span(ind.frequency, figures[0].period, figures[-1].period), AS_OF)


def latest(obs: Observations, indicator: str, region: str) -> Decimal:
    return obs.latest(indicator, region, AS_OF).value


# (what the article says, indicator, region, how to read it, the band the figure must lie in)
ARTICLE_FIGURES = [
    ("累计诊疗患者19532人次", "med_patients", "兴安盟", cumulative, (19532, 19532)),
    ("累计开展诊疗15207人次", "med_patients", "扎赉特旗", cumulative, (15207, 15207)),
    ("手术示教197例", "med_surgery_teaching", "兴安盟", cumulative, (197, 197)),
    ("开展各类培训讲座930次", "med_lectures", "兴安盟", cumulative, (930, 930)),
    ("会诊、义诊会诊1016人次", "med_consultations", "兴安盟", cumulative, (1016, 1016)),
    ("15名医生", "med_doctors", "兴安盟", latest, (15, 15)),
    ("新技术新项目、管理制度共计55项", "med_new_items", "兴安盟", cumulative, (55, 55)),
    ("青年骨干医师153名", "med_young_doctors", "兴安盟", cumulative, (153, 153)),
    ("15个科室", "med_departments", "兴安盟", latest, (15, 15)),
    ("共开展手术71例", "med_surgeries", "扎赉特旗", cumulative, (71, 71)),
    ("疑难病例讨论527例", "med_case_discussions", "扎赉特旗", cumulative, (527, 527)),
    ("会诊363次", "med_consult_sessions", "扎赉特旗", cumulative, (363, 363)),
    ("惠及群众近万人次", "med_beneficiaries", "扎赉特旗", cumulative, (9000, 9999)),
    ("实施10余项新项目", "med_new_projects", "扎赉特旗", cumulative, (11, 19)),
    ("新开设呼吸科、中医康复科、介入科和急症监护病房", "med_new_departments", "扎赉特旗", cumulative, (4, 4)),
    ("培训1次", "med_township_trainings", "扎赉特旗", cumulative, (1, 1)),
    ("培训卫生院医师及村医15人次", "med_township_trainees", "扎赉特旗", cumulative, (15, 15)),
    ("6名校长", "edu_principals", "兴安盟", latest, (6, 6)),
    ("57名中层管理人员和教师", "edu_staff", "兴安盟", latest, (57, 57)),
    ("3所普通高中", "edu_high_schools", "兴安盟", latest, (3, 3)),
    ("3所中等职业学校", "edu_voc_schools", "兴安盟", latest, (3, 3)),
    ("就业率提升至99.25%", "edu_voc_employment_rate", "兴安盟", latest, (Decimal("99.25"), Decimal("99.25"))),
    ("18所学校与丰台区名校实现结对帮扶", "edu_paired_schools", "扎赉特旗", latest, (18, 18)),
    ("线上线下培训86场", "edu_trainings", "扎赉特旗", cumulative, (86, 86)),
    ("受益教师3210余人", "edu_trainees", "扎赉特旗", cumulative, (3211, 3219)),
    ("累计选派102名教师", "edu_beijing_placements", "扎赉特旗", cumulative, (102, 102)),
    ("联合教研展示9次", "edu_online_showcases", "扎赉特旗", latest, (9, 9)),
    ("学科线上常态教研21次", "edu_online_research", "扎赉特旗", latest, (21, 21)),
    ("3个科技特派团", "tech_teams", "兴安盟", latest, (3, 3)),
    ("产业小组6个", "tech_industry_groups", "兴安盟", latest, (6, 6)),
    ("培育50多名本土技术人员", "tech_local_technicians", "兴安盟", cumulative, (51, 59)),
    ("500多次线上、线下培训和现场指导", "tech_trainings", "兴安盟", cumulative, (501, 599)),
    ("累计带动培训10万余名农牧民", "tech_farmers_trained", "兴安盟", cumulative, (100_001, 109_999)),
    ("推广30多项新技术", "tech_technologies", "兴安盟", cumulative, (31, 39)),
    ("引进改良60多个新品种", "tech_varieties", "兴安盟", cumulative, (61, 69)),
    ("指导建立了15个科技示范基地", "tech_demo_bases", "兴安盟", cumulative, (15, 15)),
    ("直接带动企业增收1亿元", "tech_enterprise_income", "兴安盟", cumulative, (100_000_000, 100_000_000)),
    ("实现全社会增收5亿元以上", "tech_social_income", "兴安盟", cumulative, (500_000_000, 10**12)),
    ("已培育29名本土技术人员", "tech_local_technicians", "扎赉特旗", cumulative, (29, 29)),
    ("进行了109次线上培训和现场指导", "tech_trainings", "扎赉特旗", cumulative, (109, 109)),
    ("累计培训5700余名农牧民", "tech_farmers_trained", "扎赉特旗", cumulative, (5701, 5799)),
    ("推广8项新技术", "tech_technologies", "扎赉特旗", cumulative, (8, 8)),
    ("引进改良57个新品种", "tech_varieties", "扎赉特旗", cumulative, (57, 57)),
    ("11个科技示范基地", "tech_demo_bases", "扎赉特旗", cumulative, (11, 11)),
    ("直接带动企业增收500万元", "tech_enterprise_income", "扎赉特旗", cumulative, (5_000_000, 5_000_000)),
    ("实现全社会增收1000万元以上", "tech_social_income", "扎赉特旗", cumulative, (10_000_000, 10**12)),
    ("肉牛存栏量达50万头", "tech_cattle_stock", "科右中旗", latest, (500_000, 500_000)),
    ("肉牛养殖户3万户", "tech_cattle_farms", "科右中旗", latest, (30_000, 30_000)),
    ("肉牛养殖合作社400家", "tech_cattle_coops", "科右中旗", latest, (400, 400)),
    ("水稻亩产量高达761.5公斤", "tech_rice_yield", "兴安盟", latest, (Decimal("761.5"), Decimal("761.5"))),
    ("大豆亩产量达到316.8公斤", "tech_soybean_yield", "扎赉特旗", latest, (Decimal("316.8"), Decimal("316.8"))),
    ("平均亩产608.9公斤", "tech_straw_demo_yield", "扎赉特旗", latest, (Decimal("608.9"), Decimal("608.9"))),
    ("3000多亩的试验示范", "tech_straw_demo_area", "扎赉特旗", latest, (3001, 3999)),
]


@pytest.mark.parametrize("said, indicator, region, read, band", ARTICLE_FIGURES, ids=[f[0] for f in ARTICLE_FIGURES])
def test_every_article_figure_as_of_2024_01_17(obs, said, indicator, region, read, band):
    value = read(obs, indicator, obs.catalog.region(region).code)
    assert band[0] <= value <= band[1], f"{said}: {value}"


def test_figures_recorded_after_the_article_are_not_in_it(obs):
    patients = "med_patients"
    now = obs.total(patients, "152200", Span("week", *[obs.series(patients, "152200")[i].period for i in (0, -1)]))
    assert now > 19532  # later weeks and the 2024-01-19 correction are in the current figures


def test_one_tier_more_than_the_year_before(obs):
    series = obs.series("edu_tier1", "152221", as_of=AS_OF)
    assert [f.period.key for f in series][-2:] == ["2022", "2023"]
    assert series[-1].value - series[-2].value == 9  # 一本上线人数比去年增加9人


def test_per_mu_gain_of_the_straw_demonstration(obs):
    gain = latest(obs, "tech_straw_demo_yield", "152223") - latest(obs, "tech_straw_control_yield", "152223")
    assert gain == Decimal("58.9")  # 亩增产58.9公斤


def test_equipment_donated(obs):
    assert latest(obs, "edu_equipment_value", "152222") == 1_100_000  # 价值110万元的教学设备


def previous_best(obs: Observations, indicator: str, scope: str, before: str) -> tuple[float, str]:
    """The best value in a scope before a period, from reference records and the stored history."""
    rows = obs.db.execute(
        "SELECT value, holder FROM records WHERE indicator = ? AND scope = ? AND period < ? "
        "UNION ALL SELECT o.value, r.name FROM observations o JOIN regions r ON r.code = o.region "
        "WHERE o.indicator = ? AND o.period < ? ORDER BY 1 DESC LIMIT 1",
        [indicator, scope, before, indicator, before]).fetchall()
    return rows[0]


def test_rice_breaks_a_record_the_league_held_before(obs):
    value, holder = previous_best(obs, "tech_rice_yield", "全区", "2023")
    assert value < 761.5 and holder in {"兴安盟", "扎赉特旗", "科右前旗", "科右中旗"}  # 再次刷新全区纪录


def test_soybean_breaks_a_record_held_elsewhere(obs):
    value, holder = previous_best(obs, "tech_soybean_yield", "全区", "2023")
    assert value < 316.8 and holder not in {"兴安盟", "扎赉特旗", "科右前旗", "科右中旗"}  # 破全区纪录 (first)


def test_every_row_says_where_it_came_from():
    text = (SAMPLE / "observations.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    sources = {line.split(",")[4] for line in text}
    assert sources == {"文章一", "文章二", "合成"}


def test_synthesized_series_are_plausible(obs):
    counts = obs.db.execute("SELECT MIN(value) FROM observations").fetchone()[0]
    assert counts >= 0
    weekly = [f.value for f in obs.series("med_patients", "152200", as_of=AS_OF)]
    assert len(weekly) == 80  # 2022-W27 .. 2024-W02, no gaps
    festival = [f.value for f in obs.series("med_patients", "152200", date(2023, 1, 16), date(2023, 2, 5))]
    assert max(festival) < statistics.median(weekly) * Decimal("0.6")  # the Spring Festival dip
    assert len(set(weekly)) > 40  # not a flat line


def test_generator_reproduces_the_committed_files(tmp_path):
    for name in SAMPLE.glob("*.py"):
        shutil.copy(name, tmp_path)
    spec = importlib.util.spec_from_file_location("generate", tmp_path / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    for committed in SAMPLE.glob("*.csv"):
        assert (tmp_path / committed.name).read_bytes() == committed.read_bytes(), committed.name


def test_the_demo_database_finds_the_samples_own_template(sample_db, tmp_path, run):
    """`generate --template article` on the demo database writes the first article's figures: office.csv names
    data/sample/templates, and the database keeps it; the built-in templates know nothing of it."""
    from briefing.documents import templates

    assert "article" not in [t.key for t in templates.available([])]
    result = run("--db", str(sample_db), "generate", "--template", "article", "--as-of", "2024-01-17", "-f", "html",
                 "-o", str(tmp_path / "out"), db=False)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "2024-01-17_兴安盟_帮扶成效.html").read_text(encoding="utf-8")
    assert "医疗专家累计诊疗患者19532人次，手术示教197例" in page and "来源：岭上兴安丨责任编辑：苏文彦" in page
    listed = run("--db", str(sample_db), "templates", db=False)
    assert "article" in listed.output and str(SAMPLE / "templates" / "article") in listed.output


def test_another_database_has_no_article(tmp_path, run):
    assert run("init").exit_code == 0
    assert run("ingest", str(SAMPLE / "regions.csv")).exit_code == 0
    result = run("generate", "--template", "article", "--as-of", "2024-01-17")
    assert result.exit_code == 1 and "there is no template 'article'" in result.output
