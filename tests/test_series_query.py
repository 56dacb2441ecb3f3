"""The latest figure and the figure a year earlier of every series in one statement per frequency
(observations.latest_and_year_ago), against the slow path (each series read through Observations.stored), on
an office generated here that shares no name with the sample: corrections before and after the moment,
figures recorded after it, series without a year-ago figure, every frequency, week 53 and 29 February."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from conftest import TZ, write_csv

from briefing.figures.period_text import parse_period
from briefing.figures.periods import period_of
from briefing.ingest import ingest_files
from briefing.store.observations import FAR_FUTURE, Observations, decimal, latest_and_year_ago, year_on_year

BANNERS = [("152501", "阿巴嘎旗"), ("152502", "苏尼特左旗"), ("152530", "正蓝旗")]
# code, name, domain, kind, unit, frequency, the keys of its periods (oldest first)
INDICATORS = [
    ("herd_sheep", "羊存栏", "牧业", "存量", "万只", "月", [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]),
    ("tour_visits", "接待游客", "文旅", "流量", "人次", "周",
     [p.key for p in (period_of("week", parse_period("2022-W50").start + timedelta(weeks=k)) for k in range(60))]),
    ("wind_mw", "风电装机", "能源", "存量", "兆瓦", "季", [f"{y}-Q{q}" for y in (2021, 2022, 2023) for q in range(1, 5)]),
    ("grass_yield", "牧草单产", "牧业", "单位水平", "公斤/亩", "年", ["2019", "2020", "2021", "2022", "2023"]),
    ("milk_t", "鲜奶收购量", "牧业", "流量", "吨", "日", ["2023-02-27", "2023-02-28", "2023-03-01", "2024-02-28",
                                                    "2024-02-29"]),
    ("old_week", "旧周报量", "文旅", "流量", "场", "周", ["2019-W51", "2019-W52", "2020-W52", "2020-W53"]),
]
HEAD = ["指标", "地区", "期间", "数值", "录入时间"]
FIRST, FIX, LATE = "2024-03-05 09:00", "2024-03-20 09:00", "2024-05-01 09:00"
MOMENTS = ["2024-03-10T00:00:00+00:00", "2024-04-01T00:00:00+00:00", FAR_FUTURE, "2024-03-05T01:00:00+00:00",
           "2024-01-01T00:00:00+00:00"]


@pytest.fixture
def office(store, tmp_path):
    """The office, its figures entered on 5 March, corrected on 20 March (some), and more entered on 1 May: a
    later period for some series and a correction of a latest figure for others; some series begin late."""
    rng = random.Random(15)
    regions = [["代码", "名称", "上级"], ["152500", "锡林郭勒盟", ""], *[[c, n, "152500"] for c, n in BANNERS]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率"], *[list(row[:6]) for row in INDICATORS]]
    first, fixes, late = [HEAD], [HEAD], [HEAD]
    for code, *_, keys in INDICATORS:
        for b, (_, banner) in enumerate(BANNERS):
            start = len(keys) // 2 + 1 if (code, b) in (("herd_sheep", 2), ("wind_mw", 1)) else 0
            last = len(keys) - 1 if (code, b) not in (("tour_visits", 0), ("herd_sheep", 1)) else len(keys) - 2
            for k in range(start, last + 1):
                first.append([code, banner, keys[k], str(round(rng.uniform(1, 900), rng.choice((0, 1, 2)))), FIRST])
            fixes += [[code, banner, keys[k], str(round(rng.uniform(1, 900), 1)), FIX]
                      for k in rng.sample(range(start, last + 1), 2)]
            if last < len(keys) - 1:
                late.append([code, banner, keys[-1], "77.7", LATE])
            else:
                late.append([code, banner, keys[last], "88.8", LATE])
    first.append(["herd_sheep", "锡林郭勒盟", "2023-12", "5021.5", FIRST])    # a league with a figure of its own
    now = datetime(2024, 6, 1, tzinfo=TZ)
    ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators)], TZ, now=now)
    for name, rows in (("first", first), ("fixes", fixes), ("late", late)):
        ingest_files(store, [write_csv(tmp_path / f"{name}.csv", rows)], TZ, now=now)
    return store


def slow(obs: Observations, as_of: str) -> list[tuple]:
    """Each series read whole through Observations.stored: its latest period, and that period's year_ago."""
    out = []
    for ind in obs.catalog.indicators.values():
        for region in obs.catalog.regions:
            stored = obs.stored(ind.code, [region], as_of=as_of)
            if not stored:
                continue
            latest = max(stored.values(), key=lambda f: f.period.end)
            ago = latest.period.year_ago()
            base = stored.get((region, ago.key)) if ago is not None else None
            out.append((ind.code, region, latest.period.key, latest.value, None if base is None else base.value))
    return sorted(out)


