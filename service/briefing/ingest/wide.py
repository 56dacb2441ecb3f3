"""Making a table of figures whole with the catalog, before its rows are checked: a wide sheet (one column per
indicator) becomes one row per figure, and a table without a 地区 or 期间 column takes them from around it.

A wide sheet's header is the first of its first rows with a 地区 or 期间 column that is not a line such as
``地区 | 扎赉特旗``; when the row under it names indicators and leaves the cells under its 地区/期间 blank, the
two rows are one header (a merged 医疗 over 诊疗患者人次 and 手术示教例数). Each other column must name an
indicator, by its name or code, with its unit in brackets if it likes: 诊疗患者人次（人次）, 资金（万元）.
The rows made keep the row numbers of the sheet, and a problem in a figure names its indicator's column.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from ..errors import Problem
from ..i18n import _
from ..store.catalog import Catalog, Indicator
from . import around, columns
from .context import Context
from .layout import HEAD_ROWS, filled
from .table import SourceTable

ID_COLUMNS = ("region", "period", "source", "note", "recorded_at")   # the columns of a wide sheet that are no indicator
_TOTAL = re.compile(r"^(全\S{0,3})?(合计|总计|小计|汇总)$")
_LONG = ("indicator", "region", "period", "value")


def resolve(table: SourceTable, ctx: Context) -> bool:
    """Make an observations table whole; False, with problems of the table as a whole, when it cannot be. Done
    once: a table checked again (another process wrote in between) is not made again, and says again what it
    passed over."""
    if not table.resolved:
        table.resolved = (table.raw is None or _widen(table, ctx)) and complete(table, ctx)
    ctx.notices.extend(table.passed)
    return table.resolved


def complete(table: SourceTable, ctx: Context) -> bool:
    """Give a table without a 地区 or 期间 column the one around it (--region/--period, a title line, the sheet's
    name, the file's name), as a column headed by where it was read: 期间 (the sheet's name)."""
    ok = True
    for column, find, given in (("region", lambda: around.region(table.around, ctx.given.region, ctx.catalog),
                                 ctx.given.region),
                                ("period", lambda: around.period(table.around, ctx.given.period), ctx.given.period)):
        if column in table.fields:
            if given is not None:
                table.passed.append(_("{where}: --{option} not used: the table has its own {header} column").format(
                    where=table.where, option=column, header=table.headers[table.fields.index(column)]))
            continue
        found, problem = find()
        if found is None:
            ok = False
            _whole(ctx, table.where, problem or _missing(column))
            continue
        table.headers.append(_("{column} ({origin})").format(column=columns.ALIASES[column][0], origin=found.origin))
        table.fields.append(column)
        table.rows = (table.rows.with_cells(found.text) if hasattr(table.rows, "with_cells") else
                      [(number, [*cells, found.text]) for number, cells in table.rows])
    return ok


def _missing(column: str) -> str:
    if column == "region":
        return _("missing the column 地区 (region): name the region in a column, in the title (扎赉特旗…周报表), "
                 "in the sheet's name, or with --region")
    return _("missing the column 期间 (period): give the period in a column, in the title (2024年第5周), as the "
             "sheet's name (2024-W05, 2024年1月), or with --period")


def _whole(ctx: Context, where: str, message: str, row: int | None = None, column: str | None = None) -> None:
    """A problem with a table as a whole: nothing of it can be kept, even with --skip-invalid."""
    ctx.problems.append(Problem(where, row, column, message))
    ctx.whole = True


def _widen(table: SourceTable, ctx: Context) -> bool:
    rows = table.raw
    known = _Names(ctx.catalog)
    found = _header(rows, known)
    if found is None:
        _whole(ctx, table.where, _("cannot find the header row: none of the first rows names a column 地区 or 期间 "
                                   "beside indicators of the catalog; see docs/ingest.md, 'Wide sheets'"), rows[0][0])
        return False
    first, last = found
    names = _names(rows, first, last)
    plan = _columns(table, names, known, ctx)
    if plan is None:
        return False
    ids, indicators = plan
    body = len(rows) - last - 1
    if body * len(indicators) > ctx.max_rows:
        _whole(ctx, table.where, _("holds {figures:,} figures ({rows:,} rows × {columns} indicator columns), more "
                                   "than the {most:,} an import takes (setting max_rows); split it into smaller "
                                   "files, or raise max_rows").format(figures=body * len(indicators), rows=body,
                                                                      columns=len(indicators), most=ctx.max_rows))
        return False
    table.headers = [columns.ALIASES["indicator"][0]] + [names[j][1] for j in ids.values()] + ["数值"]
    table.fields = ["indicator", *ids, "value"]
    table.columns = {text: (header, unit) for _j, text, header, unit in indicators}
    region, used, out = ids.get("region"), 0, []
    for number, cells in rows[last + 1:]:
        cells = list(cells) + [None] * (len(names) - len(cells))
        if region is not None and _TOTAL.match(_plain(cells[region])):
            table.passed.append(_("{where} row {row}: skipped, a total ({text}); the league's figures are made from "
                                  "its banners'").format(where=table.where, row=number, text=_plain(cells[region])))
            continue
        used += 1
        known = [cells[j] for j in ids.values()]
        out += [(number, [text, *known, cells[j]]) for j, text, _h, _u in indicators]
    table.rows, table.raw, table.shape = out, None, (used, len(indicators))
    top = rows[first][0]
    table.around.lines = [(n, t) for n, t in table.around.lines if n < top]
    if table.around.unit and table.around.unit[0] >= top:
        table.around.unit = None
    return True


def _plain(cell: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(cell))) if cell is not None else ""


def _header(rows: list[tuple[int, list]], names: "_Names") -> tuple[int, int] | None:
    """(first, last) index of the header's rows: the first row with a 地区 or 期间 column that is not a line
    of what the table is about (地区 | 扎赉特旗), and the row under it when it completes it."""
    for i, (number, cells) in enumerate(rows[:HEAD_ROWS]):
        keys = [j for j, c in enumerate(cells) if columns.canonical(c) in ("region", "period")]
        if not keys or len(filled(cells)) < 2 or _says_what(cells, keys, names):
            continue
        if i + 1 < len(rows) and rows[i + 1][0] == number + 1 and _completes(cells, rows[i + 1][1], keys, names):
            return i, i + 1
        return i, i
    return None


def _says_what(cells: list, keys: list[int], names: "_Names") -> bool:
    """A line such as 地区 | 扎赉特旗 | 期间 | 2024年第5周: each 地区 or 期间 followed by a region or a period."""
    def value_after(j: int) -> str:
        rest = filled(cells[j + 1:])
        return _plain(rest[0]) if rest else ""
    return all(names.is_region(value_after(j)) or around.periods_in(value_after(j)) for j in keys)


class _Names:
    """The catalog's indicators and regions by name and by code, looked up without suggestions: most cells of a
    sheet's first rows name none, and a suggestion is only wanted for an unknown column."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.indicators = {**{i.name: i for i in catalog.indicators.values()}, **catalog.indicators}
        self.regions = {*catalog.regions, *(r.name for r in catalog.regions.values())}

    def indicator(self, text: str) -> Indicator | None:
        """The indicator a header names, with or without a unit in brackets."""
        for key in (text, re.sub(r"[(\[【][^()\[\]【】]*[)\]】]$", "", text)):
            if key in self.indicators:
                return self.indicators[key]
        return None

    def is_region(self, text: str) -> bool:
        return text in self.regions


