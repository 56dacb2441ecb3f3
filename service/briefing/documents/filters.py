"""The template functions that write figures in words: the comparisons (同比, 环比, 累计同比, 比上年末, 比较),
levels reached (提升至), approximations (约数), records (纪录), shares and ranks, per-unit gains, ranges,
numbers, dates and periods, and the Traditional edition. Each takes what a template holds (a FactView, an
Amount, or numbers it wrote) and returns house-style text; template_api.py gives them their names.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import ApproximationError, TemplateDataError
from ..figures import compare, numbers, phrasing, script, units
from ..figures.periods import Period, Span
from ..figures.phrasing import Measure, Style
from ..i18n import _
from .provenance import Quoted, by_input
from .views import Amount, FactView, _number, _view


def _compare(view: FactView, ch: compare.Change | None, base: str, parts: str, what: str,
             wording: str | None = None, omit_base: bool = False, second: str | None = None) -> str:
    """The comparison in words; with ``omit_base`` (省略基期) without its base word, for a later clause of a
    sentence that named it (…，其中本周下降5.9%); with ``second`` (换算) the change also in that unit."""
    if ch is None:
        raise TemplateDataError(_("{name}: no figure to compare with for {what} (check with "
                                  "{{% if 指标(...).上年同期 %}} before writing it)").format(name=view.名称, what=what))
    m = _with_second(_measure(view, wording), second)
    return phrasing.change_phrase(ch, m, "" if omit_base else base, view.style, _parts(parts))


def _measure(view: FactView, wording: str | None) -> Measure:
    """The indicator's measure, in a wording the template chose among its synonyms (提高, 上升, 提升 for a rate)."""
    m = view.fact.measure
    if wording is None or wording == m.wording:
        return m
    if not any({m.wording, wording} <= group for group in phrasing.SYNONYMS):
        group = next((group for group in phrasing.SYNONYMS if m.wording in group), None)
        choice = (_("one of {words}").format(words=", ".join(sorted(group))) if group
                  else _("its own wording only (it has no synonyms)"))
        raise TemplateDataError(_("{name} is worded '{wording}', so 措辞 may be {choice}, not '{given}'").format(
            name=view.名称, wording=m.wording, choice=choice, given=wording))
    return replace(m, wording=wording)


def _with_second(m: Measure, second: str | None) -> Measure:
    """The measure with a second unit for the brackets (换算="亿斤": 增加120万吨（24亿斤）), by a statutory
    conversion of its own unit (figures/units.py)."""
    if not second:
        return m
    try:
        return replace(m, second=(second, units.factor(m.unit, second)))
    except ValueError as exc:
        raise TemplateDataError(_("{where}: {message}").format(where="换算", message=exc)) from None


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
        raise TemplateDataError(_("提升至: 对比 is 同比 or 环比, not '{given}'").format(given=对比))
    try:
        return phrasing.reached_phrase(v.fact.value, v.fact.measure, 动词, v.style, bases[对比])
    except ValueError as exc:
        raise TemplateDataError(_("{where}: {message}").format(where=f"{v.名称} | 提升至", message=exc)) from None


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
            raise TemplateDataError(_("约数 needs a figure such as 指标(...).累计 or a number; got {value}").format(
                value=repr(x))) from None
    mark = None if 基数 is None else _number(基数)
    measure = replace(amount.measure, unit=单位) if 单位 else amount.measure  # 3210余人 for a count in 人次
    try:
        return phrasing.approx(amount.value, 形式, measure, 位数, mark)
    except ApproximationError as exc:
        raise TemplateDataError(_("{where}: {message}").format(where=f"约数({形式!r})", message=exc)) from None


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
        raise TemplateDataError(_("{where}: {message}").format(where="纪录", message=exc)) from None


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
        raise TemplateDataError(_("比较: unknown 措辞 '{given}'; use one of {words}").format(
            given=措辞, words=", ".join(phrasing.VERBS)))
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
        raise TemplateDataError(_("{name}: no figure for {region} (the parts are {parts})").format(
            name=v.名称, region=地区, parts=", ".join(parts) or _("none")))
    return numbers.fixed(compare.share(parts, 地区), v.style.percent_places) + "%"


@by_input
def rank_of(view: FactView, 地区: str) -> int | str:
    """排名: the place of one part among all, largest first."""
    v = _view(view, "排名")
    parts = dict(v.fact.parts)
    if 地区 not in parts:
        raise TemplateDataError(_("{name}: no figure for {region}").format(name=v.名称, region=地区))
    return compare.rank(parts, 地区)[0]


def ytd_span(view: FactView) -> str:
    """累计期间: the span of the year-to-date total (本年累计) as its label: 2024年第1—8周, 2024年1—10月份."""
    v = _view(view, "累计期间")
    return Quoted(v.fact.period.ytd().label()) if v.fact.period else ""


def traditional(text: str, 变体: str = "traditional") -> str:
    """繁体: the text in Traditional characters (变体="traditional-hk" for Hong Kong forms)."""
    return script.convert(str(text), 变体)
