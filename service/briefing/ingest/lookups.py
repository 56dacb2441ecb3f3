"""What a large file of figures repeats, looked up once: its indicators, regions, periods and times as checked,
and the figures stored for its keys; and the checks of a figure's cell and unit (observations.py uses them).

The dicts are read directly in the row loop; the methods are the slow path on a miss, reporting to the checker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlite_utils

from ..errors import NotFound
from ..figures.period_text import parse_period
from ..figures.periods import Period, period_of
from ..i18n import _, shown
from ..store.catalog import Indicator
from ..store.db import iso_utc
from . import cells
from .context import Context, Outcome, RowChecker
from .table import BareNumber, PercentCell, SourceTable


class Lookups:
    """Caches of what a large file repeats: a few indicators, regions, periods and times. The dicts are
    read directly in the row loop; the methods are the slow path on a miss, reporting to the checker."""

    def __init__(self, ctx: Context, check: RowChecker, db: sqlite_utils.Database, table: SourceTable,
                 outcome: Outcome):
        self.ctx, self.check, self.db, self.table, self.outcome = ctx, check, db, table, outcome
        self.now = ctx.now_utc
        self.latest = (ctx.now + timedelta(minutes=1)).astimezone(ctx.tz)
        self.stored_by: dict[str, dict] = {}   # indicator -> (region, period) -> latest revision
        self._newest: dict[str, dict[str, str]] = {}
        self._earlier: dict[str, dict] = {}
        self._scales: dict[str, Decimal] = {}
        self.plain: dict[str, bool] = {}   # indicator -> a plain whole number needs no check
        self.fast_added = 0
        self.columns_to_check = any(f in ("unit", "source", "note") for f in check.table.fields)
        self.indicators: dict = {}
        self.regions: dict = {}
        self.periods: dict = {}
        self.moments: dict = {}

    def indicator(self, raw: object) -> Indicator | None:
        found = self.check.check("indicator", self.ctx.catalog.indicator, cells.text(raw))
        if found is not None:
            scale = self.check.check("value", self.scale, found, raw)
            if scale is None:
                return None
            self.indicators[raw] = found
            self.plain[found.code] = scale == 1 and not found.is_rate
        return found

    def scale(self, ind: Indicator, raw: object) -> Decimal:
        """What a figure in this file is multiplied by: 10000 when its column's header says （万元） (or the
        unit line above the table says 单位：万元) of an indicator counted in 元; an error when the unit is not
        the indicator's."""
        if ind.code not in self._scales:
            self._scales[ind.code] = header_scale(*self.table.unit_of(raw), ind)
        return self._scales[ind.code]

    def value(self, raw: object, ind: Indicator) -> float:
        value = figure(raw, ind)
        scale = self._scales.get(ind.code, Decimal(1))
        return value if scale == 1 else float(Decimal(repr(value)) * scale)

    def is_earlier_revision(self, ind: str, reg: str, key: str, value: float, recorded: str | None) -> bool:
        """The figure is one of the key's superseded revisions (with the same time, if the row gives one)."""
        if ind not in self._earlier:
            self._earlier[ind] = {}
            for region, period, old, when in self.db.execute(
                    "SELECT region, period, value, recorded_at FROM observations WHERE indicator = ? "
                    "AND superseded_at IS NOT NULL", [ind]):
                self._earlier[ind].setdefault((region, period), []).append((old, when))
        return any(old == value and (recorded is None or recorded == when)
                   for old, when in self._earlier[ind].get((reg, key), ()))

    def quiet_indicator(self, raw: object) -> Indicator | None:
        """The indicator a cell names, when it is one whose plain whole numbers need no check; None (and nothing
        reported: the row-by-row check says what is wrong) otherwise."""
        found = self.indicators.get(raw)
        if found is None:
            found = quiet(self.ctx.catalog.indicator, cells.text(raw))
            if found is None or quiet(self.scale, found, raw) != 1 or found.is_rate:
                return None
            self.indicators[raw], self.plain[found.code] = found, True
        return found if self.plain.get(found.code) else None

    def quiet_region(self, raw: object):
        found = self.regions.get(raw)
        if found is None:
            found = quiet(self.ctx.catalog.region, cells.text(raw))
            if found is not None:
                self.regions[raw] = found
        return found

    def quiet_period(self, raw: object, ind: Indicator) -> str | None:
        key = self.periods.get((raw, ind.frequency))
        if key is None:
            period = quiet(period_of_cell, raw, ind, self.latest.date())
            if period is not None:
                key = self.periods[(raw, ind.frequency)] = period.key
        return key

    def quiet_moment(self, raw: object) -> str | None:
        return self.moments.get(raw) or (quiet(self.moment, raw) if cells.text(raw) else None)

    def local(self, moment: str) -> str:
        """An ISO UTC time as people entered it: 2024-01-15 09:00 in the service's time zone."""
        return datetime.fromisoformat(moment).astimezone(self.ctx.tz).strftime("%Y-%m-%d %H:%M:%S")

    def region(self, raw: object):
        found = self.check.check("region", self.ctx.catalog.region, cells.text(raw))
        if found is not None:
            self.regions[raw] = found
        return found

    def period(self, raw: object, ind: Indicator) -> str | None:
        period = self.check.check("period", period_of_cell, raw, ind, self.latest.date())
        if period is not None:
            self.periods[(raw, ind.frequency)] = period.key
            return period.key
        return None

    def newest(self, indicator: str) -> dict[str, str]:
        """region -> the latest period of the indicator's figures stored there (one seek a region)."""
        if indicator not in self._newest:
            self._newest[indicator] = {region: period for region, period in self.db.execute(_NEWEST, [indicator])
                                       if period is not None}
        return self._newest[indicator]

    def is_new(self, indicator: str, region: str, key: str) -> bool:
        """Whether no figure of the key is stored because its period comes after the series' latest (a file of
        new periods is then checked without reading every figure stored of its indicators); False once they
        are read (stored_by answers then)."""
        return indicator not in self.stored_by and key > self.newest(indicator).get(region, "")

    def stored(self, indicator: str) -> dict[tuple[str, str], tuple]:
        """(region, period) -> (value, revision, recorded_at) of the latest stored revision."""
        if indicator not in self.stored_by:
            latest: dict[tuple[str, str], tuple] = {}
            for region, period, value, revision, recorded in self.db.execute(
                    "SELECT region, period, value, revision, recorded_at FROM observations WHERE indicator = ? "
                    "AND superseded_at IS NULL", [indicator]):
                latest[(region, period)] = (value, revision, recorded)
            self.stored_by[indicator] = latest
        return self.stored_by[indicator]

    def moment(self, raw: object) -> str:
        when = cells.moment(raw, self.ctx.tz)
        if when > self.latest:
            raise cells.CellError(_("'{value}' is in the future; give the time the figure was recorded").format(
                value=shown(cells.text(raw))))
        self.moments[raw] = iso_utc(when)
        return self.moments[raw]


