"""Facts: everything a briefing says about one region and period, as known at a moment.

For each indicator: the figure of the period, the figures it is compared with (the period before for
环比, the same period a year earlier for 同比), the year-to-date totals of this year and last (累计 and
累计同比), the total since the first period on record, whether it sets a record in its scope, and the
figures of the region's children (for ranks and shares). An indicator counted less often than the
briefing (a yearly yield in a weekly briefing) gives its latest period that has ended by then; one
counted more often (weekly figures in a monthly briefing) is aggregated over the briefing's period.

Reads are a fixed number of queries whatever the number of indicators: per frequency, one for the
figures around the period and one for the totals since the start; one each for records, their
history and highlights. The comparisons themselves are the pure functions of compare.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property, partial
from typing import Callable

import sqlite_utils

from ..errors import NotFound
from ..figures import compare
from ..figures.compare import Change, Record, RecordEntry
from ..figures.numbers import round_half_up
from ..figures.periods import KINDS, Period, Span, parse_period, period_of
from ..figures.phrasing import DEFAULT_WORDING, Measure
from ..figures.verify import Claim
from .catalog import Catalog, Indicator, Region
from .observations import AS_OF, FAR_FUTURE, decimal, key_range

TREND = 12   # periods in a trend chart
_LATEST = ("SELECT indicator, region, period, value, revision, recorded_at FROM observations "
           "WHERE {where} AND " + AS_OF)
_TOTALS = ("SELECT indicator, region, SUM(value), MIN(period) FROM observations "
           "WHERE {where} AND " + AS_OF + " GROUP BY indicator, region")


def _where(codes: list[str], regions: list[str] | None, low: str | None, high: str | None) -> tuple[str, dict]:
    """The WHERE clause of a read (indicators, optionally regions, a key range) and its named parameters."""
    params: dict[str, str] = {f"i{n}": code for n, code in enumerate(codes)}
    clauses = [f"indicator IN ({','.join(':' + name for name in params)})"]
    if regions is not None:
        marks = {f"r{n}": code for n, code in enumerate(regions)}
        clauses.append(f"region IN ({','.join(':' + name for name in marks)})")
        params.update(marks)
    clauses.append("period >= :low AND period <= :high")
    params.update(low=low or "", high=high or "\uffff")
    return " AND ".join(clauses), params


@dataclass(frozen=True)
class Fact:
    """One indicator for one region and period."""

    indicator: Indicator
    region: Region
    period: Period | None                 # the period the figure is for
    value: Decimal | None
    previous: Decimal | None = None       # 环比 base
    year_ago: Decimal | None = None       # 同比 base
    ytd: Decimal | None = None            # 累计, start of the year through the period
    ytd_year_ago: Decimal | None = None   # the same span a year earlier
    since_start: Decimal | None = None    # 累计 since the first period on record
    first_period: Period | None = None
    record: Record | None = None
    parts: tuple[tuple[str, Decimal], ...] = ()   # (child region name, figure) for the same period
    trend_of: Callable[[], tuple] | None = field(default=None, compare=False, repr=False)  # computes .trend

    @cached_property
    def trend(self) -> tuple[tuple[Period, Decimal | None], ...]:
        """The last periods up to this one with their figures, oldest first (for a trend chart); computed
        when a template asks, since most facts are never charted."""
        return self.trend_of() if self.trend_of is not None else ()

    @cached_property
    def measure(self) -> Measure:
        ind = self.indicator
        return Measure(ind.unit, ind.decimals, ind.wording or DEFAULT_WORDING[ind.kind], ind.per)

    def _change(self, base: Decimal | None) -> Change | None:
        if self.value is None or base is None:
            return None
        return compare.change(self.value, base, self.indicator.is_rate)

    @property
    def mom(self) -> Change | None:
        """环比: against the period before."""
        return self._change(self.previous)

    @property
    def yoy(self) -> Change | None:
        """同比: against the same period a year earlier."""
        return self._change(self.year_ago)

    @property
    def ytd_yoy(self) -> Change | None:
        """累计同比: this year's total so far against the same span a year earlier (a ratio of sums)."""
        if self.ytd is None or self.ytd_year_ago is None:
            return None
        return compare.change(self.ytd, self.ytd_year_ago, self.indicator.is_rate)


@dataclass
class Facts:
    """Every fact of one briefing: region, period, the moment, and one Fact per indicator with figures."""

    region: Region
    period: Period
    as_of: str
    facts: dict[str, Fact] = field(default_factory=dict)
    highlights: list[dict] = field(default_factory=list)
    periodic: bool = True     # the catalog counts some indicator at least as often as the period

    @property
    def has_figures(self) -> bool:
        """Whether there is anything to say of the period itself: a figure of the period from an indicator
        counted at least as often (this week's in a weekly briefing); for a briefing as of a day, finer
        than every indicator, any figure known by then."""
        if not self.periodic:
            return bool(self.facts)
        return any(f.period == self.period for f in self.facts.values())

    def __getitem__(self, key: str) -> Fact:
        """A fact by indicator code or Chinese name."""
        if key in self.facts:
            return self.facts[key]
        for fact in self.facts.values():
            if fact.indicator.name == key:
                return fact
        raise NotFound("figures", key, where=f"in {self.region.name} for {self.period.key}")

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


