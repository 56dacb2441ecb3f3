"""Commands about schedules: schedules, run-due, serve."""

from __future__ import annotations

import logging
import shutil
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..archive import schedules as schedules_mod
from ..archive.runner import Runner, schedule_template
from ..documents import templates as templates_mod
from ..errors import UsageError
from ..i18n import N_, _, ngettext
from ..store.db import Store, iso_utc
from .base import CONTEXT, cli, open_store, parse_moment, tz_of

NEXT_RUNS = 3
# the words of archive/schedules.py's region selectors where a person reads a schedule
SELECTOR_WORDS = {"top": N_("top (the top region)"), "all": N_("all (every region)")}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))   # date.weekday() order


def load_schedules(ctx: click.Context) -> list[schedules_mod.Schedule]:
    s = ctx.obj["settings"]
    found = schedules_mod.load(s.sections.get("schedule"), s.path)
    if not found:
        raise UsageError(_("{path} has no [[schedule]] tables").format(path=s.path) if s.path else
                         _("no config file was found, so there are no [[schedule]] tables"),
                         _("Copy deploy/briefing.example.toml to briefing.toml (or pass --config) and edit it; see "
                           "docs/schedules.md."))
    return found


def attach(runner: Runner) -> None:
    """Give a runner the delivery of what it makes (delivery/deliver.py; its schedules' recipients checked first)."""
    from ..delivery.deliver import Deliverer

    deliverer = Deliverer(runner.store, runner.settings, runner.schedules)
    deliverer.check()
    runner.delivery = deliverer


def parse_now(text: str | None, ctx: click.Context) -> datetime:
    """--now as an aware moment, read as --as-of is (a bare date is the end of that day); without it, now."""
    return parse_moment(text, tz_of(ctx), "--now") if text else datetime.now(timezone.utc)


def decisions_to_stderr(tz: ZoneInfo | None = None) -> None:
    """The runner's one line per decision, shown whatever -v says (they are what these commands are for); with a
    time zone, each line begins with its time there (serve's journal), whatever zone the machine runs in."""
    logging.getLogger("briefing.archive").setLevel(logging.INFO)  # the runner, serve and the hooks
    logging.getLogger("briefing.delivery").setLevel(logging.INFO)  # each delivery sent, tried again or failed
    logging.getLogger("briefing.web").setLevel(logging.INFO)       # where the pages are; a stop
    if tz is not None:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(ZonedFormatter("%(asctime)s %(levelname)s %(message)s", tz))


class ZonedFormatter(logging.Formatter):
    """Log lines stamped with ISO 8601 times in a given time zone, with its offset (2024-01-22T08:00:03+08:00)."""

    def __init__(self, fmt: str, tz: ZoneInfo):
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="seconds")


@cli.command(context_settings=CONTEXT)
@click.option("--now", metavar="TIME", help="List the runs after this moment instead of now.")
@click.pass_context
def schedules(ctx: click.Context, now: str | None) -> None:
    """List the schedules of the config file, with their next runs and what the ledger holds.

    \b
    Example:
      briefing --config deploy/briefing.example.toml schedules
    """
    found = load_schedules(ctx)
    moment = parse_now(now, ctx)
    s = ctx.obj["settings"]
    # without a database yet, the schedules are still listed (without their periods and ledger)
    opened = Store(s.db, busy_timeout_ms=s.busy_timeout_ms, create=False) if Path(s.db).exists() else nullcontext()
    with opened as store:
        runner = Runner(store, s, found) if store else None
        if runner:
            runner.check()
        for schedule in found:
            _describe(schedule, schedule_template(schedule, s), runner, moment, tz_of(ctx))


def _describe(schedule: schedules_mod.Schedule, template: templates_mod.Template, runner: Runner | None,
              now: datetime, tz: ZoneInfo) -> None:
    policy = {"all": _("all missed"), "latest": _("the latest only")}.get(
        schedule.catch_up, _("at most {count}").format(count=schedule.catch_up))
    start = schedule.start.date().isoformat() if schedule.start else _("when first run")
    click.echo(_("{name}: template {template}, {when} ({zone})").format(
        name=schedule.name, template=schedule.template, when=schedule.in_words(), zone=schedule.timezone))
    named = sum(len(names) for _kind, names in schedule.recipients)     # 报、送、发 together
    click.echo("  " + _("regions: {regions} · catch-up: {policy}, within {days} days · from {start} · formats: "
                        "{formats} · recipients: {recipients}").format(
        regions=_(", ").join(_(SELECTOR_WORDS[r]) if r in SELECTOR_WORDS else r for r in schedule.regions),
        policy=policy, days=schedule.horizon_days, start=start,
        formats=_(", ").join(schedule.formats), recipients=named))
    if schedule.on_failure:
        found = shutil.which(schedule.on_failure[0])
        said = _("on failure: {command}") if found else _("on failure: {command} (not found)")
        click.echo("  " + said.format(command=" ".join(schedule.on_failure)))
    for moment in schedule.next_moments(now, NEXT_RUNS):
        local = moment.astimezone(schedule.tz)
        here = "" if moment.astimezone(tz).utcoffset() == local.utcoffset() else \
            _(" ({time} {zone})").format(time=_day_time(moment.astimezone(tz)), zone=tz.key)   # the configured zone
        period = schedules_mod.period_due(template.period, moment, schedule.tz).key
        click.echo("  " + _("next: {time}{elsewhere} → {period} ({after})").format(
            time=_day_time(local), elsewhere=here, period=period, after=_in_words(moment - now)))
    if runner:
        made = runner.ledger.find("schedule = ? AND status = 'done'", [schedule.name])
        last = made[-1].period if made else _("none yet")
        since = schedule.window_start(now, runner.ledger.first_seen(schedule.name))
        failing = runner.ledger.failing(schedule.name, iso_utc(since))
        click.echo("  " + _("made: {made} · latest period: {last} · failing: {failing}").format(
            made=len(made), last=last, failing=len(failing)))