# The latest period stored of each region's series of an indicator: a key's text order is its periods' order.
_NEWEST = """SELECT r.code, (SELECT max(o.period) FROM observations o WHERE o.indicator = ? AND o.region = r.code)
             FROM regions r"""


def quiet(fn, *args):
    try:
        return fn(*args)
    except (cells.CellError, NotFound, ValueError):
        return None


def period_of_cell(raw: object, ind: Indicator, today) -> Period:
    if hasattr(raw, "year") and hasattr(raw, "month"):  # an Excel date cell
        day = cells.day(raw)
        period = period_of(ind.frequency, day)
        if period.start != day:
            raise cells.CellError(_("the date {day} lies inside {period}; write the period as {period}").format(
                day=day, period=period.key))
    else:
        period = parse_period(cells.text(raw), ind.frequency)
    if period.start > today:
        raise cells.CellError(_("{period} has not begun yet").format(period=period.key))
    return period


def header_scale(unit: str | None, line: int | None, ind: Indicator) -> Decimal:
    """The factor of a unit a file gives (in a header, or a unit line above the table at ``line``): 1 for the
    indicator's own unit (with its 每: 公斤/亩), 10,000 or 100,000,000 for it with 万 or 亿 before it."""
    if not unit or is_unit_of(unit, ind):
        return Decimal(1)
    for prefix, factor in (("万", 10_000), ("亿", 100_000_000)):
        if is_unit_of(unit.removeprefix(prefix), ind) and unit.startswith(prefix):
            return Decimal(factor)
    if line is not None:
        raise cells.CellError(_("the unit line (row {row}) gives figures in '{unit}', but {name} is counted in "
                                "'{own}'; give this column its unit in its header ({name}（{own}）)").format(
            row=line, unit=unit, name=ind.name, own=ind.unit))
    raise cells.CellError(_("the column header gives figures in '{unit}', but {name} is counted in '{own}'; put "
                            "these figures in a file of their own, or in {own}").format(unit=shown(unit), name=ind.name,
                                                                                       own=ind.unit))


def is_unit_of(unit: str, ind: Indicator) -> bool:
    """Whether a unit a person wrote is the indicator's: 人次; 公斤 or 公斤/亩 for a yield per 亩."""
    return unit in (ind.unit, f"{ind.unit}/{ind.per}" if ind.per else ind.unit)


def figure(raw: object, ind: Indicator) -> float:
    value = cells.number(raw, ind.unit, percent_ok=ind.is_rate, percent_cell=isinstance(raw, PercentCell))
    if ind.is_rate and isinstance(raw, BareNumber) and 0 < value <= 1:
        raise cells.CellError(_("{value} may be {percent}% (a cell shown as a percentage) or {value}%, which an .xls, "
                                ".et or .ods file does not tell; save the file as .xlsx, or write the rate in percent "
                                "(99.25 for 99.25%)").format(value=f"{value:g}", percent=f"{value * 100:g}"))
    if ind.is_rate and not 0 <= value <= 100:
        raise cells.CellError(_("{value} is outside 0–100 for the rate {name}; write a percentage such as 99.25 or "
                                "99.25%").format(value=shown(cells.text(raw)), name=ind.name))
    if value < 0 and not ind.signed:
        raise cells.CellError(_("{value} is negative, but {name} cannot be (mark the indicator 可为负 if it "
                                "can)").format(value=shown(cells.text(raw)), name=ind.name))
    return value
