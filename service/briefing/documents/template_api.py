"""What a briefing template can say about figures: Jinja2 filters and globals with the names a Chinese
report writer looks for (同比, 环比, 累计, 约数, 提升至 …), each documented in docs/templates.md with an
example that a test renders.

A template reaches an indicator with ``指标("诊疗患者人次")`` (by name or code) and gets a ``FactView``:
its figures are ``Amount``s that print with their unit (``{{ 指标("诊疗患者人次").累计 }}`` → 19532人次),
and the comparison filters turn it into the house-style words (``{{ 指标("诊疗患者人次") | 同比 }}``).
Everything here only formats what facts.py computed; nothing reads the database.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ..errors import NotFound, TemplateDataError
from ..figures import compare, phrasing, units, verify
from ..figures.phrasing import Style
from ..figures.verify import Claim, unit_factor
from ..i18n import _
from ..store.facts import Facts, change_claims, fact_claims
from . import sections
from .blocks import parts_chart, parts_table, trend_chart
from .filters import (
    all_exceed,
    approx,
    compare_values,
    day,
    figure,
    gain,
    mom,
    period_label,
    rank_of,
    reached,
    record,
    share_of,
    span_of,
    traditional,
    vs_year_end,
    yoy,
    ytd_span,
    ytd_yoy,
)
from .provenance import Quoted
from .views import FactView, _number, _view

# Every name a template can use, declared once: (Chinese name, English name, what it is). What it is is a
# function that serves every briefing, or the name of a method of the briefing being rendered (it reaches
# that briefing's figures, or records what it computed for the figure verifier).
FILTER_TABLE: tuple[tuple[str, str, Callable | str], ...] = (
    ("同比", "yoy", "yoy"), ("环比", "mom", "mom"), ("累计同比", "ytd_yoy", "ytd_yoy"),
    ("比上年末", "vs_year_end", "vs_year_end"), ("提升至", "reached", reached), ("约数", "approx", approx),
    ("纪录", "record", record), ("占比", "share", "share"), ("排名", "rank", "rank"), ("数字", "figure", figure),
    ("日期", "date", day), ("期间", "period", period_label), ("繁体", "traditional", traditional),
    ("累计期间", "ytd_span", ytd_span),
)
GLOBAL_TABLE: tuple[tuple[str, str, Callable | str], ...] = (
    ("指标", "indicator", "indicator"), ("有", "has", "has"), ("领域", "domain", "domain"), ("亩增产", "gain", "gain"),
    ("均超过", "all_exceed", all_exceed), ("数字", "figure", figure), ("日期", "date", day),
    ("比较", "compare", "compare"), ("范围", "span", span_of), ("折线图", "trend_chart", trend_chart),
    ("柱状图", "parts_chart", parts_chart), ("分项表", "parts_table", parts_table), ("选一", "pick", "pick"),
    ("领域列表", "domains", "domains"), ("纪录保持者", "record_holder", "record_holder"),
)
FILTERS = {zh: what for zh, _, what in FILTER_TABLE}
ENGLISH = {en: what for _, en, what in FILTER_TABLE}


class _Briefing:
    """The figures one rendering may reach: its own region's facts, others' on demand, and the values
    computed from them (a per-unit gain, a share), kept for the figure verifier."""

    def __init__(self, facts: Facts, style: Style, other_region: Callable[[str], Facts] | None):
        self.facts, self.style, self.other_region = facts, style, other_region
        self.regions: dict[str, Facts] = {facts.region.name: facts, facts.region.code: facts}
        self.views: dict[tuple[str, str], FactView] = {}
        self.derived: list[Claim] = []
        # 领域列表: the sections, read when a template first loops over them
        self.domains = sections.Lazy(lambda: sections.domains(facts, self.indicator,
                                                              self.facts_of if other_region else None))

    def facts_of(self, region: str | None) -> Facts:
        if region is None:
            return self.facts
        if region not in self.regions:
            if self.other_region is None:
                raise TemplateDataError(_("this briefing has figures for {region} only, not {other}").format(
                    region=self.facts.region.name, other=region))
            self.regions[region] = self.other_region(region)
        return self.regions[region]

    def indicator(self, key: str, 地区: str | None = None) -> FactView:
        """指标: one indicator of the briefing's region (or of 地区)."""
        if (key, 地区 or "") not in self.views:
            try:
                self.views[key, 地区 or ""] = FactView(self.facts_of(地区)[key], self.style)
            except NotFound as exc:
                raise TemplateDataError(exc.message) from None
        return self.views[key, 地区 or ""]

    def has(self, key: str) -> bool:
        """有: whether the briefing's region has figures for an indicator (code or name)."""
        return key in self.facts

    def domain(self, name: str) -> list[FactView]:
        """领域: the indicators of one domain with figures."""
        return [self.indicator(f.indicator.code) for f in self.facts.domain(name)]

    def record_holder(self, view: FactView) -> tuple[Quoted, FactView]:
        """纪录保持者: who set a figure, with that region's indicator: for a figure that is its best part's (地区汇总
        最大) the part that holds it, so its 纪录 is worded for that part; otherwise the figure's own region."""
        v = _view(view, "纪录保持者")
        fact = v.fact
        holders = [name for name, value in fact.parts if value == fact.value]
        if fact.indicator.region_agg == "max" and len(holders) == 1 and self.other_region is not None:
            part = self.indicator(fact.indicator.code, 地区=holders[0])
            if (part.fact.value, part.fact.period) == (fact.value, fact.period):
                return Quoted(holders[0]), part
        return Quoted(fact.region.name), v

    def gain(self, demo: FactView, baseline: FactView) -> str:
        text = gain(demo, baseline)
        self.derived.extend(change_claims(compare.per_unit_gain(demo.fact.value, baseline.fact.value), "亩增产"))
        return text

    def share(self, view: FactView, 地区: str) -> str:
        text = share_of(view, 地区)
        self.derived.append(Claim(compare.share(dict(view.fact.parts), 地区), "percent", f"{view.名称} {地区} 占比"))
        return text

    def rank(self, view: FactView, 地区: str) -> str:
        place = rank_of(view, 地区)
        self.derived.append(Claim(compare.rank(dict(view.fact.parts), 地区)[0], "number", f"{view.名称} {地区} 排名"))
        return place

    def compare(self, *args: Any, **kwargs: Any) -> str:
        """比较 in this briefing's [style] (its explicit arguments still override); a change it writes in a
        second unit (换算) is recorded for the verifier."""
        text = compare_values(*args, style=self.style, **kwargs)
        if kwargs.get("换算"):
            given = inspect.signature(compare_values).bind(*args, **kwargs).arguments
            unit, ch = given.get("单位", ""), compare.change(_number(given["本期"]), _number(given["基期"]))
            self.derived.extend(units.converted_claims(change_claims(ch, "比较", unit_factor(unit)), unit, kwargs["换算"]))
        return text

    # The comparison filters, recording the figures a template writes in a second unit (换算) for the verifier.
    def yoy(self, view: FactView, *args: Any, **kwargs: Any) -> str:
        return self._second_unit(view, kwargs, yoy(view, *args, **kwargs))

    def mom(self, view: FactView, *args: Any, **kwargs: Any) -> str:
        return self._second_unit(view, kwargs, mom(view, *args, **kwargs))

    def ytd_yoy(self, view: FactView, *args: Any, **kwargs: Any) -> str:
        return self._second_unit(view, kwargs, ytd_yoy(view, *args, **kwargs))

    def vs_year_end(self, view: FactView, *args: Any, **kwargs: Any) -> str:
        return self._second_unit(view, kwargs, vs_year_end(view, *args, **kwargs))

    def _second_unit(self, view: FactView, kwargs: dict[str, Any], text: str) -> str:
        """The text, having recorded the indicator's figures in the second unit it was written in (换算)."""
        if kwargs.get("换算"):
            fact = view.fact
            self.derived.extend(units.converted_claims(fact_claims(fact), fact.indicator.unit, kwargs["换算"]))
        return text

    def pick(self, options: list[str], key: Any = "") -> str:
        """选一: a phrasing chosen by region, period and key — the same briefing always reads the same."""
        return pick(options, f"{self.facts.region.code}/{self.facts.period.key}/{key}")

    def claims(self) -> verify.Tiers:
        """What the text may state: first what the template read of the facts it reached through their views
        (the figures it could print) and the values computed from them; then, only for a figure none of those
        accounts for, every figure of every fact of every region it reached (computing what it never read)."""
        printed = {id(v.fact): v.fact for v in self.views.values()}.values()
        return verify.Tiers([c for f in printed for c in fact_claims(f, computed_only=True)] + self.derived,
                            self._every_claim)

    def _every_claim(self) -> list[Claim]:
        reached = {id(f): f for f in self.regions.values()}.values()
        return [c for f in reached for c in f.claims()]


