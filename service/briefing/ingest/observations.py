"""Validating and writing observations: one figure of one indicator, region and period.

Nothing is overwritten: a figure that differs from the latest one stored for its (indicator, region,
period) is added as the next revision; the same figure again adds nothing. Each revision has a
``recorded_at`` time (the 录入时间 column, or the time of the import) and queries "as of" a moment
see the latest revision recorded by then, so revisions of one figure must come in time order.

This is the hot path of a large import: the row loop avoids per-cell function layers and caches
lookups, so a million rows take seconds.
"""

from __future__ import annotations

from datetime import timedelta

import sqlite_utils

from ..catalog import Indicator
from ..periods import Period, parse_period, period_of
from . import cells
from .context import Context, Outcome, RowChecker, iso_utc
from .read import PercentCell, SourceTable

INSERT = """INSERT INTO observations (indicator, region, period, period_start, period_end, value, revision,
            recorded_at, source, note, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def validate(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[tuple]:
    """Rows ready to insert (batch id left as None); problems go to ctx.problems."""
    rows = _parse(table, ctx, outcome)
    return _against_store(rows, table, ctx, db, outcome)


def _parse(table: SourceTable, ctx: Context, outcome: Outcome) -> list[tuple]:
    ix = {name: table.index(name) for name in ("indicator", "region", "period", "value", "unit", "source",
                                               "note", "recorded_at")}
    check = RowChecker(table, ctx, outcome)
    lookups = _Lookups(ctx)
    seen: dict[tuple, int] = {}
    out = []
    for number, row in table.rows:
        check.start(number, row)
        ind = check.check("indicator", lookups.indicator, row[ix["indicator"]])
        reg = check.check("region", lookups.region, row[ix["region"]])
        raw = row[ix["value"]]
        if cells.is_missing(raw):  # blank or — : no figure, never a zero
            if check.errors:
                check.finish()
            else:
                outcome.missing += 1
            continue
        period = check.check("period", lookups.period, row[ix["period"]], ind) if ind else None
        value = check.check("value", _value, raw, ind) if ind else check.check("value", cells.number, raw, "", True)
        extra = _extras(check, row, ix, ind, lookups)
        if period is not None and ind is not None and reg is not None:
            key = (ind.code, reg.code, period.key)
            if key in seen:
                check.fail(None, f"repeats the indicator, region and period of row {seen[key]}; keep one of them")
            else:
                seen[key] = number
        if check.finish():
            out.append((ind.code, reg.code, period, value, *extra, number))
    outcome.rows = len(table.rows)
    return out


def _extras(check: RowChecker, row: list, ix: dict, ind: Indicator | None, lookups: "_Lookups") -> tuple:
    source = check.check("source", cells.safe_text, row[ix["source"]]) if ix["source"] is not None else ""
    note = check.check("note", cells.safe_text, row[ix["note"]]) if ix["note"] is not None else ""
    recorded = None
    if ix["recorded_at"] is not None and cells.text(row[ix["recorded_at"]]):
        recorded = check.check("recorded_at", lookups.moment, row[ix["recorded_at"]])
    if ix["unit"] is not None and ind is not None:
        unit = cells.text(row[ix["unit"]])
        if unit and unit != ind.unit:
            check.fail("unit", f"{unit!r} disagrees with {ind.name}, which is counted in {ind.unit!r}; "
                               f"convert the figure to {ind.unit} or fix the indicator")
    return source or None, note or None, recorded


class _Lookups:
    """Cached lookups: a large file repeats the same few indicators, regions, periods and times."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.latest = (ctx.now + timedelta(minutes=1)).astimezone(ctx.tz)
        self._ind: dict = {}
        self._reg: dict = {}
        self._period: dict = {}
        self._moment: dict = {}

    def indicator(self, raw: object) -> Indicator:
        key = cells.text(raw)
        if key not in self._ind:
            self._ind[key] = self.ctx.catalog.indicator(key)
        return self._ind[key]

    def region(self, raw: object):
        key = cells.text(raw)
        if key not in self._reg:
            self._reg[key] = self.ctx.catalog.region(key)
        return self._reg[key]

    def period(self, raw: object, ind: Indicator) -> Period:
        key = (raw, ind.frequency)
        if key not in self._period:
            self._period[key] = _period(raw, ind, self.latest.date())
        return self._period[key]

    def moment(self, raw: object) -> str:
        if raw not in self._moment:
            when = cells.moment(raw, self.ctx.tz)
            if when > self.latest:
                raise cells.CellError(f"{cells.text(raw)!r} is in the future; give the time the figure was recorded")
            self._moment[raw] = iso_utc(when)
        return self._moment[raw]


