"""Charts for the direct Word writer: each chart's XML from a skeleton python-pptx makes once per shape of
chart, and its workbook written directly.

A skeleton is the chart part charts.chart_xml writes for a spec of the same shape (kind, number of
categories, which points are gaps, whether it has a title and an axis title, the font) whose every text and
value is a marker; filling the markers with the real ones, escaped as lxml escapes them, gives the very
bytes python-pptx would have written for the real spec. A text python-pptx would split (a line break, a tab)
is made by python-pptx itself.

The workbook is python-pptx's layout (categories in column A from row 2, one column per series with its name
in row 1; the ranges the chart XML names), as a small .xlsx of five parts with inline strings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ..i18n import _
from .package import Entry, deflate, escape, zip_bytes

KIND_NAMES = ("line", "bar", "barh", "pie")
FONT, SIZE_PT = "仿宋_GB2312", 10.5         # the chart's text: the body's font at 五号
WIDTH_CM, HEIGHT_CM = 15.0, 8.0
_MARK = re.compile("\ue000([TFUCSV])(\\d*)_?(\\d*)\ue001")
_SPECIAL = re.compile("[\x00-\x1f\x7f\ue000\ue001]")   # texts python-pptx splits or escapes its own way
_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ATTR = {**_TEXT, '"': "&quot;"}


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows. ``series`` are (name, values), one value per category; None is a gap."""

    kind: str                                    # line | bar (vertical bars) | barh (horizontal) | pie
    title: str                                   # '诊疗患者人次（周）'; empty: no title
    categories: list[str]                        # ['第1周', '第2周'] or ['科右前旗', '科右中旗']
    series: list[tuple[str, list[float | None]]]
    number_format: str = "General"               # Excel format of the data, axis and labels: '0', '0.0%'
    unit: str = ""                               # the value axis' title ('人次'), unless the title ends （人次）


def check(spec: ChartSpec) -> None:
    """ValueError, in words, for a spec no chart can show."""
    if spec.kind not in KIND_NAMES:
        raise ValueError(_("unknown chart kind '{kind}'; use one of {kinds}").format(
            kind=spec.kind, kinds=", ".join(KIND_NAMES)))
    if not spec.categories or not spec.series:
        raise ValueError(_("chart '{title}' needs at least one category and one series").format(title=spec.title))
    if spec.kind == "pie" and len(spec.series) > 1:
        raise ValueError(_("pie chart '{title}' shows one series, got {count}").format(title=spec.title,
                                                                                     count=len(spec.series)))
    for name, values in spec.series:
        if len(values) != len(spec.categories):
            raise ValueError(_("chart '{title}': series '{series}' has {values} values for {categories} categories")
                             .format(title=spec.title, series=name, values=len(values),
                                     categories=len(spec.categories)))


def missing(value: float | None) -> bool:
    """None or nan: a gap in the line, an empty cell in the workbook, never a zero."""
    if isinstance(value, Decimal):
        return value.is_nan()
    return value is None or (isinstance(value, float) and math.isnan(value))


def names_unit(title: str, unit: str) -> bool:
    """Whether the title already gives the unit, as in 诊疗患者人次（人次）: then the axis does not repeat it."""
    return any(form in title for form in (f"（{unit}）", f"({unit})", f"单位：{unit}", f"单位:{unit}"))


# --- the chart part -------------------------------------------------------------------------------------------

def chart_xml(spec: ChartSpec) -> bytes:
    """The chart part's bytes, equal to charts.chart_xml(spec)."""
    check(spec)
    texts = [spec.title, spec.number_format, spec.unit, *map(str, spec.categories),
             *(str(name) for name, _values in spec.series)]
    if any(_SPECIAL.search(t) for t in texts):
        from . import charts

        return charts.chart_xml(spec)
    unit_shown = bool(spec.unit) and not names_unit(spec.title, spec.unit)
    gaps = tuple(tuple(missing(v) for v in values) for _name, values in spec.series)
    pieces = _skeleton(spec.kind, len(spec.categories), gaps, bool(spec.title), unit_shown)
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        mark, i, j, attribute = piece
        text = _value(spec, mark, i, j)
        out.append(escape(text, _ATTR) if attribute else escape(text))
    return "".join(out).encode("utf-8")


def _value(spec: ChartSpec, mark: str, i: int, j: int) -> str:
    if mark == "T":
        return spec.title
    if mark == "F":
        return spec.number_format
    if mark == "U":
        return spec.unit
    if mark == "C":
        return str(spec.categories[i])
    if mark == "S":
        return str(spec.series[i][0])
    return "{}".format(spec.series[i][1][j])        # python-pptx writes a value as str.format does


