"""Schedules: which briefings are due when, for which regions, and how missed ones are caught up.

A schedule is a ``[[schedule]]`` table of the config file (see docs/schedules.md). This module is the
pure part: it reads and checks the tables, and from a schedule and a moment computes the due moments
and the period each one owes. Periods come from the calendar in the schedule's time zone (zoneinfo),
never from a scheduler's fire time: a briefing due on Monday 08:00 covers the period of its kind that
ended before that day (the ISO week just ended), whenever the process actually gets to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from ..documents import FORMATS
from ..errors import UsageError
from ..figures.periods import Period, last_ended
from ..settings import SETTINGS, TOP, line_of, located, unknown_key, wrong_type

PRESETS = {                      # name -> cron; in words, as every cron expression, from parse_cron
    "daily": "0 8 * * *",        # every day at 08:00
    "weekly": "0 8 * * mon",     # every Monday at 08:00
    "monthly": "0 8 1 * *",      # on the 1st of every month at 08:00
    "quarterly": "0 8 1 1,4,7,10 *",
    "yearly": "0 8 1 1 *",
}
POLICIES = ("all", "latest")     # or a whole number: at most that many, the most recent
REGION_WORDS = {                 # words a schedule's regions may use besides names and codes
    "top": lambda catalog: [r.code for r in catalog.roots()],    # the top of the hierarchy (the league)
    "all": lambda catalog: list(catalog.regions),                # every region
}
FIELDS = {"name", "template", "when", "cron", "timezone", "regions", "catch_up", "horizon_days", "start",
          "formats", "script", "recipients"}
DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Schedule:
    name: str
    template: str
    cron: str
    timezone: str = "Asia/Shanghai"
    regions: tuple[str, ...] = ("top",)
    catch_up: str | int = "all"            # all, latest, or at most N (the most recent)
    horizon_days: int = DEFAULT_HORIZON_DAYS
    start: datetime | None = None          # None: from when the ledger first saw the schedule
    formats: tuple[str, ...] = ("docx",)
    script: str = "simplified"
    recipients: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> CronTrigger:
        return parse_cron(self.cron).trigger(self.tz)

    def due_moments(self, since: datetime, now: datetime) -> list[datetime]:
        """Every moment the schedule was due in [since, now], oldest first, in its time zone."""
        trigger = self.trigger()
        out: list[datetime] = []
        moment = trigger.get_next_fire_time(None, since.astimezone(self.tz))
        while moment is not None and moment <= now:
            out.append(moment)
            moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
        return out

    def next_moments(self, now: datetime, count: int) -> list[datetime]:
        """The next `count` moments the schedule is due after now."""
        trigger = self.trigger()
        out: list[datetime] = []
        moment = trigger.get_next_fire_time(None, now.astimezone(self.tz) + timedelta(microseconds=1))
        while moment is not None and len(out) < count:
            out.append(moment)
            moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
        return out

    def window_start(self, now: datetime, first_seen: datetime) -> datetime:
        """The first moment whose briefings are owed: the start (or when first seen), within the horizon."""
        start = self.start or first_seen
        return max(start, now - timedelta(days=self.horizon_days))

    def in_words(self) -> str:
        return parse_cron(self.cron).in_words()


def period_due(kind: str, moment: datetime, tz: ZoneInfo) -> Period:
    """The period a briefing due at `moment` covers: the last period of its kind that ended before the
    moment's day in the schedule's time zone (Monday 08:00 → the ISO week that ended on Sunday)."""
    return last_ended(kind, moment.astimezone(tz))


def owed(dues: list[tuple[datetime, Period]], done: set[str], policy: str | int) -> list[tuple[datetime, Period]]:
    """Which of the due (moment, period) pairs to make now, by the catch-up policy: every one not done
    (all), the most recent one if it is not done (latest), or those of the most recent N not done (at
    most N: a long downtime is caught up with the last N briefings, and older ones stay unmade)."""
    first: dict[str, tuple[datetime, Period]] = {}
    for moment, period in dues:           # a period due more than once is owed from its first due moment
        first.setdefault(period.key, (moment, period))
    pairs = list(first.values())
    if policy != "all":                   # latest is at most 1: only the most recent N periods are owed at all
        pairs = pairs[-(1 if policy == "latest" else policy):]
    return [(m, p) for m, p in pairs if p.key not in done]


def dues(schedule: Schedule, kind: str, since: datetime, now: datetime) -> list[tuple[datetime, Period]]:
    """(due moment, period) for every due moment of the schedule in [since, now]. A schedule's start is
    the first period it owes (start = 2024-01-01: the weekly briefings from 2024-W01 on, not the one for
    the last week of 2023 that happens to be due on 1 January)."""
    first_day = schedule.start.astimezone(schedule.tz).date() if schedule.start else None
    pairs = [(m, period_due(kind, m, schedule.tz)) for m in schedule.due_moments(since, now)]
    return [(m, p) for m, p in pairs if first_day is None or p.start >= first_day]


# --- cron expressions ---------------------------------------------------------------------------------
# A cron expression is read once, here, the way standard cron reads it (crontab(5)): day of week 0 and 7 are
# Sunday, 1 is Monday. APScheduler 3's CronTrigger.from_crontab counts 0 as Monday (its issues #455, #495),
# so "0 8 * * 1" fired on Tuesdays. The text is therefore never handed to APScheduler: each field becomes the
# set of values it allows (a Cron), the words of `briefing schedules` are written from those sets, and so is
# the trigger, its days of week as names (sun, mon …), which APScheduler reads as everyone does.
# An expression restricting both the day of month and the day of week is refused: cron runs it on the days
# matching EITHER ("0 8 1-7 * mon" is the 1st to the 7th and every Monday, not the first Monday), crons
# disagree on what counts as restricted ("*/2"), and APScheduler requires both; one of them must be "*".

_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
                ("day of week", 0, 7))
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")   # cron's numbers
_NAMES = {3: {m[:3].lower(): n for n, m in enumerate(_MONTHS, 1)},     # jan = 1 … dec = 12
          4: {d[:3].lower(): n for n, d in enumerate(_WEEKDAYS)}}     # sun = 0 … sat = 6
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
CRON_HINT = ("Five fields: minute hour day-of-month month day-of-week, e.g. \"0 8 * * mon\" (day of week "
             "0 or 7 = Sunday, 1 = Monday … 6 = Saturday, or mon-fri).")


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression as the values each field allows: minute, hour, day of month, month, day
    of week (0 = Sunday). A field written "*" is not restricted."""

    text: str
    values: tuple[tuple[int, ...], ...]
    restricted: tuple[bool, ...]

    def trigger(self, tz: ZoneInfo) -> CronTrigger:
        fields = [",".join(map(str, v)) if r else "*" for v, r in zip(self.values, self.restricted)]
        if self.restricted[4]:
            fields[4] = ",".join(_WEEKDAYS[d][:3].lower() for d in self.values[4])
        minute, hour, day, month, day_of_week = fields
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=tz)

    def in_words(self) -> str:
        """In words: every Monday at 08:00, on the 1st of January and July at 08:00; else the expression itself."""
        minutes, hours = self.values[0], self.values[1]
        days = self._days()
        if days and len(minutes) * len(hours) <= 3:
            return f"{days} at {_joined([f'{h:02d}:{m:02d}' for h in hours for m in minutes])}"
        return f"at cron {self.text!r}" + (f", on {self._weekdays()}" if self.restricted[4] else "")

    def _days(self) -> str | None:
        dom, month = self.values[2], self.values[3]
        months = _joined([_MONTHS[m - 1] for m in month]) if self.restricted[3] else None
        if self.restricted[2]:
            days = _joined([_ordinal(d) for d in dom]) if len(dom) <= 3 else None
            return f"on the {days} of {months or 'every month'}" if days else None
        every = f"every {self._weekdays()}" if self.restricted[4] else "every day"
        return f"{every} in {months}" if months else every

    def _weekdays(self) -> str:
        return _joined([_WEEKDAYS[d] for d in sorted(self.values[4], key=lambda d: (d + 6) % 7)])   # Monday first


