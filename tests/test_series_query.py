"""The latest figure and the figure a year earlier of every series (latest.latest_and_year_ago: the latest-figure
table kept at import, and the two-seek statement for a series changed after the moment asked), against the slow
path (each series read through Observations.stored), on offices generated here that share no name with the
sample: corrections before and after the moment, figures recorded after it, series without a year-ago figure,
every frequency, week 53 and 29 February; imports that touch some series and not others, one that fails, a check,
a 录入时间 ahead of the clock, and a database made before the table."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from conftest import TZ, write_csv

import briefing.ingest
from briefing.figures.period_text import parse_period
from briefing.figures.periods import period_of
from briefing.ingest import ingest_files
from briefing.store.db import Store, iso_utc
from briefing.store.latest import from_observations, latest_and_year_ago
from briefing.store.observations import FAR_FUTURE, Observations, decimal, year_on_year

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
           "2024-01-01T00:00:00+00:00", "2024-05-01T01:00:00+00:00"]


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


def canonical(rows) -> list[tuple]:
    return sorted((i, r, k, decimal(v), None if y is None else decimal(y)) for i, r, k, v, y in rows)


def fast(db, as_of: str) -> list[tuple]:
    rows = latest_and_year_ago(db, as_of)
    assert all(isinstance(v, float) and (y is None or isinstance(y, float)) for *_, v, y in rows)  # plain numbers
    assert len({(i, r) for i, r, *_ in rows}) == len(rows)       # each series once, from the table or not
    return canonical(rows)


def table(db) -> list[tuple]:
    return db.execute("SELECT * FROM latest_figures ORDER BY indicator, region").fetchall()


def changed_since(db, as_of: str) -> int:
    """The series of the table read from observations as of the moment (changed after it)."""
    return db.execute("SELECT COUNT(*) FROM latest_figures WHERE newest > ?", [as_of]).fetchone()[0]


@pytest.mark.parametrize("as_of", MOMENTS)
def test_every_series_as_the_slow_path_reads_it(office, as_of):
    expected = slow(Observations(office.db), as_of)
    assert fast(office.db, as_of) == expected == canonical(from_observations(office.db, as_of))
    if as_of != MOMENTS[4]:      # before any figure was entered: none
        assert expected and any(y is None for *_, y in expected) and any(y is not None for *_, y in expected)


def test_the_table_holds_each_series_as_it_now_stands(office):
    """One row for each series with figures, its current revisions; its newest moment no earlier than any of its
    rows' times: from then on (the last import's moment) every series is read from the table alone."""
    rows = table(office.db)
    assert canonical(r[:5] for r in rows) == canonical(from_observations(office.db)) == slow(Observations(office.db),
                                                                                               FAR_FUTURE)
    times = dict(((i, r), t) for i, r, t in office.db.execute(
        "SELECT indicator, region, max(max(recorded_at), coalesce(max(superseded_at), '')) FROM observations "
        "GROUP BY indicator, region"))
    assert {(i, r) for i, r, *_ in rows} == set(times)
    assert all(newest >= times[i, r] for i, r, *_, newest in rows)
    late = iso_utc(datetime.fromisoformat(LATE).replace(tzinfo=TZ))
    assert changed_since(office.db, late) == 0 and changed_since(office.db, MOMENTS[1]) == len(rows) - 1
    assert dict(((i, r), n) for i, r, *_, n in rows)["herd_sheep", "152500"] < MOMENTS[0]   # entered on 5 March only


def test_a_series_is_read_from_the_table_only_when_nothing_of_it_changed_after_the_moment(office):
    """The table's row is what is read from the moment its series last changed on; before that, observations. A
    row altered here by hand shows which was read."""
    office.db.execute("UPDATE latest_figures SET value = 1234.5 WHERE indicator = 'herd_sheep' AND region = '152501'")

    def sheep(as_of: str) -> float:
        return next(r[3] for r in latest_and_year_ago(office.db, as_of) if r[:2] == ("herd_sheep", "152501"))
    just_before = "2024-05-01T00:59:59+00:00"    # its latest month was corrected on 1 May, 09:00 (01:00 UTC)
    assert sheep(FAR_FUTURE) == sheep(MOMENTS[-1]) == 1234.5
    assert sheep(just_before) == sheep(MOMENTS[1]) == float(slow(Observations(office.db), just_before)[
        [r[:2] for r in slow(Observations(office.db), just_before)].index(("herd_sheep", "152501"))][3]) != 1234.5


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


def correction_file(tmp_path, name: str, when: str):
    """A correction of 苏尼特左旗's December sheep (77.7, entered on 1 May) and of 正蓝旗's latest week, entered at
    ``when``."""
    weeks = INDICATORS[1][-1]
    return write_csv(tmp_path / name, [HEAD, ["herd_sheep", "苏尼特左旗", "2023-12", "412", when],
                                       ["tour_visits", "正蓝旗", weeks[-1], "9.5", when]])


def test_an_import_that_fails_after_the_figures_are_written_leaves_the_table_as_it_was(office, tmp_path, monkeypatch):
    """Figures and a highlight in one import; writing the highlight fails (a named point, after the figures and
    their rows of the table are written): everything is rolled back, the table with it."""
    before = table(office.db)
    highlight = write_csv(tmp_path / "h.csv", [["日期", "地区", "领域", "内容"], ["2024-05-20", "正蓝旗", "牧业", "草场返青"]])

    def fail(db, rows, batch):
        assert db.execute("SELECT value FROM latest_figures WHERE indicator = 'herd_sheep' AND region = '152502'"
                          ).fetchone() == (412.0,)   # refreshed in this transaction, before the failure
        raise RuntimeError("the disk is full")
    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setitem(briefing.ingest._FIGURES, "highlights", fail)
        ingest_files(office, [correction_file(tmp_path, "c.csv", "2024-05-20 09:00"), highlight], TZ,
                     now=datetime(2024, 6, 1, tzinfo=TZ))
    assert table(office.db) == before
    for as_of in (FAR_FUTURE, "2024-05-21T00:00:00+00:00", MOMENTS[1]):
        assert fast(office.db, as_of) == slow(Observations(office.db), as_of)
    ingest_files(office, [correction_file(tmp_path, "c.csv", "2024-05-20 09:00"), highlight], TZ,
                 now=datetime(2024, 6, 1, tzinfo=TZ))
    assert table(office.db) != before
    for as_of in (FAR_FUTURE, "2024-05-20T01:00:00+00:00", "2024-05-20T01:00:01+00:00", MOMENTS[1]):
        assert fast(office.db, as_of) == slow(Observations(office.db), as_of)


def test_a_check_leaves_the_table_untouched(office, tmp_path):
    """`briefing ingest --check` runs the import, its writes included, and rolls it back."""
    before = table(office.db)
    report = ingest_files(office, [correction_file(tmp_path, "c.csv", "2024-05-20 09:00")], TZ,
                          now=datetime(2024, 6, 1, tzinfo=TZ), check_only=True)
    assert report.outcomes[0].revised == 2
    assert table(office.db) == before
    assert fast(office.db, FAR_FUTURE) == slow(Observations(office.db), FAR_FUTURE)


def test_a_figure_entered_with_a_time_ahead_of_the_clock_counts_from_that_time(office, tmp_path):
    """录入时间 may be up to a minute ahead of the clock: as of now the figure is not known yet, so its series is
    read from observations until then."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=TZ)
    ahead = (now + timedelta(seconds=40)).strftime("%Y-%m-%d %H:%M:%S")
    ingest_files(office, [correction_file(tmp_path, "c.csv", ahead)], TZ, now=now)
    at_now, later = iso_utc(now), iso_utc(now + timedelta(minutes=1))
    assert changed_since(office.db, at_now) == 2 and changed_since(office.db, later) == 0
    sheep = {as_of: next(r for r in fast(office.db, as_of) if r[:2] == ("herd_sheep", "152502"))
             for as_of in (at_now, later)}
    assert sheep[at_now][2:4] == ("2023-12", Decimal("77.7")) and sheep[later][2:4] == ("2023-12", Decimal("412"))
    for as_of in (at_now, later):
        assert fast(office.db, as_of) == slow(Observations(office.db), as_of)


