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
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from ..errors import ApproximationError, NotFound, TemplateDataError
from ..figures import compare, numbers, phrasing, script, units
from ..figures.periods import Period, Span
from ..figures.phrasing import Measure, Style
from ..figures.verify import Claim, unit_factor
from ..store.facts import Facts, change_claims, fact_claims
from . import sections
from .blocks import parts_chart, parts_table, trend_chart
from .provenance import Quoted, by_input
from .views import Amount, FactView, _number, _view


def _compare(view: FactView, ch: compare.Change | None, base: str, parts: str, what: str,
             wording: str | None = None, omit_base: bool = False, second: str | None = None) -> str:
    """The comparison in words; with ``omit_base`` (省略基期) without its base word, for a later clause of a
    sentence that named it (…，其中本周下降5.9%); with ``second`` (换算) the change also in that unit."""
    if ch is None:
        raise TemplateDataError(f"{view.名称}: no figure to compare with for {what} "
                                f"(check with {{% if 指标(...).上年同期 %}} before writing it)")
    m = _with_second(_measure(view, wording), second)
    return phrasing.change_phrase(ch, m, "" if omit_base else base, view.style, _parts(parts))


def _measure(view: FactView, wording: str | None) -> Measure:
    """The indicator's measure, in a wording the template chose among its synonyms (提高, 上升, 提升 for a rate)."""
    m = view.fact.measure
    if wording is None or wording == m.wording:
        return m
    if not any({m.wording, wording} <= group for group in phrasing.SYNONYMS):
        group = next((group for group in phrasing.SYNONYMS if m.wording in group), None)
        choice = f"one of {', '.join(sorted(group))}" if group else "its own wording only (it has no synonyms)"
        raise TemplateDataError(f"{view.名称} is worded {m.wording!r}, so 措辞 may be {choice}, not {wording!r}")
    return replace(m, wording=wording)


def _with_second(m: Measure, second: str | None) -> Measure:
    """The measure with a second unit for the brackets (换算="亿斤": 增加120万吨（24亿斤）), by a statutory
    conversion of its own unit (figures/units.py)."""
    if not second:
        return m
    try:
        return replace(m, second=(second, units.factor(m.unit, second)))
    except ValueError as exc:
        raise TemplateDataError(f"换算: {exc}") from None


def _parts(parts: str) -> str:
    return {"增幅": "relative", "增量": "absolute", "全部": "both"}.get(parts, parts)


@by_input
def yoy(view: FactView, 对比: str | None = None, 写法: str = "relative", 措辞: str | None = None,
        省略基期: bool = False, *, 换算: str | None = None) -> str:
    """同比: 同比增长3.0% (写法="全部": 同比增加9人，增长23.7%). The base word defaults by the indicator:
    比上年 for an annual flow, 比上年末 for a year-end stock, 同比 otherwise; 对比 chooses another. 措辞
    chooses among the synonyms of the indicator's wording (rate_lift: 比上年提升1.41个百分点); 省略基期=True
    (or 对比="") leaves the base word out: 下降5.9%; 换算="亿斤" adds the change in a second unit of the same
    kind: 增加120万吨（24亿斤） (the briefing's method records it for the verifier, _Briefing.yoy)."""
    v = _view(view, "同比")
    ind = v.fact.indicator
    base = 对比 if 对比 is not None else phrasing.default_base(ind.frequency, ind.kind)
    return _compare(v, v.fact.yoy, base, 写法, "同比", 措辞, 省略基期, 换算)


@by_input
def mom(view: FactView, 对比: str = "环比", 写法: str = "relative", 措辞: str | None = None,
        省略基期: bool = False, *, 换算: str | None = None) -> str:
    """环比: against the period before."""
    v = _view(view, "环比")
    return _compare(v, v.fact.mom, 对比, 写法, "环比", 措辞, 省略基期, 换算)


