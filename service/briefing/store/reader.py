"""The reads of one gather: a region's figures around the periods of a briefing (or of a backfill), as
known at a moment, rolled up the region hierarchy and aggregated over spans, with running totals, the
record histories and the highlights. A fixed number of queries whatever the number of indicators: per
frequency, one for the figures around the periods and one for the totals since the start; one each for
records, their history and highlights. What a briefing says of them is facts.py's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from decimal import Decimal

import sqlite_utils

from ..errors import OutOfCalendar
from ..figures import compare
from ..figures.compare import RecordEntry
from ..figures.numbers import round_half_up
from ..figures.period_text import parse_period
from ..figures.periods import KINDS, Period, Span, period_of
from .catalog import Catalog, Indicator
from .observations import AS_OF, decimal, key_range, one_of

TREND = 12   # periods in a trend chart
_UNSEEN = object()   # a figure not rolled up yet (None is a figure rolled up to nothing)
SHORT = 8    # a sum over at most this many periods is added up; a longer one is taken from running sums
_LATEST = ("SELECT indicator, region, period, value FROM observations "
           "WHERE {where} AND " + AS_OF)
_TOTALS = ("SELECT indicator, region, SUM(value), MIN(period) FROM observations "
           "WHERE {where} AND " + AS_OF + " GROUP BY indicator, region")


def _where(codes: list[str], regions: list[str] | None, low: str | None, high: str | None) -> tuple[str, dict]:
    """The WHERE clause of a read (indicators, optionally regions, a key range) and its named parameters."""
    clause, params = one_of("indicator", codes, "i")
    clauses = [clause]
    if regions is not None:
        clause, by_region = one_of("region", regions, "r")
        clauses.append(clause)
        params.update(by_region)
    clauses.append("period >= :low AND period <= :high")
    params.update(low=low or "", high=high or "\uffff")
    return " AND ".join(clauses), params


def _newest_first(period: Period) -> int:
    return -period.end.toordinal()


def run_of(period: Period, count: int) -> list[Period]:
    """The ``count`` periods ending with this one, oldest first (as far back as the calendar goes)."""
    out = [period]
    while len(out) < count:
        try:
            out.append(out[-1].previous())
        except OutOfCalendar:
            break
    return out[::-1]


class Reader:
    """The queries of one gather, made once and shared by every indicator (and every period of a backfill)."""

    def __init__(self, db: sqlite_utils.Database, catalog: Catalog, tree: list[str], periods: list[Period],
                 as_of: str):
        self.db, self.catalog, self.tree, self.as_of = db, catalog, tree, as_of
        # per indicator: (region, period key) -> (Period, the stored value)
        self.stored: dict[str, dict[tuple[str, str], tuple]] = {}
        self.indexes: dict[str, tuple[list[date], list[str]]] = {}
        self.rolled: dict[tuple[str, str, str], Decimal | None] = {}  # per (indicator, region, period): any period
        self.prefixes: dict[tuple[str, str], tuple[list[Decimal], list[int]]] = {}
        self.latest: dict[str, list[Period]] = {}
        self.parts_with: dict[tuple[str, str, str], frozenset[str]] = {}   # contributors, by (indicator, region, key)
        self.leaves = {code for code in tree if not catalog.children(code)}
        self.kinds = {kind: [i.code for i in catalog.indicators.values() if i.frequency == kind]
                      for kind in {i.frequency for i in catalog.indicators.values()}}
        for kind, codes in self.kinds.items():
            windows = [self._window(kind, p) for p in periods]
            lows = [low for low, _ in windows]
            highs = [high for _, high in windows]
            self._read_window(kind, codes, None if None in lows else min(lows), None if None in highs else max(highs))
        self.history = self._record_history()
        # the totals since the start are summed by SQL once, through the earliest period (of each kind) any of
        # the periods asks for; a later one adds the figures read since (running sums, _own_sums): nothing
        # is read from the database once the reader is made, so facts can be read after it is closed
        self.first_high = {kind: min(key_range(kind, None, p.end)[1] for p in periods) for kind in self.kinds}
        self.base_totals = {kind: self._read_totals(kind, codes, self.first_high[kind])
                            for kind, codes in self.kinds.items()}
        self.own_sums: dict[str, dict[str, tuple[list[str], list[Decimal]]]] = {}

    def totals_until(self, period: Period) -> dict[str, dict[str, tuple[Decimal, str]]]:
        """Per indicator and region with figures of its own: the total since the first period on record
        through this period, and that first period's key (累计 since the start)."""
        totals: dict[str, dict[str, tuple[Decimal, str]]] = {}
        for kind, codes in self.kinds.items():
            high = key_range(kind, None, period.end)[1]
            base, low = self.base_totals[kind], self.first_high[kind]
            totals.update({code: self._totals_since(code, base[code], low, high) for code in codes})
        return totals

    def _totals_since(self, code: str, base: dict[str, tuple[Decimal, str]], low: str, high: str
                      ) -> dict[str, tuple[Decimal, str]]:
        """The totals through ``high``: the SQL's through ``low`` (unrounded) plus each region's own figures
        after it, rounded to the indicator's places."""
        places = self.catalog.indicators[code].decimals
        out = dict(base)
        if high != low:
            for region, (keys, sums) in self._own_sums(code).items():
                i, j = bisect_right(keys, low), bisect_right(keys, high)
                if j > i:
                    total, first = base.get(region, (Decimal(0), keys[i]))
                    out[region] = (total + sums[j] - sums[i], first)
        return {region: (round_half_up(total, places), first) for region, (total, first) in out.items()}

    def _own_sums(self, code: str) -> dict[str, tuple[list[str], list[Decimal]]]:
        """Per region, its own figures' period keys in order and their running sums (from 0)."""
        if code not in self.own_sums:
            by_region: dict[str, list[tuple[str, float]]] = {}
            for (region, key), row in self.stored[code].items():
                by_region.setdefault(region, []).append((key, row[1]))
            self.own_sums[code] = {}
            for region, rows in by_region.items():
                rows.sort()
                sums = [Decimal(0)]
                for _, value in rows:
                    sums.append(sums[-1] + decimal(value))
                self.own_sums[code][region] = ([key for key, _ in rows], sums)
        return self.own_sums[code]

    def _window(self, kind: str, p: Period) -> tuple[str | None, str | None]:
        """The keys a briefing can need: from last year's year-to-date start through the period; for an
        indicator counted less often, back far enough for its trend, 同比 and 累计同比."""
        if KINDS.index(kind) < KINDS.index(p.kind):
            # its latest ended period may be last year's last one (a January week's month is December), whose
            # year-to-date a year earlier starts two calendar years back; its trend (12 years) may reach further,
            # from the period before the one still running
            first = period_of(kind, date(max(1, p.end.year - 2), 1, 1))   # not before year 1
            last = period_of(kind, p.end)
            return min(first.key, run_of(last, TREND + 1)[0].key), last.key
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
        stored = self.stored
        for ind, region, key, value in self._query(_LATEST, codes, self.tree, low, high):
            period = periods.get(key) or periods.setdefault(key, parse_period(key, kind))
            stored[ind][(region, key)] = (period, value)

    def _read_totals(self, kind: str, codes: list[str], high: str) -> dict[str, dict[str, tuple[Decimal, str]]]:
        totals: dict[str, dict[str, tuple[Decimal, str]]] = {code: {} for code in codes}
        for ind, region, value, first in self._query(_TOTALS, codes, self.tree, None, high):
            totals[ind][region] = (Decimal(repr(value)), first)
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
        for ind, region, period, value in self._query(_LATEST, codes, None, None, None):  # every region
            history[ind].append(RecordEntry(decimal(value), period, region))
        return history

    def latest_period(self, ind: Indicator, region: str, by: Period) -> Period | None:
        """The latest period of the indicator's own kind that has ended by the end of ``by``, with a figure."""
        periods = self._latest_first(ind)
        for period in periods[bisect_left(periods, -by.end.toordinal(), key=_newest_first):]:
            if self.value(ind, region, period) is not None:
                return period
        return None

    def _latest_first(self, ind: Indicator) -> list[Period]:
        """The periods read for an indicator (for a rate, its parts' too), the latest first."""
        if ind.code not in self.latest:
            codes = [ind.code] if ind.region_agg != "ratio" else [ind.numerator, ind.denominator, ind.code]
            keys = {key for code in codes for (_, key) in self.stored[code]}
            self.latest[ind.code] = sorted((parse_period(key, ind.frequency) for key in keys), key=_newest_first)
        return self.latest[ind.code]

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
        if type(span) is Period and span.kind == ind.frequency:     # one period of its own: its figure
            value = self._rolled(ind, region, span.key)
            return None if value is None else compare.total((value,), ind.time_agg)
        ends, keys = self._index(ind.code)
        lo, hi = bisect_left(ends, span.start), bisect_right(ends, span.end)
        if ind.time_agg == "sum" and hi - lo > SHORT:  # a running total: a backfill asks each week's year to date
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
        found = self.rolled.get(memo, _UNSEEN)
        if found is _UNSEEN:
            raw = self.stored[ind.code].get((region, key))
            if raw is not None:                       # the region's own figure wins
                found = decimal(raw[1])
            elif ind.region_agg in ("none", "ratio") or region in self.leaves:
                found = None
            else:                                     # the children's, by the region aggregation
                parts = [v for kid in self.catalog.children(region) if (v := self._rolled(ind, kid.code, key)) is not None]
                found = compare.total(parts, ind.region_agg)
            self.rolled[memo] = found
        return found

    def _index(self, code: str) -> tuple[list[date], list[str]]:
        """The distinct periods read for an indicator, sorted by their last day (for range lookups)."""
        if code not in self.indexes:
            by_key = {key: row[0].end for (_, key), row in self.stored[code].items()}
            ordered = sorted(by_key.items(), key=lambda item: item[1])
            self.indexes[code] = ([end for _, end in ordered], [key for key, _ in ordered])
        return self.indexes[code]

    def rolled_total(self, region: str, sums: dict) -> tuple[Decimal, str] | None:
        if region in sums:
            return sums[region]
        parts = [p for kid in self.catalog.children(region) if (p := self.rolled_total(kid.code, sums))]
        if not parts:
            return None
        return sum((p[0] for p in parts), Decimal(0)), min(p[1] for p in parts)

    def highlights(self, period: Period) -> list[dict]:
        marks = ",".join("?" * len(self.tree))
        return list(self.db.query(
            f"SELECT h.date, r.name AS region, h.domain, h.text, h.source FROM highlights h "
            f"JOIN regions r ON r.code = h.region WHERE h.region IN ({marks}) AND h.date >= ? AND h.date <= ? "
            f"ORDER BY h.date, h.id", [*self.tree, period.start.isoformat(), period.end.isoformat()]))

    def own(self, ind: Indicator, region: str, period: Period) -> bool:
        """Whether the region has a figure of its own for the period (not rolled up from its parts)."""
        return (region, period.key) in self.stored[ind.code]

    def contributors(self, ind: Indicator, region: str, period: Period) -> frozenset[str]:
        """The parts (children) of a region with a figure of the indicator for the period, found once: a fact
        compares its period's with the period before and the year before, and a backfill's next week
        compares with this one."""
        memo = (ind.code, region, period.key)
        if memo not in self.parts_with:
            self.parts_with[memo] = frozenset(kid.code for kid in self.catalog.children(region)
                                              if self.value(ind, kid.code, period) is not None)
        return self.parts_with[memo]
