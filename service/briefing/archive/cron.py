"""Cron expressions, read once the way standard cron reads them.

A cron expression is read once, here, the way standard cron reads it (crontab(5)): day of week 0 and 7 are
Sunday, 1 is Monday. APScheduler 3's CronTrigger.from_crontab counts 0 as Monday (its issues #455, #495),
so "0 8 * * 1" fired on Tuesdays. The text is therefore never handed to APScheduler: each field becomes the
set of values it allows (a Cron), the words of `briefing schedules` are written from those sets, and so is
the trigger, its days of week as names (sun, mon …), which APScheduler reads as everyone does.
An expression restricting both the day of month and the day of week is refused: cron runs it on the days
matching EITHER ("0 8 1-7 * mon" is the 1st to the 7th and every Monday, not the first Monday), crons
disagree on what counts as restricted ("*/2"), and APScheduler requires both; one of them must be "*".
--- reading the config ---------------------------------------------------------------------------------
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from ..i18n import N_, _

_CRON_FIELDS = ((N_("minute"), 0, 59), (N_("hour"), 0, 23), (N_("day of month"), 1, 31), (N_("month"), 1, 12),
                (N_("day of week"), 0, 7))
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
_WEEKDAYS = (N_("Sunday"), N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"))   # cron's numbers; the words are translated where they are shown
_NAMES = {3: {m[:3].lower(): n for n, m in enumerate(_MONTHS, 1)},     # jan = 1 … dec = 12
          4: {d[:3].lower(): n for n, d in enumerate(_WEEKDAYS)}}     # sun = 0 … sat = 6
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
CRON_HINT = N_("Five fields: minute hour day-of-month month day-of-week, e.g. \"0 8 * * mon\" (day of week "
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
        """In words: every Monday at 08:00 (每周一 08:00), on the 1st of January and July at 08:00 (1月、7月的1日
        08:00); else the expression itself."""
        minutes, hours = self.values[0], self.values[1]
        days = self._days()
        if days and len(minutes) * len(hours) <= 3:
            times = _joined([f"{h:02d}:{m:02d}" for h in hours for m in minutes])
            return _("{days} at {times}").format(days=days, times=times)
        text = _("at cron '{cron}'").format(cron=self.text)
        return text + (_(", on {weekdays}").format(weekdays=self._weekdays()) if self.restricted[4] else "")

    def _days(self) -> str | None:
        dom, month = self.values[2], self.values[3]
        months = _joined([_(_MONTHS[m - 1]) for m in month]) if self.restricted[3] else None
        if self.restricted[2]:
            if len(dom) > 3:
                return None
            days = _joined([_ordinal(d) for d in dom])
            return (_("on the {days} of {months}").format(days=days, months=months) if months
                    else _("on the {days} of every month").format(days=days))
        if not self.restricted[4]:
            return _("every day in {months}").format(months=months) if months else _("every day")
        every = _("every {weekdays}").format(weekdays=self._weekdays())
        return _("{every} in {months}").format(every=every, months=months) if months else every

    def _weekdays(self) -> str:
        return _joined([_(_WEEKDAYS[d]) for d in sorted(self.values[4], key=lambda d: (d + 6) % 7)])   # Monday first


def parse_cron(text: str) -> Cron:
    """Read a cron expression; ValueError(message, hint) says what is wrong with it."""
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(_("it has {count} fields, not 5").format(count=len(parts)), _(CRON_HINT))
    values = tuple(_cron_field(part, n) for n, part in enumerate(parts))
    restricted = tuple(part != "*" for part in parts)
    if restricted[2] and restricted[4]:
        raise ValueError(_("it restricts both the day of month and the day of week, and cron then runs on the days "
                           "matching either (1-7 and mon: the 1st to the 7th and every Monday, not the first Monday)"),
                         _("Leave one of the two \"*\": \"0 8 1 * *\" (the 1st of each month) or \"0 8 * * mon\"."))
    if restricted[2] and values[2][0] > max(_MONTH_DAYS[m - 1] for m in values[3]):
        raise ValueError(_("no month it names has that day, so it never runs"), _(CRON_HINT))
    return Cron(text, values, restricted)


def _cron_field(text: str, n: int) -> tuple[int, ...]:
    """The values of field n: numbers, names, ranges (1-5, mon-fri), steps (*/2, 1-9/2, 3/5), lists of them."""
    name, low, high = _CRON_FIELDS[n]
    top = 6 if n == 4 else high            # where * and 3/5 end (the day of week's 7 is only another Sunday)
    values: set[int] = set()
    for part in text.split(","):
        found = re.fullmatch(r"(?:\*|(\w+)(?:-(\w+))?)(?:/(\d+))?", part)
        if not found:
            raise ValueError(_("{field}: '{part}' is not a number, a range or a step").format(field=_(name), part=part),
                             _(CRON_HINT))
        first = _cron_value(found[1], n) if found[1] else low
        last = _cron_value(found[2], n) if found[2] else (top if found[3] or not found[1] else first)
        if n == 4 and last == 0 < first and found[2].lower() == "sun":
            last = 7                       # fri-sun: Sunday is 7 too
        step = int(found[3] or 1)
        if step == 0 or first > last:
            problem = (_("{field}: '{part}' has a step of 0") if step == 0 else _("{field}: '{part}' runs backwards"))
            raise ValueError(problem.format(field=_(name), part=part),
                             _("Ranges go from low to high: 1-5, mon-fri, fri-sun or 5-7 (7 is Sunday too)."))
        values.update(range(first, last + 1, step))
    return tuple(sorted({v % 7 for v in values} if n == 4 else values))


def _cron_value(word: str, n: int) -> int:
    name, low, high = _CRON_FIELDS[n]
    value = int(word) if word.isdigit() else _NAMES.get(n, {}).get(word.lower())
    if value is None:
        problem = _("{field}: '{word}' is not a number or a name") if n in _NAMES else _(
            "{field}: '{word}' is not a number")
        raise ValueError(problem.format(field=_(name), word=word), _(CRON_HINT))
    if not low <= value <= high:
        raise ValueError(_("{field}: {value} is not between {low} and {high}").format(field=_(name), value=value,
                                                                                     low=low, high=high), _(CRON_HINT))
    return value


def cron_in_words(cron: str) -> str:
    """A cron expression in words where it has a common shape, else itself (with its days of week in words)."""
    try:
        return parse_cron(cron).in_words()
    except ValueError:
        return _("at cron '{cron}'").format(cron=cron)


def _joined(words: list[str]) -> str:
    """a; a and b; a, b and c (甲；甲、乙；甲、乙、丙)."""
    if len(words) == 1:
        return words[0]
    return _("{first} and {last}").format(first=_(", ").join(words[:-1]), last=words[-1])


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st (1日, 2日 …)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return {"st": _("{n}st"), "nd": _("{n}nd"), "rd": _("{n}rd"), "th": _("{n}th")}[suffix].format(n=n)


# --- reading the config ---------------------------------------------------------------------------------
