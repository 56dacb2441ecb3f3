"""What a template holds in its hands: an indicator's facts as a ``FactView`` (Chinese attribute names,
English aliases) and its figures as ``Amount``s that print with their unit and compute as numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from ..errors import TemplateDataError
from ..figures.phrasing import Measure, Style, figure
from ..i18n import _
from ..store.catalog import FREQUENCIES, KINDS
from ..store.facts import Fact
from .provenance import Quoted


@dataclass(frozen=True)
class Amount:
    """A figure with its measure: prints as 19532人次, compares and computes as its Decimal value."""

    value: Decimal
    measure: Measure
    style: Style = Style()
    is_figure = True          # printed, it is a figure the verifier checks (provenance.py)

    def __str__(self) -> str:
        return figure(self.value, self.measure, self.style)

    def __float__(self) -> float:
        return float(self.value)

    def __lt__(self, other: Any) -> bool:
        return self.value < _number(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > _number(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= _number(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= _number(other)


def _number(x: Any) -> Decimal:
    return x.value if isinstance(x, Amount) else Decimal(str(x))


COUNT_SUFFIXES = ("人次", "人数", "次数", "例数", "场次", "个数", "数")


def short_name(name: str, unit: str) -> str:
    """The name to put before a figure, without the measure it repeats: 诊疗患者人次 → 诊疗患者 (诊疗患者211人次),
    手术示教例数 → 手术示教, 帮扶医生人数 → 帮扶医生; 水稻亩产量 and 就业率 stay as they are. A unit of one
    character is left on: it is often the end of a word (口岸通关车辆 in 辆, 培训场所 in 所), and 口岸通关车辆3622辆
    reads right where 口岸通关车3622辆 does not."""
    for suffix in (unit if len(unit) > 1 else "", *COUNT_SUFFIXES):
        if suffix and suffix != "%" and name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class _Lazy:
    """An attribute of a view computed when first read, then kept in the view."""

    def __init__(self, make: Callable[["FactView"], Any]):
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, view: "FactView | None", owner: type | None = None) -> Any:
        if view is None:
            return self
        value = view.__dict__[self.name] = self.make(view)
        return value


class FactView:
    """One indicator's facts as a template sees them (Chinese names, with English aliases). Its words are
    the office's own (Quoted); its figures are Amounts."""

    is_figure = True          # printed, it is its figure of the period

    def __init__(self, fact: Fact, style: Style):
        self.fact, self.style = fact, style
        ind = fact.indicator
        self.名称 = self.name = Quoted(ind.name)
        self.简称 = self.short_name = Quoted(short_name(ind.name, ind.unit))
        self.单位 = self.unit = Quoted(ind.unit)
        self.领域 = self.domain = Quoted(ind.domain)
        self.期间 = self.period = Quoted(fact.period.label() if fact.period else "")
        self.频率 = self.frequency = Quoted(FREQUENCIES[ind.frequency])      # 年, 季, 月, 周, 日
        self.类型 = self.kind = Quoted(KINDS[ind.kind])                      # 流量, 存量, 比率, 单位水平
        self.本期 = self.value = self._amount(fact.value)

    # the figures a template may never read, each taken from the fact (which computes it) when first read
    上期 = _Lazy(lambda v: v._amount(v.fact.previous))
    previous = _Lazy(lambda v: v._amount(v.fact.previous))
    上年同期 = _Lazy(lambda v: v._amount(v.fact.year_ago))
    year_ago = _Lazy(lambda v: v._amount(v.fact.year_ago))
    本年累计 = _Lazy(lambda v: v._amount(v.fact.ytd))
    ytd = _Lazy(lambda v: v._amount(v.fact.ytd))
    上年同期累计 = _Lazy(lambda v: v._amount(v.fact.ytd_year_ago))
    ytd_year_ago = _Lazy(lambda v: v._amount(v.fact.ytd_year_ago))
    累计 = _Lazy(lambda v: v._amount(v.fact.since_start))
    since_start = _Lazy(lambda v: v._amount(v.fact.since_start))
    起始期间 = _Lazy(lambda v: Quoted(v.fact.first_period.label() if v.fact.first_period else ""))
    first_period = _Lazy(lambda v: Quoted(v.fact.first_period.label() if v.fact.first_period else ""))
    分项 = _Lazy(lambda v: [(Quoted(name), v._amount(x)) for name, x in v.fact.parts])
    parts = _Lazy(lambda v: [(Quoted(name), v._amount(x)) for name, x in v.fact.parts])

    def _amount(self, value: Decimal | None) -> Amount | None:
        return None if value is None else Amount(value, self.fact.measure, self.style)

    def __str__(self) -> str:
        return str(self.本期)

    def __repr__(self) -> str:
        return f"<指标 {self.名称} {self.本期}>"


def _view(x: Any, what: str) -> FactView:
    if not isinstance(x, FactView):
        raise TemplateDataError(_('{what} needs an indicator, like 指标("诊疗患者人次") | {what}; got {value}').format(
            what=what, value=repr(x)))
    return x