def test_a_figure_entered_with_an_earlier_time_keeps_the_later_moment_of_its_series(office, tmp_path):
    """正蓝旗's sheep began in the second year; its first months are entered now with the time they were recorded
    on paper (6 March), before its latest month was corrected (1 May): its rows still hold only from 1 May on."""
    months = INDICATORS[0][-1]
    ingest_files(office, [write_csv(tmp_path / "old.csv", [HEAD, *[["herd_sheep", "正蓝旗", key, "310", "2024-03-06 09:00"]
                                                                  for key in months[:3]]])],
                 TZ, now=datetime(2024, 6, 1, tzinfo=TZ))
    newest = dict(((i, r), n) for i, r, *_, n in table(office.db))
    assert newest["herd_sheep", "152530"] == MOMENTS[-1]           # 1 May, 09:00 in UTC
    for as_of in MOMENTS:
        assert fast(office.db, as_of) == slow(Observations(office.db), as_of)


def test_an_import_committed_while_the_figures_are_read_is_not_seen_by_half(office, tmp_path, monkeypatch):
    """Another process commits an import right after the table's rows are read (a named point): the rest is
    read from the same snapshot, so no series comes twice and the answer is the database's before the import."""
    as_of = "2024-05-25T00:00:00+00:00"
    expected = slow(Observations(office.db), as_of)
    real = office.db.execute

    def execute(sql, *args):
        cursor = real(sql, *args)
        if sql.startswith("SELECT indicator, region, period, value, year_ago FROM latest_figures"):
            with Store(office.path, create=False) as other:
                ingest_files(other, [correction_file(tmp_path, "c.csv", "2024-05-30 09:00")], TZ,
                             now=datetime(2024, 6, 1, tzinfo=TZ))
        return cursor
    monkeypatch.setattr(office.db, "execute", execute)
    assert fast(office.db, as_of) == expected
    monkeypatch.setattr(office.db, "execute", real)
    assert changed_since(office.db, as_of) == 2 and fast(office.db, as_of) == expected


