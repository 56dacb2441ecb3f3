"""Reading CSV, XLSX and JSON files into tables of raw cells, told apart by their columns.

Row numbers are the ones a person sees: in a CSV or a sheet, the header is row 1 and the first
figure row 2; in JSON, row N is the Nth object of its list.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
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


@dataclass(frozen=True)
class Limits:
    """How large a file an import takes (settings max_file_mb and max_rows): a file past them is refused
    before its rows are read, a workbook by its unpacked size and its sheets' declared dimensions."""

    max_bytes: int = 200 * 2**20
    max_rows: int = 2_000_000

    def rows_problem(self, what: str = "") -> FileProblem:
        return FileProblem(f"{what}has more than {self.max_rows:,} rows, the most an import takes (setting "
                           "max_rows); split it into smaller files, or raise max_rows")


def read(path: Path, problems: list[Problem], notices: list[str] | None = None,
         limits: Limits = Limits()) -> list[SourceTable]:
    """The tables in a file; file-level problems are appended to ``problems``. A workbook's hidden
    sheets, and sheets with no column this service knows (a 说明 sheet), are skipped with a notice."""
    notices = [] if notices is None else notices
    before = len(problems)
    suffix = path.suffix.lower()
    if not path.is_file():
        problems.append(Problem(str(path), None, None, "no such file"))
        return []
    try:
        raw = _raw(path, suffix, limits)
    except FileProblem as exc:
        problems.append(Problem(str(path), exc.row, None, str(exc)))
        return []
    if raw is None:
        problems.append(Problem(str(path), None, None,
                                f"cannot read {suffix or 'files without an extension'}; give a .csv, .xlsx or .json file"))
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


def _raw(path: Path, suffix: str, limits: Limits) -> list[tuple[str, list[tuple[int, list]]]] | None:
    """The file's tables as (where, rows), or None for a kind of file this service does not read."""
    if suffix not in {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json"}:
        return None
    _check_size(path.stat().st_size, limits, "is")
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_sheets(path, limits)
    if suffix == ".json":
        return _json_tables(path, limits)
    return [(str(path), _csv_rows(path, limits))]


def _check_size(size: int, limits: Limits, verb: str) -> None:
    if size > limits.max_bytes:
        raise FileProblem(f"{verb} {size / 2**20:,.1f} MB, more than the {limits.max_bytes / 2**20:,.0f} MB an import "
                          "takes (setting max_file_mb); split it into smaller files, or raise max_file_mb")


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data[len(codecs.BOM_UTF8):], "utf-8", "UTF-8 (it starts with a UTF-8 byte order mark)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16", "UTF-16 (it starts with a UTF-16 byte order mark)")
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


def _decode_as(data: bytes, encoding: str, said: str) -> str:
    """Text in the encoding its byte order mark declares; a bad byte is a problem naming its line."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode(encoding, errors="replace")
        line = good.count("\n") + 1
        what = "ends in the middle of a character" if exc.end >= len(data) and "truncated" in exc.reason \
            else f"has a byte that is not {encoding.upper()} ({exc.reason})"
        raise FileProblem(f"is marked as {said} but {what} on line {line}; "
                          "in Excel use Save As → 'CSV UTF-8'", line) from None


def _csv_rows(path: Path, limits: Limits = Limits()) -> list[tuple[int, list]]:
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Row numbers count records, as Excel numbers its rows (a quoted cell may span lines).
        rows = []
        for n, row in enumerate(reader, start=1):
            if row and (row[0].strip() or "".join(row).strip()):
                rows.append((n, row))
                if len(rows) > limits.max_rows + 1:   # the header and max_rows rows
                    raise limits.rows_problem()
        return rows
    except csv.Error as exc:
        raise FileProblem(f"is not valid CSV near line {reader.line_num}: {exc}", reader.line_num) from None


def _xlsx_sheets(path: Path, limits: Limits = Limits()) -> list[tuple[str, list[tuple[int, list]]]]:
    import openpyxl  # imported here: only workbooks pay for it

    _check_unpacked(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileProblem(f"cannot be opened as an Excel workbook ({exc.__class__.__name__}: {exc})") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows = _sheet_rows(sheet, limits)
            if rows:
                sheets.append((f"{path} [{sheet.title}]", rows))
    finally:
        book.close()
    return sheets


def _check_unpacked(path: Path, limits: Limits) -> None:
    """A workbook is a zip: refuse one whose parts unpack past the size limit before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as book:
            size = sum(part.file_size for part in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says what is wrong with it
    _check_size(size, limits, "unpacks to")


def _sheet_rows(sheet, limits: Limits) -> list[tuple[int, list]]:
    """A sheet's rows with a value; refused at once when its declared dimension is past the row limit, and
    when its rows go past it (a sheet without a dimension)."""
    what = f"the sheet {sheet.title!r} "
    if (sheet.max_row or 0) > limits.max_rows + 1:
        raise limits.rows_problem(what)
    rows = []
    for cells in sheet.iter_rows():
        values = [_xlsx_value(c) for c in cells]
        if any(v is not None and str(v).strip() for v in values):
            rows.append((cells[0].row, values))
            if len(rows) > limits.max_rows + 1:
                raise limits.rows_problem(what)
    return rows


def _xlsx_value(cell) -> object:
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return PercentCell(value)
    return value


def _json_tables(path: Path, limits: Limits = Limits()) -> list[tuple[str, list[tuple[int, list]]]]:
    try:
        data = json.loads(_decode(path.read_bytes()), parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise FileProblem("nests lists or objects too deeply to be a table; give a list of objects, "
                          "each with one value per field") from None
    if isinstance(data, list):
        lists = [(str(path), data)]
    elif isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
        lists = [(f"{path} [{key}]", items) for key, items in data.items()]
    else:
        raise FileProblem("must hold a list of objects, or an object whose values are lists of objects")
    if sum(len(items) for _, items in lists) > limits.max_rows:
        raise limits.rows_problem()
    return [(where, _json_rows(items)) for where, items in lists]


def _json_int(text: str) -> int | str:
    """A JSON integer; one too long for Python to convert (thousands of digits) stays text, and the cell
    check says it has too many digits."""
    return int(text) if len(text) <= 4000 else text


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