@lru_cache(maxsize=256)
def _skeleton(kind: str, categories: int, gaps: tuple[tuple[bool, ...], ...], titled: bool,
              unit_shown: bool) -> tuple:
    """The skeleton of a chart of this shape: kept in the cache folder (documents/cache.py), so a new process
    writes its charts without importing python-pptx (with XlsxWriter and PIL, a third of a cold start); made by
    python-pptx when the cache has none for this shape, this python-pptx and this code."""
    import hashlib
    import json

    from .cache import folder

    place = folder("charts")
    name = hashlib.sha256(repr((kind, categories, gaps, titled, unit_shown, _code_key())).encode()).hexdigest()[:32]
    path = place / f"{name}.json" if place else None
    if path is not None:
        try:
            return tuple(p if isinstance(p, str) else (p[0], p[1], p[2], p[3])
                         for p in json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, IndexError):
            pass             # none yet, or damaged: made again
    pieces = _made(kind, categories, gaps, titled, unit_shown)
    if path is not None:
        from ..files import write_atomically

        try:
            write_atomically(path, json.dumps(pieces, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass
    return pieces


@lru_cache(maxsize=1)
def _code_key() -> str:
    """What a skeleton is made by: charts.py and this file, and the python-pptx installed (found, not imported)."""
    import hashlib
    import importlib.util

    digest = hashlib.sha256()
    for source in (Path(__file__), Path(__file__).with_name("charts.py")):
        digest.update(source.read_bytes())
    spec = importlib.util.find_spec("pptx")
    if spec is not None and spec.origin:
        found = Path(spec.origin).parent / "chart" / "xmlwriter.py"
        info = found.stat() if found.exists() else Path(spec.origin).stat()
        digest.update(f"{spec.origin} {info.st_size} {info.st_mtime_ns}".encode())
    return digest.hexdigest()


def _made(kind: str, categories: int, gaps: tuple[tuple[bool, ...], ...], titled: bool, unit_shown: bool) -> tuple:
    """The chart part of a spec of this shape with markers for its texts and values, cut at the markers:
    literal text and (mark, i, j, in an attribute) for each marker."""
    from . import charts

    spec = ChartSpec(kind, "\ue000T\ue001" if titled else "", [f"\ue000C{i}\ue001" for i in range(categories)],
                     [(f"\ue000S{s}\ue001", [None if gap else f"\ue000V{s}_{i}\ue001" for i, gap in enumerate(row)])
                      for s, row in enumerate(gaps)], "\ue000F\ue001", "\ue000U\ue001" if unit_shown else "")
    text = charts.chart_xml(spec).decode("utf-8")
    pieces: list = []
    at = 0
    for found in _MARK.finditer(text):
        pieces.append(text[at:found.start()])
        in_tag = text.rfind("<", 0, found.start()) > text.rfind(">", 0, found.start())
        pieces.append((found[1], int(found[2] or 0), int(found[3] or 0), in_tag))
        at = found.end()
    pieces.append(text[at:])
    return tuple(pieces)


# --- the workbook ---------------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FIXED_PARTS = (
    ("[Content_Types].xml", _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
     '<Default Extension="xml" ContentType="application/xml"/>'
     '<Override PartName="/xl/workbook.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
     '<Override PartName="/xl/worksheets/sheet1.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
     '<Override PartName="/xl/styles.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    ("_rels/.rels", _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
     '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
     'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    ("xl/workbook.xml", _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
     '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    ("xl/_rels/workbook.xml.rels", _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
     'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
     'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
     'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
     '</Relationships>'),
)
_STYLES = (_HEAD + f'<styleSheet xmlns="{_MAIN}">{{formats}}<fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
           '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
           '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
           '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
           'xfId="0"/><xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')


@lru_cache(maxsize=1)
def _fixed_entries() -> tuple[Entry, ...]:
    return tuple(deflate(name, text.encode("utf-8")) for name, text in _FIXED_PARTS)


@lru_cache(maxsize=32)
def _styles_entry(number_format: str) -> Entry:
    """styles.xml: the default cell format and the series' number format (style 1)."""
    if number_format == "General":
        return deflate("xl/styles.xml", _STYLES.format(formats="", number="0").encode("utf-8"))
    formats = f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{escape(number_format, _ATTR)}"/></numFmts>'
    return deflate("xl/styles.xml", _STYLES.format(formats=formats, number="164").encode("utf-8"))


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value, style: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
    return f'<c r="{ref}"{style}><v>{value}</v></c>'


def workbook_bytes(spec: ChartSpec) -> bytes:
    """The chart's data as an .xlsx in python-pptx's layout: categories in A2…, series names in row 1 from B,
    each value in the series' number format; a gap is an empty cell."""
    names = "".join(_cell(f"{_column(s + 1)}1", str(name)) for s, (name, _values) in enumerate(spec.series))
    rows = [f'<row r="1">{names}</row>']
    for i, category in enumerate(spec.categories):
        cells = [_cell(f"A{i + 2}", str(category))]
        for s, (_name, values) in enumerate(spec.series):
            ref = f"{_column(s + 1)}{i + 2}"
            value = values[i]
            cells.append(f'<c r="{ref}" s="1"/>' if missing(value) else _cell(ref, value, ' s="1"'))
        rows.append(f'<row r="{i + 2}">' + "".join(cells) + "</row>")
    last = f"{_column(len(spec.series))}{len(spec.categories) + 1}"
    sheet = (_HEAD + f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/><sheetViews><sheetView '
             'tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col '
             'min="1" max="1" width="10.7109375" customWidth="1"/></cols><sheetData>' + "".join(rows) +
             '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
             '</worksheet>')
    return zip_bytes([*_fixed_entries(), deflate("xl/worksheets/sheet1.xml", sheet.encode("utf-8")),
                      _styles_entry(spec.number_format)])
