"""Reporting periods for the briefings: keys, parsing, arithmetic and Chinese labels.

A period is one calendar year, quarter, month, ISO week or day: a closed range of
dates ``start..end`` (both inclusive).  Each period has exactly one canonical key,
which is the form to store and compare:

    kind     key          meaning
    -------  -----------  ------------------------------------------------------
    year     2024         1 January .. 31 December 2024
    quarter  2024-Q1      Q1 = Jan-Mar, Q2 = Apr-Jun, Q3 = Jul-Sep, Q4 = Oct-Dec
    month    2024-01      the month is always two digits
    week     2024-W03     ISO 8601 week, Monday .. Sunday, two-digit week number.
                          The year is the *ISO year*, which differs from the
                          calendar year around 1 January: 2019-12-30 lies in
                          2020-W01 and 2021-01-03 in 2020-W53.  An ISO year has
                          52 or 53 weeks (see ``weeks_in_iso_year``).
    day      2024-01-17   ISO date

Years are always four digits, so keys of one kind sort chronologically as text.
``period_text.parse_period`` also accepts common variants, Chinese forms and every label that
``Period.label`` produces.

The briefing comparisons map onto this module as follows: 环比 (against the
previous period) uses ``Period.previous()``; 同比 (against the same period a year
earlier) uses ``Period.year_ago()``; 累计 (year to date) uses ``Period.ytd()``, and
累计同比 uses ``Span.year_ago()`` of that span.

Pure functions only: no clock, no database, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from ..errors import OutOfCalendar
from ..i18n import N_, _

KINDS = ("year", "quarter", "month", "week", "day")
KIND_NAMES = (N_("year"), N_("quarter"), N_("month"), N_("week"), N_("day"))   # each kind's word, for _(kind)

_DAY = timedelta(days=1)
_DASH = "\u2014"  # EM DASH, the 一字线 of Chinese typesetting, used in every range
_CN_QUARTERS = "一二三四"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(KINDS)}")


def _as_date(day: date) -> date:
    if isinstance(day, datetime):
        return day.date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__} {day!r}")
    return day


def weeks_in_iso_year(year: int) -> int:
    """Number of ISO weeks (52 or 53) in ISO year *year*.

    28 December always lies in the last ISO week of its year.
    """
    return date(year, 12, 28).isocalendar()[1]


def _align(kind: str, day: date) -> date:
    """First day of the period of *kind* that contains *day*."""
    if kind == "year":
        return date(day.year, 1, 1)
    if kind == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if kind == "month":
        return day.replace(day=1)
    if kind == "week":
        return day - timedelta(days=day.weekday())
    return day


def _end_of(kind: str, start: date) -> date:
    """Last day of the period of *kind* that starts on *start*."""
    if kind == "year":
        return date(start.year, 12, 31)
    if kind in ("quarter", "month"):
        last_month = start.month + (2 if kind == "quarter" else 0)
        if last_month == 12:
            return date(start.year, 12, 31)
        return date(start.year, last_month + 1, 1) - _DAY
    if kind == "week":
        return _shift(start, 6, N_("the week that starts on {day}"), day=start)
    return start


def _shift(start: date, days: int, what: str, **values) -> date:
    """day + days, or OutOfCalendar naming *what* (a message, formatted with values) when that leaves the
    calendar (0001-01-01 .. 9999-12-31)."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        what = _(what).format(**{k: _(v) if k == "kind" else v for k, v in values.items()})
        end = (_("{what} runs past 9999-12-31, the last day the calendar holds") if days > 0
               else _("{what} runs before 0001-01-01, the first day the calendar holds"))
        raise OutOfCalendar(end.format(what=what)) from None


def _cn_date(day: date, with_year: bool = True) -> str:
    year = f"{day.year:04d}年" if with_year else ""
    return f"{year}{day.month}月{day.day}日"