def _day_time(moment: datetime) -> str:
    """Mon 2024-01-22 08:00 (周一 2024-01-22 08:00)."""
    return f"{_(WEEKDAYS[moment.weekday()])} {moment:%Y-%m-%d %H:%M}"


def _in_words(delta) -> str:
    """in 1 day 22 hours (1天22小时后), in 5 minutes, in less than a minute."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [ngettext("{count} day", "{count} days", days).format(count=days)] if days else []
    if hours or (days and not minutes):
        parts.append(ngettext("{count} hour", "{count} hours", hours).format(count=hours))
    if not days and minutes:
        parts.append(ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes))
    if not parts:
        return _("in less than a minute")
    joined = parts[0] if len(parts) == 1 else _("{larger} {smaller}").format(larger=parts[0], smaller=parts[1])
    return _("in {time}").format(time=joined)


@cli.command("run-due", context_settings=CONTEXT)
@click.option("--now", metavar="TIME", help="Act as of this moment, e.g. 2024-01-22T08:00+08:00 [default: now].")
@click.option("-s", "--schedule", "only", metavar="NAME", help="Run only this schedule.")
@click.pass_context
def run_due(ctx: click.Context, now: str | None, only: str | None) -> None:
    """Make every briefing the schedules owe, then exit (for cron or a systemd timer).

    Each (template, period, region) is claimed in the ledger first, so two runs at once make each briefing
    once. Decisions are logged to stderr, one line each; the files made are printed. Exits 1 while a briefing
    is failing: one failed in this run, or one that failed before is still waiting to be tried again.

    \b
    Example:
      briefing --config briefing.toml run-due
      briefing run-due --now 2024-01-22T08:00+08:00
    """
    found = load_schedules(ctx)
    decisions_to_stderr()
    moment = parse_now(now, ctx)
    with open_store(ctx) as store:
        runner = Runner(store, ctx.obj["settings"], found)
        attach(runner)       # what it makes is queued to its schedule's recipients, and sent at the end of the step
        step = runner.run_due(moment, only)
        for path in step.made + step.corrected:
            click.echo(str(runner.archive.path(path)))
        failing = len(runner.failing(moment, only))
    if step.failed or failing:
        count = max(failing, len(step.failed))
        click.echo(ngettext("{count} briefing is failing: `briefing runs --failed` says why, "
                            "`briefing retry --failed` tries it again now.",
                            "{count} briefings are failing: `briefing runs --failed` says why, "
                            "`briefing retry --failed` tries them again now.", count).format(count=count), err=True)
        ctx.exit(1)


@cli.command(context_settings=CONTEXT)
@click.option("--no-web", is_flag=True, help="Run the schedules only, without the web pages and the API.")
@click.option("--host", default=None, help="The address the pages listen on [default: the web_host setting, "
              "127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="The port the pages listen on [default: the web_port setting, 8000].")
@click.pass_context
def serve(ctx: click.Context, no_web: bool, host: str | None, port: int | None) -> None:
    """Run the schedules and serve the web pages and the HTTP API in this process until stopped (SIGTERM or Ctrl-C).

    It catches up at start, makes each briefing at its schedule's time, and retries failures; the pages
    (docs/web.md) are at http://127.0.0.1:8000/ unless --no-web. See deploy/briefing.service for running it
    under systemd.

    \b
    Example:
      briefing --config /etc/briefing/briefing.toml serve
      briefing serve --host 0.0.0.0 --port 8080
      briefing serve --no-web
    """
    from ..archive.serve import Service

    found = load_schedules(ctx)
    decisions_to_stderr(tz_of(ctx))
    with open_store(ctx) as store:   # a missing database is an error (a wrong path), not a new empty one: run init
        runner = Runner(store, ctx.obj["settings"], found)
        runner.check()
        attach(runner)
    service = Service(ctx.obj["settings"], found, attach=attach)
    if no_web:
        service.start()
        return
    from .web import run_web

    run_web(ctx, host, port, service, found)
