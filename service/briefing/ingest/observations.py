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

INSERT = """INSERT INTO observations (indicator, region, period, value, revision, recorded_at, source, note, batch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def validate(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[tuple]:
    """Rows ready to insert, in key order (batch id left as None); problems go to ctx.problems.

    One pass: each row is checked, then compared with the latest stored revision of its key: the same
    figure is dropped, a new one is revision 1, a different one the next revision."""
    ix = {name: table.index(name) for name in ("indicator", "region", "period", "value", "unit", "source",
                                               "note", "recorded_at")}
    i_ind, i_reg, i_per, i_val = ix["indicator"], ix["region"], ix["period"], ix["value"]
    extras = any(ix[k] is not None for k in ("unit", "source", "note", "recorded_at"))
    check = RowChecker(table, ctx, outcome)
    look = _Lookups(ctx, check, db)
    seen: dict[tuple, int] = {}
    out: list[tuple] = []
    for number, row in table.rows:
        check.start(number, row)
        ind = look.indicators.get(row[i_ind]) or look.indicator(row[i_ind])
        reg = look.regions.get(row[i_reg]) or look.region(row[i_reg])
        raw = row[i_val]
        if raw.__class__ is str and raw.isascii() and raw.isdigit() and len(raw) <= cells.MAX_DIGITS:
            value = float(raw)  # the fast path: a plain count, which no check can fault
        elif cells.is_missing(raw):  # blank or — : no figure, never a zero
            outcome.missing += not check.errors
            check.finish()
            continue
        else:
            value = check.check("value", _value, raw, ind) if ind else check.check("value", cells.number, raw, "", True)
        key = (look.periods.get((row[i_per], ind.frequency)) or look.period(row[i_per], ind)) if ind else None
        source, note, recorded = _extras(check, row, ix, ind, look) if extras else (None, None, None)
        if key is not None and reg is not None:
            if (ind.code, reg.code, key) in seen:
                check.fail(None, f"repeats the indicator, region and period of row {seen[ind.code, reg.code, key]}; "
                                 "keep one of them")
            seen[ind.code, reg.code, key] = number
        if check.errors:
            check.finish()
            continue
        stored = look.stored(ind.code).get((reg.code, key))
        if stored is None:
            outcome.added += 1
            out.append((ind.code, reg.code, key, value, 1, recorded or look.now, source, note, None))
        elif stored[0] == value:
            outcome.unchanged += 1
        elif _in_order(check, value, recorded or look.now, stored):
            outcome.revised += 1
            out.append((ind.code, reg.code, key, value, stored[1] + 1, recorded or look.now, source, note, None))
    outcome.rows = len(table.rows)
    out.sort()  # (indicator, region, period) is unique here; in key order SQLite appends to its B-tree
    return out


def _in_order(check: RowChecker, value: float, when: str, stored: tuple) -> bool:
    """A revision must be recorded after the one it corrects, or as-of queries would rewrite history."""
    if when > stored[2]:
        return True
    check.fail("recorded_at", f"changes the figure to {value:g}, but its time {when} is not after "
                              f"revision {stored[1]} ({stored[0]:g}, recorded {stored[2]}); "
                              "leave 录入时间 blank to record it now, or give a later time")
    check.finish()
    return False


def _extras(check: RowChecker, row: list, ix: dict, ind: Indicator | None, look: "_Lookups") -> tuple:
    source = check.check("source", cells.safe_text, row[ix["source"]]) if ix["source"] is not None else ""
    note = check.check("note", cells.safe_text, row[ix["note"]]) if ix["note"] is not None else ""
    recorded = None
    if ix["recorded_at"] is not None and cells.text(row[ix["recorded_at"]]):
        raw = row[ix["recorded_at"]]
        recorded = look.moments.get(raw) or check.check("recorded_at", look.moment, raw)
    if ix["unit"] is not None and ind is not None:
        unit = cells.text(row[ix["unit"]])
        if unit and unit != ind.unit:
            check.fail("unit", f"{unit!r} disagrees with {ind.name}, which is counted in {ind.unit!r}; "
                               f"convert the figure to {ind.unit} or fix the indicator")
    return source or None, note or None, recorded


class _Lookups:
    """Caches of what a large file repeats: a few indicators, regions, periods and times. The dicts are
    read directly in the row loop; the methods are the slow path on a miss, reporting to the checker."""

    def __init__(self, ctx: Context, check: RowChecker, db: sqlite_utils.Database):
        self.ctx, self.check, self.db = ctx, check, db
        self.now = ctx.now_utc
        self.latest = (ctx.now + timedelta(minutes=1)).astimezone(ctx.tz)
        self._stored: dict[str, dict] = {}
        self.indicators: dict = {}
        self.regions: dict = {}
        self.periods: dict = {}
        self.moments: dict = {}

    def indicator(self, raw: object) -> Indicator | None:
        found = self.check.check("indicator", self.ctx.catalog.indicator, cells.text(raw))
        if found is not None:
            self.indicators[raw] = found
        return found

    def region(self, raw: object):
        found = self.check.check("region", self.ctx.catalog.region, cells.text(raw))
        if found is not None:
            self.regions[raw] = found
        return found

    def period(self, raw: object, ind: Indicator) -> str | None:
        period = self.check.check("period", _period, raw, ind, self.latest.date())
        if period is not None:
            self.periods[(raw, ind.frequency)] = period.key
            return period.key
        return None

    def stored(self, indicator: str) -> dict[tuple[str, str], tuple]:
        """(region, period) -> (value, revision, recorded_at) of the latest stored revision."""
        if indicator not in self._stored:
            latest: dict[tuple[str, str], tuple] = {}
            for region, period, value, revision, recorded in self.db.execute(
                    "SELECT region, period, value, revision, recorded_at FROM observations WHERE indicator = ? "
                    "AND superseded_at IS NULL", [indicator]):
                latest[(region, period)] = (value, revision, recorded)
            self._stored[indicator] = latest
        return self._stored[indicator]

    def moment(self, raw: object) -> str:
        when = cells.moment(raw, self.ctx.tz)
        if when > self.latest:
            raise cells.CellError(f"{cells.text(raw)!r} is in the future; give the time the figure was recorded")
        self.moments[raw] = iso_utc(when)
        return self.moments[raw]


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


SUPERSEDE = """UPDATE observations SET superseded_at = ? WHERE indicator = ? AND region = ? AND period = ?
               AND revision = ? AND superseded_at IS NULL"""


def write(db: sqlite_utils.Database, rows: list[tuple], batch: int) -> None:
    """Insert the rows; each revision after the first closes the validity of the one before it."""
    db.conn.executemany(SUPERSEDE, ((r[5], r[0], r[1], r[2], r[4] - 1) for r in rows if r[4] > 1))
    db.conn.executemany(INSERT, (row[:-1] + (batch,) for row in rows))
