"""Reading one cell: numbers as office staff type them, missing values, times and safe text.

Every function takes the raw cell (str, int, float, datetime, None) and returns a value or raises
``CellError`` with a message for a person; the caller adds file, row and column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..errors import CellError
from ..files import name_problem
from ..i18n import _, shown

MISSING = frozenset({"", "—", "——", "-", "--", "–", "－", "/", "N/A", "NA", "n/a", "无数据"})
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万|亿)?\s*(.*)$")
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# Characters XML 1.0 forbids, plus lone surrogates: python-docx fails deep inside on either.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Unicode's noncharacters U+FDD0–U+FDEF are never text; briefings use them to mark whose number is whose
# while a template renders (documents/provenance.py), so a cell holding one could pass its figures off.
_NONCHARACTER = re.compile("[\ufdd0-\ufdef]")
MAX_DIGITS = 15  # what a SQLite REAL (IEEE double) carries exactly


def text(raw: object) -> str:
    """A cell as trimmed text ('' for an empty cell)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def is_missing(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() in MISSING)


def safe_text(raw: object) -> str:
    """Text that can go into a Word document; CellError naming the bad character otherwise."""
    value = text(raw)
    bad = _XML_ILLEGAL.search(value)
    if bad:
        ch = bad.group()
        raise CellError(_("contains the control character U+{code} at position {position}, which a Word document "
                          "cannot hold; delete it (it often comes from copying out of a PDF)").format(
                              code=f"{ord(ch):04X}", position=bad.start() + 1))
    bad = _NONCHARACTER.search(value)
    if bad:
        raise CellError(_("contains U+{code} at position {position}, which is not a character of any text; delete "
                          "it").format(code=f"{ord(bad.group()):04X}", position=bad.start() + 1))
    return value


def number(raw: object, unit: str = "", percent_ok: bool = False, percent_cell: bool = False) -> float:
    """A figure: 19532, "19,532", "１９５３２", "99.25%", "10.3万", "1亿元", "761.5公斤".

    ``unit`` is the indicator's unit, which may follow the number; ``percent_ok`` allows a trailing
    % (rates); ``percent_cell`` says an Excel cell was formatted as a percentage (0.9925 shown as
    99.25%). Missing values must be handled by the caller (see ``is_missing``).
    """
    if isinstance(raw, bool):
        raise CellError(_("{value} is not a number").format(value=raw))
    if isinstance(raw, (int, float)):
        return _from_excel_number(raw, percent_ok, percent_cell)
    s = str(raw).strip()
    if _PLAIN.match(s):  # the fast path: most cells are plain numbers
        return float(s) if len(s) <= MAX_DIGITS else _checked(Decimal(s), s)
    return _from_text(s, unit, percent_ok)


def _from_excel_number(raw: int | float, percent_ok: bool, percent_cell: bool) -> float:
    if isinstance(raw, float) and not math.isfinite(raw):
        raise CellError(_("{value} is not a finite number").format(value=raw))
    value = Decimal(repr(float(raw))) if isinstance(raw, float) else Decimal(raw)
    if percent_cell:
        if not percent_ok:
            raise CellError(_("the cell is formatted as a percentage, but this indicator is not a rate; format the "
                              "cell as a plain number"))
        return float(Decimal(repr(float(value * 100))))  # 0.9925 → 99.25, not 99.25000000000001
    return float(value)  # a number cell is a double already: keep it as it is


def _from_text(s: str, unit: str, percent_ok: bool) -> float:
    norm = unicodedata.normalize("NFKC", s).replace(" ", "")
    if norm.lower() in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
        raise CellError(_("'{value}' is not a finite number; write the figure, or leave the cell blank or — if "
                          "missing").format(value=shown(s)))
    m = _NUMBER.match(norm)
    if not m or m.group(5)[:1] in tuple("0123456789,."):
        raise CellError(_("'{value}' is not a number; write digits such as 19532, 19,532, 761.5 or 99.25%").format(
            value=shown(s)))
    sign, whole, frac, scale, rest = m.groups()
    value = Decimal(sign + whole.replace(",", "") + (frac or ""))
    if scale:
        value *= _SCALE[scale]
    if rest == "%":
        if not percent_ok:
            raise CellError(_("'{value}' is a percentage, but this indicator is counted in {unit}; write the figure "
                              "without %").format(value=shown(s), unit=unit or _("units")))
    elif rest and rest != unit:
        raise CellError(_("'{value}' carries the unit '{given}', but this indicator is in '{unit}'").format(
            value=shown(s), given=shown(rest), unit=unit))
    return _checked(value, s)


