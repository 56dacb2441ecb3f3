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
