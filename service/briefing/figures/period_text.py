"""Reading the periods people write: keys (2024-W03, 2024-Q1), common variants, the Chinese forms
(2024年第3周, 2024年一季度, 2024年1月) and every label ``Period.label`` writes, as one ``Period``.

Pure, like periods.py, whose arithmetic it builds on.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from ..i18n import _, shown
from .periods import _CN_QUARTERS, _DASH, KINDS, Period, _check_kind, _iso_week, period_of, weeks_in_iso_year

_FORMS = {  # accepted forms per kind, for error messages; the first is the canonical key
    "year": "2024, 2024年",
    "quarter": "2024-Q1, 2024Q1, 2024年一季度, 2024年第1季度",
    "month": "2024-01, 2024-1, 2024/01, 2024年1月",
    "week": "2024-W03, 2024W3, 2024年第3周",
    "day": "2024-01-17, 2024/1/17, 2024.1.17, 20240117, 2024年1月17日",
}

# Full-width ASCII (U+FF01..U+FF5E: '２０２４', 'Ｗ', '（', '－', ...) and the
# ideographic space become their ASCII counterparts before matching.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_RULES = tuple(
    (kind, re.compile(pattern, re.ASCII | re.IGNORECASE))
    for kind, pattern in (
        ("year", r"(?P<y>\d{4})年?"),
        ("quarter", r"(?P<y>\d{4})-?Q(?P<n>\d{1,2})"),
        ("quarter", r"(?P<y>\d{4})年第?(?P<n>[一二三四]|\d{1,2})季度"),
        ("month", r"(?P<y>\d{4})[-/](?P<n>\d{1,2})"),
        ("month", r"(?P<y>\d{4})年(?P<n>\d{1,2})月份?"),
        ("week", r"(?P<y>\d{4})-?W(?P<n>\d{1,2})"),
        ("week", r"(?P<y>\d{4})年第(?P<n>\d{1,2})周(?:\s*\((?P<dates>[^()]*)\))?"),
        ("day", r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
        ("day", r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
        ("day", r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    )
)


@lru_cache(maxsize=4096)
def parse_period(text: str, kind: str | None = None) -> Period:
    """Parse a period key, a common variant, a Chinese form or a label.

    Accepted (surrounding whitespace ignored, full-width characters allowed,
    'Q' and 'W' in either case):
      year     2024, 2024年
      quarter  2024-Q1, 2024Q1, 2024年一季度, 2024年第一季度, 2024年1季度,
               2024年第1季度
      month    2024-01, 2024-1, 2024/01, 2024年1月, 2024年01月, 2024年1月份
      week     2024-W03, 2024W03, 2024-W3, 2024年第3周, 2024年第03周,
               2024年第3周（1月15日—1月21日） (the dates must match the week)
      day      2024-01-17, 2024/1/17, 2024.1.17, 20240117, 2024年1月17日
    With *kind*, a valid period of another kind is an error too.
    Raises ValueError quoting *text* and naming the accepted forms.
    """
    if kind is not None:
        _check_kind(kind)
    if not isinstance(text, str):
        raise ValueError(f"expected period text, got {type(text).__name__} {text!r}")
    normalized = text.translate(_FULLWIDTH).strip()
    for rule_kind, pattern in _RULES:
        match = pattern.fullmatch(normalized)
        if match:
            period = _build(rule_kind, match.groupdict(), text)
            break
    else:
        kinds = KINDS if kind is None else (kind,)
        forms = _("; ").join(_("{kind} like {forms}").format(kind=_(k), forms=_FORMS[k]) for k in kinds)
        raise ValueError(_("unrecognized period '{text}'; accepted forms: {forms}").format(text=shown(text),
                                                                                            forms=forms))
    if kind is not None and period.kind != kind:
        example = _FORMS[kind].split(",")[0]
        raise ValueError(_("'{text}' is a {kind}, expected a {expected} (like {example})").format(
            text=shown(text), kind=_(period.kind), expected=_(kind), example=example))
    return period


def _build(kind: str, groups: dict[str, str | None], text: str) -> Period:
    """Turn the groups of a matched rule into a Period, checking the ranges."""
    year = int(groups["y"])
    if year < 1:
        raise ValueError(_("'{text}': there is no year 0000; years run from 0001 to 9999").format(text=shown(text)))
    if kind == "year":
        return period_of(kind, date(year, 1, 1))
    if kind == "day":
        try:
            return period_of(kind, date(year, int(groups["m"]), int(groups["d"])))
        except ValueError as error:
            raise ValueError(_("'{text}' is not a real date ({error}); days look like {forms}").format(
                text=shown(text), error=error, forms=_FORMS["day"])) from None
    raw = groups["n"]
    n = _CN_QUARTERS.index(raw) + 1 if raw in _CN_QUARTERS else int(raw)
    if kind == "quarter":
        _check_range(text, "quarter", n, 4, _("quarters are 1-4, like 2024-Q1 or 2024年一季度"))
        return period_of(kind, date(year, 3 * n - 2, 1))
    if kind == "month":
        _check_range(text, "month", n, 12, _("months are 1-12, like 2024-01 or 2024年1月"))
        return period_of(kind, date(year, n, 1))
    weeks = weeks_in_iso_year(year)
    hint = _("ISO year {year} has weeks 1-{weeks}, like 2024-W03 or 2024年第3周").format(year=year, weeks=weeks)
    _check_range(text, "week", n, weeks, hint)
    period = _iso_week(year, n)
    if groups.get("dates") is not None:
        _check_week_dates(period, groups["dates"], text)
    return period


def _check_range(text: str, what: str, n: int, limit: int, hint: str) -> None:
    if not 1 <= n <= limit:
        raise ValueError(_("'{text}': there is no {what} {n}; {hint}").format(text=shown(text), what=_(what), n=n,
                                                                               hint=hint))


def _check_week_dates(period: Period, dates: str, text: str) -> None:
    """The bracketed dates of a week label must be that week's dates.

    Whitespace is ignored and '-', '–', '~', '至' or a doubled dash count as '—'.
    """
    given = re.sub(r"\s+", "", dates)
    given = re.sub("[-\u2013\u2014~至]+", _DASH, given)
    expected = period._week_dates()
    if given != expected:
        raise ValueError(_("'{text}': the dates in brackets do not match ISO week {week}, which runs {dates}").format(
            text=shown(text), week=period.key, dates=expected))
