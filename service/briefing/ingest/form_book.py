"""The fill-in form as an .xlsx workbook (openpyxl), from a ``form.Layout``; and the pieces every workbook
this service writes shares (a text cell that is never a formula, columns wide enough to read).

The sheet 填报表 holds the title rows, the header, the rows to fill and the notes (填报人、审核人、填报日期);
it is protected without a password, so that only the cells to fill can be changed: 数值 and 备注 (in the
wide layout, the indicators' cells), 地区 (a drop-down of the catalog's regions, listed on the hidden sheet
地区列表) and the notes' values. Each 数值 cell takes numbers only (a decimal, 0 to 100 for a rate, not
negative unless the indicator may be) and says its unit when it is selected.
"""

from __future__ import annotations

import io
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..store.catalog import Indicator
from .form import COLUMNS, NOTES, REMARK, WIDE_COLUMNS, Layout, width

SHEET, LIST_SHEET = "填报表", "地区列表"
LAYOUTS = ("long", "wide")
OPEN = Protection(locked=False)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
NOT_REPORTED = PatternFill("solid", fgColor="D9D9D9")   # wide layout: a region that does not report the column
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 48


def text_cell(ws: Worksheet, row: int, column: int, value: Any):
    """A cell holding ``value``; text is kept as text even when it begins with = (openpyxl would store
    =HYPERLINK(…) as a formula that Excel runs)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def fit_columns(ws: Worksheet, rows: Iterable[Iterable[Any]], least: int = 6) -> None:
    """Column widths that show every value of ``rows`` (CJK characters count twice), within MAX_WIDTH."""
    widest: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row, start=1):
            widest[i] = max(widest.get(i, least), width("" if value is None else str(value)) + 2)
    for i, w in widest.items():
        ws.column_dimensions[get_column_letter(i)].width = min(w, MAX_WIDTH)


def workbook(form: Layout, wide: bool = False) -> bytes:
    """The form as the bytes of an .xlsx file."""
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    columns = len(WIDE_COLUMNS) + len(form.indicators) if wide else len(COLUMNS)
    top = _titles(ws, form.titles, columns)
    regions = _region_list(book, form.choices)
    end = (_wide if wide else _long)(ws, form, top, regions)
    _notes(ws, end + 2, max(columns, 2))
    ws.protection.sheet = True              # no password: the lock keeps slips out, not people
    ws.protection.formatColumns = ws.protection.formatRows = False   # widths may still be changed
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _titles(ws: Worksheet, titles: tuple[str, ...], columns: int) -> int:
    """The title rows, each merged across the table; returns the header's row."""
    for row, title in enumerate(titles, start=1):
        cell = text_cell(ws, row, 1, title)
        main = row == len(titles) - 1
        cell.font = Font(bold=main, size=16 if main else 11)
        cell.alignment = Alignment(horizontal="left" if row == len(titles) else "center", vertical="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(columns, 2))
        ws.row_dimensions[row].height = 28 if main else 18
    return len(titles) + 1


def _header(ws: Worksheet, row: int, headers: list[str]) -> None:
    for column, text in enumerate(headers, start=1):
        cell = text_cell(ws, row, column, text)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _region_list(book: Workbook, names: tuple[str, ...]) -> DataValidation:
    """The hidden, protected sheet of region names, and the drop-down that lists them."""
    ws = book.create_sheet(LIST_SHEET)
    for row, name in enumerate(names, start=1):
        text_cell(ws, row, 1, name)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    source = f"{quote_sheetname(LIST_SHEET)}!$A$1:$A${max(len(names), 1)}"
    return DataValidation(type="list", formula1=source, allow_blank=False, showErrorMessage=True,
                          errorTitle="地区", error="请从下拉列表中选择地区。", showInputMessage=True,
                          promptTitle="地区", prompt="从下拉列表中选择地区。")


def _long(ws: Worksheet, form: Layout, top: int, regions: DataValidation) -> int:
    """One row per region and indicator; returns the last row."""
    _header(ws, top, list(COLUMNS))
    checks: dict[str, DataValidation] = {}
    row = top
    for row, line in enumerate(form.lines, start=top + 1):
        ind = line.indicator
        values = (ind.domain, ind.name, ind.unit, line.region.name, form.period.key, None, None)
        for column, value in enumerate(values, start=1):
            text_cell(ws, row, column, value).border = BOX
        for column in (4, 6, 7):                                   # 地区, 数值, 备注
            ws.cell(row=row, column=column).protection = OPEN
        _value_check(checks, ind).add(ws.cell(row=row, column=6))
    regions.add(f"D{top + 1}:D{row}")
    _add_checks(ws, [regions, *checks.values()])
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    fit_columns(ws, [COLUMNS, *((line.indicator.domain, line.indicator.name, line.indicator.unit, line.region.name,
                                 form.period.key) for line in form.lines)])
    ws.column_dimensions["F"].width, ws.column_dimensions["G"].width = 14, 30   # 数值, 备注: room to type
    return row


def _wide(ws: Worksheet, form: Layout, top: int, regions: DataValidation) -> int:
    """One row per region, a column per indicator (指标（单位）); returns the last row."""
    indicators = form.indicators
    headers = [*WIDE_COLUMNS, *(f"{ind.name}（{ind.unit}）" for ind in indicators)]
    _header(ws, top, headers)
    reported = {(line.region.code, line.indicator.code) for line in form.lines}
    checks: dict[str, DataValidation] = {}
    row = top
    for row, region in enumerate(form.regions, start=top + 1):
        for column, value in enumerate((region.name, form.period.key), start=1):
            text_cell(ws, row, column, value).border = BOX
        ws.cell(row=row, column=1).protection = OPEN
        for column, ind in enumerate(indicators, start=len(WIDE_COLUMNS) + 1):
            cell = ws.cell(row=row, column=column)
            cell.border = BOX
            if (region.code, ind.code) in reported:
                cell.protection = OPEN
                _value_check(checks, ind).add(cell)
            else:
                cell.fill = NOT_REPORTED
    regions.add(f"A{top + 1}:A{row}")
    _add_checks(ws, [regions, *checks.values()])
    ws.freeze_panes = ws.cell(row=top + 1, column=len(WIDE_COLUMNS) + 1)
    fit_columns(ws, [headers[:2], *([r.name, form.period.key] for r in form.regions)])
    for column, header in enumerate(headers[2:], start=len(WIDE_COLUMNS) + 1):   # headers wrap: about 8 characters
        ws.column_dimensions[get_column_letter(column)].width = min(max(width(header) // 2 + 2, 12), 20)
    ws.row_dimensions[top].height = 48
    return row


def _value_check(checks: dict[str, DataValidation], ind: Indicator) -> DataValidation:
    """The numbers a figure of this indicator may be, and the message shown when its cell is selected."""
    if ind.code not in checks:
        unit = ind.unit + (f"/{ind.per}" if ind.per else "")
        if ind.is_rate:
            bounds, rule = {"operator": "between", "formula1": "0", "formula2": "100"}, "0到100之间的数"
        elif ind.signed:
            bounds, rule = {"operator": "between", "formula1": "-1E+15", "formula2": "1E+15"}, "数字，可为负数"
        else:
            bounds, rule = {"operator": "greaterThanOrEqual", "formula1": "0"}, "不小于0的数"
        places = f"，保留{ind.decimals}位小数" if ind.decimals else ""
        prompt = f"填写{rule}，单位：{unit}{places}。没有数据的留空（留空不计为0）。"
        checks[ind.code] = DataValidation(
            type="decimal", allow_blank=True, showInputMessage=True, showErrorMessage=True,
            promptTitle=ind.name[:32], prompt=prompt[:255], errorTitle="数值",
            error=f"{ind.name}应填写{rule}（{unit}）。"[:255], **bounds)
    return checks[ind.code]


def _add_checks(ws: Worksheet, checks: list[DataValidation]) -> None:
    for check in checks:
        if check.sqref:
            ws.add_data_validation(check)


def _notes(ws: Worksheet, first: int, columns: int) -> None:
    """填报人、审核人、填报日期 (each a label and an open cell to fill), then the remark."""
    for row, label in enumerate(NOTES, start=first):
        text_cell(ws, row, 1, label).font = Font(bold=True)
        cell = ws.cell(row=row, column=2)
        cell.protection = OPEN
        cell.border = Border(bottom=THIN)
    row = first + len(NOTES)
    remark = text_cell(ws, row, 1, REMARK)
    remark.font = Font(size=9, color="595959")
    remark.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    ws.row_dimensions[row].height = 30
