"""Lean facts (issue 15): a fact's comparisons, totals, parts, record and trend are computed when a template
first reads them, the totals since the start of a backfill's later periods are running sums of the figures
read once, and the verifier claims first what the template printed. None of it may change a word: the
built-in templates write the same text as with every fact computed beforehand, on the sample and on an
office generated here that shares no name with it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from conftest import TZ, write_csv
from other_office import BANNERS, TOP, write_office

from briefing import settings
from briefing.documents import make as making
from briefing.errors import VerificationError
from briefing.figures.period_text import parse_period
from briefing.figures.periods import period_of
from briefing.figures.verify import Claim, Tiers, check, unaccounted
from briefing.ingest import ingest_files
from briefing.store.db import Store
from briefing.store.facts import LAZY, gather, gather_many
from briefing.store.reader import Reader

AS_OF = "2024-01-17T15:59:59+00:00"
NOW = datetime(2024, 6, 1, tzinfo=TZ)
SAMPLE = {"weekly": ["2024-W02", "2023-W27"], "monthly": ["2023-12"], "bulletin": ["2024-W02"],
          "summary": ["2024-01-17"]}
OTHER = {"weekly": ["2024-W12", "2024-W11"], "monthly": ["2024-03"], "bulletin": ["2024-W12"],
         "summary": ["2024-03-24"]}


def forced(facts):
    """The facts with every lazy field computed now, and so are those of any region they give."""
    for fact in facts.facts.values():
        for name in LAZY:
            getattr(fact, name)
    if facts.other is not None:
        other = facts.other
        facts.other = lambda region: forced(other(region))
    return facts


@pytest.fixture
def other_store(tmp_path):
    with Store(tmp_path / "other.db") as store:
        ingest_files(store, write_office(tmp_path / "office"), TZ, now=NOW)
        yield store


def texts(store, asked: dict[str, list[str]], regions: list[str], as_of: str) -> dict[str, str]:
    conf = settings.load(env={})
    return {f"{t}/{r}/{k}": making.make(store, conf, making.Request(t, parse_period(k), r, as_of)).markup
            for t, keys in asked.items() for r in regions for k in keys}


@pytest.mark.parametrize("office", ["sample", "other"])
def test_the_built_in_templates_write_the_same_text_as_with_every_fact_computed_first(
        office, sample_db, other_store, monkeypatch):
    store = Store(sample_db, create=False) if office == "sample" else other_store
    asked, regions = (SAMPLE, ["兴安盟", "扎赉特旗"]) if office == "sample" else (OTHER, [TOP, BANNERS[0]])
    as_of = AS_OF if office == "sample" else NOW.astimezone().isoformat()
    lean = texts(store, asked, regions, as_of)
    monkeypatch.setattr(making, "gather", lambda *args, **kw: forced(gather(*args, **kw)))
    assert texts(store, asked, regions, as_of) == lean
    assert all("累计" in text for key, text in lean.items() if key.startswith("weekly/"))


def test_a_backfill_writes_each_week_as_with_every_week_computed_first(sample_db, monkeypatch):
    conf = settings.load(env={})
    periods = [parse_period(k) for k in ("2024-W02", "2023-W40", "2024-W01", "2023-W01", "2023-W27")]
    with Store(sample_db, create=False) as store:
        lean = [b.markup for b in making.make_many(store, conf, "weekly", "兴安盟", periods, AS_OF)]
        monkeypatch.setattr(making, "gather_many", lambda *a, **kw: [forced(f) for f in gather_many(*a, **kw)])
        assert [b.markup for b in making.make_many(store, conf, "weekly", "兴安盟", periods, AS_OF)] == lean
    assert len(lean) == len(periods)


@pytest.fixture
def decimals_store(tmp_path):
    """A league of three banners with figures in two decimals, one banner starting late, one corrected."""
    rng = random.Random(7)
    regions = [["代码", "名称", "上级"], ["159900", "乌珠穆沁盟", ""], ["159901", "东旗", "159900"],
               ["159902", "西旗", "159900"], ["159903", "北旗", "159900"]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率", "小数位"],
                  ["hay_t", "打贮草量", "牧业", "流量", "吨", "周", "2"], ["vet_n", "防疫头数", "牧业", "流量", "头", "周", "0"]]
    weeks = [period_of("week", parse_period("2023-W01").start + timedelta(weeks=k)).key for k in range(60)]
    rows = [["指标", "地区", "期间", "数值", "录入时间"]]
    for code in ("hay_t", "vet_n"):
        for b, banner in enumerate(("东旗", "西旗", "北旗")):
            for k, week in enumerate(weeks):
                if banner == "北旗" and k < 40:
                    continue
                value = round(rng.uniform(0, 99), 2 if code == "hay_t" else 0)
                rows.append([code, banner, week, f"{value}", "2024-03-01 09:00"])
    with Store(tmp_path / "d.db") as store:
        ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators),
                             write_csv(tmp_path / "o.csv", rows)], TZ, now=NOW)
        ingest_files(store, [write_csv(tmp_path / "fix.csv", [rows[0], ["hay_t", "东旗", weeks[45], "12.34",
                                                                        "2024-04-01 09:00"]])], TZ, now=NOW)
        yield store, weeks


@pytest.mark.parametrize("as_of", ["2024-03-15T00:00:00+00:00", "2024-05-01T00:00:00+00:00"])
def test_the_totals_since_the_start_of_a_backfill_are_those_of_each_week_alone(decimals_store, as_of):
    store, weeks = decimals_store
    periods = [parse_period(k) for k in random.Random(3).sample(weeks[2:], 20)]   # in no order
    for region in ("乌珠穆沁盟", "北旗", "东旗"):
        for period, facts in zip(periods, gather_many(store.db, region, periods, as_of)):
            alone = gather(store.db, region, period, as_of)
            got = {c: (f.since_start, f.first_period) for c, f in facts.facts.items()}
            assert got == {c: (f.since_start, f.first_period) for c, f in alone.facts.items()}, (region, period)
    late = gather_many(store.db, "北旗", [parse_period(weeks[30]), parse_period(weeks[50])], as_of)
    assert "hay_t" not in late[0].facts and late[1]["hay_t"].first_period.key == weeks[40]
    assert late[1]["hay_t"].since_start.as_tuple().exponent >= -2


def test_a_briefing_that_writes_no_total_since_the_start_never_computes_one(sample_db, tmp_path, monkeypatch):
    """The named point: Reader.totals_until, each region's total since the start through the period. A
    template that writes only this week's figures is made with it failing; one that writes 累计 reaches it."""
    def refuse(self, period):
        raise RuntimeError("totals summed")
    monkeypatch.setattr(Reader, "totals_until", refuse)
    folder = tmp_path / "tpl" / "plain"
    folder.mkdir(parents=True)
    (folder / "template.toml").write_text('name = "周况"\nperiod = "week"\n', encoding="utf-8")
    (folder / "briefing.md.j2").write_text("# {{ 标题 }}\n\n{% for f in 领域(\"医疗\") %}{{ f.简称 }}{{ f.本期 }}，"
                                           "{% if f.上年同期 %}{{ f | 同比 }}{% endif %}。{% endfor %}\n", encoding="utf-8")
    conf = settings.load(env={}, overrides={"template_dirs": str(tmp_path / "tpl")})
    with Store(sample_db, create=False) as store:
        made = making.make(store, conf, making.Request("plain", parse_period("2024-W02"), "兴安盟", AS_OF))
        assert "同比" in made.markup
        (folder / "briefing.md.j2").write_text("# {{ 标题 }}\n\n{% for f in 领域(\"医疗\") %}{% if f.累计 %}{{ f.累计 }}{% endif %}{% endfor %}\n",
                                               encoding="utf-8")
        with pytest.raises(RuntimeError, match="totals summed"):
            making.make(store, conf, making.Request("plain", parse_period("2024-W02"), "兴安盟", AS_OF))


def test_later_tiers_of_claims_are_made_only_for_figures_left_over():
    asked = []

    def rest():
        asked.append(1)
        return [Claim(Decimal(930), "number", "培训讲座 累计")]
    text = "诊疗患者19532人次，培训讲座930场"
    assert [f.text for f in unaccounted(text, Tiers([Claim(Decimal(19532), "number")], rest))] == []
    assert asked == [1]
    asked.clear()
    check("诊疗患者19532人次", Tiers([Claim(Decimal(19532), "number")], rest))
    assert asked == []
    with pytest.raises(VerificationError, match="nearest number fact: 930 .培训讲座 累计."):
        check("培训讲座931场", Tiers([Claim(Decimal(19532), "number")], rest))
    assert list(Tiers([Claim(1, "number")], rest)) == [Claim(1, "number"), Claim(930, "number", "培训讲座 累计")]
