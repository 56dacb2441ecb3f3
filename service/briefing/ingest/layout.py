"""Where a table is in its sheet: its header row under any title, unit line, 地区/期间 line or blank rows, and its
body above any notes (填报人：…, 审核人：…, 注：…); and which kind of table it is.

A header whose columns name a table (指标, 地区, 期间, 数值 …) is found here. A sheet with one column per
indicator (a wide sheet: 地区, 期间, 诊疗患者人次, 手术示教例数 …) can only be read with the catalog, which names
its columns: it is kept whole, and wide.resolve finds its header when the table is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Problem
from ..i18n import _
from . import around, columns
from .table import Around, SourceTable

HEAD_ROWS = 30      # a header is looked for in a sheet's first rows (blank ones not counted)
_NOTE = re.compile(r"^\s*(注|说明|备注|填报人|填表人|审核人|审核|复核人|制表人|制表|填报日期|填表日期|报送日期|"
                   r"填报时间|负责人|单位负责人|统计负责人|分管领导|联系人|联系电话|电话)\s*\d*\s*[:：]")
_NOTE_MARK = re.compile(r"^\s*(注|说明)\s*\d*\s*[.．、]")


def table(file: str, where: str, sheet: str | None, rows: list[tuple[int, list]], problems: list[Problem],
          scan: int = HEAD_ROWS) -> SourceTable | None:
    """The table in a sheet's rows (or a CSV file's, or a JSON list's: scan=1, its header is its keys); None,
    with a problem, when no row is a header. A sheet with no known column at all is left to the caller."""
    if not rows:
        problems.append(Problem(where, None, None, _("is empty")))
        return None
    if scan > 1:
        rows = rows[:footer_start(rows)]
    frame = Around(sheet=sheet, stem=Path(file).stem)
    h = header_index(rows, scan)
    if h is None:
        if looks_wide(rows[:scan]):
            _lines_above(frame, rows[:scan])
            return SourceTable(file, where, "observations", [], [], around=frame, raw=rows)
        kinds = _("; ").join(_("{kind}: {columns}").format(kind=columns.kind_word(k), columns=columns.describe(k))
                             for k in columns.ORDER)
        headers = _(", ").join(_text(c) for c in rows[0][1])
        problems.append(Problem(where, rows[0][0], None, _("cannot tell what this table holds from its columns "
                                                           "{headers}. Expected {kinds}").format(headers=headers,
                                                                                                kinds=kinds)))
        return None
    _lines_above(frame, rows[:h])
    return _long(file, where, rows[h], rows[h + 1:], frame, problems)


def has_known_column(rows: list[tuple[int, list]], scan: int = HEAD_ROWS) -> bool:
    """Whether one of a sheet's first rows names columns of some table, or a 地区 or 期间 beside others (a 说明
    sheet does not; one cell 说明 or 备注 in it does not make it a table)."""
    return looks_wide(rows[:scan]) or any(sum(columns.canonical(c) not in (None, "_ignored") for c in cells) >= 2
                                          for _, cells in rows[:scan])


def header_index(rows: list[tuple[int, list]], scan: int = HEAD_ROWS) -> int | None:
    """The index of the first of the first rows whose columns tell a kind of table."""
    for i, (_number, cells) in enumerate(rows[:scan]):
        if columns.kind_of({columns.canonical(c) for c in cells} - {None}):
            return i
    return None


def looks_wide(rows: list[tuple[int, list]]) -> bool:
    """Whether a row may head a wide sheet: a 地区 or 期间 column beside other columns."""
    return any(len(filled(cells)) >= 2 and {"region", "period"} & {columns.canonical(c) for c in cells}
               for _, cells in rows)


def filled(cells: list) -> list:
    return [c for c in cells if c is not None and str(c).strip()]


def _text(cell: object) -> str:
    return str(cell).strip() if cell is not None else ""


def is_note(cells: list) -> bool:
    """A row of notes below a table: 填报人：王芳, 审核人：, 注：1. …, or labels each followed by at most one
    value (填报人： | 王芳 | 审核人： | 李强). A row of figures whose first cell happens to begin so (a 备注 of
    注：补报 in the first column) is none: its other cells follow no label."""
    label = False
    for i, cell in enumerate(filled(cells)):
        if isinstance(cell, str) and (_NOTE.match(cell) or _NOTE_MARK.match(cell)):
            label = bool(re.search(r"[:：]\s*$", cell))
        elif label and i:
            label = False
        else:
            return False
    return bool(filled(cells))


def footer_start(rows: list[tuple[int, list]]) -> int:
    """Where the notes below a table begin: the first of the last rows that is a note, when every row after it
    is a note or a line of text (the second line of a 注); len(rows) when there are none."""
    start = len(rows)
    for i in range(len(rows) - 1, 0, -1):
        cells = rows[i][1]
        if is_note(cells):
            start = i
        elif not (len(filled(cells)) == 1 and isinstance(filled(cells)[0], str)):
            break
    return start


def _lines_above(frame: Around, rows: list[tuple[int, list]]) -> None:
    """Keep the text of the rows above a header; the first unit line (单位：万元) gives the unit."""
    for number, cells in rows:
        for cell in filled(cells):
            text = _text(cell)
            frame.lines.append((number, text))
            unit = around.unit_line(text)
            if unit and frame.unit is None:
                frame.unit = (number, unit)


def _long(file: str, where: str, header: tuple[int, list], body: list[tuple[int, list]], frame: Around,
          problems: list[Problem]) -> SourceTable | None:
    """A table whose header names its columns (指标, 地区, 期间, 数值 …)."""
    header_row, headers = header[0], [_text(h) for h in header[1]]
    fields = [columns.canonical(h) for h in headers]
    kind = columns.kind_of({f for f in fields if f})
    # an observations table may take its 地区 and 期间 from a title, the sheet's name or --period (wide.complete)
    found = [Problem(where, header_row, col, msg) for col, msg in columns.header_problems(
        kind, headers, given=("region", "period") if kind == "observations" else ())]
    if found:
        problems.extend(found)
        return None
    rows = []
    width = len(headers)
    for number, cells in body:
        if len(cells) == width:
            rows.append((number, cells))
            continue
        extra = [c for c in cells[width:] if c is not None and str(c).strip()]
        if extra:
            problems.append(Problem(where, number, None, _("has {cells} cells but the header has {width}; remove the extra "
                                                      "cells or add a header for them").format(cells=len(cells),
                                                                                               width=width)))
            continue
        rows.append((number, list(cells[:width]) + [None] * (width - len(cells))))
    units = {f: u for f, h in zip(fields, headers) if f and (u := columns.unit_of(h))}
    return SourceTable(file, where, kind, headers, fields, rows, units, around=frame)
