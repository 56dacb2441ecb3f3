"""What the text around a table says of it, for a table without a 地区 or 期间 column: the period a title, a
sheet's name, a file's name or --period gives (2024年第5周, 第5周, 2024-W05, 2024年1月), the region a title names
(扎赉特旗组团式帮扶工作周报表) and the unit a unit line gives (单位：万元).

Pure: it reads text and the catalog, and says what it found or why it cannot tell.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from ..errors import NotFound
from ..figures.period_text import parse_period
from ..figures.periods import Period, period_of
from ..i18n import _
from ..store.catalog import Catalog
from .table import Around

_UNIT_LINE = re.compile(r"(?:^|[\s，,；;（(])(?:计量|金额|数量|数值)?单位\s*[:：]\s*([^\s，,；;）)]+)")
_PERIOD = re.compile(
    r"\d{4}年第\d{1,2}周(?:[(][^()]*[)])?|\d{4}-?W\d{1,2}"
    r"|\d{4}年第?(?:[一二三四]|\d)季度|\d{4}-?Q\d"
    r"|\d{4}年\d{1,2}月\d{1,2}日|\d{4}([-/.])\d{1,2}\1\d{1,2}"
    r"|\d{4}年\d{1,2}月份?|\d{4}[-/]\d{1,2}(?!\d)"
    r"|\d{4}年", re.IGNORECASE)
_SPAN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?(?:[-~—–至到]+)(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_YEARLESS = (  # a sheet named 第5周, 1月, 一季度: the year comes from a title, the file's name or --period
    (re.compile(r"第(\d{1,2})周"), "{y}年第{n}周"),
    (re.compile(r"(?<![\d年])(\d{1,2})月份?$"), "{y}年{n}月"),
    (re.compile(r"第?([一二三四1-4])季度"), "{y}年第{n}季度"),
)


@dataclass(frozen=True)
class Found:
    """A value for a column the table does not have, and where it was read: the column's header in messages."""

    text: str
    origin: str


def _plain(text: str) -> str:
    """Text as the patterns read it: full-width forms as ASCII, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def unit_line(text: str) -> str | None:
    """The unit a line such as 单位：万元 or 金额单位：万元 gives (not 填报单位：…)."""
    m = _UNIT_LINE.search(unicodedata.normalize("NFKC", text).strip())
    return m.group(1) if m else None


def periods_in(text: str) -> list[Period]:
    """The periods written in a text, in order; text that only looks like one (2024年13月) is passed over. A
    span of days that is a whole week or month (2024年1月29日至2月4日) is that week or month."""
    text = _plain(text)
    found = [p for p in map(_span, _SPAN.finditer(text)) if p]
    for m in _PERIOD.finditer(_SPAN.sub("", text)):
        try:
            found.append(parse_period(m.group()))
        except ValueError:
            continue
    return found


def _span(m: re.Match) -> Period | None:
    y, mo, d, y2, mo2, d2 = m.groups()
    try:
        first = date(int(y), int(mo), int(d))
        last = date(int(y2 or y), int(mo2 or mo), int(d2))
    except ValueError:
        return None
    for kind in ("week", "month"):
        p = period_of(kind, first)
        if (p.start, p.end) == (first, last):
            return p
    return None


def _lines(around: Around) -> list[tuple[str, str, bool]]:
    """(where, text, trusted) of the places in a file a period or region may be written, the one that wins
    first; the file's name last, and never held against the others (周报-修改.xlsx)."""
    out = [(_("the title, row {row}").format(row=row), text, True) for row, text in around.lines]
    if around.sheet:
        out.append((_("the sheet's name"), around.sheet, True))
    return out + [(_("the file's name"), around.stem, False)]


def period(around: Around, given: str | None) -> tuple[Found | None, str | None]:
    """The period of a table without a 期间 column: --period, or the one a line above the header, the sheet's
    name or the file's name gives, in that order; (None, a problem) when two of them disagree, or a sheet named
    第5周 has no year anywhere."""
    found = [(origin, p, trusted) for origin, text, trusted in _lines(around) for p in periods_in(text)[:1]]
    if given is not None:
        found.insert(0, ("--period", parse_period(given), True))
    finer = [(o, p, t) for o, p, t in found if p.kind != "year"]
    for origin, p, trusted in finer[1:]:
        if p.key != finer[0][1].key and trusted:
            said = _("{origin} says {key}, but {first} says {first_key}; ").format(
                origin=origin, key=p.key, first=finer[0][0], first_key=finer[0][1].key)
            return None, said + (_("check which is right") if given is not None else
                                 _("make them agree, or give --period"))
    if finer:
        return Found(finer[0][1].key, finer[0][0]), None
    years = [p.start.year for _o, p, _t in found]
    for origin, text, _trusted in _lines(around):
        for pattern, form in _YEARLESS:
            m = pattern.search(_plain(text))
            if m and years:
                return Found(parse_period(form.format(y=years[0], n=m.group(1))).key, origin), None
            if m:
                return None, _("{origin} says {text} but no year; write the year in the title or the sheet's name "
                               "(2024年{text}), or give --period").format(origin=origin, text=m.group())
    return (Found(found[0][1].key, found[0][0]), None) if found else (None, None)


def region(around: Around, given: str | None, catalog: Catalog) -> tuple[Found | None, str | None]:
    """The region of a table without a 地区 column: --region, or the one region a line above the header, the
    sheet's name or the file's name names (扎赉特旗 in 兴安盟扎赉特旗周报表: a region above another named is
    passed over); (None, a problem) when --region is not a region or disagrees with the title."""
    chosen = None
    if given is not None:
        try:
            chosen = Found(catalog.region(given).name, "--region")
        except NotFound as exc:
            return None, f"--region: {exc.message}"
    for origin, text, trusted in _lines(around):
        names = _regions_in(text, catalog)
        if len(names) != 1:
            continue
        if chosen is None:
            return Found(names[0], origin), None
        if names[0] != chosen.text and trusted:
            return None, _("--region says {given}, but {origin} names {name}; check which is right").format(
                given=chosen.text, origin=origin, name=names[0])
    return chosen, None


def _regions_in(text: str, catalog: Catalog) -> list[str]:
    """The names of the catalog's regions in a text, less any region above another one named."""
    text = _plain(text)
    named = [r for r in catalog.regions.values() if r.name and r.name in text]
    above = set()
    for r in named:
        parent = r.parent
        while parent:
            above.add(parent)
            parent = catalog.regions[parent].parent if parent in catalog.regions else None
    return [r.name for r in named if r.code not in above]
