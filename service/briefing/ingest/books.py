"""Reading workbooks into rows of raw cells, one list per visible sheet: .xlsx and .xlsm with openpyxl (which
keeps a cell's percentage format), .xls (Excel 97–2003), WPS's .et and .ods with python-calamine.

A file is told by its first bytes, not its name alone: an .xls that is really an .xlsx, or a web page or text
that a web system saved with an .xls name, is read as what it is, or refused saying what it is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import FileProblem
from ..i18n import N_, _
from .table import BareNumber, Limits, PercentCell

WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".et", ".ods"}
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Sheets = list[tuple[str, str, list[tuple[int, list]]]]   # (where, sheet name, rows)


def sheets(path: Path, limits: Limits) -> Sheets | None:
    """The visible sheets of a workbook as (where, name, rows with a value); None for a file of text with a
    workbook's name (read.py reads it as CSV)."""
    with path.open("rb") as f:
        head = f.read(512)
    suffix = path.suffix.lower()
    if head.startswith(_OLE) or (head.startswith(_ZIP) and suffix == ".ods"):
        return _calamine_sheets(path, suffix, limits)
    if head.startswith(_ZIP) or suffix in {".xlsx", ".xlsm"}:
        return _xlsx_sheets(path, limits)   # a damaged .xlsx is named so by openpyxl
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise FileProblem(_("is a web page (HTML) saved with a workbook's name, as some web systems export "
                            "tables; open it in Excel or WPS and save it as .xlsx (Excel 工作簿), then import that"))
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(_("cannot be read as {kind}: it is neither an Excel nor a WPS file; open it in Excel or "
                            "WPS and save it as .xlsx (Excel 工作簿), then import that").format(kind=_(_KINDS[suffix])))
    return None


def _xlsx_sheets(path: Path, limits: Limits) -> Sheets:
    import openpyxl  # imported here: only workbooks pay for it

    _check_unpacked(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileProblem(_("cannot be opened as an Excel workbook ({error})").format(
            error=f"{exc.__class__.__name__}: {exc}")) from None
    found = []
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows = _sheet_rows(sheet, limits)
            if rows:
                found.append((f"{path} [{sheet.title}]", sheet.title, rows))
    finally:
        book.close()
    return found


def _check_unpacked(path: Path, limits: Limits) -> None:
    """A workbook is a zip: refuse one whose parts unpack past the size limit before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as book:
            size = sum(part.file_size for part in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says what is wrong with it
    limits.check_size(size, unpacked=True)


def _sheet_rows(sheet, limits: Limits) -> list[tuple[int, list]]:
    """A sheet's rows with a value, numbered as Excel numbers them; refused at once when its declared dimension
    is past the row limit, and when its rows go past it (a sheet without a dimension). A row's first cell may be
    empty (under a merged cell): rows are counted, not asked their number."""
    if (sheet.max_row or 0) > limits.max_rows + 1:
        raise limits.rows_problem(sheet.title)
    rows = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = [_xlsx_value(c) for c in cells]
        if _has_value(values):
            rows.append((number, values))
            if len(rows) > limits.max_rows + 1:
                raise limits.rows_problem(sheet.title)
    return rows


def _has_value(values: list) -> bool:
    return any(v is not None and str(v).strip() for v in values)


def _xlsx_value(cell) -> object:
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return PercentCell(value)
    return value


_KINDS = {".xls": N_("an Excel 97–2003 workbook (.xls)"), ".et": N_("a WPS workbook (.et)"),
          ".ods": N_("an OpenDocument spreadsheet (.ods)"), ".xlsx": N_("an Excel workbook (.xlsx)"),
          ".xlsm": N_("an Excel workbook (.xlsx)")}


def _calamine_sheets(path: Path, suffix: str, limits: Limits) -> Sheets:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum  # only old workbooks pay for it

    kind = _(_KINDS[suffix])
    try:
        book = CalamineWorkbook.from_path(str(path))
        found = []
        for meta in book.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if sheet.total_height > limits.max_rows + 1:
                raise limits.rows_problem(meta.name)
            rows = [(n, [_calamine_value(v) for v in cells])
                    for n, cells in enumerate(sheet.to_python(skip_empty_area=False), start=1)]
            rows = [(n, cells) for n, cells in rows if _has_value(cells)]
            if rows:
                found.append((f"{path} [{meta.name}]", meta.name, rows))
    except FileProblem:
        raise
    except Exception as exc:  # python-calamine raises its own errors and others for a file it cannot read
        raise FileProblem(_("cannot be read as {kind} ({error}); open it in Excel or WPS and save it as .xlsx "
                            "(Excel 工作簿), then import that").format(kind=kind, error=f"{exc.__class__.__name__}: "
                                                                                        f"{exc}")) from None
    return found


def _calamine_value(value: object) -> object:
    """A cell as the rest of ingest reads it: an empty cell None, a number a BareNumber (its format unknown)."""
    if value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return BareNumber(value)
    return value