def test_a_database_made_before_the_table_gets_it_filled(office, tmp_path):
    """A database as the version before the table left it (no table, no migration m013): opening it fills the
    table from the figures stored, each series with the time of its own latest row."""
    path, expected = office.path, {as_of: slow(Observations(office.db), as_of) for as_of in MOMENTS}
    office.db.execute("DROP TABLE latest_figures")
    office.db.execute("DELETE FROM _migrations WHERE name = 'm013_latest_figures'")
    office.close()
    with Store(path) as again:
        assert again.db.execute("SELECT name FROM _migrations ORDER BY rowid DESC LIMIT 1").fetchone() == (
            "m013_latest_figures",)
        assert len(table(again.db)) == len(expected[FAR_FUTURE])
        for as_of in MOMENTS:
            assert fast(again.db, as_of) == expected[as_of]
        assert changed_since(again.db, MOMENTS[1]) == len(expected[FAR_FUTURE]) - 1


def test_the_sample_as_the_slow_path_reads_it(sample_db):
    with Store(sample_db, create=False) as store:
        first = store.db.execute("SELECT MIN(recorded_at) FROM observations WHERE revision > 1").fetchone()[0]
        for as_of in (FAR_FUTURE, first, "2024-01-01T00:00:00+00:00"):
            assert fast(store.db, as_of) == slow(Observations(store.db), as_of)
        assert changed_since(store.db, first) and changed_since(store.db, FAR_FUTURE) == 0


