"""Reading figures back: the latest revision as of a moment, rolled up the region hierarchy.

``as_of`` is an ISO 8601 UTC string: a query sees, for each (indicator, region, period), the latest
revision recorded at or before it, so a briefing can be re-made exactly as it was. A region with
figures of its own uses them; otherwise its figure is the roll-up of its children by the
indicator's region aggregation (sum, max, mean, or the ratio of a numerator and a denominator).
Values come back as ``Decimal`` made from the stored figure, for the pure core to compute with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlite_utils

from ..figures import compare
from ..figures.period_text import parse_period
from ..figures.periods import KINDS, Period, Span, period_of
from .catalog import Catalog, Indicator

FAR_FUTURE = "9999-12-31T23:59:59+00:00"
# The revision valid at a moment: recorded by then, and not yet superseded by a later one.
AS_OF = "recorded_at <= :as_of AND (superseded_at IS NULL OR superseded_at > :as_of)"


def one_of(column: str, values: list[str], prefix: str) -> tuple[str, dict[str, str]]:
    """``column IN (:p0, :p1 …)`` and its named parameters (the prefix keeps two lists in one query apart)."""
    params = {f"{prefix}{n}": value for n, value in enumerate(values)}
    return f"{column} IN ({','.join(':' + name for name in params)})", params


@dataclass(frozen=True)
class Figure:
    indicator: str
    region: str
    period: Period
    value: Decimal
    derived: bool = False       # rolled up from other regions or computed from a ratio
    revision: int | None = None
    recorded_at: str | None = None
    source: str | None = None
    note: str | None = None
    coverage: tuple[int, int] | None = None   # a roll-up: (children with a figure, children in all)

    @property
    def partial(self) -> bool:
        """A roll-up to which some children gave no figure."""
        return self.coverage is not None and self.coverage[0] < self.coverage[1]


def key_range(kind: str, start: date | None, end: date | None) -> tuple[str | None, str | None]:
    """The period keys of a kind whose periods end within [start, end] (None: open)."""
    low = period_of(kind, start).key if start else None
    high = None
    if end:
        last = period_of(kind, end)
        high = (last if last.end == end else last.previous()).key
    return low, high


def decimal(value: float) -> Decimal:
    """The stored REAL back as the decimal figure it was imported from."""
    return Decimal(repr(value))


class Observations:
    """Queries over the observations of one database, with the catalog loaded once."""

    def __init__(self, db: sqlite_utils.Database, catalog: Catalog | None = None):
        self.db = db
        self.catalog = catalog or Catalog.load(db)

    def stored(self, indicator: str, regions: list[str], start: date | None = None, end: date | None = None,
               as_of: str = FAR_FUTURE) -> dict[tuple[str, str], Figure]:
        """(region, period key) -> the latest revision as of, for periods ending within start..end."""
        kind = self.catalog.indicators[indicator].frequency
        low, high = key_range(kind, start, end)
        if low is not None and high is not None and low > high:
            return {}
        in_regions, params = one_of("region", regions, "r")
        params.update({"ind": indicator, "low": low or "", "high": high or "\uffff", "as_of": as_of})
        rows = self.db.execute(
            f"SELECT region, period, value, revision, recorded_at, source, note FROM observations "
            f"WHERE indicator = :ind AND {in_regions} AND period >= :low AND period <= :high AND {AS_OF}",
            params)
        out: dict[tuple[str, str], Figure] = {}
        periods: dict[str, Period] = {}
        for region, key, value, revision, recorded, source, note in rows:
            period = periods.get(key) or periods.setdefault(key, parse_period(key, kind))
            out[(region, key)] = Figure(indicator, region, period, decimal(value), False, revision, recorded,
                                        source, note)
        return out

    def series(self, indicator: str, region: str, start: date | None = None, end: date | None = None,
               as_of: str = FAR_FUTURE) -> list[Figure]:
        """The figures of one region, own or rolled up, in period order."""
        ind = self.catalog.indicators[indicator]
        if ind.region_agg == "ratio":
            return self._ratio_series(ind, region, start, end, as_of)
        tree = [region, *(r.code for r in self.catalog.descendants(region))]
        stored = self.stored(indicator, tree, start, end, as_of)
        keys = sorted({key for _, key in stored})  # keys of one kind sort as text in time order
        out = []
        for key in keys:
            fig = roll_up(self.catalog, ind, region, key, stored)
            if fig is not None:
                out.append(fig)
        return out

    def _ratio_series(self, ind: Indicator, region: str, start: date | None, end: date | None,
                      as_of: str) -> list[Figure]:
        own = {f.period.key: f for f in self.stored(ind.code, [region], start, end, as_of).values()}
        num = {f.period.key: f for f in self.series(ind.numerator, region, start, end, as_of)}
        den = {f.period.key: f for f in self.series(ind.denominator, region, start, end, as_of)}
        for key in num.keys() & den.keys() - own.keys():
            value = compare.ratio(num[key].value, den[key].value)
            if value is not None:
                worse = min((num[key], den[key]), key=lambda f: f.coverage[0] - f.coverage[1] if f.coverage else 0)
                own[key] = Figure(ind.code, region, num[key].period, value,
                                  derived=True, recorded_at=max(num[key].recorded_at or "", den[key].recorded_at or ""),
                                  coverage=worse.coverage)
        return [own[k] for k in sorted(own, key=lambda k: own[k].period)]

    def latest(self, indicator: str, region: str, as_of: str = FAR_FUTURE) -> Figure | None:
        """The figure of the most recent period known as of the moment."""
        figures = self.series(indicator, region, as_of=as_of)
        return figures[-1] if figures else None

    def total(self, indicator: str, region: str, span: Span, as_of: str = FAR_FUTURE) -> Decimal | None:
        """The figure over a span by the indicator's time aggregation (累计 for flows; last for stocks)."""
        ind = self.catalog.indicators[indicator]
        figures = [f for f in self.series(indicator, region, span.start, span.end, as_of)
                   if f.period.start >= span.start]
        if not figures:
            return None
        return compare.total([f.value for f in figures], ind.time_agg)


