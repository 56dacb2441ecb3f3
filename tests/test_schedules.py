"""Schedules: reading [[schedule]] tables, due moments, the period each owes, catch-up policies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefing.archive.schedules import PRESETS, Schedule, cron_in_words, dues, load, owed, period_due
from briefing.errors import UsageError
from briefing.figures.periods import parse_period

TZ = ZoneInfo("Asia/Shanghai")


def weekly(**fields) -> Schedule:
    return load([{"template": "weekly", "when": "weekly", **fields}], "test.toml")[0]


@pytest.mark.parametrize("monday, week", [
    ("2021-01-04", "2020-W53"),   # a 53-week year ends
    ("2016-01-04", "2015-W53"),
    ("2027-01-04", "2026-W53"),
    ("2024-01-01", "2023-W52"),   # the Monday is New Year's Day
    ("2025-01-06", "2025-W01"),   # week 1 of 2025 began on 30 December 2024
    ("2025-12-29", "2025-W52"),
    ("2026-01-05", "2026-W01"),
    ("2024-03-04", "2024-W09"),
])
def test_monday_0800_shanghai_owes_the_iso_week_just_ended(monday, week):
    schedule = weekly()
    moment = datetime.fromisoformat(f"{monday}T08:00").replace(tzinfo=TZ)
    [(due, period)] = dues(schedule, "week", moment - timedelta(hours=1), moment)
    assert due == moment and period.key == week
    assert period.end == date.fromisoformat(monday) - timedelta(days=1)


def test_the_period_is_from_the_schedules_zone_not_utc():
    # Monday 08:00 in Shanghai is Monday 00:00 UTC; 07:00 in Shanghai is still Sunday in UTC
    schedule = load([{"template": "weekly", "cron": "0 7 * * mon"}], "t.toml")[0]
    moment = datetime(2024, 1, 8, 7, 0, tzinfo=TZ)
    assert moment.astimezone(ZoneInfo("UTC")).date() == date(2024, 1, 7)
    assert [p.key for _, p in dues(schedule, "week", moment, moment)] == ["2024-W01"]


def test_other_kinds_owe_the_period_just_ended():
    moment = datetime(2024, 4, 1, 8, 0, tzinfo=TZ)
    assert period_due("month", moment, TZ).key == "2024-03"
    assert period_due("quarter", moment, TZ).key == "2024-Q1"
    assert period_due("day", moment, TZ).key == "2024-03-31"
    assert period_due("year", datetime(2025, 1, 1, 8, tzinfo=TZ), TZ).key == "2024"


def test_start_is_the_first_period_owed():
    schedule = weekly(start=date(2024, 1, 1))
    now = datetime(2024, 1, 29, 8, 0, tzinfo=TZ)
    pairs = dues(schedule, "week", schedule.window_start(now, now), now)
    assert [p.key for _, p in pairs] == ["2024-W01", "2024-W02", "2024-W03", "2024-W04"]


def test_the_horizon_bounds_catching_up():
    schedule = weekly(start=date(2023, 1, 1), horizon_days=20)   # due moments of the last 20 days
    now = datetime(2024, 1, 29, 8, 0, tzinfo=TZ)
    pairs = dues(schedule, "week", schedule.window_start(now, now), now)
    assert [p.key for _, p in pairs] == ["2024-W02", "2024-W03", "2024-W04"]


def test_without_a_start_the_schedule_starts_when_first_seen():
    schedule = weekly()
    first_seen = datetime(2024, 1, 17, 10, 0, tzinfo=TZ)
    now = datetime(2024, 1, 29, 9, 0, tzinfo=TZ)
    pairs = dues(schedule, "week", schedule.window_start(now, first_seen), now)
    assert [p.key for _, p in pairs] == ["2024-W03", "2024-W04"]


def pairs_of(*keys: str) -> list:
    return [(datetime(2024, 1, 1, tzinfo=TZ) + timedelta(weeks=n), parse_period(k)) for n, k in enumerate(keys)]


@pytest.mark.parametrize("policy, done, expected", [
    ("all", set(), ["2024-W01", "2024-W02", "2024-W03", "2024-W04"]),
    ("all", {"2024-W02"}, ["2024-W01", "2024-W03", "2024-W04"]),
    ("latest", set(), ["2024-W04"]),
    ("latest", {"2024-W04"}, []),          # only the latest is owed, and it is made
    (2, set(), ["2024-W03", "2024-W04"]),
    (2, {"2024-W04"}, ["2024-W03"]),      # only the last two are owed; older ones stay unmade
])
def test_catch_up_policies(policy, done, expected):
    chosen = owed(pairs_of("2024-W01", "2024-W02", "2024-W03", "2024-W04"), done, policy)
    assert [p.key for _, p in chosen] == expected


def test_a_period_due_several_times_is_owed_once_from_its_first_due_moment():
    pairs = pairs_of("2024-W01", "2024-W01", "2024-W02")
    chosen = owed(pairs, set(), "all")
    assert [(m, p.key) for m, p in chosen] == [(pairs[0][0], "2024-W01"), (pairs[2][0], "2024-W02")]


def test_presets_and_cron_in_words():
    assert weekly().in_words() == "every Monday at 08:00"
    assert cron_in_words("30 7 * * 1,5") == "every Monday and Friday at 07:30"
    assert cron_in_words("0 9 15 * *") == "on day 15 of every month at 09:00"
    assert cron_in_words("*/5 * * * *") == "at cron '*/5 * * * *'"
    assert set(PRESETS) == {"daily", "weekly", "monthly", "quarterly", "yearly"}


def test_a_schedule_reads_with_its_defaults():
    s = load([{"template": "weekly"}], "b.toml")[0]
    assert (s.name, s.cron, s.timezone, s.regions, s.catch_up, s.formats, s.script) == (
        "weekly", "0 8 * * mon", "Asia/Shanghai", ("top",), "all", ("docx",), "simplified")
    assert load([{"template": "weekly", "start": "2024-01-01T06:00"}], "b.toml")[0].start == datetime(
        2024, 1, 1, 6, 0, tzinfo=TZ)


@pytest.mark.parametrize("table, says", [
    ({"when": "weekly"}, "#2 (schedule-2): template: missing"),
    ({"template": "weekly", "when": "fortnightly"}, "when: unknown preset 'fortnightly'"),
    ({"template": "weekly", "cron": "0 25 * * mon"}, "cron: '0 25 * * mon' is not a cron expression"),
    ({"template": "weekly", "cron": "0 8 * * mon", "when": "weekly"}, "either when (a preset) or cron"),
    ({"template": "weekly", "timezone": "Asia/Beijing"}, "timezone: unknown time zone 'Asia/Beijing'"),
    ({"template": "weekly", "catch_up": "some"}, "catch_up: 'some' is not a catch-up policy"),
    ({"template": "weekly", "catch_up": 0}, "catch_up: 0 is not a catch-up policy"),
    ({"template": "weekly", "regions": []}, "regions: empty"),
    ({"template": "weekly", "formats": ["html"]}, "formats: docx is the archived document"),
    ({"template": "weekly", "formats": ["docx", "odt"]}, "formats: 'odt' is not a format"),
    ({"template": "weekly", "script": "klingon"}, "script: unknown script 'klingon'"),
    ({"template": "weekly", "start": "soon"}, "start: 'soon' is not a date"),
    ({"template": "weekly", "horizon_days": -3}, "horizon_days: -3 is not a number of days"),
    ({"template": "weekly", "regoins": ["兴安盟"]}, "regoins: unknown field"),
])
def test_bad_schedules_name_the_file_the_schedule_and_the_field(table, says):
    with pytest.raises(UsageError) as err:
        load([{"template": "weekly", "name": "ok"}, table], "conf/briefing.toml")
    assert err.value.message.startswith("conf/briefing.toml: [[schedule]] #2")
    assert says in err.value.message
    if "regoins" in says:
        assert "Did you mean 'regions'?" in err.value.hint


def test_two_schedules_with_one_name_are_refused():
    with pytest.raises(UsageError, match="two schedules are named 'weekly'"):
        load([{"template": "weekly"}, {"template": "weekly", "regions": ["扎赉特旗"]}], "b.toml")
