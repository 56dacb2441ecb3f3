"""Facts: everything a briefing says about one region and period, as known at a moment.

For each indicator: the figure of the period, the figures it is compared with (the period before for
环比, the same period a year earlier for 同比), the year-to-date totals of this year and last (累计 and
累计同比), the total since the first period on record, whether it sets a record in its scope, and the
figures of the region's children (for ranks and shares). An indicator counted less often than the
briefing (a yearly yield in a weekly briefing) gives its latest period that has ended by then; one
counted more often (weekly figures in a monthly briefing) is aggregated over the briefing's period by its
time aggregation (a flow's weeks added up, a stock's or a rate's last week), and so is its trend (the
last 12 months of weekly figures); a record is only set by a figure of the indicator's own period. A
briefing of a day is as of that day: every indicator gives its latest figure by then, a daily one too.

The figures come from reader.py, in a fixed number of queries whatever the number of indicators; the
comparisons themselves are the pure functions of compare.py.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property, partial
from typing import Callable

import sqlite_utils

from ..errors import NotFound
from ..figures import compare
from ..figures.compare import Change, Record
from ..figures.period_text import parse_period
from ..figures.periods import KINDS, Period, Span
from ..figures.phrasing import Measure
from ..figures.verify import Claim, unit_factor
from ..i18n import _
from .catalog import Catalog, Indicator, Region
from .observations import FAR_FUTURE
from .reader import TREND, Reader, run_of

AS_OF = "day"   # a briefing of a day is as of that day (a summary): each indicator's latest figure by then


LAZY = ("previous", "year_ago", "ytd", "ytd_year_ago", "since_start", "first_period", "record", "parts", "trend")


class Fact:
    """One indicator for one region and period: the figure (``value``) and the period it is for (``period``);
    and, each computed when first read (a briefing that never writes a banner's 累计 never sums it):

    previous      环比 base                   ytd           累计, start of the year through the period
    year_ago      同比 base                   ytd_year_ago  the same span a year earlier
    since_start   累计 since ``first_period``, the first period on record
    record        the Record it sets, or None
    parts         (child region name, figure) for the same period
    trend         the last periods up to this one with their figures, oldest first (for a trend chart)

    ``compute(name)`` gives the fields to set when ``name`` is first read (_Computed); fields given as keywords
    are taken as they are."""

    def __init__(self, indicator: Indicator, region: Region, period: Period | None, value: Decimal | None,
                 compute: Callable[[str], dict] | None = None, **given):
        self.indicator, self.region, self.period, self.value = indicator, region, period, value
        self._compute = compute
        self.__dict__.update(given)

    def __getattr__(self, name: str):
        """A lazy field, computed once: Python asks here only for names not yet set."""
        if name not in LAZY:
            raise AttributeError(name)
        self.__dict__.update(self._compute(name) if self._compute is not None else {})
        return self.__dict__.setdefault(name, () if name in ("parts", "trend") else None)

    def _fields(self) -> tuple:
        return (self.indicator, self.region, self.period, self.value, *(getattr(self, n) for n in LAZY[:-1]))

    def __eq__(self, other: object) -> bool:
        """Facts are equal when every figure is (the trend aside, as a chart's): computes them all."""
        return isinstance(other, Fact) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((self.indicator.code, self.region.code, self.period, self.value))

    def __repr__(self) -> str:
        return f"Fact({self.indicator.code}, {self.region.code}, {self.period.key if self.period else None}, {self.value})"

    @cached_property
    def measure(self) -> Measure:
        return self.indicator.measure

    def change(self, current: Decimal | None, base: Decimal | None) -> Change | None:
        """A change of two of its figures (None without both), by the indicator's kind."""
        if current is None or base is None:
            return None
        return compare.change(current, base, self.indicator.is_rate)

    @cached_property
    def mom(self) -> Change | None:
        """环比: against the period before."""
        return self.change(self.value, self.previous)

    @cached_property
    def yoy(self) -> Change | None:
        """同比: against the same period a year earlier."""
        return self.change(self.value, self.year_ago)

    @cached_property
    def ytd_yoy(self) -> Change | None:
        """累计同比: this year's total so far against the same span a year earlier (a ratio of sums)."""
        return self.change(self.ytd, self.ytd_year_ago)


class FactTable(Mapping):
    """The facts of one region and period by indicator code, in the catalog's order, each made when first asked
    for (``make(code)``: the Fact, or None when the indicator has no figure): a part whose figures a briefing
    reads for two indicators makes those two."""

    def __init__(self, codes: list[str], make: Callable[[str], Fact | None]):
        self.codes, self._make, self._made = codes, make, {}

    def get(self, code: str, default=None):
        if code not in self._made:
            self._made[code] = self._make(code) if code in self.codes else None
        found = self._made[code]
        return default if found is None else found

    def __getitem__(self, code: str) -> Fact:
        found = self.get(code)
        if found is None:
            raise KeyError(code)
        return found

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def __iter__(self) -> Iterator[str]:
        return (code for code in self.codes if self.get(code) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def made(self) -> Iterator[Fact]:
        """The facts made so far (what a briefing read), computing none."""
        return (fact for fact in self._made.values() if fact is not None)

    def besides(self, skip: Container[str]) -> Iterator[Fact]:
        """The facts of the indicators not in ``skip``, making only those."""
        return (fact for code in self.codes if code not in skip and (fact := self.get(code)) is not None)


@dataclass
class Facts:
    """Every fact of one briefing: region, period, the moment, and one Fact per indicator with figures."""

    region: Region
    period: Period
    as_of: str
    facts: FactTable = field(default_factory=lambda: FactTable([], lambda code: None))
    highlights: list[dict] = field(default_factory=list)
    periodic: bool = True     # the catalog counts some indicator at least as often as the period
    missing: list[str] = field(default_factory=list)    # the parts (banners) with no figure for the period
    reported: list[str] = field(default_factory=list)   # the parts with figures for it
    other: Callable[[str], "Facts"] | None = field(default=None, compare=False, repr=False)  # see gather_many

    @property
    def has_figures(self) -> bool:
        """Whether there is anything to say of the period itself: a figure of the period from an indicator
        counted at least as often (this week's in a weekly briefing), the region's own or its parts' (a league
        whose rates stay with its banners); for a briefing as of a day (a summary), or of a period finer than
        every indicator, any figure known by then."""
        if not self.periodic or self.period.kind == AS_OF:
            return bool(self.facts)
        return bool(self.reported) or any(f.period == self.period for f in self.facts.values())

    def __getitem__(self, key: str) -> Fact:
        """A fact by indicator code or Chinese name."""
        if key in self.facts:
            return self.facts[key]
        for fact in self.facts.values():
            if fact.indicator.name == key:
                return fact
        raise NotFound("figures", key, where=_("in {region} for {period}").format(region=self.region.name,
                                                                                   period=self.period.key))

    def __contains__(self, key: str) -> bool:
        return key in self.facts or any(f.indicator.name == key for f in self.facts.values())

    def domain(self, name: str) -> list[Fact]:
        """The facts of one domain (教育, 医疗, 科技), in catalog order."""
        return [f for f in self.facts.values() if f.indicator.domain == name]

    def claims(self) -> list[Claim]:
        """Every value a briefing may state from these facts, for the figure verifier: the levels, the
        totals, the parts, and each comparison as written (its magnitude in the unit, %, 个百分点 or 倍)."""
        out: list[Claim] = []
        for fact in self.facts.values():
            out.extend(fact_claims(fact))
        return out


def fact_claims(fact: Fact, computed_only: bool = False) -> list[Claim]:
    """The values one fact may be written as, in the plain unit the verifier reads (a figure counted in
    万元 is claimed in 元: 1478万元 is 14780000). ``computed_only``: of the lazy fields only those already
    computed (what a template has read), computing nothing."""
    field = fact.__dict__.get if computed_only else partial(getattr, fact)
    name, level = fact.indicator.name, "percent" if fact.indicator.is_rate else "number"
    factor = Decimal(1) if fact.indicator.is_rate else unit_factor(fact.indicator.unit)
    claim = Claim.of
    previous, year_ago, ytd, ytd_ago = field("previous"), field("year_ago"), field("ytd"), field("ytd_year_ago")
    out = [claim(v * factor, level, f"{name} {what}") for what, v in (
        ("本期", fact.value), ("上期", previous), ("上年同期", year_ago), ("本年累计", ytd),
        ("上年同期累计", ytd_ago), ("累计", field("since_start"))) if v is not None]
    out += [claim(v * factor, level, f"{name} {region}") for region, v in field("parts") or ()]
    record = field("record")
    if record is not None and record.previous is not None:
        out.append(claim(record.previous.value * factor, level, f"{name} 此前纪录"))
    # each change as the filters wrote it (computed once, kept), when its figures are there
    for what, ch in (("环比", fact.mom if previous is not None else None),
                     ("同比", fact.yoy if year_ago is not None else None),
                     ("累计同比", fact.ytd_yoy if ytd is not None and ytd_ago is not None else None)):
        if ch is not None:
            out += change_claims(ch, f"{name} {what}", factor)
    return out


def change_claims(ch: Change, label: str, factor: Decimal = Decimal(1)) -> list[Claim]:
    """A change as it may be written: the absolute change (or points for a rate), the rate, the multiple;
    amounts in the plain unit (``factor``: what the unit's own 万 or 亿 multiplies by)."""
    if ch.absolute is None:
        return []
    claim = Claim.of
    out = [claim(abs(ch.absolute) * (1 if ch.is_rate else factor), "points" if ch.is_rate else "number", label)]
    if not ch.is_rate and ch.relative is not None:
        out.append(claim(abs(ch.relative), "percent", label))
        if ch.multiple is not None:
            out.append(claim(ch.multiple, "multiple", label))
    if ch.base is not None and ch.base < 0:
        out += [claim(abs(ch.base) * factor, "number", label), claim(abs(ch.current) * factor, "number", label)]
    return out


def gather(db: sqlite_utils.Database, region: str, period: Period, as_of: str = FAR_FUTURE,
           catalog: Catalog | None = None) -> Facts:
    """The facts of a region (code or name) for a period, as known at ``as_of`` (ISO UTC)."""
    return gather_many(db, region, [period], as_of, catalog)[0]


def gather_many(db: sqlite_utils.Database, region: str, periods: list[Period], as_of: str = FAR_FUTURE,
                catalog: Catalog | None = None) -> list[Facts]:
    """The facts of a region for several periods (a backfill), as known at ``as_of``: one read of the
    figures around all of them, then each period's facts from it; only the total since the start is
    summed again for each period."""
    catalog = catalog or Catalog.load(db)
    reg = catalog.region(region)
    tree = [reg.code, *(r.code for r in catalog.descendants(reg.code))]
    reader = Reader(db, catalog, tree, periods, as_of)
    out = []
    for period in periods:
        totals = cache(partial(reader.totals_until, period))   # summed when a fact is first asked its 累计
        highlights = reader.highlights(period)
        other = partial(_other, reader, set(tree), period, totals, highlights)
        out.append(_facts_of(reader, reg, period, totals, highlights, other))
    return out


def _facts_of(reader: Reader, reg: Region, period: Period, totals: Callable[[], dict], highlights: list[dict],
              other: Callable[[str], Facts]) -> Facts:
    """The facts of one region of the reader's tree for a period. ``other`` gives those of another region
    for the same period and moment (a banner a league's briefing names): from the same read for a region of
    the tree, by a read of its own for any other."""
    catalog = reader.catalog
    periodic = [i for i in catalog.indicators.values() if KINDS.index(i.frequency) >= KINDS.index(period.kind)]
    table = FactTable(list(catalog.indicators), lambda code: _fact(reader, catalog.indicators[code], reg, period,
                                                                   totals))
    facts = Facts(reg, period, reader.as_of, table, periodic=bool(periodic), other=other)
    if periodic:
        facts.reported, facts.missing = _reporting(reader, periodic, reg, period)
    names = {reg.name, *(r.name for r in catalog.descendants(reg.code))}
    facts.highlights = [h for h in highlights if h["region"] in names]
    return facts


def _other(reader: Reader, tree: set[str], period: Period, totals: Callable[[], dict], highlights: list[dict],
           region: str) -> Facts:
    found = reader.catalog.region(region)
    if found.code not in tree:
        return gather(reader.db, found.code, period, reader.as_of, reader.catalog)
    return _facts_of(reader, found, period, totals, highlights, partial(_other, reader, tree, period, totals,
                                                                         highlights))


def _fact(reader: Reader, ind: Indicator, region: Region, period: Period, totals: Callable[[], dict]) -> Fact | None:
    """The fact of one indicator for the briefing's period, its comparisons computed when first read
    (``totals()``: reader.totals_until(period))."""
    current = _current(reader, ind, region.code, period)
    if current is None:
        return None
    value = reader.value(ind, region.code, current)
    if value is None:
        return None
    return Fact(ind, region, current, value, _Computed(reader, ind, region.code, current, value, totals))


class _Computed:
    """The lazy fields of one fact, each from the reader's figures when first read."""

    def __init__(self, reader: Reader, ind: Indicator, region: str, current: Period, value: Decimal,
                 totals: Callable[[], dict]):
        self.reader, self.ind, self.region, self.current, self.value = reader, ind, region, current, value
        self.totals = totals

    def __call__(self, name: str) -> dict:
        reader, ind, region, current = self.reader, self.ind, self.region, self.current
        if name in ("since_start", "first_period"):
            total, first = _since_start(reader, ind, region, self.totals())
            return {"since_start": total, "first_period": first}
        if name == "record":
            return {"record": _record(reader, ind, region, current, self.value)}
        if name in ("parts", "trend"):
            return {name: (_parts if name == "parts" else _trend)(reader, ind, region, current)}
        span = SPANS[name](current)
        if name in ("previous", "year_ago") and not _comparable(reader, ind, region, current, span):
            return {name: None}
        return {name: reader.value(ind, region, span)}


def _reporting(reader: Reader, periodic: list[Indicator], region: Region, period: Period) -> tuple[list, list]:
    """The names of the region's parts that have reported figures for the period, and of those that have
    not (counting the indicators counted at least as often as the period)."""
    kids = reader.catalog.children(region.code)
    done = {k.code for k in kids if any(reader.value(ind, k.code, period) is not None for ind in periodic)}
    return [k.name for k in kids if k.code in done], [k.name for k in kids if k.code not in done]


def _comparable(reader: Reader, ind: Indicator, region: str, current: Period, base: Period | None) -> bool:
    """A figure rolled up from the parts compares with a base only over the same parts: 60人次 from one
    banner against 127 from three is no change of the whole, so it has no 环比 or 同比."""
    if base is None or not reader.catalog.children(region) or reader.own(ind, region, current):
        return True
    return reader.contributors(ind, region, current) == reader.contributors(ind, region, base)


def _current(reader: Reader, ind: Indicator, region: str, period: Period) -> Period | None:
    """The period of the figure: the briefing's, or for an indicator counted less often (or a briefing as of
    a day) its latest period with a figure by then."""
    if KINDS.index(ind.frequency) < KINDS.index(period.kind) or period.kind == AS_OF:
        return reader.latest_period(ind, region, period)
    return period


# the spans of a fact's comparisons, from the period of its figure
SPANS: dict[str, Callable[[Period], Period | Span | None]] = {
    "previous": Period.previous, "year_ago": Period.year_ago, "ytd": Period.ytd,
    "ytd_year_ago": lambda current: current.ytd().year_ago()}


def _since_start(reader: Reader, ind: Indicator, region: str, totals: dict) -> tuple[Decimal | None, Period | None]:
    if ind.time_agg != "sum" or ind.region_agg not in ("sum",):
        return None, None
    sums = totals[ind.code]
    found = reader.rolled_total(region, sums)
    if found is None:
        return None, None
    return found[0], parse_period(found[1], ind.frequency)


def _record(reader: Reader, ind: Indicator, region: str, current: Period, value: Decimal) -> Record | None:
    if not ind.record_scope or current.kind != ind.frequency:   # a month's sum of weeks beats no week's record
        return None
    inside = {region, *(r.code for r in reader.catalog.descendants(region))}
    return compare.record(value, current.key, region, ind.record_scope, reader.history[ind.code],
                          same_entity=lambda _holder, previous: previous in inside)


def _trend(reader: Reader, ind: Indicator, region: str, current: Period) -> tuple[tuple[Period, Decimal | None], ...]:
    """The figures of the last TREND periods of the fact's kind (for a trend chart): the indicator's own, or
    the briefing's for one counted more often (a month of weekly figures each, by its time aggregation)."""
    return tuple((p, reader.value(ind, region, p)) for p in run_of(current, TREND))


def _parts(reader: Reader, ind: Indicator, region: str, current: Period) -> tuple[tuple[str, Decimal], ...]:
    out = []
    for kid in reader.catalog.children(region):
        value = reader.value(ind, kid.code, current)
        if value is not None:
            out.append((kid.name, value))
    return tuple(out)
