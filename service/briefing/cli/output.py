"""Printing rows for a person (aligned table, CJK-aware), a program (CSV, JSON) or a spreadsheet (XLSX).

Where a listing goes (``emit``), decided once for every listing command:

- ``-o FILE`` writes the file whole (files.write_atomically) and never replaces one without ``--force``;
- CSV is UTF-8 with a byte order mark (BOM) when it lands in a file, which is how Excel and WPS know it is
  UTF-8 (without one they read it as GBK and the Chinese is garbled): with ``-o FILE`` and when standard
  output is itself a new file (``> 列表.csv``). On a terminal, into a pipe (``| head``, ``| python …``) or
  appended to a file (``>>``) it has none: a program reading it would take the BOM for part of the first
  header, and in the middle of a file it is a stray character;
- XLSX is binary: written with ``-o FILE``, or to standard output when that is a file or a pipe, never
  onto a terminal (the command says to give ``-o FILE``);
- in a table (the default, for a person) a figure is written as briefings write it (``written``: 19532,
  110万, and from 1亿 up in 亿: 1.05亿 元 for 10463万元); CSV, JSON and XLSX keep the exact numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

import click

from ..errors import UsageError
from ..figures.phrasing import Measure
from ..figures.phrasing import figure as phrased
from ..files import spreadsheet_cell, write_atomically
from ..i18n import _
from .progress import on_terminal

FORMATS = ("table", "csv", "json", "xlsx")
BOM = "\ufeff"
__all__ = ["FORMATS", "emit", "figure", "listing_options", "refuse_existing", "render", "workbook",
           "written"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table",
           right: Sequence[int] = ()) -> str:
    """Rows as text in table, csv or json (``workbook`` makes xlsx); ``right`` lists the columns aligned
    right in a table (numbers)."""
    if fmt == "json":
        return json.dumps([dict(zip(headers, map(_json_value, row))) for row in rows], ensure_ascii=False, indent=2)
    if fmt == "csv":  # for a spreadsheet: text that would run as a formula is escaped, numbers are not
        rows = [[spreadsheet_cell(v) for v in row] for row in rows]
    texts = [[_cell(v) for v in row] for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(texts)
        return buf.getvalue().rstrip("\n")
    from ..ingest.form import width  # the ingest wing, only for a table on a terminal

    widths = [max([width(h)] + [width(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(cells):
            pad = " " * (widths[i] - width(c))
            out.append(pad + c if i in right else c + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in texts])


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def workbook(headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "列表") -> bytes:
    """Rows as the bytes of an .xlsx file: a bold header row kept in view with a filter, numbers as numbers,
    text as text (never run as a formula), columns wide enough to read."""
    from openpyxl import Workbook  # only an xlsx listing pays for openpyxl
    from openpyxl.styles import Font

    from ..ingest.form_book import fit_columns, text_cell

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    for column, header in enumerate(headers, start=1):
        text_cell(ws, 1, column, header).font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            text_cell(ws, number, column, _json_value(value))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    fit_columns(ws, [headers, *rows[:1000]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figure(value: Decimal | None, decimals: int, unit: str = "") -> str:
    """A figure with its unit as briefings write it (phrasing.figure): 19532人次, 99.25%, 110万元, 1.05亿元."""
    if value is None:
        return "—"
    return phrased(Decimal(value) if isinstance(value, Decimal) else Decimal(repr(value)), Measure(unit, decimals))


def written(rows: Sequence[Sequence[Any]], decimals: dict[str, int], name: int = 0, value: int = 3,
            unit: int = 4) -> list[list]:
    """A listing of figures for a table: each figure as briefings write it (``figure``: 19532, 110万, 1.05亿),
    its unit column saying the unit it is then in (10463 in 万元 is 1.05亿 in 元). ``decimals`` gives each
    indicator's, by the name in column ``name``."""
    out = []
    for row in rows:
        row = list(row)
        if row[value] is not None:
            counted = row[unit] or ""
            text = figure(row[value], decimals.get(row[name], 0), counted)
            shown = counted if text.endswith(counted) else counted[1:]   # 万元 from 1亿 up: 1.05亿元
            row[value], row[unit] = text[:len(text) - len(shown)], shown
        out.append(row)
    return out


def listing_options(command):
    """-f/--format (passed to the command as ``fmt``) and -o/--out FILE with --force (kept for ``emit``)."""
    for option in (click.option("--force", is_flag=True, expose_value=False, callback=_keep,
                                help="Replace FILE if it exists."),
                   click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
                                callback=_keep, metavar="FILE",
                                help="Write to FILE (csv with a BOM, for Excel) instead of standard output."),
                   click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table",
                                show_default=True, help="table for a person; csv, json or xlsx for a program "
                                                        "or a spreadsheet.")):
        command = option(command)
    return command


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"briefing.output.{param.name}"] = value
    return value


def emit(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table",
         right: Sequence[int] = ()) -> None:
    """Print a listing, or write it to the -o FILE of ``listing_options`` (see the module's docstring)."""
    ctx = click.get_current_context()
    out: Path | None = ctx.meta.get("briefing.output.out")
    if out is not None:
        refuse_existing(out, ctx.meta.get("briefing.output.force", False))
        write_atomically(out, _encoded(headers, rows, fmt, right, ctx, to_file=True))
        click.echo(str(out))
        return
    stdout = sys.stdout.buffer
    if fmt == "xlsx" and on_terminal(sys.stdout):
        raise UsageError(_("-f xlsx writes a binary workbook, which a terminal cannot show"),
                         _("Give -o FILE.xlsx, or redirect the output to a file (> FILE.xlsx)."))
    if fmt in ("xlsx", "csv"):
        stdout.write(_encoded(headers, rows, fmt, right, ctx, to_file=_regular_file(sys.stdout)))
        stdout.flush()
        return
    click.echo(render(headers, rows, fmt, right))


def refuse_existing(path: Path, force: bool) -> None:
    """An -o FILE that exists is replaced only with --force."""
    if path.exists() and not force:
        raise UsageError(_("{path} exists; it was left as it is").format(path=path),
                         _("Give another -o FILE, or --force to replace it."))


def _encoded(headers, rows, fmt: str, right, ctx: click.Context, to_file: bool) -> bytes:
    if fmt == "xlsx":
        return workbook(headers, rows, ctx.command.name or "列表")
    text = render(headers, rows, fmt, right) + "\n"
    return ((BOM if fmt == "csv" and to_file else "") + text).encode("utf-8")


def _regular_file(stream) -> bool:
    """Standard output redirected to a new or emptied file (> FILE): not a terminal, a pipe, or a file
    appended to (>> FILE, where a BOM would land in the middle)."""
    try:
        status = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    return stat.S_ISREG(status.st_mode) and status.st_size == 0
