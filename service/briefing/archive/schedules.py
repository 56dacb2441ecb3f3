"""Schedules: which briefings are due when, for which regions, and how missed ones are caught up.

A schedule is a ``[[schedule]]`` table of the config file (see docs/schedules.md). This module is the
pure part: it reads and checks the tables, and from a schedule and a moment computes the due moments
and the period each one owes. Periods come from the calendar in the schedule's time zone (zoneinfo),
never from a scheduler's fire time: a briefing due on Monday 08:00 covers the period of its kind that
ended before that day (the ISO week just ended), whenever the process actually gets to it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from ..documents import FORMATS
from ..documents.masthead import Recipients, read_recipients
from ..errors import UsageError
from ..figures.periods import Period, last_ended
from ..i18n import _
from ..settings import SETTINGS, TOP, line_of, located, unknown_key, wrong_type
from .cron import parse_cron

PRESETS = {                      # name -> cron; in words, as every cron expression, from parse_cron
    "daily": "0 8 * * *",        # every day at 08:00
    "weekly": "0 8 * * mon",     # every Monday at 08:00
    "monthly": "0 8 1 * *",      # on the 1st of every month at 08:00
    "quarterly": "0 8 1 1,4,7,10 *",
    "yearly": "0 8 1 1 *",
}
CORRECTIONS = ("never", "ask", "auto")   # a later change to a made period: nothing, a log line, a 更正版
POLICIES = ("all", "latest")     # or a whole number: at most that many, the most recent
REGION_WORDS = {                 # words a schedule's regions may use besides names and codes
    "top": lambda catalog: [r.code for r in catalog.roots()],    # the top of the hierarchy (the league)
    "all": lambda catalog: list(catalog.regions),                # every region
}
FIELDS = {"name", "template", "when", "cron", "timezone", "regions", "catch_up", "horizon_days", "hold_hours", "corrections", "start",
          "formats", "script", "recipients", "on_failure", "deliver_to", "deliver_to_regions", "notify_failure_to",
          "approval"}
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
    recipients: Recipients = ()             # 报、送、发: (line, names) pairs (documents/masthead.py)
    hold_hours: int = 0                    # hold a region's briefing until all its parts have reported, so long
    corrections: str = "ask"               # when a made period's figures change: never, ask (log it), auto (更正版)
    on_failure: tuple[str, ...] = ()       # a command (argv) run when one of its briefings begins failing (hooks.py)
    deliver_to: tuple[str, ...] = ()       # recipient groups or members its briefings are sent to (docs/delivery.md)
    deliver_to_regions: bool = False       # also each region's briefing to the group named like the region
    notify_failure_to: tuple[str, ...] = ()   # groups or members told when a briefing or a delivery fails
    approval: bool = False                 # its briefings wait for sign-off (审核/签发) before they are delivered

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


TEXT_FIELDS = ("name", "template", "when", "cron", "timezone", "script")
SETTING_PLACES = {s.name: TOP for s in SETTINGS if s.name not in FIELDS}   # a setting written after a [[schedule]]


def load(tables: Any, source: Path | str | None) -> list[Schedule]:
    """The [[schedule]] tables of a config file, checked; errors name the file, the line, the schedule and the key."""
    if not tables:
        return []
    text = _text_of(source)
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise UsageError(_("{where}: {message}").format(
            where=located(source, line_of(text, "schedule")),
            message=_("write schedules as [[schedule]] tables (an array), not [schedule]")))
    out = [_one(t, n, source, text) for n, t in enumerate(tables, 1)]
    names = [s.name for s in out]
    for n, name in enumerate(names):
        if name in names[:n]:
            line = line_of(text, "schedule", n, "name") or line_of(text, "schedule", n)
            raise UsageError(_("{where}: {message}").format(
                where=located(source, line), message=_("two schedules are named {name}").format(name=repr(name))),
                _("Give each [[schedule]] its own name."))
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
        said = _("{where}: {message}").format(where=label, message=_("{where}: {message}").format(
            where=key, message=message)) if named else message
        raise UsageError(_("{where}: {message}").format(where=located(source, line), message=said), hint)

    for key in table:
        if key not in FIELDS:
            hint = (_("A [[schedule]] has: {keys} (docs/schedules.md).").format(keys=", ".join(sorted(FIELDS)))
                    if key not in SETTING_PLACES else _("Move that line above the first [[schedule]]."))
            fail(key, unknown_key(key, sorted(FIELDS), label, places=SETTING_PLACES), hint, named=False)
        if key in TEXT_FIELDS and wrong_type(key, table[key], str):
            fail(key, _("{where}: {message}").format(where=label, message=wrong_type(key, table[key], str)),
                 _('Write it like {key} = "…".').format(key=key), named=False)
    if not table.get("template"):
        fail("template", _("missing"), _('Name a template, e.g. template = "weekly" (see `briefing templates`).'))
    timezone = _timezone(table.get("timezone", "Asia/Shanghai"), fail)
    return Schedule(str(name), table["template"], _cron(table, fail), timezone,
                    _regions(table.get("regions", ["top"]), fail), _policy(table.get("catch_up", "all"), fail),
                    _horizon(table.get("horizon_days"), fail), _start(table.get("start"), ZoneInfo(timezone), fail),
                    _formats(table.get("formats", ["docx"]), fail), _script(table.get("script", "simplified"), fail),
                    _recipients(table.get("recipients", []), fail), _hold(table.get("hold_hours", 0), fail),
                    _choice(table.get("corrections", "ask"), "corrections", CORRECTIONS, fail),
                    on_failure=_command(table.get("on_failure"), source, fail),
                    deliver_to=_strings(table.get("deliver_to", []), "deliver_to", fail),
                    deliver_to_regions=_flag(table.get("deliver_to_regions", False), "deliver_to_regions", fail),
                    notify_failure_to=_strings(table.get("notify_failure_to", []), "notify_failure_to", fail),
                    approval=_flag(table.get("approval", False), "approval", fail))


def _cron(table: dict[str, Any], fail) -> str:
    when, cron = table.get("when"), table.get("cron")
    if when is not None and cron is not None:
        fail("when", _("give either when (a preset) or cron, not both"))
    if cron is None:
        when = when or "weekly"
        if when not in PRESETS:
            fail("when", _("unknown preset {name}").format(name=repr(when)),
                 _('Presets: {presets}; or write cron = "0 8 * * mon".').format(presets=", ".join(PRESETS)))
        return PRESETS[when]
    try:
        parse_cron(cron)
    except ValueError as exc:
        fail("cron", _("{where}: {message}").format(where=repr(cron), message=exc.args[0]), exc.args[1])
    return cron


def _timezone(value: Any, fail) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        fail("timezone", _("unknown time zone {name}").format(name=repr(value)),
             _("Use an IANA name such as Asia/Shanghai."))
    return str(value)


def _regions(value: Any, fail) -> tuple[str, ...]:
    regions = _strings([value] if isinstance(value, str) else value, "regions", fail)
    if not regions:
        fail("regions", _("empty"), _('Name regions (codes or names), or "top" for the league, "all" for every region.'))
    return regions


def _policy(value: Any, fail) -> str | int:
    if isinstance(value, bool) or not (value in POLICIES or (isinstance(value, int) and value >= 1)):
        fail("catch_up", _("{value} is not a catch-up policy").format(value=repr(value)),
             _('Use "all" (every missed briefing), "latest" (only the most recent) or a number N (at most N).'))
    return value


def _horizon(value: Any, fail) -> int:
    if value is None:
        return DEFAULT_HORIZON_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fail("horizon_days", _("{value} is not a number of days").format(value=repr(value)),
             _("Write a whole number of days, e.g. 90."))
    return value


def _choice(value: Any, field: str, allowed: tuple[str, ...], fail) -> str:
    if value not in allowed:
        fail(field, _("{value} is not one of {allowed}").format(value=repr(value), allowed=", ".join(allowed)),
             _('Write {field} = "{first}", or another of them.').format(field=field, first=allowed[0]))
    return value


def _hold(value: Any, fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        fail("hold_hours", _("{value} is not a number of hours").format(value=repr(value)),
             _("Write a whole number of hours, e.g. 48 (0: no hold)."))
    return value


def _start(value: Any, tz: ZoneInfo, fail) -> datetime | None:
    """A TOML date or date-time, or a string of either; a time without an offset is in the schedule's zone."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if re.search(r"[T ]\d", value) else date.fromisoformat(value)
        except ValueError:
            fail("start", _("{value} is not a date").format(value=repr(value)),
                 _("Write it like 2024-01-01 or 2024-01-01T00:00+08:00."))
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz)
    fail("start", _("{value} is not a date").format(value=repr(value)), _("Write it like 2024-01-01."))
    raise AssertionError  # fail raised