def _period(raw: object, ind: Indicator, today) -> Period:
    if hasattr(raw, "year") and hasattr(raw, "month"):  # an Excel date cell
        day = cells.day(raw)
        period = period_of(ind.frequency, day)
        if period.start != day:
            raise cells.CellError(f"the date {day} lies inside {period.key}; write the period as {period.key}")
    else:
        period = parse_period(cells.text(raw), ind.frequency)
    if period.start > today:
        raise cells.CellError(f"{period.key} has not begun yet")
    return period


def _value(raw: object, ind: Indicator) -> float:
    value = cells.number(raw, ind.unit, percent_ok=ind.is_rate, percent_cell=isinstance(raw, PercentCell))
    if ind.is_rate and not 0 <= value <= 100:
        raise cells.CellError(f"{cells.text(raw)} is outside 0–100 for the rate {ind.name}; "
                              "write a percentage such as 99.25 or 99.25%")
    if value < 0 and not ind.signed:
        raise cells.CellError(f"{cells.text(raw)} is negative, but {ind.name} cannot be "
                              "(mark the indicator 可为负 if it can)")
    return value


def _against_store(rows: list[tuple], table: SourceTable, ctx: Context, db: sqlite_utils.Database,
                   outcome: Outcome) -> list[tuple]:
    """Compare with what is stored: unchanged rows are dropped, changed ones become revisions."""
    current = _current(db, {r[0] for r in rows})
    now = ctx.now_utc
    check = RowChecker(table, ctx, outcome)
    originals: dict[int, list] = {}
    out = []
    for ind, reg, period, value, source, note, recorded, number in rows:
        stored = current.get((ind, reg, period.key))
        if stored is not None and stored[0] == value:
            outcome.unchanged += 1
            continue
        revision = 1 if stored is None else stored[1] + 1
        when = recorded or now
        if stored is not None and when <= stored[2]:
            originals = originals or dict(table.rows)
            check.start(number, originals[number])
            check.fail("recorded_at", f"changes the figure to {value:g}, but its time {when} is not after "
                                      f"revision {stored[1]} ({stored[0]:g}, recorded {stored[2]}); "
                                      "leave 录入时间 blank to record it now, or give a later time")
            check.finish()
            continue
        if stored is None:
            outcome.added += 1
        else:
            outcome.revised += 1
        out.append((ind, reg, period.key, period.start.isoformat(), period.end.isoformat(), value, revision,
                    when, source, note, None))
    return out


def _current(db: sqlite_utils.Database, indicators: set[str]) -> dict[tuple, tuple]:
    """(indicator, region, period) -> (value, revision, recorded_at) of the latest revision."""
    current: dict[tuple, tuple] = {}
    for code in indicators:
        for ind_region, period, value, revision, recorded in db.execute(
                "SELECT region, period, value, revision, recorded_at FROM observations "
                "WHERE indicator = ? ORDER BY revision", [code]):
            current[(code, ind_region, period)] = (value, revision, recorded)
    return current


def write(db: sqlite_utils.Database, rows: list[tuple], batch: int) -> None:
    db.conn.executemany(INSERT, (row[:-1] + (batch,) for row in rows))