def fast(db, as_of: str) -> list[tuple]:
    rows = latest_and_year_ago(db, as_of)
    assert all(isinstance(v, float) and (y is None or isinstance(y, float)) for *_, v, y in rows)  # plain numbers
    return sorted((i, r, k, decimal(v), None if y is None else decimal(y)) for i, r, k, v, y in rows)


@pytest.mark.parametrize("as_of", MOMENTS)
def test_every_series_as_the_slow_path_reads_it(office, as_of):
    expected = slow(Observations(office.db), as_of)
    assert fast(office.db, as_of) == expected
    if as_of != MOMENTS[-1]:
        assert expected and any(y is None for *_, y in expected) and any(y is not None for *_, y in expected)


def test_corrections_and_later_figures_count_only_from_their_moment(office):
    def row(as_of, code, region):
        return next(r for r in fast(office.db, as_of) if r[:2] == (code, region))
    before, corrected = "2024-03-10T00:00:00+00:00", FAR_FUTURE
    # 阿巴嘎旗's last week was entered only on 1 May: before then its latest is the week before
    assert row(before, "tour_visits", "152501")[2] == INDICATORS[1][-1][-2]
    assert row(corrected, "tour_visits", "152501")[2:4] == (INDICATORS[1][-1][-1], Decimal("77.7"))
    # 阿巴嘎旗's latest month corrected on 1 May: the figure before it counts until then, 88.8 after
    assert row(before, "herd_sheep", "152501")[2] == "2023-12" and row(before, "herd_sheep", "152501")[3] != Decimal("88.8")
    assert row(corrected, "herd_sheep", "152501")[2:4] == ("2023-12", Decimal("88.8"))
    assert row(before, "herd_sheep", "152502")[2] == "2023-11"
    # 正蓝旗 began in the second year of the months: no year-ago figure
    assert row(before, "herd_sheep", "152530")[4] is None
    # the league's own figure is a series of its own; without one it has none (no roll-ups here)
    assert row(before, "herd_sheep", "152500")[2:4] == ("2023-12", Decimal("5021.5"))
    assert not [r for r in fast(office.db, before) if r[:2] == ("tour_visits", "152500")]


def test_29_february_and_week_53_as_period_year_ago_says(office):
    rows = {r[:2]: r for r in fast(office.db, FAR_FUTURE)}
    obs = Observations(office.db)
    day = rows["milk_t", "152501"]
    assert day[2] == "2024-02-29" and day[4] == obs.stored("milk_t", ["152501"])[("152501", "2023-02-28")].value
    week = rows["old_week", "152501"]
    assert week[2] == "2020-W53" and week[4] is None and parse_period("2020-W53").year_ago() is None
    assert all(r[4] is not None for r in fast(office.db, FAR_FUTURE) if r[0] == "grass_yield")


def test_a_comparison_takes_decimals_from_the_plain_numbers(office):
    obs = Observations(office.db)
    for code, region, key, value, base in latest_and_year_ago(office.db):
        ind = obs.catalog.indicators[code]
        ch = year_on_year(ind, value, base)
        assert (ch is None) == (base is None)
        if ch is not None:
            assert (ch.current, ch.base) == (decimal(value), decimal(base))