def fact_claims(fact: Fact) -> list[Claim]:
    """The values one fact may be written as."""
    name, level = fact.indicator.name, "percent" if fact.indicator.is_rate else "number"
    out = [Claim(v, level, f"{name} {what}") for what, v in (
        ("本期", fact.value), ("上期", fact.previous), ("上年同期", fact.year_ago), ("本年累计", fact.ytd),
        ("上年同期累计", fact.ytd_year_ago), ("累计", fact.since_start)) if v is not None]
    out += [Claim(v, level, f"{name} {region}") for region, v in fact.parts]
    if fact.record is not None and fact.record.previous is not None:
        out.append(Claim(fact.record.previous.value, level, f"{name} 此前纪录"))
    for what, ch in (("环比", fact.mom), ("同比", fact.yoy), ("累计同比", fact.ytd_yoy)):
        out += change_claims(ch, f"{name} {what}") if ch is not None else []
    return out


def change_claims(ch: Change, label: str) -> list[Claim]:
    """A change as it may be written: the absolute change (or points for a rate), the rate, the multiple."""
    if ch.absolute is None:
        return []
    out = [Claim(abs(ch.absolute), "points" if ch.is_rate else "number", label)]
    if not ch.is_rate and ch.relative is not None:
        out.append(Claim(abs(ch.relative), "percent", label))
        if ch.multiple is not None:
            out.append(Claim(ch.multiple, "multiple", label))
    if ch.base is not None and ch.base < 0:
        out += [Claim(abs(ch.base), "number", label), Claim(abs(ch.current), "number", label)]
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
    reader = _Reader(db, catalog, tree, periods, as_of)
    out = []
    for period in periods:
        totals = reader.totals_until(period)
        facts = Facts(reg, period, as_of, periodic=any(KINDS.index(i.frequency) >= KINDS.index(period.kind)
                                                        for i in catalog.indicators.values()))
        for ind in catalog.indicators.values():
            fact = reader.fact(ind, reg, period, totals)
            if fact is not None:
                facts.facts[ind.code] = fact
        facts.highlights = reader.highlights(period)
        out.append(facts)
    return out