def _formats(value: Any, fail) -> tuple[str, ...]:
    formats = _strings([value] if isinstance(value, str) else value, "formats", fail)
    problem = formats_problem(formats)
    if problem:
        fail("formats", problem, formats_hint())
    return formats


def formats_hint() -> str:
    return _("Use any of {formats}, with docx.").format(formats=", ".join(FORMATS))


def formats_problem(formats: tuple[str, ...]) -> str | None:
    """What is wrong with the formats of an archived briefing (docx, and html or pdf beside it), or None."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        return _("{value} is not a format").format(value=repr(bad[0]))
    return None if "docx" in formats else _("docx is the archived document and must be listed")


def _recipients(value: Any, fail) -> Recipients:
    try:
        return read_recipients(value)
    except ValueError as exc:
        fail("recipients", str(exc), _('Write recipients = ["…", "…"] (发), or { "报" = ["…"], "送" = ["…"], "发" = '
                                       '["…"] }, or entries named by their line: ["报：…", "送：…"] (docs/schedules.md).'))
        raise AssertionError from None   # fail raised


def _command(value: Any, source: Path | str | None, fail) -> tuple[str, ...]:
    """A command to run (argv): a string split as a shell splits words, or a list of words; never given to a
    shell. A program named by a relative path (bin/notify.sh) is found from the config file's folder."""
    if value is None:
        return ()
    try:
        argv = tuple(shlex.split(value)) if isinstance(value, str) else _strings(value, "on_failure", fail)
    except ValueError as exc:
        fail("on_failure", _("{where}: {message}").format(where=repr(value), message=exc),
             _("Quote a word holding spaces, e.g. on_failure = \"notify.sh '周报 组'\"."))
    if not argv:
        fail("on_failure", _("empty"), _('Name a program and its arguments, e.g. on_failure = "/usr/local/bin/notify.sh".'))
    program = Path(argv[0])
    if source and "/" in argv[0] and not program.is_absolute():
        argv = (str(Path(source).resolve().parent / program), *argv[1:])
    return argv


def _script(value: Any, fail) -> str:
    from ..figures.script import SCRIPTS

    if value not in SCRIPTS:
        fail("script", _("unknown script {name}").format(name=repr(value)),
             _("Use one of {names}.").format(names=", ".join(SCRIPTS)))
    return value


def _strings(value: Any, field: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        fail(field, _("{value} is not a list of names").format(value=repr(value)),
             _('Write it like {field} = ["…", "…"].').format(field=field))
    return tuple(v.strip() for v in value)


def _flag(value: Any, field: str, fail) -> bool:
    if not isinstance(value, bool):
        fail(field, wrong_type(field, value, bool), _("Write it like {field} = true.").format(field=field))
    return value
