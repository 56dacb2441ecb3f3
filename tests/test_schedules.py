"""Schedules: reading [[schedule]] tables, due moments, the period each owes, catch-up policies."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from croniter import CroniterBadDateError, croniter

from briefing.archive.cron import cron_in_words, parse_cron
from briefing.archive.schedules import PRESETS, Schedule, dues, load, owed, period_due
from briefing.cli import cli
from briefing.errors import UsageError
from briefing.figures.period_text import parse_period

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


@pytest.mark.parametrize("when, words", [
    ("daily", "every day at 08:00"),
    ("weekly", "every Monday at 08:00"),
    ("monthly", "on the 1st of every month at 08:00"),
    ("quarterly", "on the 1st of January, April, July and October at 08:00"),
    ("yearly", "on the 1st of January at 08:00"),
])
def test_presets_in_words(when, words):
    assert weekly(when=when).in_words() == words
    assert set(PRESETS) == {"daily", "weekly", "monthly", "quarterly", "yearly"}


@pytest.mark.parametrize("cron, words", [
    ("0 8 * * 1", "every Monday at 08:00"),          # standard cron: 1 is Monday (APScheduler's from_crontab: Tuesday)
    ("0 8 * * 0", "every Sunday at 08:00"),
    ("0 8 * * 7", "every Sunday at 08:00"),          # 7 is Sunday too
    ("30 7 * * 1,5", "every Monday and Friday at 07:30"),
    ("0 8 * * 1-5", "every Monday, Tuesday, Wednesday, Thursday and Friday at 08:00"),
    ("0 8 * * MON-FRI", "every Monday, Tuesday, Wednesday, Thursday and Friday at 08:00"),
    ("0 8 * * 5-7", "every Friday, Saturday and Sunday at 08:00"),
    ("0 8 * * fri-sun", "every Friday, Saturday and Sunday at 08:00"),
    ("0 8 * * */2", "every Tuesday, Thursday, Saturday and Sunday at 08:00"),   # 0,2,4,6
    ("0 8,17 * * 0,6", "every Saturday and Sunday at 08:00 and 17:00"),
    ("0 9 15 * *", "on the 15th of every month at 09:00"),
    ("0 9 1,2,3 * *", "on the 1st, 2nd and 3rd of every month at 09:00"),
    ("0 9 * 7 2", "every Tuesday in July at 09:00"),
    ("*/5 * * * *", "at cron '*/5 * * * *'"),
    ("*/5 8-17 * * 1-5", "at cron '*/5 8-17 * * 1-5', on Monday, Tuesday, Wednesday, Thursday and Friday"),
])
def test_cron_in_words(cron, words):
    assert cron_in_words(cron) == words


@pytest.mark.parametrize("number, day", [(0, "Sunday"), (1, "Monday"), (2, "Tuesday"), (3, "Wednesday"),
                                         (4, "Thursday"), (5, "Friday"), (6, "Saturday"), (7, "Sunday")])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_a_day_of_week_fires_on_the_day_its_words_name(number, day, zone):
    schedule = load([{"template": "weekly", "cron": f"0 8 * * {number}", "timezone": zone}], "b.toml")[0]
    assert schedule.in_words() == f"every {day} at 08:00"
    moments = schedule.next_moments(datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)), 5)
    assert [f"{m:%A %H:%M}" for m in moments] == [f"{day} 08:00"] * 5


# --- fire times against croniter, which reads cron as cron does -----------------------------------------

def random_field(rng: random.Random, low: int, high: int, names: list[str] | None = None) -> str:
    """One cron field: *, a number, a name, a range, a step, or a list of them (ranges run upwards, as in
    every cron; croniter reads an equal range 7-7 as the whole week, so none is made)."""
    def one() -> str:
        a, b = sorted(rng.sample(range(low, high + 1), 2))
        word = (lambda v: names[v - low] if names and v - low < len(names) and rng.random() < 0.4 else str(v))
        return rng.choice([word(a), f"{word(a)}-{word(b)}", f"*/{rng.randint(1, high - low)}",
                           f"{a}-{b}/{rng.randint(1, 4)}", f"{a}/{rng.randint(1, 5)}"])
    if rng.random() < 0.25:
        return "*"
    return ",".join(one() for _ in range(rng.choice([1, 1, 2, 3])))


def random_cron(rng: random.Random) -> str:
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    dom, dow = random_field(rng, 1, 31), random_field(rng, 0, 7, days)
    dom, dow = (dom, "*") if rng.random() < 0.4 else ("*", dow)    # both restricted is refused (tested below)
    return " ".join([random_field(rng, 0, 59), random_field(rng, 0, 23), dom, random_field(rng, 1, 12, months), dow])


CRONS = [random_cron(random.Random(seed)) for seed in range(400)]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_fire_times_are_those_of_standard_cron(zone):
    tz = ZoneInfo(zone)
    start = datetime(2024, 2, 27, 13, 47, tzinfo=tz)     # a leap February ahead
    never = 0
    for cron in CRONS:
        schedule = Schedule("random", "weekly", cron, zone)
        try:
            parse_cron(cron)
        except ValueError as exc:          # a day no month it names has (31 in February): croniter finds none
            assert "never runs" in exc.args[0], cron
            with pytest.raises(CroniterBadDateError):
                croniter(cron, start).get_next(datetime)
            never += 1
            continue
        expected = croniter(cron, start)
        assert schedule.next_moments(start, 5) == [expected.get_next(datetime) for _ in range(5)], cron
    assert never < len(CRONS) / 10


def test_the_random_expressions_cover_what_cron_allows():
    fields = [c.split() for c in CRONS]
    for n, field in enumerate(["minute", "hour", "day of month", "month", "day of week"]):
        written = [f[n] for f in fields]
        assert any("-" in w for w in written) and any("," in w for w in written), field
        assert any("/" in w for w in written) and any(w == "*" for w in written), field
    assert any(f[4] in ("0", "7") for f in fields) and any(c.isalpha() for f in fields for c in f[4])
    assert any(c.isalpha() for f in fields for c in f[3])


def test_briefing_schedules_shows_cron_1_as_monday_with_monday_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "briefing.toml").write_text('db = "none.db"\n\n[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'
                                            'cron = "0 8 * * 1"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["schedules", "--now", "2024-01-20T10:00+08:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "周报: template weekly, every Monday at 08:00 (Asia/Shanghai)" in result.output
    assert [line.split("→")[0].strip() for line in result.output.splitlines() if "next:" in line] == [
        "next: Mon 2024-01-22 08:00", "next: Mon 2024-01-29 08:00", "next: Mon 2024-02-05 08:00"]


def test_a_schedule_reads_with_its_defaults():
    s = load([{"template": "weekly"}], "b.toml")[0]
    assert (s.name, s.cron, s.timezone, s.regions, s.catch_up, s.formats, s.script) == (
        "weekly", "0 8 * * mon", "Asia/Shanghai", ("top",), "all", ("docx",), "simplified")
    assert load([{"template": "weekly", "start": "2024-01-01T06:00"}], "b.toml")[0].start == datetime(
        2024, 1, 1, 6, 0, tzinfo=TZ)


@pytest.mark.parametrize("table, says", [
    ({"when": "weekly"}, "#2 (schedule-2): template: missing"),
    ({"template": "weekly", "when": "fortnightly"}, "when: unknown preset 'fortnightly'"),
    ({"template": "weekly", "cron": "0 25 * * mon"}, "cron: '0 25 * * mon': hour: 25 is not between 0 and 23"),
    ({"template": "weekly", "cron": "0 8 * *"}, "cron: '0 8 * *': it has 4 fields, not 5"),
    ({"template": "weekly", "cron": "0 8 * * fri-mon"}, "day of week: 'fri-mon' runs backwards"),
    ({"template": "weekly", "cron": "0 8 * * 5-0"}, "day of week: '5-0' runs backwards"),
    ({"template": "weekly", "cron": "0 8 * * funday"}, "day of week: 'funday' is not a number or a name"),
    ({"template": "weekly", "cron": "0 8 ? * 1"}, "day of month: '?' is not a number, a range or a step"),
    ({"template": "weekly", "cron": "*/0 8 * * 1"}, "minute: '*/0' has a step of 0"),
    ({"template": "weekly", "cron": "0 8 1-7 * mon"}, "restricts both the day of month and the day of week"),
    ({"template": "weekly", "cron": "0 8 */2 * 1"}, "restricts both the day of month and the day of week"),
    ({"template": "weekly", "cron": "0 8 30 2 *"}, "no month it names has that day, so it never runs"),
    ({"template": "weekly", "cron": 8}, "cron must be a string in quotes, not 8"),
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
    ({"template": "weekly", "regoins": ["兴安盟"]}, "unknown key 'regoins'. Did you mean 'regions'?"),
    ({"template": "weekly", "db": "x.db"}, "has no key 'db'. It belongs at the top of the file, before any [table]"),
])
def test_bad_schedules_name_the_file_the_schedule_and_the_field(table, says):
    with pytest.raises(UsageError) as err:
        load([{"template": "weekly", "name": "ok"}, table], "conf/briefing.toml")
    assert err.value.message.startswith("conf/briefing.toml: [[schedule]] #2")
    assert says in err.value.message


def test_two_schedules_with_one_name_are_refused():
    with pytest.raises(UsageError, match="two schedules are named 'weekly'"):
        load([{"template": "weekly"}, {"template": "weekly", "regions": ["扎赉特旗"]}], "b.toml")
