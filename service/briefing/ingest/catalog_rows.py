"""Validating and writing the catalog: regions and indicators.

The catalog is configuration, so a row for an existing code updates it; but an indicator whose
figures are already stored keeps its kind, frequency and unit, since changing them would change
what those figures mean (create a new indicator instead).
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace

import sqlite_utils

from ..store.catalog import (
    DEFAULT_DECIMALS,
    DEFAULT_REGION_AGG,
    DEFAULT_TIME_AGG,
    FREQUENCIES,
    KINDS,
    REGION_AGGS,
    TIME_AGGS,
    WORDINGS,
    Catalog,
    Indicator,
    Region,
)
from . import cells
from .context import Context, Outcome, RowChecker
from .read import SourceTable


def _choice(options: dict[str, str], what: str):
    """A reader for a column whose value is one of ``options``, in English or Chinese."""
    by_text = {**{k: k for k in options}, **{v: k for k, v in options.items()}}

    def read(raw: object) -> str:
        value = cells.text(raw)
        if value not in by_text:
            raise cells.CellError(f"{value!r} is not a {what}; write one of "
                                  + "、".join(f"{zh} ({en})" for en, zh in options.items()))
        return by_text[value]
    return read


_kind = _choice(KINDS, "kind")
_frequency = _choice(FREQUENCIES, "frequency")
_time_agg = _choice(TIME_AGGS, "time aggregation")
_region_agg = _choice(REGION_AGGS, "region aggregation")
_wording = _choice(WORDINGS, "wording")


def _keep_absent(entry, old, table: SourceTable):
    """A catalog row updates only the columns its file has: a file of 代码 and 名称 renames a region
    without taking it out of its league, and leaves an indicator's 分子, 分母 and 地区汇总 as they were."""
    if old is None:
        return entry
    absent = {f.name for f in dataclass_fields(entry)} - set(table.fields) - {"code"}
    return replace(entry, **{name: getattr(old, name) for name in absent})


def _cell(table: SourceTable, row: list, name: str) -> object:
    i = table.index(name)
    return row[i] if i is not None else None