def _year_earlier(day: date) -> date:
    """The same day a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return date(day.year - 1, 2, 28)


@dataclass(frozen=True, order=True)
class Period:
    """One year, quarter, month, ISO week or day.

    Equality, hashing and ordering use ``(start, end)`` only; the kind and key
    follow from those.  Build periods with ``period_of`` or ``parse_period``;
    ``Period(kind, start, end)`` works too but checks that the dates fit.
    """

    kind: str = field(compare=False)
    start: date
    end: date
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        for day in (self.start, self.end):
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"Period dates must be datetime.date, got {day!r}")
        aligned = _align(self.kind, self.start) == self.start
        if not aligned or _end_of(self.kind, self.start) != self.end:
            raise ValueError(f"{self.start}..{self.end} is not a whole {self.kind}")
        object.__setattr__(self, "key", self._make_key())

    def __str__(self) -> str:
        return self.key

    def _parts(self) -> tuple[int, int]:
        """(year, number): the ISO year and week number for weeks, the quarter or
        month number for quarters and months, the day of the year for days."""
        if self.kind == "week":
            iso = self.start.isocalendar()
            return iso[0], iso[1]
        if self.kind == "quarter":
            return self.start.year, (self.start.month + 2) // 3
        if self.kind == "month":
            return self.start.year, self.start.month
        return self.start.year, self.start.timetuple().tm_yday

    def _make_key(self) -> str:
        year, n = self._parts()
        suffix = {"quarter": f"-Q{n}", "month": f"-{n:02d}", "week": f"-W{n:02d}"}
        if self.kind == "day":
            return self.start.isoformat()
        return f"{year:04d}{suffix.get(self.kind, '')}"

    def previous(self) -> Period:
        """The adjacent earlier period of the same kind (the 环比 base)."""
        return period_of(self.kind, _shift(self.start, -1, N_("the {kind} before {key}"), kind=self.kind, key=self.key))

    def next(self) -> Period:
        """The adjacent later period of the same kind."""
        return period_of(self.kind, _shift(self.end, 1, N_("the {kind} after {key}"), kind=self.kind, key=self.key))

    def year_ago(self) -> Period | None:
        """The same period one year earlier (the 同比 base).

        Week N of ISO year Y gives week N of ISO year Y-1, or None for week 53
        when Y-1 has only 52 weeks.  29 February gives 28 February.  None in year 1: the calendar has no
        year before it.
        """
        if self._parts()[0] == 1:
            return None
        if self.kind == "week":
            year, n = self._parts()
            if n > weeks_in_iso_year(year - 1):
                return None
            return _iso_week(year - 1, n)
        return period_of(self.kind, _year_earlier(self.start))

    def ytd(self) -> Span:
        """Year to date: from the first period of the year (the ISO year for
        weeks) through this one."""
        year, _ = self._parts()
        if self.kind == "week":
            return Span(self.kind, _iso_week(year, 1), self)
        return Span(self.kind, period_of(self.kind, date(year, 1, 1)), self)

    def _week_dates(self) -> str:
        """'1月15日—1月21日'; a date outside the ISO year carries its own year."""
        year, _ = self._parts()
        first = _cn_date(self.start, self.start.year != year)
        last = _cn_date(self.end, self.end.year != year)
        return f"{first}{_DASH}{last}"

    def label(self) -> str:
        """Chinese label: 2024年, 2024年一季度, 2024年1月,
        2024年第3周（1月15日—1月21日）, 2024年1月17日."""
        year, n = self._parts()
        if self.kind == "quarter":
            return f"{year:04d}年{_CN_QUARTERS[n - 1]}季度"
        if self.kind == "month":
            return f"{year:04d}年{n}月"
        if self.kind == "week":
            return f"{year:04d}年第{n}周（{self._week_dates()}）"
        if self.kind == "day":
            return _cn_date(self.start)
        return f"{year:04d}年"


@dataclass(frozen=True)
class Span:
    """A run of consecutive periods of one kind, ``first..last`` inclusive."""

    kind: str
    first: Period
    last: Period

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        if self.first.kind != self.kind or self.last.kind != self.kind:
            raise ValueError(_("a {kind} span cannot run from {first_kind} {first} to {last_kind} {last}").format(
                kind=_(self.kind), first_kind=_(self.first.kind), first=self.first.key, last_kind=_(self.last.kind),
                last=self.last.key))
        if self.last.start < self.first.start:
            raise ValueError(_("span ends ({last}) before it starts ({first})").format(last=self.last.key,
                                                                                       first=self.first.key))

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return self.last.end

    def periods(self) -> list[Period]:
        result = [self.first]
        while result[-1] != self.last:
            result.append(result[-1].next())
        return result

    def year_ago(self) -> Span | None:
        """The same span one year earlier (the 累计同比 base).

        Each end moves back with ``Period.year_ago``.  When the last period is
        ISO week 53 and the previous ISO year has 52 weeks, the result ends at
        week 52 (the whole previous year).  Returns None when the first period
        has no counterpart (the span starts at a week 53).
        """
        first = self.first.year_ago()
        if first is None:
            return None
        last = self.last.year_ago()
        if last is None:
            year = self.last._parts()[0] - 1
            last = _iso_week(year, weeks_in_iso_year(year))
        return Span(self.kind, first, last)

    def label(self) -> str:
        """Chinese label, e.g. 2024年1—10月份, 2024年前三季度, 2024年第1—3周,
        2024年1月1日—1月17日, 2022—2024年.  Ranges use U+2014 EM DASH."""
        first, last = self.first, self.last
        (fy, fn), (ly, ln) = first._parts(), last._parts()
        if self.kind == "month" and fy == ly:
            months = f"{fn}" if fn == ln else f"{fn}{_DASH}{ln}"
            return f"{fy:04d}年{months}月份"
        if first == last:
            return first.label()
        if self.kind == "year":
            return f"{fy:04d}{_DASH}{ly:04d}年"
        if self.kind == "week":
            if fy == ly:
                return f"{fy:04d}年第{fn}{_DASH}{ln}周"
            return f"{fy:04d}年第{fn}周{_DASH}{ly:04d}年第{ln}周"
        if fy != ly:
            return f"{first.label()}{_DASH}{last.label()}"
        if self.kind == "day":
            return f"{first.label()}{_DASH}{_cn_date(last.start, with_year=False)}"
        if fn == 1:
            return f"{fy:04d}年" + {2: "上半年", 3: "前三季度", 4: "全年"}[ln]
        return f"{fy:04d}年{_CN_QUARTERS[fn - 1]}{_DASH}{_CN_QUARTERS[ln - 1]}季度"


@lru_cache(maxsize=4096)
def period_of(kind: str, day: date) -> Period:
    """The period of *kind* that contains *day*."""
    _check_kind(kind)
    start = _align(kind, _as_date(day))
    return Period(kind, start, _end_of(kind, start))


def _iso_week(year: int, week: int) -> Period:
    return period_of("week", date.fromisocalendar(year, week, 1))


def last_ended(kind: str, moment: datetime) -> Period:
    """The last period of a kind that has ended by a moment, in the moment's own (local) time: the one a
    briefing made then covers. A day ends with its last second, so as of 2024-01-17 23:59:59 (a bare date)
    the 17th has ended; at Monday 08:00 the week before has, and the Monday has not."""
    day = moment.date()
    if moment.time() < time(23, 59, 59):
        day = _shift(day, -1, N_("the day before {day}"), day=day)
    period = period_of(kind, day)
    return period if period.end == day else period.previous()
