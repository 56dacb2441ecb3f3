"""Reading CSV, XLSX and JSON files into tables of raw cells, told apart by their columns.

Row numbers are the ones a person sees: in a CSV or a sheet, the header is row 1 and the first
figure row 2; in JSON, row N is the Nth object of its list.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path

from ..errors import FileProblem, Problem
from ..i18n import _
from . import books, columns, layout, stream
from .table import Limits, PercentCell, SourceTable

__all__ = ["Limits", "PercentCell", "SourceTable", "read"]


def read(path: Path, problems: list[Problem], notices: list[str] | None = None,
         limits: Limits = Limits()) -> list[SourceTable]:
    """The tables in a file; file-level problems are appended to ``problems``. A workbook's hidden
    sheets, and sheets with no column this service knows (a 说明 sheet), are skipped with a notice."""
    notices = [] if notices is None else notices
    before = len(problems)
    suffix = path.suffix.lower()
    if not path.is_file():
        problems.append(Problem(str(path), None, None, _("no such file")))
        return []
    try:
        raw = _raw(path, suffix, limits)
    except FileProblem as exc:
        problems.append(Problem(str(path), exc.row, None, str(exc)))
        return []
    if raw is None:
        problems.append(Problem(str(path), None, None, _("cannot read {what}; give a .csv, .xlsx, .xls or .json "
                                                         "file").format(what=suffix or _("files without an extension"))))
        return []
    tables = []
    for where, sheet, rows in raw:
        if isinstance(rows, _Text):
            rows_text, table = rows, _streamed(str(path), rows, problems, limits)
            if table is not None:
                tables.append(table)
                continue
            if len(problems) > before:
                continue
            try:
                rows = _csv_rows(rows_text, limits)
            except FileProblem as exc:
                problems.append(Problem(str(path), exc.row, None, str(exc)))
                return []
        if sheet is not None and not layout.has_known_column(rows):
            notices.append(_("{where}: skipped, no column of a table of figures (指标, 地区, 期间, 数值 …) in its "
                             "first row").format(where=where))
            continue
        table = layout.table(str(path), where, sheet, rows, problems, scan=1 if suffix == ".json" else layout.HEAD_ROWS)
        if table is not None:
            tables.append(table)
    if not tables and len(problems) == before:
        problems.append(Problem(str(path), None, None, _("holds no table of figures; see docs/ingest.md for the columns")))
    return tables


def _raw(path: Path, suffix: str, limits: Limits) -> list[tuple[str, str | None, list[tuple[int, list]]]] | None:
    """The file's tables as (where, sheet name or None, rows), or None for a kind of file this service does not
    read."""
    if suffix not in {".csv", ".tsv", ".txt", ".json"} | books.WORKBOOKS:
        return None
    limits.check_size(path.stat().st_size)
    if suffix in books.WORKBOOKS:
        sheets = books.sheets(path, limits)
        if sheets is not None:
            return sheets
    if suffix == ".json":
        return [(where, None, rows) for where, rows in _json_tables(path, limits)]
    return [(str(path), None, _Text(path))]


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data[len(codecs.BOM_UTF8):], "utf-8", _("UTF-8 (it starts with a UTF-8 byte order mark)"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16", _("UTF-16 (it starts with a UTF-16 byte order mark)"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312, what Excel on Chinese Windows writes
    except UnicodeDecodeError:
        line = data[:first_bad].count(b"\n") + 1
        raise FileProblem(_("is neither UTF-8 nor GBK/GB18030 text (the first bad byte is on line {line}); in Excel "
                            "use Save As → 'CSV UTF-8'").format(line=line), line) from None


def _decode_as(data: bytes, encoding: str, said: str) -> str:
    """Text in the encoding its byte order mark declares; a bad byte is a problem naming its line."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode(encoding, errors="replace")
        line = good.count("\n") + 1
        what = (_("ends in the middle of a character") if exc.end >= len(data) and "truncated" in exc.reason
                else _("has a byte that is not {encoding} ({reason})").format(encoding=encoding.upper(),
                                                                              reason=exc.reason))
        raise FileProblem(_("is marked as {said} but {what} on line {line}; in Excel use Save As → 'CSV UTF-8'").format(
            said=said, what=what, line=line), line) from None


_LONE_CR = re.compile(rb"\r(?!\n)")   # a line end of old Mac files (no UTF-8 or GB18030 character holds \r or \n)


class _Text:
    """A CSV file's text, with its delimiter."""

    def __init__(self, path: Path):
        data = path.read_bytes()
        if b"\r" in data and b'"' not in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
                and not _LONE_CR.search(data):
            data = data.translate(None, b"\r")   # CRLF ends, no quote: csv.reader reads the same rows; no copy later
        self.text = _decode(data)
        first = self.text[:self.text.find("\n")]
        self.delimiter = "\t" if first.count("\t") > first.count(",") else ","


def _csv_rows(text: _Text, limits: Limits = Limits()) -> list[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text.text, newline=""), delimiter=text.delimiter)
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
        raise FileProblem(_("is not valid CSV near line {line}: {error}").format(line=reader.line_num, error=exc),
                                  reader.line_num) from None


def _streamed(path: str, text: _Text, problems: list[Problem], limits: Limits) -> SourceTable | None:
    """A table of figures in CSV text without quotes whose body is read a block at a time each time it is checked
    (stream.py) instead of held as rows; None when the text is to be read whole (quotes, a lone carriage return,
    another kind of table, more lines than max_rows, notes that reach the header), or its header is refused."""
    flat = text.text.replace("\r\n", "\n") if "\r" in text.text else text.text
    if '"' in flat or "\r" in flat:
        return None
    head, pos, line = [], 0, 0
    while len(head) < layout.HEAD_ROWS and pos < len(flat):
        end = flat.find("\n", pos)
        end = len(flat) if end < 0 else end
        line += 1
        row = flat[pos:end].split(text.delimiter)
        if stream.filled(row):
            head.append((line, row))
        pos = end + 1
    h = layout.header_index(head)
    if h is None or columns.kind_of({columns.canonical(c) for c in head[h][1]} - {None}) != "observations":
        return None
    body = stream.body(flat, text.delimiter, head[h][0], len(head[h][1]))
    if body is None or len(body) > limits.max_rows:
        return None
    table = layout.table(path, path, None, head[:h + 1], problems)
    if table is not None:
        table.rows = body
    return table


def _json_tables(path: Path, limits: Limits = Limits()) -> list[tuple[str, list[tuple[int, list]]]]:
    try:
        data = json.loads(_decode(path.read_bytes()), parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise FileProblem(_("is not valid JSON: {error} at line {line}, column {column}").format(
            error=exc.msg, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise FileProblem(_("nests lists or objects too deeply to be a table; give a list of objects, each with one value "
                            "per field")) from None
    if isinstance(data, list):
        lists = [(str(path), data)]
    elif isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
        lists = [(f"{path} [{key}]", items) for key, items in data.items()]
    else:
        raise FileProblem(_("must hold a list of objects, or an object whose values are lists of objects"))
    if sum(len(items) for _where, items in lists) > limits.max_rows:
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
            raise FileProblem(_("item {n} is not an object with named fields").format(n=n), n)
        headers.extend(k for k in item if k not in headers)
    rows = [(1, list(headers))]
    rows += [(n, [_json_cell(item.get(h)) for h in headers]) for n, item in enumerate(items, start=1)]
    return rows


def _json_cell(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