def _completes(top: list, below: list, keys: list[int], names: "_Names") -> bool:
    """Whether a row is the lower half of a two-row header: blank under the upper row's 地区/期间 (merged down),
    and naming an indicator, or filling a column the upper row leaves blank."""
    below = list(below) + [None] * (len(top) - len(below))
    if any(_plain(below[j]) for j in keys):
        return False
    named = any(names.indicator(_plain(c)) for c in below if isinstance(c, str))
    fills = any(_plain(c) and not _plain(top[j] if j < len(top) else None) for j, c in enumerate(below))
    return named or fills


def _names(rows: list[tuple[int, list]], first: int, last: int) -> list[tuple[int, str]]:
    """Each column's (row, header): the lower row's cell, or the upper row's over a blank (a cell merged down)."""
    top, below = rows[first], rows[last]
    width = max(len(top[1]), len(below[1]))
    out = []
    for j in range(width):
        low = below[1][j] if j < len(below[1]) else None
        high = top[1][j] if j < len(top[1]) else None
        cell = low if _plain(low) or last == first else high
        out.append((below[0] if cell is low else top[0], str(cell).strip() if cell is not None else ""))
    return out


def _columns(table: SourceTable, names: list[tuple[int, str]], known: _Names, ctx: Context):
    """({id column: index}, [(index, indicator text, header, unit)]), or None with each unknown or repeated
    column a problem naming it."""
    ids: dict[str, int] = {}
    indicators: list[tuple[int, str, str, str | None]] = []
    seen: dict[str, str] = {}
    ok = True
    for j, (row, header) in enumerate(names):
        name = columns.canonical(header)
        if not header or name == "_ignored":
            continue
        if name in ID_COLUMNS:
            if name in ids:
                ok = False
                _whole(ctx, table.where, _("names the same column as '{other}'; keep one of them").format(
                    other=names[ids[name]][1]), row, header)
            ids[name] = ids.get(name, j)
            continue
        ind = None if name else known.indicator(_plain(header))
        if ind is None:
            ok = False
            _whole(ctx, table.where, _unknown(header, name, known.catalog), row, header)
        elif ind.code in seen:
            ok = False
            _whole(ctx, table.where, _("names the same indicator as '{other}'; keep one of them").format(
                other=seen[ind.code]), row, header)
        else:
            seen[ind.code] = header
            indicators.append((j, ind.name, header, columns.unit_of(header) if _bracketed(header, ind) else None))
    if ok and not indicators:
        _whole(ctx, table.where, _("names no indicator of the catalog in its header; a wide sheet has a column per "
                                   "indicator (诊疗患者人次, …)"), names[0][0] if names else None)
        ok = False
    return (ids, indicators) if ok else None


def _bracketed(header: str, ind: Indicator) -> bool:
    """Whether a header's brackets give a unit, not part of the indicator's own name."""
    return _plain(header) not in (ind.name, ind.code)


def _unknown(header: str, name: str | None, catalog: Catalog) -> str:
    if name:
        return _("a wide sheet cannot have the column {column}: its columns are 地区, 期间, 来源, 备注, 录入时间 and "
                 "one per indicator (or delete the column)").format(column=columns.ALIASES[name][0])
    text = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]$", "", _plain(header))
    choices = [i.name for i in catalog.indicators.values()] + list(catalog.indicators)
    choices += [alias for c in ID_COLUMNS for alias in columns.ALIASES[c]]
    near = difflib.get_close_matches(text, choices, n=1, cutoff=0.5)
    hint = _("did you mean '{name}'? (or delete the column)").format(name=near[0]) if near else \
        _("rename it to an indicator's name or code (briefing indicators lists them), or delete it")
    return _("unknown column: neither an indicator of the catalog nor a column of a table of figures; {hint}").format(
        hint=hint)
