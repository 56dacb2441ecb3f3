"""Validating and writing observations: one figure of one indicator, region and period.

Nothing is overwritten: a figure that differs from the latest one stored for its (indicator, region,
period) is added as the next revision; the same figure again adds nothing. Each revision has a
``recorded_at`` time (the 录入时间 column, or the time of the import) and queries "as of" a moment
see the latest revision recorded by then, so revisions of one figure must come in time order.

This is the hot path of a large import: the row loop avoids per-cell function layers and caches
lookups, so a million rows take seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from ..errors import Problem
from ..i18n import _, shown
from ..store import latest
from ..store.catalog import Indicator
from ..store.db import iso_utc
from . import cells, fast, stream
from .context import Context, Outcome, RowChecker
from .lookups import Lookups, is_unit_of
from .table import SourceTable

CHUNK = 50_000   # rows checked between two reports of progress
INSERT = """INSERT INTO observations (indicator, region, period, value, revision, recorded_at, source, note, batch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def validate(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> fast.Validated:
    """The rows to insert (batch id left out); problems go to ctx.problems.

    One pass over the table, a block at a time: each row is checked, then compared with what is stored for its
    key: a figure already stored (as the latest revision or an earlier one) adds nothing, a new key is revision 1,
    and a different figure is the next revision. A block of common rows (known codes, plain counts, new keys) is
    checked a column at a time and kept as packed keys (fast.py); should one of them repeat another row's key, the
    table is checked again row by row, so the repeat is named as a row-by-row check names it."""
    before, whole, unread = len(ctx.problems), ctx.whole, ctx.unread
    done = _pass(table, ctx, db, outcome, exact=False)
    if done is None:
        del ctx.problems[before:]
        ctx.whole, ctx.unread = whole, unread
        outcome.rows = outcome.added = outcome.revised = outcome.unchanged = outcome.missing = 0
        outcome.rejected.clear()
        done = _pass(table, ctx, db, outcome, exact=True)
    return done


def _pass(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome, exact: bool):
    ix = {name: table.index(name) for name in ("indicator", "region", "period", "value", "unit", "source",
                                               "note", "recorded_at")}
    ix["extras"] = any(ix[k] is not None for k in ("unit", "source", "note", "recorded_at"))
    check = RowChecker(table, ctx, outcome)
    look = Lookups(ctx, check, db, table, outcome)
    found = fast.Validated(fast.Keys(ctx.catalog, ctx.max_rows))
    seen: dict[tuple, int] = {}
    rows = table.rows
    blocks = rows.blocks() if hasattr(rows, "blocks") else stream.list_blocks(rows, CHUNK)
    done, total = 0, len(rows)
    for block in blocks:
        for number, message in block.problems:   # cells past the header: the table is refused as a whole
            ctx.problems.append(Problem(table.where, number, None, message))
            ctx.whole = ctx.unread = True
        columns = None if exact else block.by_column()
        if columns is None or not fast.block(columns, block.numbers, ix, look, found):
            _rows(block.pairs(), ix, check, look, seen, found.rows)
        done += len(block.numbers)
        if not exact:
            ctx.tick(min(done, total), total)
    if not exact and fast.collides(found, seen):
        return None
    outcome.rows = done
    outcome.added += look.fast_added
    found.rows.sort()  # (indicator, region, period) is unique here; in key order SQLite appends to its B-tree
    return found


def _rows(pairs: list[tuple[int, list]], ix: dict, check: RowChecker, look: Lookups, seen: dict,
          out: list) -> None:
    """Rows checked one by one."""
    for number, row in pairs:
        if _fast(number, row, ix, look, seen, out):
            continue
        check.start(number, row)
        parsed = _row(row, ix, check, look)
        if parsed is None:
            continue
        ind, reg, key, value, source, note, recorded = parsed
        if (ind, reg, key) in seen:
            check.fail(None, _("repeats the indicator, region and period of row {row}; keep one of them").format(
                row=seen[ind, reg, key]))
        seen[ind, reg, key] = number
        if check.errors:
            check.finish()
        elif value is not None:
            _against_store(out, look, check, (ind, reg, key, value, source, note, recorded), look.outcome)


def _fast(number: int, row: list, ix: dict, look: Lookups, seen: dict, out: list) -> bool:
    """The common row of a large import, handled without the checker: indicator, region, period and
    录入时间 all seen before (so already checked), a plain count, and a key not yet stored. Anything
    else returns False and takes the checked path."""
    ind, reg, raw = look.indicators.get(row[ix["indicator"]]), look.regions.get(row[ix["region"]]), row[ix["value"]]
    if ind is None or reg is None or not look.plain.get(ind.code) or raw.__class__ is not str \
            or not (raw.isascii() and raw.isdigit() and len(raw) <= cells.MAX_DIGITS) or look.columns_to_check:
        return False
    key = look.periods.get((row[ix["period"]], ind.frequency))
    recorded = look.moments.get(row[ix["recorded_at"]]) if ix["recorded_at"] is not None else look.now
    if key is None or recorded is None or (ind.code, reg.code, key) in seen:
        return False
    stored = look.stored_by.get(ind.code)
    if not ((reg.code, key) not in stored if stored is not None else look.is_new(ind.code, reg.code, key)):
        return False
    seen[ind.code, reg.code, key] = number
    look.fast_added += 1
    out.append((ind.code, reg.code, key, float(raw), 1, recorded, None, None, None))
    return True


def _row(row: list, ix: dict, check: RowChecker, look: Lookups) -> tuple | None:
    """The row's cells checked and read; None when the indicator, region or period is unusable."""
    ind = look.indicators.get(row[ix["indicator"]]) or look.indicator(row[ix["indicator"]])
    reg = look.regions.get(row[ix["region"]]) or look.region(row[ix["region"]])
    raw = row[ix["value"]]
    if ind is not None and look.plain.get(ind.code) and raw.__class__ is str and raw.isascii() and raw.isdigit() \
            and len(raw) <= cells.MAX_DIGITS:
        value = float(raw)  # the fast path: a plain count of an indicator no plain count can fault
    elif cells.is_missing(raw):  # blank or — : no figure, never a zero (the rest of the row is still checked)
        value = None
        look.outcome.missing += 1
    elif ind is not None:
        value = check.check("value", look.value, raw, ind)
    else:
        value = check.check("value", cells.number, raw, "", True)
    key = (look.periods.get((row[ix["period"]], ind.frequency)) or look.period(row[ix["period"]], ind)) if ind else None
    extras = _extras(check, row, ix, ind, look) if ix["extras"] else (None, None, None)
    if ind is None or reg is None or key is None:
        check.finish()
        return None
    return (ind.code, reg.code, key, value, *extras)


def _against_store(out: list, look: Lookups, check: RowChecker, row: tuple, outcome: Outcome) -> None:
    ind, reg, key, value, source, note, recorded = row
    stored = None if look.is_new(ind, reg, key) else look.stored(ind).get((reg, key))
    if stored is None:
        outcome.added += 1
        out.append((ind, reg, key, value, 1, recorded or look.now, source, note, None))
        return
    latest_value, revision, latest_time = stored
    if value == latest_value or look.is_earlier_revision(ind, reg, key, value, recorded):
        outcome.unchanged += 1  # the latest figure, or an old file replayed: a correction is never undone
        return
    when = recorded or max(look.now, _one_second_after(latest_time))
    if when <= latest_time:
        check.fail("recorded_at", _("changes the figure to {value}, but its time {time} is not after revision "
                                    "{revision} ({latest}, recorded {recorded}); leave 录入时间 blank to record it "
                                    "now, or give a later time").format(
                                        value=f"{value:g}", time=look.local(when), revision=revision,
                                        latest=f"{latest_value:g}", recorded=look.local(latest_time)))
        check.finish()
        return
    outcome.revised += 1
    out.append((ind, reg, key, value, revision + 1, when, source, note, None))


def _one_second_after(moment: str) -> str:
    return iso_utc(datetime.fromisoformat(moment) + timedelta(seconds=1))


def _extras(check: RowChecker, row: list, ix: dict, ind: Indicator | None, look: Lookups) -> tuple:
    """来源, 备注 and 录入时间 of a row (and its 单位 checked against the indicator's)."""
    source = _text(check, row, ix["source"], "source")
    note = _text(check, row, ix["note"], "note")
    recorded = None
    if ix["recorded_at"] is not None:
        raw = row[ix["recorded_at"]]
        recorded = look.moments.get(raw)
        if recorded is None and cells.text(raw):
            recorded = check.check("recorded_at", look.moment, raw)
    if ix["unit"] is not None and ind is not None:
        unit = cells.text(row[ix["unit"]])
        if unit and not is_unit_of(unit, ind):
            check.fail("unit", _("'{unit}' disagrees with {name}, which is counted in '{own}'; convert the figure "
                                 "to {own} or fix the indicator").format(unit=shown(unit), name=ind.name, own=ind.unit))
    return source, note, recorded


def _text(check: RowChecker, row: list, i: int | None, column: str) -> str | None:
    if i is None:
        return None
    raw = row[i]
    if raw.__class__ is str and raw.isprintable():  # no control character: nothing to check
        return raw.strip() or None
    return check.check(column, cells.safe_text, raw) or None


SUPERSEDE = """UPDATE observations SET superseded_at = ? WHERE indicator = ? AND region = ? AND period = ?
               AND revision = ? AND superseded_at IS NULL"""


def write(db: sqlite_utils.Database, found: "fast.Validated", batch: int) -> None:
    """Insert the rows; each revision after the first closes the validity of the one before it.

    The common rows (first figures without 来源 or 备注, packed by fast.py) go in key order, many to a
    statement; the others as before: first figures without 来源 or 备注 through a statement with five
    parameters, the rest with nine."""
    rows = found.rows
    db.conn.executemany(SUPERSEDE, ((r[5], r[0], r[1], r[2], r[4] - 1) for r in rows if r[4] > 1))
    fast.write(db.conn, found, batch)
    plain = f"""INSERT INTO observations (indicator, region, period, value, recorded_at, revision, batch)
                VALUES (?, ?, ?, ?, ?, 1, {int(batch)})"""
    db.conn.executemany(plain, ((r[0], r[1], r[2], r[3], r[5]) for r in rows
                                if r[4] == 1 and r[6] is None and r[7] is None))
    db.conn.executemany(INSERT, (row[:-1] + (batch,) for row in rows
                                 if not (row[4] == 1 and row[6] is None and row[7] is None)))
    latest.refresh(db, *fast.touched(found))   # the latest-figure table, in the same transaction