def parse_cron(text: str) -> Cron:
    """Read a cron expression; ValueError(message, hint) says what is wrong with it."""
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"it has {len(parts)} fields, not 5", CRON_HINT)
    values = tuple(_cron_field(part, n) for n, part in enumerate(parts))
    restricted = tuple(part != "*" for part in parts)
    if restricted[2] and restricted[4]:
        raise ValueError("it restricts both the day of month and the day of week, and cron then runs on the days "
                         "matching either (1-7 and mon: the 1st to the 7th and every Monday, not the first Monday)",
                         "Leave one of the two \"*\": \"0 8 1 * *\" (the 1st of each month) or \"0 8 * * mon\".")
    if restricted[2] and values[2][0] > max(_MONTH_DAYS[m - 1] for m in values[3]):
        raise ValueError("no month it names has that day, so it never runs", CRON_HINT)
    return Cron(text, values, restricted)


def _cron_field(text: str, n: int) -> tuple[int, ...]:
    """The values of field n: numbers, names, ranges (1-5, mon-fri), steps (*/2, 1-9/2, 3/5), lists of them."""
    name, low, high = _CRON_FIELDS[n]
    top = 6 if n == 4 else high            # where * and 3/5 end (the day of week's 7 is only another Sunday)
    values: set[int] = set()
    for part in text.split(","):
        found = re.fullmatch(r"(?:\*|(\w+)(?:-(\w+))?)(?:/(\d+))?", part)
        if not found:
            raise ValueError(f"{name}: {part!r} is not a number, a range or a step", CRON_HINT)
        first = _cron_value(found[1], n) if found[1] else low
        last = _cron_value(found[2], n) if found[2] else (top if found[3] or not found[1] else first)
        if n == 4 and last == 0 < first and found[2].lower() == "sun":
            last = 7                       # fri-sun: Sunday is 7 too
        step = int(found[3] or 1)
        if step == 0 or first > last:
            raise ValueError(f"{name}: {part!r} " + ("has a step of 0" if step == 0 else "runs backwards"),
                             "Ranges go from low to high: 1-5, mon-fri, fri-sun or 5-7 (7 is Sunday too).")
        values.update(range(first, last + 1, step))
    return tuple(sorted({v % 7 for v in values} if n == 4 else values))


