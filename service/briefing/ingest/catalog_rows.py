"""Validating and writing the catalog: regions, domains, indicators and the office's settings.

The catalog is configuration, so a row for an existing code updates it; but an indicator whose
figures are already stored keeps its kind, frequency and unit, since changing them would change
what those figures mean (create a new indicator instead). A domain an indicator or highlight names
that the domains table does not hold is added, headed by its name, after the others, with a notice.
"""

from __future__ import annotations

import difflib
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from ..i18n import N_, _, ngettext, shown
from ..store.catalog import (
    DEFAULT_DECIMALS,
    DEFAULT_REGION_AGG,
    DEFAULT_TIME_AGG,
    FREQUENCIES,
    KINDS,
    OFFICE,
    REGION_AGGS,
    TIME_AGGS,
    WORDINGS,
    Catalog,
    Domain,
    Indicator,
    Region,
    split_folders,
    stored_fields,
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
            raise cells.CellError(_("'{value}' is not a {what}; write one of {options}").format(
                value=shown(value), what=_(what), options="、".join(f"{zh} ({en})" for en, zh in options.items())))
        return by_text[value]
    return read


_kind = _choice(KINDS, N_("kind"))
_frequency = _choice(FREQUENCIES, N_("frequency"))
_time_agg = _choice(TIME_AGGS, N_("time aggregation"))
_region_agg = _choice(REGION_AGGS, N_("region aggregation"))
_wording = _choice(WORDINGS, N_("wording"))


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
        code = check.check("code", cells.name, _cell(table, row, "code"))
        name = check.check("name", cells.name, _cell(table, row, "name"))
        parent = cells.text(_cell(table, row, "parent")) or None
        sort = check.check("sort", cells.whole_number, _cell(table, row, "sort") or 0)
        for value, seen, column in ((code, by_code, "code"), (name, by_name, "name")):
            if value and value in seen:
                check.fail(column, _("'{value}' is also on row {row}; each region once").format(value=shown(value),
                                                                                                row=seen[value]))
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
                check.fail("parent", _("'{code}' is not a region in this file or the catalog").format(
                    code=shown(region.parent)))
        if names.get(region.name, region.code) != region.code:
            check.fail("name", _("'{name}' already names region {code}").format(name=shown(region.name),
                                                                                  code=names[region.name]))
        if region.parent and _loops(region, merged):
            check.fail("parent", _("making {parent} the parent of {code} would put it under itself").format(
                parent=region.parent, code=region.code))
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
    _upsert(db, "regions", rows, catalog.regions, outcome, stored_fields)
    catalog.regions_changed()


def _upsert(db: sqlite_utils.Database, table: str, rows: list, known: dict, outcome: Outcome, as_row,
            pk: str = "code") -> None:
    """Write the catalog entries that are new or changed, and keep ``known`` (the loaded catalog) in step."""
    for entry in rows:
        old = known.get(getattr(entry, pk))
        if old == entry:
            outcome.unchanged += 1
            continue
        outcome.added += old is None
        outcome.revised += old is not None
        db[table].upsert(as_row(entry), pk=pk)
        known[getattr(entry, pk)] = entry


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
                check.fail(column, _("'{value}' is also on row {row}; each indicator once").format(value=shown(value),
                                                                                                   row=seen[value]))
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
        code=check.check("code", cells.name, get("code")), name=check.check("name", cells.name, get("name")),
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
        raise cells.CellError(_("{value} decimals is outside 0–6").format(value=value))
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
                    check.fail(attr, _("{code} already has {count} figures stored with {field} '{value}'; changing it "
                                       "would change what they mean — add a new indicator instead").format(
                                           code=ind.code, count=counts[ind.code], field=attr,
                                           value=shown(getattr(old, attr))))
        if check.finish():
            good.append(ind)
    return good


def _check_ratio(ind: Indicator, merged: dict[str, Indicator], check: RowChecker) -> None:
    if ind.region_agg == "ratio" and not (ind.numerator and ind.denominator):
        check.fail("region_agg", _("比值 needs both 分子 and 分母 (numerator and denominator indicators)"))
    for column in ("numerator", "denominator"):
        code = getattr(ind, column)
        if not code:
            continue
        part = merged.get(code)
        if part is None:
            check.fail(column, _("'{code}' is not an indicator in this file or the catalog").format(code=shown(code)))
        elif part.frequency != ind.frequency or part.kind not in ("flow", "stock"):
            check.fail(column, _("{code} must be a flow or stock counted per {frequency}, like {indicator}").format(
                code=code, frequency=_(ind.frequency), indicator=ind.code))


def write_indicators(db: sqlite_utils.Database, rows: list[Indicator], outcome: Outcome, catalog: Catalog,
                     ctx: Context) -> None:
    add_domains(db, [i.domain for i in rows], catalog, ctx, outcome.where)
    ordered = sorted(rows, key=lambda i: bool(i.numerator or i.denominator))  # the parts of a ratio first
    _upsert(db, "indicators", ordered, catalog.indicators, outcome,
            lambda i: {**stored_fields(i), "signed": int(i.signed)})


# --- domains ----------------------------------------------------------------------------------------------

def validate_domains(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[Domain]:
    """Each domain once, with its heading (one line, or two split by ｜) and its place in the order."""
    check = RowChecker(table, ctx, outcome)
    seen: dict[str, int] = {}
    out: list[Domain] = []
    for number, row in table.rows:
        check.start(number, row)
        name = check.check("domain", cells.domain, _cell(table, row, "domain"))
        heading = check.check("heading", _heading, _cell(table, row, "heading"))
        sort = check.check("sort", cells.whole_number, _cell(table, row, "sort") or 0)
        if name and name in seen:
            check.fail("domain", _("'{name}' is also on row {row}; each domain once").format(name=shown(name),
                                                                                              row=seen[name]))
        elif name:
            seen[name] = number
        if check.finish():
            out.append(_keep_absent(Domain(name, heading or None, sort or 0), ctx.catalog.domains.get(name), table))
    outcome.rows = len(table.rows)
    return out


def _heading(raw: object) -> str:
    """A section heading: one line, or two split by ｜ (a | typed on an English keyboard counts too)."""
    value = cells.safe_text(raw).replace("|", "｜")
    lines = [line.strip() for line in value.split("｜")]
    if "\n" in value or len(lines) > 2 or (value and not all(lines)):
        raise cells.CellError(_("'{value}' is not a heading; write one line, or two lines split by ｜ "
                                "(薪火相传育桃李｜教育帮扶托起“振兴之梦”)").format(value=shown(value)))
    return "｜".join(lines)


def write_domains(db: sqlite_utils.Database, rows: list[Domain], outcome: Outcome, catalog: Catalog,
                  ctx: Context) -> None:
    _upsert(db, "domains", rows, catalog.domains, outcome, stored_fields, pk="name")


def add_domains(db: sqlite_utils.Database, names: list[str], catalog: Catalog, ctx: Context, where: str) -> None:
    """Domains named by indicators or highlights that the catalog lacks: added after the others, each headed
    by its name, with a notice (so a misspelt name is seen at once)."""
    new = [n for n in dict.fromkeys(names) if n not in catalog.domains]
    if not new:
        return
    last = max((d.sort for d in catalog.domains.values()), default=0)
    for offset, name in enumerate(new, 1):
        catalog.domains[name] = Domain(name, None, last + offset)
        db["domains"].insert(stored_fields(catalog.domains[name]))
    ctx.notices.append(ngettext("{where}: new domain {names}, headed by its name; give headings and an order in a "
                                "domains file (领域, 标题, 排序)",
                                "{where}: new domains {names}, headed by their names; give headings and an order in a "
                                "domains file (领域, 标题, 排序)", len(new)).format(where=where, names="、".join(new)))


# --- the office's own settings ------------------------------------------------------------------------------

_SETTING = {**{k: k for k in OFFICE}, **{v: k for k, v in OFFICE.items()}}


def validate_office(table: SourceTable, ctx: Context, db: sqlite_utils.Database, outcome: Outcome) -> list[tuple]:
    """(key, value) for each setting: 项目名称, 来源, 作者, 责任编辑, 模板目录 (folders, relative to the file)."""
    check = RowChecker(table, ctx, outcome)
    seen: dict[str, int] = {}
    out: list[tuple[str, str]] = []
    for number, row in table.rows:
        check.start(number, row)
        key = check.check("setting", _office_key, _cell(table, row, "setting"))
        value = check.check("value", cells.safe_text, _cell(table, row, "value"))
        if key and key in seen:
            check.fail("setting", _("{setting} is also on row {row}; each setting once").format(setting=OFFICE[key],
                                                                                                 row=seen[key]))
        elif key:
            seen[key] = number
        if key == "template_dirs" and value:
            value = check.check("value", _folders, value, Path(table.file).resolve().parent)
        if check.finish():
            out.append((key, value))
    outcome.rows = len(table.rows)
    return out


def _office_key(raw: object) -> str:
    text = cells.text(raw)
    if text not in _SETTING:
        near = difflib.get_close_matches(text, list(OFFICE.values()), 1, 0.4)
        guess = _("; did you mean '{near}'?").format(near=near[0]) if near else ""
        raise cells.CellError(_("'{text}' is not a setting of the office{guess} (settings: {settings})").format(
            text=shown(text), guess=guess, settings="、".join(OFFICE.values())))
    return _SETTING[text]


def _folders(text: str, base: Path) -> str:
    """Template folders, each relative to the file's folder unless absolute; every one must exist."""
    found = []
    for folder in split_folders(text.replace("；", ";")):
        path = (base / folder).resolve()
        if not path.is_dir():
            raise cells.CellError(_("'{folder}' is not a folder (looked for {path}); give the folder of the office's "
                                    "templates, relative to this file").format(folder=shown(folder), path=path))
        found.append(str(path))
    return ";".join(found)


def write_office(db: sqlite_utils.Database, rows: list[tuple], outcome: Outcome, catalog: Catalog,
                 ctx: Context) -> None:
    """Set each setting; a blank value removes it."""
    for key, value in rows:
        old = catalog.office.get(key)
        if (old or "") == value:
            outcome.unchanged += 1
            continue
        outcome.added += old is None
        outcome.revised += old is not None
        if value:
            db["office"].upsert({"key": key, "value": value}, pk="key")
            catalog.office[key] = value
        else:
            db["office"].delete_where("key = ?", [key])
            catalog.office.pop(key, None)