# An office of its own, its figures entered over five imports, each touching some series and not others.
COUNTY = [("530101", "雾溪县"), ("530102", "石门县"), ("530103", "桃源县"), ("530104", "青峰县")]
SERIES = [
    ("rain_mm", "降水量", "气象", "流量", "毫米", "日",
     ["2023-02-27", "2023-02-28", "2023-03-01", "2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]),
    ("power", "用电量", "能源", "流量", "万千瓦时", "周",
     [period_of("week", parse_period("2019-W50").start + timedelta(weeks=k)).key for k in range(60)]),
    ("cars", "机动车保有量", "交通", "存量", "辆", "月", [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]),
    ("grain_t", "粮食产量", "农业", "流量", "吨", "季", [f"{y}-Q{q}" for y in (2021, 2022, 2023) for q in range(1, 5)]),
    ("cases", "立案数", "司法", "流量", "件", "年", ["2018", "2019", "2020", "2021", "2022", "2023"]),
]
SERIES_KIND = {"rain_mm": "day", "power": "week", "cars": "month", "grain_t": "quarter", "cases": "year"}
ENTERED = [datetime(2025, month, 10, 9, 0, tzinfo=TZ) for month in (1, 2, 3, 4, 5)]


def county_imports(store, tmp_path):
    """Yield after each import: the first gives every series some periods (plain counts, a file for each
    indicator: the column-at-a-time path), the third only later periods of some series (the same way), the others
    correct latest, year-ago and older figures of some series and add periods to others (figures with decimals:
    the row-by-row path)."""
    rng = random.Random(20250110)
    regions = [["代码", "名称", "上级"], ["530100", "云岭州", ""], *[[c, n, "530100"] for c, n in COUNTY]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率"], *[list(row[:6]) for row in SERIES]]
    now = datetime(2025, 6, 1, tzinfo=TZ)
    ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators)], TZ, now=now)
    known: dict[tuple[str, str], int] = {}           # series -> the index of its latest period so far
    for step, entered in enumerate(ENTERED):
        files, when = {}, entered.strftime("%Y-%m-%d %H:%M")
        for code, *_, keys in SERIES:
            rows = files.setdefault(code if step in (0, 2) else "all", [HEAD])   # a file of one frequency each
            for region, _ in [("530100", "")] + COUNTY:
                top = known.get((code, region))
                if step == 0 and rng.random() < 0.8:
                    start, end = rng.randrange(len(keys) // 2), rng.randrange(len(keys) // 2, len(keys) - 2)
                    rows += [[code, region, keys[k], str(rng.randrange(1, 999)), when] for k in range(start, end)]
                    known[code, region] = end - 1
                elif top is not None and top < len(keys) - 1 and rng.random() < 0.4:
                    rows.append([code, region, keys[top + 1], str(rng.randrange(1, 999)) + ("" if step == 2 else ".5"),
                                 when])
                    known[code, region] = top + 1
                elif top is not None and step != 2 and rng.random() < 0.5:   # the latest, its year-ago, any
                    ago = parse_period(keys[top], SERIES_KIND[code]).year_ago()
                    k = rng.choice([top, top, keys.index(ago.key) if ago and ago.key in keys else 0, rng.randrange(top)])
                    rows.append([code, region, keys[k], f"{rng.uniform(1, 999):.2f}", when])
        ingest_files(store, [write_csv(tmp_path / f"step{step}-{name}.csv", rows) for name, rows in files.items()
                             if len(rows) > 1], TZ, now=now)
        yield step


def test_imports_touching_some_series_keep_the_table_exact_at_every_moment(store, tmp_path):
    mixed = 0
    for step in county_imports(store, tmp_path):
        assert canonical(r[:5] for r in table(store.db)) == canonical(from_observations(store.db))
        moments = [FAR_FUTURE, "2024-12-31T00:00:00+00:00"]
        for entered in ENTERED[:step + 1]:
            moments += [iso_utc(entered - timedelta(seconds=1)), iso_utc(entered), iso_utc(entered + timedelta(days=3))]
        for as_of in moments:
            expected = slow(Observations(store.db), as_of)
            assert fast(store.db, as_of) == expected == canonical(from_observations(store.db, as_of)), (step, as_of)
            changed = changed_since(store.db, as_of)
            mixed += 0 < changed < len(table(store.db)) and len(expected) > changed
    assert mixed >= 5   # moments at which some series came from the table and others from observations


def test_the_newest_moment_of_a_series_is_that_of_the_import_that_last_wrote_it(store, tmp_path):
    steps = county_imports(store, tmp_path)
    next(steps)
    first = {(i, r): n for i, r, *_, n in table(store.db)}
    assert set(first.values()) == {iso_utc(ENTERED[0])}
    next(steps)
    second = {(i, r): n for i, r, *_, n in table(store.db)}
    rewritten = {s for s, n in second.items() if n == iso_utc(ENTERED[1])}
    assert rewritten and len(rewritten) < len(second) and first.keys() <= second.keys()
    assert {s for s in second if second[s] == iso_utc(ENTERED[0])} == first.keys() - rewritten
