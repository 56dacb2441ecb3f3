"""Reading CSV, XLSX and JSON files into tables of raw cells, told apart by their columns.

Row numbers are the ones a person sees: in a CSV or a sheet, the header is row 1 and the first
figure row 2; in JSON, row N is the Nth object of its list.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileProblem, Problem
from . import columns


class PercentCell(float):
    """A number from an Excel cell formatted as a percentage (0.9925 shown as 99.25%)."""


@dataclass
class SourceTable:
    file: str
    where: str                      # the file, or "file [sheet]" for a workbook
    kind: str
    headers: list[str]
    fields: list[str | None]        # the canonical column of each header
    rows: list[tuple[int, list]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)   # column -> the unit its header gives: 数值（万元）

    def index(self, name: str) -> int | None:
        return self.fields.index(name) if name in self.fields else None


def read(path: Path, problems: list[Problem], notices: list[str] | None = None) -> list[SourceTable]:
    """The tables in a file; file-level problems are appended to ``problems``. A workbook's hidden
    sheets, and sheets with no column this service knows (a 说明 sheet), are skipped with a notice."""
    notices = [] if notices is None else notices
    before = len(problems)
    suffix = path.suffix.lower()
    if not path.is_file():
        problems.append(Problem(str(path), None, None, "no such file"))
        return []
    try:
        if suffix in {".csv", ".tsv", ".txt"}:
            raw = [(str(path), _csv_rows(path))]
        elif suffix in {".xlsx", ".xlsm"}:
            raw = _xlsx_sheets(path)
        elif suffix == ".json":
            raw = _json_tables(path)
        else:
            problems.append(Problem(str(path), None, None,
                                    f"cannot read {suffix or 'files without an extension'}; give a .csv, .xlsx or .json file"))
            return []
    except FileProblem as exc:
        problems.append(Problem(str(path), exc.row, None, str(exc)))
        return []
    tables = []
    for where, rows in raw:
        if suffix in {".xlsx", ".xlsm"} and not any(columns.canonical(h) for h in rows[0][1]):
            notices.append(f"{where}: skipped, no column of a table of figures (指标, 地区, 期间, 数值 …) in its first row")
            continue
        table = _table(str(path), where, rows, problems)
        if table is not None:
            tables.append(table)
    if not tables and len(problems) == before:
        problems.append(Problem(str(path), None, None, "holds no table of figures; see docs/ingest.md for the columns"))
    return tables


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312, what Excel on Chinese Windows writes
    except UnicodeDecodeError:
        line = data[:first_bad].count(b"\n") + 1
        raise FileProblem(f"is neither UTF-8 nor GBK/GB18030 text (the first bad byte is on line {line}); "
                           "in Excel use Save As → 'CSV UTF-8'", line) from None


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Row numbers count records, as Excel numbers its rows (a quoted cell may span lines).
        return [(n, row) for n, row in enumerate(reader, start=1)
                if row and (row[0].strip() or "".join(row).strip())]
    except csv.Error as exc:
        raise FileProblem(f"is not valid CSV near line {reader.line_num}: {exc}", reader.line_num) from None


def _xlsx_sheets(path: Path) -> list[tuple[str, list[tuple[int, list]]]]:
    import openpyxl  # imported here: only workbooks pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileProblem(f"cannot be opened as an Excel workbook ({exc.__class__.__name__}: {exc})") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows = []
            for cells in sheet.iter_rows():
                values = [_xlsx_value(c) for c in cells]
                if any(v is not None and str(v).strip() for v in values):
                    rows.append((cells[0].row, values))
            if rows:
                sheets.append((f"{path} [{sheet.title}]", rows))
    finally:
        book.close()
    return sheets


def _xlsx_value(cell) -> object:
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return PercentCell(value)
    return value


def _json_tables(path: Path) -> list[tuple[str, list[tuple[int, list]]]]:
    try:
        data = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        raise FileProblem(f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if isinstance(data, list):
        lists = [(str(path), data)]
    elif isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
        lists = [(f"{path} [{key}]", items) for key, items in data.items()]
    else:
        raise FileProblem("must hold a list of objects, or an object whose values are lists of objects")
    return [(where, _json_rows(items)) for where, items in lists]


def _json_rows(items: list) -> list[tuple[int, list]]:
    headers: list[str] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FileProblem(f"item {n} is not an object with named fields", n)
        headers.extend(k for k in item if k not in headers)
    rows = [(1, list(headers))]
    rows += [(n, [_json_cell(item.get(h)) for h in headers]) for n, item in enumerate(items, start=1)]
    return rows


def _json_cell(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def _table(file: str, where: str, rows: list[tuple[int, list]], problems: list[Problem]) -> SourceTable | None:
    if not rows:
        problems.append(Problem(where, None, None, "is empty"))
        return None
    header_row, headers = rows[0]
    headers = [str(h).strip() if h is not None else "" for h in headers]
    fields = [columns.canonical(h) for h in headers]
    kind = columns.kind_of({f for f in fields if f})
    if kind is None:
        kinds = "; ".join(f"{k}: {columns.describe(k)}" for k in columns.ORDER)
        problems.append(Problem(where, header_row, None,
                                f"cannot tell what this table holds from its columns {headers}. Expected {kinds}"))
        return None
    found = [Problem(where, header_row, col, msg) for col, msg in columns.header_problems(kind, headers)]
    if found:
        problems.extend(found)
        return None
    body = []
    width = len(headers)
    for number, cells in rows[1:]:
        if len(cells) == width:
            body.append((number, cells))
            continue
        extra = [c for c in cells[width:] if c is not None and str(c).strip()]
        if extra:
            problems.append(Problem(where, number, None, f"has {len(cells)} cells but the header has {width}; "
                                    "remove the extra cells or add a header for them"))
            continue
        body.append((number, list(cells[:width]) + [None] * (width - len(cells))))
    units = {f: u for f, h in zip(fields, headers) if f and (u := columns.unit_of(h))}
    return SourceTable(file, where, kind, headers, fields, body, units)
