"""Printing rows for a person (aligned table, CJK-aware) or a program (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from decimal import Decimal
from typing import Any, Sequence

from ..files import spreadsheet_cell

FORMATS = ("table", "csv", "json")


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table",
           right: Sequence[int] = ()) -> str:
    """Rows in one of FORMATS; ``right`` lists the columns aligned right in a table (numbers)."""
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


def figure(value: Decimal | None, decimals: int, unit: str = "") -> str:
    """A figure rounded half up to the indicator's decimals, with its unit: 19532人次, 99.25%."""
    if value is None:
        return "—"
    from decimal import ROUND_HALF_UP

    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded}{unit}"