def _cron_value(word: str, n: int) -> int:
    name, low, high = _CRON_FIELDS[n]
    value = int(word) if word.isdigit() else _NAMES.get(n, {}).get(word.lower())
    if value is None:
        raise ValueError(f"{name}: {word!r} is not a number" + (" or a name" if n in _NAMES else ""), CRON_HINT)
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is not between {low} and {high}", CRON_HINT)
    return value


def cron_in_words(cron: str) -> str:
    """A cron expression in words where it has a common shape, else itself (with its days of week in words)."""
    try:
        return parse_cron(cron).in_words()
    except ValueError:
        return f"at cron {cron!r}"


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# --- reading the config ---------------------------------------------------------------------------------

TEXT_FIELDS = ("name", "template", "when", "cron", "timezone", "script")
SETTING_PLACES = {s.name: TOP for s in SETTINGS if s.name not in FIELDS}   # a setting written after a [[schedule]]


def load(tables: Any, source: Path | str | None) -> list[Schedule]:
    """The [[schedule]] tables of a config file, checked; errors name the file, the line, the schedule and the key."""
    if not tables:
        return []
    text = _text_of(source)
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise UsageError(f"{located(source, line_of(text, 'schedule'))}: write schedules as [[schedule]] tables "
                         "(an array), not [schedule]")
    out = [_one(t, n, source, text) for n, t in enumerate(tables, 1)]
    names = [s.name for s in out]
    for n, name in enumerate(names):
        if name in names[:n]:
            line = line_of(text, "schedule", n, "name") or line_of(text, "schedule", n)
            raise UsageError(f"{located(source, line)}: two schedules are named {name!r}",
                             "Give each [[schedule]] its own name.")
    return out


def _text_of(source: Path | str | None) -> str:
    """The config file's text, to find the line of a key in it ("" when there is no such file)."""
    try:
        return Path(source).read_text(encoding="utf-8") if source else ""
    except (OSError, UnicodeDecodeError):
        return ""