def _checked(value: Decimal, written: str) -> float:
    """The figure as a float, if the float keeps it exactly (any 15 significant digits do, and so do the
    16 or 17 that Excel writes for a formula's result); an error otherwise."""
    as_float = float(value)
    if not math.isfinite(as_float):
        raise CellError(_("{start}… ({length} characters) is too large to be a figure; check the cell").format(
            start=written[:20], length=len(written)))
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")   # not normalize(): it rounds to 28 digits
    if len(digits) > MAX_DIGITS and Decimal(repr(as_float)) != value:
        raise CellError(_("'{value}' has more significant digits than can be kept exactly; round it (in Excel, "
                          "=ROUND(…, 2))").format(value=shown(written)))
    return as_float


_MOMENT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                     r"(?:[\sT]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?)?\s*"
                     r"(Z|[+-]\d{2}:?\d{2})?$")


def moment(raw: object, tz: ZoneInfo) -> datetime:
    """A point in time: '2024-01-15 09:00', '2024/1/8 9:00' (as Excel writes it), '2024-01-15T09:00+08:00',
    '2024年1月15日 9:00', '2024-01-15', an Excel date. A time without an offset is read in ``tz``."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    else:
        value = _parse_moment(unicodedata.normalize("NFKC", text(raw)))
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _parse_moment(s: str) -> datetime:
    m = _MOMENT.match(s)
    try:
        if not m:
            raise ValueError
        y, mo, d, h, mi, sec, offset = m.groups()
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0))
        if offset:
            value = datetime.fromisoformat(value.isoformat() + ("+00:00" if offset == "Z" else
                                                                 offset[:3] + ":" + offset[-2:]))
        return value
    except ValueError:
        raise CellError(_("'{value}' is not a date and time; write it like 2024-01-15 09:00").format(
            value=shown(s))) from None


def day(raw: object) -> date:
    """A calendar day: '2024-01-17', '2024/1/17', '2024年1月17日', an Excel date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    s = unicodedata.normalize("NFKC", text(raw))
    m = re.fullmatch(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?", s)
    try:
        if not m:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise CellError(_("'{value}' is not a date; write it like 2024-01-17 or 2024年1月17日").format(
            value=shown(s))) from None


def whole_number(raw: object) -> int:
    s = unicodedata.normalize("NFKC", text(raw))
    try:
        return int(float(s)) if re.fullmatch(r"-?\d+(\.0+)?", s) else int(s)
    except ValueError:
        raise CellError(_("'{value}' is not a whole number").format(value=shown(s))) from None


def flag(raw: object) -> bool:
    s = text(raw).lower()
    if s in {"1", "true", "yes", "y", "是", "可", "允许"}:
        return True
    if s in {"", "0", "false", "no", "n", "否", "不"}:
        return False
    raise CellError(_("'{value}' is not yes or no; write 是 or 否").format(value=shown(text(raw))))


def required(raw: object) -> str:
    """Text that must be present (a code, a name, a highlight's content)."""
    value = safe_text(raw)
    if not value:
        raise CellError(_("is empty; every row needs it"))
    return value


def name(raw: object) -> str:
    """A region's or indicator's code or name: present, and fit to be part of a file name, since briefings
    are named after their region (files.name_problem: no / \\ : * ? " < > | or control characters, no
    leading dot, not a device name of Windows, at most files.MAX_NAME characters)."""
    value = required(raw)
    problem = name_problem(value)
    if problem:
        raise CellError(problem)
    return value


def domain(raw: object) -> str:
    """The name of a domain of the office's work (教育, 就业, 文旅): any short name. A name not yet in the
    catalog's domains becomes a domain headed by its name (catalog_rows.add_domains says so)."""
    value = required(raw)
    if len(value) > MAX_DOMAIN or any(ch in value for ch in "｜|#\n"):
        raise CellError(_("'{value}' is not a domain name; write a short name such as 教育 or 就业 (at most {most} "
                          "characters, without ｜ or #), and its heading in the domains file").format(
                              value=shown(value), most=MAX_DOMAIN))
    return value


MAX_DOMAIN = 12
