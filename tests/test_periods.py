"""Tests for briefing.periods: parsing, arithmetic, labels and spans."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.figures.period_text import parse_period
from briefing.figures.periods import KINDS, Period, Span, period_of, weeks_in_iso_year

P = parse_period


def span(first: str, last: str) -> Span:
    a, b = P(first), P(last)
    return Span(a.kind, a, b)


# --- parsing -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text, kind, key",
    [
        # year
        ("2024", "year", "2024"),
        ("2024年", "year", "2024"),
        ("  2024 ", "year", "2024"),
        ("２０２４", "year", "2024"),
        ("２０２４年", "year", "2024"),
        # quarter
        ("2024-Q1", "quarter", "2024-Q1"),
        ("2024Q1", "quarter", "2024-Q1"),
        ("2024-q4", "quarter", "2024-Q4"),
        ("2024年一季度", "quarter", "2024-Q1"),
        ("2024年第一季度", "quarter", "2024-Q1"),
        ("2024年1季度", "quarter", "2024-Q1"),
        ("2024年第1季度", "quarter", "2024-Q1"),
        ("2024年二季度", "quarter", "2024-Q2"),
        ("2024年三季度", "quarter", "2024-Q3"),
        ("2024年第四季度", "quarter", "2024-Q4"),
        ("２０２４年第３季度", "quarter", "2024-Q3"),
        ("２０２４－Ｑ２", "quarter", "2024-Q2"),
        # month
        ("2024-01", "month", "2024-01"),
        ("2024-1", "month", "2024-01"),
        ("2024/01", "month", "2024-01"),
        ("2024/12", "month", "2024-12"),
        ("2024年1月", "month", "2024-01"),
        ("2024年01月", "month", "2024-01"),
        ("2024年10月", "month", "2024-10"),
        ("2024年3月份", "month", "2024-03"),
        ("２０２４年１月", "month", "2024-01"),
        # week
        ("2024-W03", "week", "2024-W03"),
        ("2024W03", "week", "2024-W03"),
        ("2024-W3", "week", "2024-W03"),
        ("2024-w03", "week", "2024-W03"),
        ("2024w3", "week", "2024-W03"),
        ("2020-W53", "week", "2020-W53"),
        ("2026-W53", "week", "2026-W53"),
        ("2024年第3周", "week", "2024-W03"),
        ("2024年第03周", "week", "2024-W03"),
        ("２０２４年第３周", "week", "2024-W03"),
        ("2024年第3周（1月15日—1月21日）", "week", "2024-W03"),
        ("2024年第3周(1月15日-1月21日)", "week", "2024-W03"),
        ("2024年第3周 （1月15日 — 1月21日）", "week", "2024-W03"),
        ("２０２４年第３周（１月１５日—１月２１日）", "week", "2024-W03"),
        ("2020年第53周（12月28日—2021年1月3日）", "week", "2020-W53"),
        ("2020年第1周（2019年12月30日—1月5日）", "week", "2020-W01"),
        # day
        ("2024-01-17", "day", "2024-01-17"),
        ("2024/1/17", "day", "2024-01-17"),
        ("2024.1.17", "day", "2024-01-17"),
        ("2024-1-7", "day", "2024-01-07"),
        ("20240117", "day", "2024-01-17"),
        ("2024年1月17日", "day", "2024-01-17"),
        ("2024年01月07日", "day", "2024-01-07"),
        ("2024-02-29", "day", "2024-02-29"),
        ("2000-02-29", "day", "2000-02-29"),
        ("２０２４年１月１７日", "day", "2024-01-17"),
        ("２０２４０１１７", "day", "2024-01-17"),
        ("\t2024-01-17\n", "day", "2024-01-17"),
    ],
)
def test_parse_accepted_forms(text, kind, key):
    period = parse_period(text)
    assert (period.kind, period.key) == (kind, key)
    assert parse_period(text, kind) == period


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("2023-W53", "52"),  # 2023 has 52 ISO weeks
        ("2024-W53", "52"),
        ("2023年第53周", "52"),
        ("2024-W00", "week 0"),
        ("2023-02-29", "not a real date"),
        ("2100-02-29", "not a real date"),  # 2100 is not a leap year
        ("2024-04-31", "not a real date"),
        ("2024年2月30日", "not a real date"),
        ("20241301", "not a real date"),
        ("2024-13", "month 13"),
        ("2024-00", "month 0"),
        ("2024年13月", "month 13"),
        ("2024-Q5", "quarter 5"),
        ("2024-Q0", "quarter 0"),
        ("2024年第5季度", "quarter 5"),
        ("0000", "year"),
        ("", "accepted forms"),
        ("   ", "accepted forms"),
        ("abc", "accepted forms"),
        ("24", "accepted forms"),
        ("2024.1", "accepted forms"),  # could be a float that lost its trailing 0
        ("202401", "accepted forms"),
        ("2024-W003", "accepted forms"),
        ("2024年五季度", "accepted forms"),
        ("2024-01/17", "accepted forms"),
        ("2024年第3周（1月8日—1月14日）", "do not match"),
        ("2020年第1周（12月30日—1月5日）", "do not match"),
        ("2024年第3周（1月15日）", "do not match"),
    ],
)
def test_parse_rejects(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_period(text)
    message = str(info.value)
    assert repr(text) in message
    assert fragment in message


def test_unrecognized_lists_accepted_forms():
    message = str(pytest.raises(ValueError, parse_period, "abc").value)
    for example in ("2024-Q1", "2024年一季度", "2024-W03", "2024年第3周", "2024年1月17日"):
        assert example in message


def test_unrecognized_with_kind_lists_only_that_kind():
    message = str(pytest.raises(ValueError, parse_period, "abc", "week").value)
    assert "2024-W03" in message and "2024-Q1" not in message


@pytest.mark.parametrize(
    "text, kind, message",
    [
        ("2024-01", "week", "'2024-01' is a month, expected a week (like 2024-W03)"),
        ("2024", "month", "'2024' is a year, expected a month (like 2024-01)"),
        ("2024-W03", "day", "'2024-W03' is a week, expected a day (like 2024-01-17)"),
        ("2024年1月17日", "quarter", "'2024年1月17日' is a day, expected a quarter (like 2024-Q1)"),
        ("2024年一季度", "year", "'2024年一季度' is a quarter, expected a year (like 2024)"),
    ],
)
def test_parse_wrong_kind(text, kind, message):
    with pytest.raises(ValueError) as info:
        parse_period(text, kind)
    assert str(info.value) == message


def test_parse_unknown_kind_argument():
    with pytest.raises(ValueError, match="fortnight"):
        parse_period("2024", "fortnight")


@pytest.mark.parametrize("value", [2024, None, 20240117, date(2024, 1, 17)])
def test_parse_rejects_non_text(value):
    with pytest.raises(ValueError, match="expected period text"):
        parse_period(value)


# --- construction --------------------------------------------------------------

@pytest.mark.parametrize(
    "kind, day, key, start, end",
    [
        ("year", date(2024, 7, 4), "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("quarter", date(2024, 5, 31), "2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("quarter", date(2024, 12, 31), "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("month", date(2024, 2, 10), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("month", date(2023, 2, 10), "2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("month", date(2100, 2, 10), "2100-02", date(2100, 2, 1), date(2100, 2, 28)),
        ("week", date(2024, 1, 17), "2024-W03", date(2024, 1, 15), date(2024, 1, 21)),
        ("week", date(2019, 12, 31), "2020-W01", date(2019, 12, 30), date(2020, 1, 5)),
        ("week", date(2021, 1, 3), "2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
        ("week", date(2024, 12, 30), "2025-W01", date(2024, 12, 30), date(2025, 1, 5)),
        ("day", date(2024, 2, 29), "2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
        ("day", datetime(2024, 2, 29, 13, 5), "2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_period_of(kind, day, key, start, end):
    period = period_of(kind, day)
    assert (period.kind, period.key, period.start, period.end) == (kind, key, start, end)
    assert str(period) == key


@pytest.mark.parametrize("year, weeks", [(2020, 53), (2026, 53), (2015, 53), (2023, 52), (2024, 52), (2025, 52)])
def test_weeks_in_iso_year(year, weeks):
    assert weeks_in_iso_year(year) == weeks


def test_period_constructor_checks_dates():
    assert Period("month", date(2024, 2, 1), date(2024, 2, 29)) == P("2024-02")
    with pytest.raises(ValueError):
        Period("month", date(2024, 2, 2), date(2024, 3, 1))
    with pytest.raises(ValueError):
        Period("month", date(2024, 2, 1), date(2024, 2, 28))
    with pytest.raises(ValueError):
        Period("fortnight", date(2024, 2, 1), date(2024, 2, 14))
    with pytest.raises(ValueError):
        period_of("fortnight", date(2024, 2, 1))


def test_ordering_and_hashing():
    periods = [P("2024-02"), P("2023-12-31"), P("2024"), P("2024-W01")]
    assert [p.key for p in sorted(periods)] == ["2023-12-31", "2024-W01", "2024", "2024-02"]
    assert len({P("2024-01"), P("2024年1月"), P("2024/1")}) == 1


@pytest.mark.parametrize(
    "key, inside, outside",
    [
        ("2024-W01", date(2024, 1, 1), date(2023, 12, 31)),
        ("2020-W53", date(2021, 1, 3), date(2021, 1, 4)),
        ("2024-Q1", date(2024, 3, 31), date(2024, 4, 1)),
        ("2024-02", date(2024, 2, 29), date(2024, 3, 1)),
    ],
)
def test_the_period_of_a_day_ends_where_the_next_begins(key, inside, outside):
    kind = P(key).kind
    assert period_of(kind, inside) == P(key) and period_of(kind, outside) != P(key)


# --- previous / next / year_ago -------------------------------------------------

@pytest.mark.parametrize(
    "key, previous",
    [
        ("2024", "2023"),
        ("2024-Q1", "2023-Q4"),
        ("2024-Q3", "2024-Q2"),
        ("2024-01", "2023-12"),
        ("2024-03", "2024-02"),
        ("2024-W01", "2023-W52"),
        ("2021-W01", "2020-W53"),
        ("2027-W01", "2026-W53"),
        ("2020-W53", "2020-W52"),
        ("2025-W01", "2024-W52"),
        ("2024-01-01", "2023-12-31"),
        ("2024-03-01", "2024-02-29"),
        ("2023-03-01", "2023-02-28"),
        ("2100-03-01", "2100-02-28"),
        ("2000-03-01", "2000-02-29"),
    ],
)
def test_previous_and_next(key, previous):
    assert P(key).previous() == P(previous)
    assert P(previous).next() == P(key)


@pytest.mark.parametrize(
    "key, year_ago",
    [
        ("2024", "2023"),
        ("2024-Q1", "2023-Q1"),
        ("2024-02", "2023-02"),
        ("2024-W03", "2023-W03"),
        ("2021-W01", "2020-W01"),
        ("2020-W53", None),  # 2019 has 52 weeks
        ("2026-W53", None),  # 2025 has 52 weeks
        ("2021-W52", "2020-W52"),
        ("2024-02-29", "2023-02-28"),
        ("2024-02-28", "2023-02-28"),
        ("2024-03-01", "2023-03-01"),
        ("2101-02-28", "2100-02-28"),
        ("2001-02-28", "2000-02-28"),
        ("2024-01-01", "2023-01-01"),
    ],
)
def test_year_ago(key, year_ago):
    result = P(key).year_ago()
    assert result == (None if year_ago is None else P(year_ago))


def test_week_53_never_has_a_year_ago():
    # No two consecutive ISO years both have 53 weeks (checked over a whole
    # 400-year Gregorian cycle), so year_ago() of a week 53 is always None.
    long_years = [y for y in range(2001, 2401) if weeks_in_iso_year(y) == 53]
    assert len(long_years) == 71
    assert all(weeks_in_iso_year(y - 1) == 52 for y in long_years)
    assert all(period_of("week", date(y, 12, 28)).year_ago() is None for y in long_years)


# --- labels ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "key, label",
    [
        ("2024", "2024年"),
        ("2024-Q1", "2024年一季度"),
        ("2024-Q2", "2024年二季度"),
        ("2024-Q3", "2024年三季度"),
        ("2024-Q4", "2024年四季度"),
        ("2024-01", "2024年1月"),
        ("2024-10", "2024年10月"),
        ("2024-W03", "2024年第3周（1月15日—1月21日）"),
        ("2024-W05", "2024年第5周（1月29日—2月4日）"),
        ("2020-W53", "2020年第53周（12月28日—2021年1月3日）"),
        ("2020-W01", "2020年第1周（2019年12月30日—1月5日）"),
        ("2025-W01", "2025年第1周（2024年12月30日—1月5日）"),
        ("2024-W01", "2024年第1周（1月1日—1月7日）"),
        ("2024-W52", "2024年第52周（12月23日—12月29日）"),
        ("2024-01-17", "2024年1月17日"),
        ("2024-02-29", "2024年2月29日"),
    ],
)
def test_period_labels(key, label):
    assert P(key).label() == label
    assert P(label) == P(key)


def test_labels_use_em_dash_and_full_width_brackets():
    label = P("2024-W03").label()
    assert "\u2014" in label and "\uff08" in label and "\uff09" in label
    assert "\u2013" not in label and "(" not in label


# --- spans ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "key, first",
    [
        ("2024", "2024"),
        ("2024-Q3", "2024-Q1"),
        ("2024-10", "2024-01"),
        ("2024-01", "2024-01"),
        ("2024-W10", "2024-W01"),
        ("2025-W02", "2025-W01"),  # ISO 2025 starts on 2024-12-30
        ("2024-12-30", "2024-01-01"),
        ("2024-01-17", "2024-01-01"),
    ],
)
def test_ytd(key, first):
    ytd = P(key).ytd()
    assert (ytd.kind, ytd.first, ytd.last) == (P(key).kind, P(first), P(key))


def test_ytd_of_january_week_whose_iso_year_starts_in_december():
    ytd = P("2025-W02").ytd()
    assert ytd.start == date(2024, 12, 30)
    assert ytd.end == date(2025, 1, 12)
    assert ytd.label() == "2025年第1—2周"
    assert [p.key for p in ytd.periods()] == ["2025-W01", "2025-W02"]
    # a day in late December can belong to week 1 of the next ISO year
    week = period_of("week", date(2024, 12, 31))
    assert week.ytd().label() == "2025年第1周（2024年12月30日—1月5日）"


@pytest.mark.parametrize(
    "first, last, label",
    [
        # months
        ("2024-01", "2024-01", "2024年1月份"),
        ("2024-01", "2024-10", "2024年1—10月份"),
        ("2024-01", "2024-12", "2024年1—12月份"),
        ("2024-03", "2024-03", "2024年3月份"),
        ("2024-03", "2024-05", "2024年3—5月份"),
        ("2022-07", "2024-01", "2022年7月—2024年1月"),
        # quarters
        ("2024-Q1", "2024-Q1", "2024年一季度"),
        ("2024-Q1", "2024-Q2", "2024年上半年"),
        ("2024-Q1", "2024-Q3", "2024年前三季度"),
        ("2024-Q1", "2024-Q4", "2024年全年"),
        ("2024-Q2", "2024-Q3", "2024年二—三季度"),
        ("2024-Q3", "2024-Q4", "2024年三—四季度"),
        ("2024-Q3", "2024-Q3", "2024年三季度"),
        ("2023-Q4", "2024-Q1", "2023年四季度—2024年一季度"),
        # weeks
        ("2024-W01", "2024-W03", "2024年第1—3周"),
        ("2024-W03", "2024-W03", "2024年第3周（1月15日—1月21日）"),
        ("2020-W01", "2020-W53", "2020年第1—53周"),
        ("2023-W52", "2024-W02", "2023年第52周—2024年第2周"),
        # days
        ("2024-01-01", "2024-01-17", "2024年1月1日—1月17日"),
        ("2024-01-17", "2024-01-17", "2024年1月17日"),
        ("2024-02-01", "2024-02-29", "2024年2月1日—2月29日"),
        ("2023-12-25", "2024-01-17", "2023年12月25日—2024年1月17日"),
        # years
        ("2022", "2024", "2022—2024年"),
        ("2024", "2024", "2024年"),
    ],
)
def test_span_labels(first, last, label):
    assert span(first, last).label() == label


@pytest.mark.parametrize(
    "first, last, expected",
    [
        ("2024-01", "2024-10", ("2023-01", "2023-10")),
        ("2024-Q1", "2024-Q3", ("2023-Q1", "2023-Q3")),
        ("2024-W01", "2024-W10", ("2023-W01", "2023-W10")),
        ("2021-W01", "2021-W05", ("2020-W01", "2020-W05")),
        ("2020-W01", "2020-W53", ("2019-W01", "2019-W52")),  # 2019 has 52 weeks
        ("2026-W10", "2026-W53", ("2025-W10", "2025-W52")),
        ("2020-W53", "2020-W53", None),  # no week 53 in 2019
        ("2024-01-01", "2024-02-29", ("2023-01-01", "2023-02-28")),
        ("2024-02-29", "2024-03-05", ("2023-02-28", "2023-03-05")),
        ("2022", "2024", ("2021", "2023")),
        ("2022-07", "2024-01", ("2021-07", "2023-01")),
    ],
)
def test_span_year_ago(first, last, expected):
    result = span(first, last).year_ago()
    if expected is None:
        assert result is None
    else:
        assert result == span(*expected)


def test_span_periods_and_bounds():
    s = span("2023-11", "2024-02")
    assert [p.key for p in s.periods()] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert (s.start, s.end) == (date(2023, 11, 1), date(2024, 2, 29))
    assert span("2024-Q2", "2024-Q2").periods() == [P("2024-Q2")]


@pytest.mark.parametrize(
    "kind, first, last",
    [
        ("month", "2024-03", "2024-02"),  # backwards
        ("month", "2024-01", "2024-W05"),  # mixed kinds
        ("week", "2024-01", "2024-02"),  # kind does not match
        ("fortnight", "2024-01", "2024-02"),
    ],
)
def test_span_rejects_bad_spans(kind, first, last):
    with pytest.raises(ValueError):
        Span(kind, P(first), P(last))


# --- properties -----------------------------------------------------------------

dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9998, 12, 1))
kinds = st.sampled_from(KINDS)


@given(kinds, dates)
def test_period_of_contains_day(kind, day):
    period = period_of(kind, day)
    assert period.kind == kind and period.start <= day <= period.end


@given(kinds, dates)
def test_next_previous_round_trip(kind, day):
    period = period_of(kind, day)
    assert period.next().previous() == period
    assert period.previous().next() == period


@given(kinds, dates)
def test_key_and_label_round_trip(kind, day):
    period = period_of(kind, day)
    assert parse_period(period.key) == period
    assert parse_period(period.key, kind) == period
    assert parse_period(period.label()) == period
    assert parse_period(period.label(), kind) == period


@given(kinds, dates)
def test_consecutive_periods_tile(kind, day):
    period = period_of(kind, day)
    following = period.next()
    assert following.start == period.end + timedelta(days=1)
    assert following.kind == kind


@given(kinds, dates)
def test_year_ago_is_same_period_a_year_earlier(kind, day):
    period = period_of(kind, day)
    earlier = period.year_ago()
    if earlier is None:
        assert kind == "week" and period.key.endswith("W53")
        return
    assert earlier.kind == kind
    assert earlier.key[4:] == period.key[4:] or period.key.endswith("02-29")
    assert int(earlier.key[:4]) == int(period.key[:4]) - 1


@given(kinds, dates)
def test_ytd_span(kind, day):
    period = period_of(kind, day)
    ytd = period.ytd()
    periods = ytd.periods()
    assert periods[-1] == period
    assert periods[0].key[:4] == period.key[:4]
    assert all(a.next() == b for a, b in zip(periods, periods[1:]))
    assert ytd.label()
    ago = ytd.year_ago()
    assert ago is not None and ago.first.key[:4] == str(int(period.key[:4]) - 1).zfill(4)
