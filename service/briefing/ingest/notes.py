"""Validating and writing highlights (dated narrative items) and reference records.

Both are kept as given: the same row again adds nothing. A reference record is the best value
known in a scope (全区) before the database's own history; a different value for the same
record is an error, not a silent correction.
"""

from __future__ import annotations

import sqlite_utils

from ..errors import NotFound
from ..figures.period_text import parse_period
from ..i18n import _
from . import cells
from .context import Context, Outcome, RowChecker
from .read import SourceTable


def _optional(table: SourceTable, check: RowChecker, row: list, name: str) -> str | None:
    i = table.index(name)
    return (check.check(name, cells.safe_text, row[i]) or None) if i is not None else None


def validate_highlights(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[dict]:
    ix = {name: table.index(name) for name in ("date", "region", "domain", "text")}
    check = RowChecker(table, ctx, outcome)
    seen: dict[tuple, int] = {}
    out = []
    for number, row in table.rows:
        check.start(number, row)
        day = check.check("date", cells.day, row[ix["date"]])
        region = check.check("region", ctx.catalog.region, cells.text(row[ix["region"]]))
        domain = check.check("domain", cells.domain, row[ix["domain"]])
        text = check.check("text", cells.required, row[ix["text"]])
        source = _optional(table, check, row, "source")
        if day and region and text:
            key = (day.isoformat(), region.code, text)
            if key in seen:
                check.fail(None, _("repeats row {row}; keep one of them").format(row=seen[key]))
            seen[key] = number
        if check.finish():
            out.append({"date": day.isoformat(), "region": region.code, "domain": domain, "text": text,
                        "source": source})
    outcome.rows = len(table.rows)
    stored = {(r["date"], r["region"], r["text"]) for r in db.query("SELECT date, region, text FROM highlights")}
    fresh = [r for r in out if (r["date"], r["region"], r["text"]) not in stored]
    outcome.added, outcome.unchanged = len(fresh), len(out) - len(fresh)
    return fresh


def validate_records(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[dict]:
    ix = {name: table.index(name) for name in ("indicator", "scope", "value", "period", "holder")}
    check = RowChecker(table, ctx, outcome)
    stored = {(r["indicator"], r["scope"], r["period"], r["holder"]): r["value"]
              for r in db.query("SELECT indicator, scope, period, holder, value FROM records")}
    seen: dict[tuple, int] = {}
    out = []
    for number, row in table.rows:
        check.start(number, row)
        ind = check.check("indicator", ctx.catalog.indicator, cells.text(row[ix["indicator"]]))
        scope = check.check("scope", cells.required, row[ix["scope"]])
        holder = check.check("holder", cells.required, row[ix["holder"]])
        value = check.check("value", cells.number, row[ix["value"]], ind.unit, ind.is_rate) if ind else None
        period = check.check("period", parse_period, cells.text(row[ix["period"]]), ind.frequency) if ind else None
        record = dict(indicator=ind and ind.code, scope=scope, value=value, period=period and period.key,
                      holder=holder, holder_region=_holder_region(ctx, holder),
                      source=_optional(table, check, row, "source"), note=_optional(table, check, row, "note"))
        key = (record["indicator"], scope, record["period"], holder)
        if None not in key:
            if key in seen:
                check.fail(None, _("repeats the record of row {row}; keep one of them").format(row=seen[key]))
            seen[key] = number
            if key in stored and value is not None and stored[key] != value:
                check.fail("value", _("this record is already stored as {value}; a record is never changed in "
                                      "place — check which figure is right against the record's source").format(
                                          value=f"{stored[key]:g}"))
        if check.finish():
            out.append(record)
    outcome.rows = len(table.rows)
    fresh = [r for r in out if (r["indicator"], r["scope"], r["period"], r["holder"]) not in stored]
    outcome.added, outcome.unchanged = len(fresh), len(out) - len(fresh)
    return fresh


def _holder_region(ctx: Context, holder: str | None) -> str | None:
    try:
        return ctx.catalog.region(holder).code if holder else None
    except NotFound:
        return None  # a holder outside the catalog (another league), kept by name


def write_highlights(db: sqlite_utils.Database, rows: list[dict], batch: int) -> None:
    db["highlights"].insert_all([{**r, "batch": batch} for r in rows])


def write_records(db: sqlite_utils.Database, rows: list[dict], batch: int) -> None:
    db["records"].insert_all([{**r, "batch": batch} for r in rows])