@by_input
def ytd_yoy(view: FactView, 对比: str = "同比", 写法: str = "relative", 措辞: str | None = None,
            省略基期: bool = False, *, 换算: str | None = None) -> str:
    """累计同比: this year's total so far against the same span last year."""
    v = _view(view, "累计同比")
    return _compare(v, v.fact.ytd_yoy, 对比, 写法, "累计同比", 措辞, 省略基期, 换算)


@by_input
def vs_year_end(view: FactView, 写法: str = "absolute", 措辞: str | None = None, 省略基期: bool = False, *,
                换算: str | None = None) -> str:
    """比上年末: a stock at the end of the year against the end of the year before."""
    v = _view(view, "比上年末")
    return _compare(v, v.fact.yoy, "比上年末", 写法, "比上年末", 措辞, 省略基期, 换算)


@by_input
def reached(view: FactView, 动词: str = "提升至", 对比: str = "同比") -> str:
    """The level reached: 提升至99.25% when it rose since 对比's base (同比: a year earlier; 环比: the period
    before), 降至 when it fell, 为 / 达到 (动词="达到") either way; a verb the figures contradict is an error."""
    v = _view(view, "提升至")
    bases = {"同比": v.fact.year_ago, "环比": v.fact.previous}
    if 对比 not in bases:
        raise TemplateDataError(f"提升至: 对比 is 同比 or 环比, not {对比!r}")
    try:
        return phrasing.reached_phrase(v.fact.value, v.fact.measure, 动词, v.style, bases[对比])
    except ValueError as exc:
        raise TemplateDataError(f"{v.名称} | 提升至: {exc}") from None


@by_input
def approx(x: Amount | FactView | int | float | str, 形式: str, 位数: int = 1, 基数: Any = None,
           单位: str = "") -> str:
    """约数: 50多名, 10万余名, 近万人次, 5亿元以上, 超过40次 — an error if the exact figure contradicts it.
    单位 replaces the measure word (受益教师3210余人 for a figure counted in 人次)."""
    amount = x.本期 if isinstance(x, FactView) else x
    if not isinstance(amount, Amount):
        try:
            amount = Amount(Decimal(str(amount)), Measure(单位))
        except ArithmeticError:
            raise TemplateDataError(f"约数 needs a figure such as 指标(...).累计 or a number; got {x!r}") from None
    mark = None if 基数 is None else _number(基数)
    measure = replace(amount.measure, unit=单位) if 单位 else amount.measure  # 3210余人 for a count in 人次
    try:
        return phrasing.approx(amount.value, 形式, measure, 位数, mark)
    except ApproximationError as exc:
        raise TemplateDataError(f"约数({形式!r}): {exc}") from None


@by_input
def record(view: FactView, 主语: str = "", 用词: str | None = None) -> str:
    """纪录: 再次刷新全区水稻亩产纪录 / 破全区纪录 from the record history; '' when no record is set.
    用词 prefers 破 or 创; the repeat form (再次刷新, 再创) is used whenever the history says so."""
    v = _view(view, "纪录")
    rec = v.fact.record
    if not rec:
        return ""
    try:
        return phrasing.record_phrase(rec, 主语, f"{v.fact.indicator.code}/{v.fact.region.code}", 用词)
    except ValueError as exc:
        raise TemplateDataError(f"纪录: {exc}") from None


@by_input
def gain(demo: FactView, baseline: FactView) -> str:
    """亩增产: a per-unit level against a baseline: 亩增产58.9公斤."""
    d, b = _view(demo, "亩增产"), _view(baseline, "亩增产")
    return phrasing.gain_phrase(compare.per_unit_gain(d.fact.value, b.fact.value), d.fact.measure, d.style)


