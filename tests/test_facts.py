"""Facts for a briefing, checked against the article figures and against the independent
Observations path (series and totals), on the sample database."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from conftest import TZ

from briefing.errors import NotFound
from briefing.figures.numbers import round_half_up
from briefing.figures.period_text import parse_period
from briefing.figures.periods import Span
from briefing.store.db import Store
from briefing.store.facts import gather
from briefing.store.observations import Observations

AS_OF = datetime(2024, 1, 17, 23, 59, 59, tzinfo=TZ).astimezone(timezone.utc).isoformat()


@pytest.fixture(scope="module")
def store(sample_db):
    s = Store(sample_db, create=False)
    yield s
    s.close()


@pytest.fixture(scope="module")
def week(store):
    return gather(store.db, "兴安盟", parse_period("2024-W02"), AS_OF)


def test_cumulative_figures_of_the_first_article(week):
    assert week["med_patients"].since_start == 19532 and week["手术示教例数"].since_start == 197
    assert week["med_lectures"].since_start == 930 and week["med_consultations"].since_start == 1016
    assert week["med_patients"].first_period.key == "2022-W27"


def test_the_week_its_neighbours_and_the_year_to_date(week, store):
    obs = Observations(store.db)
    series = {f.period.key: f.value for f in obs.series("med_patients", "152200", as_of=AS_OF)}
    fact = week["med_patients"]
    assert (fact.period.key, fact.value, fact.previous, fact.year_ago) == (
        "2024-W02", series["2024-W02"], series["2024-W01"], series["2023-W02"])
    assert fact.ytd == series["2024-W01"] + series["2024-W02"]
    assert fact.ytd_year_ago == series["2023-W01"] + series["2023-W02"]
    assert fact.ytd_yoy.relative == (fact.ytd - fact.ytd_year_ago) / fact.ytd_year_ago * 100


def test_the_parts_are_the_banners(week):
    parts = dict(week["med_patients"].parts)
    assert set(parts) == {"科右前旗", "科右中旗", "扎赉特旗"} and sum(parts.values()) == week["med_patients"].value


def test_slower_indicators_give_their_latest_period(week):
    rate = week["edu_voc_employment_rate"]
    assert rate.period.key == "2023" and rate.value == Decimal("99.25")
    assert round_half_up(rate.yoy.absolute, 2) == Decimal("1.41")  # 97.84% in 2022 → 99.25%: 提高1.41个百分点
    assert week["edu_tier1"].value - week["edu_tier1"].year_ago == 9 + 4 + 42  # 前旗 +9, 中旗 +4, 扎旗 first class


def test_records(week, store):
    rice, soy = week["tech_rice_yield"].record, week["tech_soybean_yield"].record
    assert rice.is_record and rice.again and rice.previous.value == Decimal("745.3")
    assert soy.is_record and soy.first and soy.previous.holder == "其他盟市"
    banner = gather(store.db, "扎赉特旗", parse_period("2024-W02"), AS_OF)
    assert banner["tech_rice_yield"].record.again and banner["tech_soybean_yield"].record.first
    other = gather(store.db, "科右前旗", parse_period("2024-W02"), AS_OF)
    assert "tech_rice_yield" not in other  # no figure there, so no record to speak of


def test_highlights_of_the_week(week):
    assert [h["text"][:8] for h in week.highlights] == ["扎赉特旗人民医院"]


def test_as_of_changes_what_is_known(store):
    before = gather(store.db, "扎赉特旗", parse_period("2024-W01"), AS_OF)["med_patients"]
    after = gather(store.db, "扎赉特旗", parse_period("2024-W01"))["med_patients"]
    assert (before.value, after.value) == (190, 196)


def test_a_monthly_briefing_aggregates_weekly_figures(store):
    month = gather(store.db, "兴安盟", parse_period("2023-12"), AS_OF)
    obs = Observations(store.db)
    weeks = [f for f in obs.series("med_patients", "152200", as_of=AS_OF)
             if parse_period("2023-12").start <= f.period.end <= parse_period("2023-12").end]
    assert month["med_patients"].value == sum(f.value for f in weeks)
    assert month["tech_farmers_trained"].period.key == "2023-12"


@pytest.mark.parametrize("code", ["med_patients", "tech_farmers_trained", "tech_enterprise_income", "med_surgeries"])
def test_since_start_agrees_with_the_series_total(week, store, code):
    obs = Observations(store.db)
    region = "152200"
    figures = obs.series(code, region, as_of=AS_OF)
    span = Span(figures[0].period.kind, figures[0].period, figures[-1].period)
    fact = week[code]
    assert fact.since_start == obs.total(code, region, span, AS_OF)


def test_lookup_by_name_and_domains(week):
    assert week["诊疗患者人次"] is week["med_patients"]
    assert {f.indicator.domain for f in week.domain("医疗")} == {"医疗"} and len(week.domain("教育")) > 5
    with pytest.raises(NotFound, match="no figures for .不存在. in 兴安盟 for 2024-W02$"):
        week["不存在"]


def test_a_backfill_gives_each_period_the_same_facts_as_gathering_it_alone(store):
    from briefing.store.facts import gather_many

    periods = [parse_period(k) for k in ("2023-W01", "2023-W05", "2023-W27", "2023-W52", "2024-W01", "2024-W02")]
    for region in ("兴安盟", "扎赉特旗"):
        batch = gather_many(store.db, region, periods, AS_OF)
        for period, facts in zip(periods, batch):
            alone = gather(store.db, region, period, AS_OF)
            assert facts.facts == alone.facts, (region, period.key)
            assert {k: f.trend for k, f in facts.facts.items()} == {k: f.trend for k, f in alone.facts.items()}
            assert facts.highlights == alone.highlights


def test_a_monthly_figure_in_a_january_week_compares_whole_years(store):
    """The weekly briefing of 2024-W01 gives December 2023 for a monthly figure: its 累计同比 base is all of
    2022, and its trend covers 12 months (the window once read only the last three months)."""
    fact = gather(store.db, "兴安盟", parse_period("2024-W01"), AS_OF)["tech_farmers_trained"]
    obs = Observations(store.db)
    year_2022 = [f.value for f in obs.series("tech_farmers_trained", "152200", as_of=AS_OF) if f.period.key.startswith("2022")]
    assert fact.period.key == "2023-12" and fact.ytd_year_ago == sum(year_2022)
    assert len(fact.trend) == 12 and all(v is not None for _, v in fact.trend)


# --- parts that have not reported: a catalog that shares no name with the sample -----------------------

@pytest.fixture
def league(tmp_path):
    """锡林郭勒盟 and three banners; weekly 培训场次: all three report in W01 and W04, one in W02, two in W03."""
    from conftest import NOW, TZ, write_csv

    from briefing.ingest import ingest_files

    regions = [["代码", "名称", "上级"], ["X", "锡林郭勒盟", ""], ["X1", "阿巴嘎旗", "X"], ["X2", "苏尼特左旗", "X"],
               ["X3", "东乌珠穆沁旗", "X"]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率"], ["train", "培训场次", "教育", "流量", "场", "周"]]
    weeks = {"2024-W01": ("X1", "X2", "X3"), "2024-W02": ("X1",), "2024-W03": ("X1", "X2"),
             "2024-W04": ("X1", "X2", "X3")}
    rows = [["指标", "地区", "期间", "数值"]] + [["train", b, w, str(10 + n)] for w, bs in weeks.items()
                                               for n, b in enumerate(bs)]
    with Store(tmp_path / "league.db") as store:
        ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators),
                             write_csv(tmp_path / "o.csv", rows)], TZ, now=NOW)
        yield store


def test_the_banners_that_have_not_reported_are_named(league):
    week = gather(league.db, "锡林郭勒盟", parse_period("2024-W02"))
    assert week.reported == ["阿巴嘎旗"] and week.missing == ["苏尼特左旗", "东乌珠穆沁旗"]
    assert gather(league.db, "锡林郭勒盟", parse_period("2024-W04")).missing == []
    assert gather(league.db, "阿巴嘎旗", parse_period("2024-W02")).missing == []      # a banner has no parts


@pytest.mark.parametrize("week, has_mom", [("2024-W02", False), ("2024-W03", False), ("2024-W04", False),
                                           ("2024-W01", False)])
def test_a_change_over_different_banners_is_no_change_of_the_whole(league, week, has_mom):
    fact = gather(league.db, "锡林郭勒盟", parse_period(week))["培训场次"]
    assert (fact.mom is not None) == has_mom


def test_the_same_banners_compare(league, tmp_path):
    from conftest import NOW, TZ, write_csv

    from briefing.ingest import ingest_files

    rows = [["指标", "地区", "期间", "数值"], *(["train", b, "2024-W05", "20"] for b in ("X1", "X2", "X3"))]
    ingest_files(league, [write_csv(tmp_path / "w5.csv", rows)], TZ, now=NOW)
    fact = gather(league.db, "锡林郭勒盟", parse_period("2024-W05"))["培训场次"]
    assert fact.value == 60 and fact.previous == 10 + 11 + 12 and fact.mom.relative is not None
    banner = gather(league.db, "阿巴嘎旗", parse_period("2024-W02"))["培训场次"]
    assert banner.previous == 10                    # a banner's own figures always compare


def test_a_league_whose_figures_stay_with_its_banners_has_figures_for_the_period(tmp_path):
    from conftest import NOW, TZ, write_csv

    from briefing.ingest import ingest_files

    regions = [["代码", "名称", "上级"], ["Y", "呼伦贝尔市", ""], ["Y1", "陈巴尔虎旗", "Y"], ["Y2", "鄂温克族自治旗", "Y"]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率", "地区汇总", "小数位"],
                  ["cover", "牧草覆盖率", "生态", "比率", "%", "月", "不汇总", "1"]]
    rows = [["指标", "地区", "期间", "数值"], ["cover", "Y1", "2024-01", "61.5"], ["cover", "Y2", "2024-01", "58.0"]]
    with Store(tmp_path / "y.db") as store:
        ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators),
                             write_csv(tmp_path / "o.csv", rows)], TZ, now=NOW)
        month = gather(store.db, "呼伦贝尔市", parse_period("2024-01"))
        assert "cover" not in month.facts and month.reported == ["陈巴尔虎旗", "鄂温克族自治旗"]
        assert month.has_figures and not gather(store.db, "呼伦贝尔市", parse_period("2024-02")).has_figures
        from briefing import settings
        from briefing.documents.make import Request, make

        made = make(store, settings.load(env={}), Request("monthly", parse_period("2024-01"), "呼伦贝尔市"))
    assert "陈巴尔虎旗61.5%" in made.markup and "鄂温克族自治旗58.0%" in made.markup


@pytest.mark.parametrize("week", ["2024-W02", "2023-W27"])
def test_a_banner_read_with_its_league_has_the_facts_it_has_alone(store, week):
    league = gather(store.db, "兴安盟", parse_period(week), AS_OF)
    for banner in ("科右前旗", "科右中旗", "扎赉特旗"):
        with_league, alone = league.other(banner), gather(store.db, banner, parse_period(week), AS_OF)
        assert with_league.facts.keys() == alone.facts.keys() and with_league.highlights == alone.highlights
        assert sorted(map(repr, with_league.claims())) == sorted(map(repr, alone.claims()))
        assert (with_league.reported, with_league.missing) == (alone.reported, alone.missing)
    assert league.other("兴安盟").facts.keys() == league.facts.keys()