def validate_regions(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[Region]:
    check = RowChecker(table, ctx, outcome)
    by_code: dict[str, int] = {}
    by_name: dict[str, int] = {}
    out: list[Region] = []
    for number, row in table.rows:
        check.start(number, row)
        code = check.check("code", cells.required, _cell(table, row, "code"))
        name = check.check("name", cells.required, _cell(table, row, "name"))
        parent = cells.text(_cell(table, row, "parent")) or None
        sort = check.check("sort", cells.whole_number, _cell(table, row, "sort") or 0)
        for value, seen, column in ((code, by_code, "code"), (name, by_name, "name")):
            if value and value in seen:
                check.fail(column, f"{value!r} is also on row {seen[value]}; each region once")
            elif value:
                seen[value] = number
        if check.finish():
            region = Region(code, name, parent, cells.text(_cell(table, row, "level")) or None, sort or 0)
            out.append((number, row, _keep_absent(region, ctx.catalog.regions.get(code), table)))
    outcome.rows = len(table.rows)
    return _link_regions(out, table, ctx, outcome)


def _link_regions(rows: list[tuple], table: SourceTable, ctx: Context, outcome: Outcome) -> list[Region]:
    """Parents must exist (in the file or the catalog), names stay unique, and the hierarchy has no loop."""
    merged = {**ctx.catalog.regions, **{r.code: r for _, _, r in rows}}
    names = {r.name: r.code for r in ctx.catalog.regions.values()}
    check = RowChecker(table, ctx, outcome)
    good = []
    for number, row, region in rows:
        check.start(number, row)
        if region.parent and region.parent not in merged:
            by_name = [r.code for r in merged.values() if r.name == region.parent]
            if by_name:
                region = Region(region.code, region.name, by_name[0], region.level, region.sort)
            else:
                check.fail("parent", f"{region.parent!r} is not a region in this file or the catalog")
        if names.get(region.name, region.code) != region.code:
            check.fail("name", f"{region.name!r} already names region {names[region.name]}")
        if region.parent and _loops(region, merged):
            check.fail("parent", f"making {region.parent} the parent of {region.code} would put it under itself")
        merged[region.code] = region
        if check.finish():
            good.append(region)
    return _parents_first(good)


def _parents_first(regions: list[Region]) -> list[Region]:
    """The regions ordered so that each parent is written before its children."""
    codes = {r.code for r in regions}
    done: set[str] = set()
    ordered: list[Region] = []
    while len(ordered) < len(regions):
        for r in regions:
            if r.code not in done and (r.parent not in codes or r.parent in done):
                ordered.append(r)
                done.add(r.code)
    return ordered


def _loops(region: Region, merged: dict[str, Region]) -> bool:
    seen, parent = {region.code}, region.parent
    while parent:
        if parent in seen:
            return True
        seen.add(parent)
        parent = merged[parent].parent if parent in merged else None
    return False


def write_regions(db: sqlite_utils.Database, rows: list[Region], outcome: Outcome, catalog: Catalog) -> None:
    _upsert(db, "regions", rows, catalog.regions, outcome, vars)
    catalog.regions_changed()


def _upsert(db: sqlite_utils.Database, table: str, rows: list, known: dict, outcome: Outcome, as_row) -> None:
    """Write the catalog entries that are new or changed, and keep ``known`` (the loaded catalog) in step."""
    for entry in rows:
        old = known.get(entry.code)
        if old == entry:
            outcome.unchanged += 1
            continue
        outcome.added += old is None
        outcome.revised += old is not None
        db[table].upsert(as_row(entry), pk="code")
        known[entry.code] = entry


def validate_indicators(table: SourceTable, ctx: Context, db: sqlite_utils.Database,
                        outcome: Outcome) -> list[Indicator]:
    check = RowChecker(table, ctx, outcome)
    seen: dict[str, int] = {}
    out: list[Indicator] = []
    for number, row in table.rows:
        check.start(number, row)
        fields = _indicator_fields(table, row, check)
        for column in ("code", "name"):
            value = fields.get(column)
            if value and value in seen:
                check.fail(column, f"{value!r} is also on row {seen[value]}; each indicator once")
            elif value:
                seen[value] = number
        if check.finish():
            out.append((number, row, _keep_absent(Indicator(**fields), ctx.catalog.indicators.get(fields["code"]),
                                                  table)))
    outcome.rows = len(table.rows)
    return _link_indicators(out, table, ctx, db, outcome)


def _indicator_fields(table: SourceTable, row: list, check: RowChecker) -> dict:
    get = lambda name: _cell(table, row, name)  # noqa: E731
    kind = check.check("kind", _kind, get("kind"))
    fields = dict(
        code=check.check("code", cells.required, get("code")), name=check.check("name", cells.required, get("name")),
        domain=check.check("domain", cells.domain, get("domain")), kind=kind,
        unit=check.check("unit", cells.required, get("unit")), frequency=check.check("frequency", _frequency, get("frequency")),
        per=cells.text(get("per")) or None, record_scope=cells.text(get("record_scope")) or None,
        numerator=cells.text(get("numerator")) or None, denominator=cells.text(get("denominator")) or None,
        description=check.check("description", cells.safe_text, get("description")) or None,
        signed=check.check("signed", cells.flag, get("signed")) or False,
        sort=check.check("sort", cells.whole_number, get("sort") or 0) or 0,
        wording=check.check("wording", _wording, get("wording")) if cells.text(get("wording")) else None)
    ratio = kind == "rate" and fields["numerator"] and fields["denominator"]
    fields["time_agg"] = (check.check("time_agg", _time_agg, get("time_agg")) if cells.text(get("time_agg"))
                          else DEFAULT_TIME_AGG.get(kind, "sum"))
    fields["region_agg"] = (check.check("region_agg", _region_agg, get("region_agg")) if cells.text(get("region_agg"))
                            else ("ratio" if ratio else DEFAULT_REGION_AGG.get(kind, "none")))
    decimals = cells.text(get("decimals"))
    fields["decimals"] = check.check("decimals", _decimals, decimals) if decimals else DEFAULT_DECIMALS.get(kind, 0)
    return fields


def _decimals(raw: object) -> int:
    value = cells.whole_number(raw)
    if not 0 <= value <= 6:
        raise cells.CellError(f"{value} decimals is outside 0–6")
    return value


def _link_indicators(rows: list[tuple], table: SourceTable, ctx: Context, db: sqlite_utils.Database,
                     outcome: Outcome) -> list[Indicator]:
    merged = {**ctx.catalog.indicators, **{i.code: i for _, _, i in rows}}
    counts = dict(db.execute("SELECT indicator, COUNT(*) FROM observations GROUP BY indicator").fetchall())
    check = RowChecker(table, ctx, outcome)
    good = []
    for number, row, ind in rows:
        check.start(number, row)
        _check_ratio(ind, merged, check)
        old = ctx.catalog.indicators.get(ind.code)
        if old and counts.get(ind.code):
            for attr in ("kind", "frequency", "unit", "per"):
                if getattr(old, attr) != getattr(ind, attr):
                    check.fail(attr, f"{ind.code} already has {counts[ind.code]} figures stored with {attr} "
                                     f"{getattr(old, attr)!r}; changing it would change what they mean — "
                                     "add a new indicator instead")
        if check.finish():
            good.append(ind)
    return good


def _check_ratio(ind: Indicator, merged: dict[str, Indicator], check: RowChecker) -> None:
    if ind.region_agg == "ratio" and not (ind.numerator and ind.denominator):
        check.fail("region_agg", "比值 needs both 分子 and 分母 (numerator and denominator indicators)")
    for column in ("numerator", "denominator"):
        code = getattr(ind, column)
        if not code:
            continue
        part = merged.get(code)
        if part is None:
            check.fail(column, f"{code!r} is not an indicator in this file or the catalog")
        elif part.frequency != ind.frequency or part.kind not in ("flow", "stock"):
            check.fail(column, f"{code} must be a flow or stock counted per {ind.frequency}, like {ind.code}")


def write_indicators(db: sqlite_utils.Database, rows: list[Indicator], outcome: Outcome, catalog: Catalog) -> None:
    ordered = sorted(rows, key=lambda i: bool(i.numerator or i.denominator))  # the parts of a ratio first
    _upsert(db, "indicators", ordered, catalog.indicators, outcome, lambda i: {**vars(i), "signed": int(i.signed)})