def install(env, facts: Facts, style: Style = Style(),
            other_region: Callable[[str], Facts] | None = None) -> Callable[[], verify.Tiers]:
    """Register the filters and globals on a Jinja2 environment for one briefing's facts.

    ``other_region(name)`` gives the facts of another region for the same period and moment, for a
    template that names one (``指标("大豆亩产量", 地区="扎赉特旗")``). Returns a function giving every
    value the rendered text may state (for the figure verifier): the facts of each region the template
    reached, and the values computed from them."""
    b = _Briefing(facts, style, other_region)
    env.filters.update(_bound(FILTER_TABLE, b))
    env.globals.update(_bound(GLOBAL_TABLE, b))
    env.globals.update({"地区": Quoted(facts.region.name), "本期": Quoted(facts.period.label()),
                        "周期": sections.PERIOD_WORDS[facts.period.kind], "下级": sections.part_level(facts.region),
                        "亮点": [{key: Quoted(value) if isinstance(value, str) else value for key, value in h.items()}
                               for h in facts.highlights],
                        "未报送": [Quoted(name) for name in facts.missing],
                        "已报送": [Quoted(name) for name in facts.reported]})
    return b.claims


def _bound(table: tuple[tuple[str, str, Callable | str], ...], briefing: _Briefing) -> dict[str, Callable]:
    """A table's names, both languages, each to its function or to the briefing's own method."""
    out: dict[str, Callable] = {}
    for zh, en, what in table:
        out[zh] = out[en] = getattr(briefing, what) if isinstance(what, str) else what
    return out


def pick(options: list[str], key: Any = "") -> str:
    """选一: one of several phrasings with the same meaning, the same one for the same key."""
    return phrasing.choose(list(options), str(key))