def _one(table: dict[str, Any], n: int, source: Path | str | None, text: str) -> Schedule:
    given = table.get("name") if isinstance(table.get("name"), str) else None
    name = given or table.get("template") or f"schedule-{n}"
    label = f"[[schedule]] {given}" if given else f"[[schedule]] #{n} ({name})"

    def fail(key: str, message: str, hint: str | None = None, named: bool = True):
        line = line_of(text, "schedule", n - 1, key) or line_of(text, "schedule", n - 1)
        raise UsageError(f"{located(source, line)}: " + (f"{label}: {key}: {message}" if named else message), hint)

    for key in table:
        if key not in FIELDS:
            hint = (f"A [[schedule]] has: {', '.join(sorted(FIELDS))} (docs/schedules.md)." if key not in
                    SETTING_PLACES else "Move that line above the first [[schedule]].")
            fail(key, unknown_key(key, sorted(FIELDS), label, places=SETTING_PLACES), hint, named=False)
        if key in TEXT_FIELDS and wrong_type(key, table[key], str):
            fail(key, f"{label}: {wrong_type(key, table[key], str)}", f"Write it like {key} = \"…\".", named=False)
    if not table.get("template"):
        fail("template", "missing", "Name a template, e.g. template = \"weekly\" (see `briefing templates`).")
    timezone = _timezone(table.get("timezone", "Asia/Shanghai"), fail)
    return Schedule(str(name), table["template"], _cron(table, fail), timezone,
                    _regions(table.get("regions", ["top"]), fail), _policy(table.get("catch_up", "all"), fail),
                    _horizon(table.get("horizon_days"), fail), _start(table.get("start"), ZoneInfo(timezone), fail),
                    _formats(table.get("formats", ["docx"]), fail), _script(table.get("script", "simplified"), fail),
                    _strings(table.get("recipients", []), "recipients", fail))


def _cron(table: dict[str, Any], fail) -> str:
    when, cron = table.get("when"), table.get("cron")
    if when is not None and cron is not None:
        fail("when", "give either when (a preset) or cron, not both")
    if cron is None:
        when = when or "weekly"
        if when not in PRESETS:
            fail("when", f"unknown preset {when!r}", f"Presets: {', '.join(PRESETS)}; or write cron = \"0 8 * * mon\".")
        return PRESETS[when]
    try:
        parse_cron(cron)
    except ValueError as exc:
        fail("cron", f"{cron!r}: {exc.args[0]}", exc.args[1])
    return cron


def _timezone(value: Any, fail) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        fail("timezone", f"unknown time zone {value!r}", "Use an IANA name such as Asia/Shanghai.")
    return str(value)


def _regions(value: Any, fail) -> tuple[str, ...]:
    regions = _strings([value] if isinstance(value, str) else value, "regions", fail)
    if not regions:
        fail("regions", "empty", "Name regions (codes or names), or \"top\" for the league, \"all\" for every region.")
    return regions


def _policy(value: Any, fail) -> str | int:
    if isinstance(value, bool) or not (value in POLICIES or (isinstance(value, int) and value >= 1)):
        fail("catch_up", f"{value!r} is not a catch-up policy",
             "Use \"all\" (every missed briefing), \"latest\" (only the most recent) or a number N (at most N).")
    return value


def _horizon(value: Any, fail) -> int:
    if value is None:
        return DEFAULT_HORIZON_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fail("horizon_days", f"{value!r} is not a number of days", "Write a whole number of days, e.g. 90.")
    return value


def _start(value: Any, tz: ZoneInfo, fail) -> datetime | None:
    """A TOML date or date-time, or a string of either; a time without an offset is in the schedule's zone."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if re.search(r"[T ]\d", value) else date.fromisoformat(value)
        except ValueError:
            fail("start", f"{value!r} is not a date", "Write it like 2024-01-01 or 2024-01-01T00:00+08:00.")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz)
    fail("start", f"{value!r} is not a date", "Write it like 2024-01-01.")
    raise AssertionError  # fail raised


def _formats(value: Any, fail) -> tuple[str, ...]:
    formats = _strings([value] if isinstance(value, str) else value, "formats", fail)
    problem = formats_problem(formats)
    if problem:
        fail("formats", problem, FORMATS_HINT)
    return formats


FORMATS_HINT = f"Use any of {', '.join(FORMATS)}, with docx."


def formats_problem(formats: tuple[str, ...]) -> str | None:
    """What is wrong with the formats of an archived briefing (docx, and html or pdf beside it), or None."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        return f"{bad[0]!r} is not a format"
    return None if "docx" in formats else "docx is the archived document and must be listed"


def _script(value: Any, fail) -> str:
    from ..figures.script import SCRIPTS

    if value not in SCRIPTS:
        fail("script", f"unknown script {value!r}", f"Use one of {', '.join(SCRIPTS)}.")
    return value


def _strings(value: Any, field: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        fail(field, f"{value!r} is not a list of names", f"Write it like {field} = [\"…\", \"…\"].")
    return tuple(v.strip() for v in value)