class _Reader:
    """The queries of one gather, made once and shared by every indicator (and every period of a backfill)."""

    def __init__(self, db: sqlite_utils.Database, catalog: Catalog, tree: list[str], periods: list[Period],
                 as_of: str):
        self.db, self.catalog, self.tree, self.as_of = db, catalog, tree, as_of
        # per indicator: (region, period key) -> (indicator, region, Period, value, revision, recorded_at)
        self.stored: dict[str, dict[tuple[str, str], tuple]] = {}
        self.indexes: dict[str, tuple[list[date], list[str]]] = {}
        self.rolled: dict[tuple[str, str, str], Decimal | None] = {}  # per (indicator, region, period): any period
        self.prefixes: dict[tuple[str, str], tuple[list[Decimal], list[int]]] = {}
        self.leaves = {code for code in tree if not catalog.children(code)}
        self.kinds = {kind: [i.code for i in catalog.indicators.values() if i.frequency == kind]
                      for kind in {i.frequency for i in catalog.indicators.values()}}
        for kind, codes in self.kinds.items():
            windows = [self._window(kind, p) for p in periods]
            lows = [low for low, _ in windows]
            highs = [high for _, high in windows]
            self._read_window(kind, codes, None if None in lows else min(lows), None if None in highs else max(highs))
        self.history = self._record_history()

    def totals_until(self, period: Period) -> dict[str, dict[str, tuple[Decimal, str]]]:
        """Per indicator and region with figures of its own: the total since the first period on record
        through this period, and that first period's key (累计 since the start)."""
        totals: dict[str, dict[str, tuple[Decimal, str]]] = {}
        for kind, codes in self.kinds.items():
            totals.update(self._read_totals(kind, codes, period))
        return totals

    def _window(self, kind: str, p: Period) -> tuple[str | None, str | None]:
        """The keys a briefing can need: from last year's year-to-date start through the period; for an
        indicator counted less often, back far enough for its trend, 同比 and 累计同比."""
        if KINDS.index(kind) < KINDS.index(p.kind):
            # its latest ended period may be last year's last one (a January week's month is December), whose
            # year-to-date a year earlier starts two calendar years back; 13 months fit inside that too
            first = period_of(kind, date(p.end.year - 2, 1, 1))
            return first.key, period_of(kind, p.end).key
        ytd_ago = p.ytd().year_ago()
        starts = [p.previous().start] + [x.start for x in (p.year_ago(), ytd_ago) if x is not None]
        return key_range(kind, min(starts), p.end)

    def _query(self, sql: str, codes: list[str], regions: list[str] | None, low: str | None, high: str | None):
        where, params = _where(codes, regions, low, high)
        return self.db.execute(sql.format(where=where), {**params, "as_of": self.as_of})

    def _read_window(self, kind: str, codes: list[str], low: str | None, high: str | None) -> None:
        for code in codes:
            self.stored[code] = {}
        periods: dict[str, Period] = {}
        for ind, region, key, value, revision, recorded in self._query(_LATEST, codes, self.tree, low, high):
            period = periods.get(key) or periods.setdefault(key, parse_period(key, kind))
            self.stored[ind][(region, key)] = (ind, region, period, value, revision, recorded)

    def _read_totals(self, kind: str, codes: list[str], period: Period) -> dict[str, dict[str, tuple[Decimal, str]]]:
        totals: dict[str, dict[str, tuple[Decimal, str]]] = {code: {} for code in codes}
        high = key_range(kind, None, period.end)[1]
        for ind, region, value, first in self._query(_TOTALS, codes, self.tree, None, high):
            places = self.catalog.indicators[ind].decimals
            totals[ind][region] = (round_half_up(Decimal(repr(value)), places), first)
        return totals

    def _record_history(self) -> dict[str, list[RecordEntry]]:
        """Per indicator with a record scope: reference records and every stored figure, as of the moment."""
        scoped = [i for i in self.catalog.indicators.values() if i.record_scope]
        history: dict[str, list[RecordEntry]] = {i.code: [] for i in scoped}
        if not scoped:
            return history
        codes = [i.code for i in scoped]
        marks = ",".join("?" * len(codes))
        for ind, value, period, holder in self.db.execute(
                f"SELECT indicator, value, period, COALESCE(holder_region, holder) FROM records "
                f"WHERE indicator IN ({marks})", codes):
            history[ind].append(RecordEntry(decimal(value), period, holder))
        for ind, region, period, value, _, _ in self._query(_LATEST, codes, None, None, None):  # every region
            history[ind].append(RecordEntry(decimal(value), period, region))
        return history

    def fact(self, ind: Indicator, region: Region, period: Period, totals: dict) -> Fact | None:
        """The fact of one indicator for the briefing's period (totals: from totals_until(period))."""
        spans = self._spans(ind, region.code, period)
        if spans is None:
            return None
        current, span_kw = spans
        value = self.value(ind, region.code, current)
        if value is None:
            return None
        total, first = self._since_start(ind, region.code, totals)
        return Fact(ind, region, current, value, record=self._record(ind, region.code, current, value),
                    since_start=total, first_period=first, parts=self._parts(ind, region.code, current),
                    trend_of=partial(self._trend, ind, region.code, current),
                    **{name: self.value(ind, region.code, span) for name, span in span_kw.items()})

    def _spans(self, ind: Indicator, region: str, period: Period) -> tuple[Period, dict] | None:
        """The period of the figure and the spans of its comparisons (previous, year_ago, ytd …)."""
        current = period
        if KINDS.index(ind.frequency) < KINDS.index(period.kind):  # counted less often: its latest period
            current = self._latest_period(ind, region, period)
            if current is None:
                return None
        ytd = current.ytd()
        return current, {"previous": current.previous(), "year_ago": current.year_ago(), "ytd": ytd,
                         "ytd_year_ago": ytd.year_ago()}

    def _latest_period(self, ind: Indicator, region: str, by: Period) -> Period | None:
        """The latest period of the indicator's own kind that has ended by the end of ``by``, with a figure."""
        codes = [ind.code] if ind.region_agg != "ratio" else [ind.numerator, ind.denominator, ind.code]
        keys = sorted({key for code in codes for (_, key) in self.stored[code]}, reverse=True)
        for key in keys:
            period = parse_period(key, ind.frequency)
            if period.end <= by.end and self.value(ind, region, period) is not None:
                return period
        return None

    def value(self, ind: Indicator, region: str, span: Period | Span | None) -> Decimal | None:
        """The figure of a region over a period or span, by the indicator's time and region aggregation."""
        if span is None:
            return None
        if ind.region_agg == "ratio":
            own = self._aggregate(ind, region, span)
            if own is not None:
                return own
            num = self.value(self.catalog.indicators[ind.numerator], region, span)
            den = self.value(self.catalog.indicators[ind.denominator], region, span)
            return compare.ratio(num, den)
        return self._aggregate(ind, region, span)

    def _aggregate(self, ind: Indicator, region: str, span: Period | Span) -> Decimal | None:
        """The indicator's periods that end within the span, rolled up for the region and aggregated."""
        ends, keys = self._index(ind.code)
        lo, hi = bisect_left(ends, span.start), bisect_right(ends, span.end)
        if ind.time_agg == "sum":  # a running total: a backfill asks for each week's year to date
            sums, counts = self._prefix(ind, region)
            return sums[hi] - sums[lo] if counts[hi] > counts[lo] else None
        values = [v for key in keys[lo:hi] if (v := self._rolled(ind, region, key)) is not None]
        return compare.total(values, ind.time_agg)

    def _prefix(self, ind: Indicator, region: str) -> tuple[list[Decimal], list[int]]:
        """Running sums (and counts of periods with a figure) over the indicator's periods, in order."""
        memo = (ind.code, region)
        if memo not in self.prefixes:
            sums, counts = [Decimal(0)], [0]
            for key in self._index(ind.code)[1]:
                v = self._rolled(ind, region, key)
                sums.append(sums[-1] + v if v is not None else sums[-1])
                counts.append(counts[-1] + (v is not None))
            self.prefixes[memo] = (sums, counts)
        return self.prefixes[memo]

    def _rolled(self, ind: Indicator, region: str, key: str) -> Decimal | None:
        """The region's figure for one period, rolled up once and remembered: the comparisons, the
        year-to-date totals and the trend ask for the same periods again and again."""
        memo = (ind.code, region, key)
        if memo not in self.rolled:
            raw = self.stored[ind.code].get((region, key))
            if raw is not None:                       # the region's own figure wins
                self.rolled[memo] = decimal(raw[3])
            elif ind.region_agg in ("none", "ratio") or region in self.leaves:
                self.rolled[memo] = None
            else:                                     # the children's, by the region aggregation
                parts = [v for kid in self.catalog.children(region) if (v := self._rolled(ind, kid.code, key)) is not None]
                self.rolled[memo] = compare.total(parts, ind.region_agg)
        return self.rolled[memo]

    def _index(self, code: str) -> tuple[list[date], list[str]]:
        """The distinct periods read for an indicator, sorted by their last day (for range lookups)."""
        if code not in self.indexes:
            by_key = {key: row[2].end for (_, key), row in self.stored[code].items()}
            ordered = sorted(by_key.items(), key=lambda item: item[1])
            self.indexes[code] = ([end for _, end in ordered], [key for key, _ in ordered])
        return self.indexes[code]

    def _since_start(self, ind: Indicator, region: str, totals: dict) -> tuple[Decimal | None, Period | None]:
        if ind.time_agg != "sum" or ind.region_agg not in ("sum",):
            return None, None
        sums = totals[ind.code]
        found = self._rolled_total(region, sums)
        if found is None:
            return None, None
        return found[0], parse_period(found[1], ind.frequency)

    def _rolled_total(self, region: str, sums: dict) -> tuple[Decimal, str] | None:
        if region in sums:
            return sums[region]
        parts = [p for kid in self.catalog.children(region) if (p := self._rolled_total(kid.code, sums))]
        if not parts:
            return None
        return sum((p[0] for p in parts), Decimal(0)), min(p[1] for p in parts)

    def _record(self, ind: Indicator, region: str, current: Period, value: Decimal) -> Record | None:
        if not ind.record_scope:
            return None
        inside = {region, *(r.code for r in self.catalog.descendants(region))}
        return compare.record(value, current.key, region, ind.record_scope, self.history[ind.code],
                              same_entity=lambda _holder, previous: previous in inside)

    def _trend(self, ind: Indicator, region: str, current: Period) -> tuple[tuple[Period, Decimal | None], ...]:
        """The figures of the last TREND periods of the indicator's own kind (for a trend chart)."""
        if current.kind != ind.frequency:
            return ()
        periods = [current]
        while len(periods) < TREND:
            periods.append(periods[-1].previous())
        return tuple((p, self.value(ind, region, p)) for p in reversed(periods))

    def _parts(self, ind: Indicator, region: str, current: Period) -> tuple[tuple[str, Decimal], ...]:
        out = []
        for kid in self.catalog.children(region):
            value = self.value(ind, kid.code, current)
            if value is not None:
                out.append((kid.name, value))
        return tuple(out)

    def highlights(self, period: Period) -> list[dict]:
        marks = ",".join("?" * len(self.tree))
        return list(self.db.query(
            f"SELECT h.date, r.name AS region, h.domain, h.text, h.source FROM highlights h "
            f"JOIN regions r ON r.code = h.region WHERE h.region IN ({marks}) AND h.date >= ? AND h.date <= ? "
            f"ORDER BY h.date, h.id", [*self.tree, period.start.isoformat(), period.end.isoformat()]))