def year_on_year(ind: Indicator, value: float, year_ago: float | None) -> compare.Change | None:
    """同比 of one row of latest.latest_and_year_ago, in Decimals made from the stored figures."""
    return None if year_ago is None else compare.change(decimal(value), decimal(year_ago), ind.is_rate)


def roll_up(catalog: Catalog, ind: Indicator, region: str, key: str,
            stored: dict[tuple[str, str], Figure]) -> Figure | None:
    """The figure of a region for one period: its own, or its children's by the region aggregation."""
    own = stored.get((region, key))
    if own is not None or ind.region_agg in ("none", "ratio"):
        return own
    kids = catalog.children(region)
    parts = [f for kid in kids if (f := roll_up(catalog, ind, kid.code, key, stored))]
    if not parts:
        return None
    value = compare.total([f.value for f in parts], ind.region_agg)  # the one rule, shared with facts.py
    return Figure(ind.code, region, parts[0].period, value, derived=True,
                  recorded_at=max(f.recorded_at or "" for f in parts) or None, coverage=(len(parts), len(kids)))


def snapshot(obs: Observations, region: str, as_of: str = FAR_FUTURE) -> list[tuple[Indicator, Figure, Decimal | None]]:
    """For each indicator with figures for the region: its latest figure and, for flows, the total since
    the first period on record (累计)."""
    out = []
    for ind in obs.catalog.indicators.values():
        figures = obs.series(ind.code, region, as_of=as_of)
        if not figures:
            continue
        total = None
        if ind.time_agg == "sum" and ind.frequency != "year" and len(figures) > 1:
            total = obs.total(ind.code, region, Span(ind.frequency, figures[0].period, figures[-1].period), as_of)
        out.append((ind, figures[-1], total))
    return out


def latest_period(obs: Observations, region: str, kind: str, as_of: str = FAR_FUTURE) -> Period | None:
    """The latest period of a kind with a figure for the region or a region under it, of an indicator
    counted at least that often, as known at the moment (what a briefing of that kind could be made for)."""
    codes = [i.code for i in obs.catalog.indicators.values() if KINDS.index(i.frequency) >= KINDS.index(kind)]
    tree = [region, *(r.code for r in obs.catalog.descendants(region))]
    if not codes:
        return None
    (in_codes, by_code), (in_tree, by_region) = one_of("indicator", codes, "i"), one_of("region", tree, "r")
    rows = obs.db.execute(f"SELECT indicator, MAX(period) FROM observations WHERE {in_codes} AND {in_tree} "
                          f"AND {AS_OF} GROUP BY indicator", {"as_of": as_of, **by_code, **by_region}).fetchall()
    ends = [parse_period(key, obs.catalog.indicators[ind].frequency).end for ind, key in rows]
    return period_of(kind, max(ends)) if ends else None