@by_input
def compare_values(本期: Any, 基期: Any, 单位: str = "", 对比: str = "同比", 写法: str = "relative", 小数: int = 0,
                   倍数: bool | None = None, 措辞: str = "volume", 符号: tuple[str, str] = ("负", ""),
                   省略基期: bool = False, *, 换算: str | None = None, style: Style = Style()) -> str:
    """比较: two given figures in words, by the same rules: 比较(103, 100, "人次") → 同比增长3.0%. The
    briefing's [style] decides the percent places, 倍 and its places, 持平略增 (``style``, bound by
    _Briefing.compare); 倍数 given explicitly overrides use_multiple; 省略基期=True leaves 对比 out; 换算
    adds the change in a second unit (比较(69661, 69541, "万吨", 写法="增量", 换算="亿斤"))."""
    if 措辞 not in phrasing.VERBS:
        raise TemplateDataError(f"比较: unknown 措辞 {措辞!r}; use one of {', '.join(phrasing.VERBS)}")
    m = _with_second(Measure(单位, 小数, 措辞, signs=tuple(符号)), 换算)
    ch = compare.change(_number(本期), _number(基期), m.is_rate)
    if 倍数 is not None:
        style = replace(style, use_multiple=bool(倍数))
    return phrasing.change_phrase(ch, m, "" if 省略基期 else 对比, style, _parts(写法))


@by_input
def span_of(low: Any, high: Any, 单位: str = "", 小数: int = 0) -> str:
    """范围: a range with the unit on both ends: 范围(900000000, 1600000000, "元") → 9亿元～16亿元."""
    if isinstance(low, Amount):
        return phrasing.range_phrase(low.value, _number(high), low.measure, low.style)
    return phrasing.range_phrase(_number(low), _number(high), Measure(单位, 小数))


@by_input
def figure(x: Any, 单位: str = "", 小数: int = 0) -> str:
    """数字: a number in house style with a unit: 数字(345000000, "元") → 3.45亿元."""
    if isinstance(x, (Amount, FactView)):
        return str(x)
    return phrasing.figure(Decimal(str(x)), Measure(单位, 小数))


def day(x: date) -> str:
    """日期: 2024年1月17日."""
    return phrasing.date_phrase(x)


def period_label(x: Period | Span) -> str:
    """期间: 2024年第3周（1月15日—1月21日）, 2024年1—10月份."""
    return x.label()


def all_exceed(values: Any, threshold: Any) -> bool:
    """均超过: every figure strictly above the threshold."""
    return compare.all_exceed([_number(v) for v in values], _number(threshold))


@by_input
def share_of(view: FactView, 地区: str) -> str:
    """占比: one part's share of the whole, in %, one decimal: 77.9%."""
    v = _view(view, "占比")
    parts = dict(v.fact.parts)
    if 地区 not in parts:
        raise TemplateDataError(f"{v.名称}: no figure for {地区} (the parts are {', '.join(parts) or 'none'})")
    return numbers.fixed(compare.share(parts, 地区), v.style.percent_places) + "%"


@by_input
def rank_of(view: FactView, 地区: str) -> int | str:
    """排名: the place of one part among all, largest first."""
    v = _view(view, "排名")
    parts = dict(v.fact.parts)
    if 地区 not in parts:
        raise TemplateDataError(f"{v.名称}: no figure for {地区}")
    return compare.rank(parts, 地区)[0]


def ytd_span(view: FactView) -> str:
    """累计期间: the span of the year-to-date total (本年累计) as its label: 2024年第1—8周, 2024年1—10月份."""
    v = _view(view, "累计期间")
    return Quoted(v.fact.period.ytd().label()) if v.fact.period else ""


def traditional(text: str, 变体: str = "traditional") -> str:
    """繁体: the text in Traditional characters (变体="traditional-hk" for Hong Kong forms)."""
    return script.convert(str(text), 变体)


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
                raise TemplateDataError(f"this briefing has figures for {self.facts.region.name} only, not {region}")
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

    def claims(self) -> list[Claim]:
        reached = {id(f): f for f in self.regions.values()}.values()
        return [c for f in reached for c in f.claims()] + self.derived


def install(env, facts: Facts, style: Style = Style(),
            other_region: Callable[[str], Facts] | None = None) -> Callable[[], list[Claim]]:
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
