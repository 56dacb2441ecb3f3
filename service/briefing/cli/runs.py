"""Commands about how the scheduled briefings went: runs (what was made, failed or waits, and why) and retry."""

from __future__ import annotations

import click

from ..archive.ledger import STILL_FAILING, Ledger, Report
from ..archive.runner import Runner
from ..archive.runs import result_of, retried, took
from ..errors import UsageError
from ..i18n import N_, _, ngettext
from ..ingest.form import width
from ..store.db import local_text
from .base import CONTEXT, cli, open_store, tz_of
from .output import emit, listing_options
from .progress import progress
from .schedule import attach, load_schedules, parse_now

HEADERS = (N_("ID"), N_("schedule"), N_("template"), N_("period"), N_("region"), N_("result"), N_("started"),
           N_("took"), N_("attempts"), N_("next try"), N_("error"))
SHOWN_ERROR = 60          # display columns of an error in a table (csv and json have all of it)


@cli.command(context_settings=CONTEXT)
@click.option("--failed", "only_failed", is_flag=True,
              help="Only the briefings failing now (failed, and not made since by a later version).")
@click.option("-s", "--schedule", metavar="NAME", help="Only this schedule's briefings and their corrected editions.")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many, the most recently begun first.")
@listing_options
@click.pass_context
def runs(ctx: click.Context, only_failed: bool, schedule: str | None, limit: int, fmt: str) -> None:
    """List the latest briefings made, failed or waiting, the latest first: the result, when the last attempt
    began and how long it took, the attempts, when it is tried again, and the error in words.

    \b
    Example:
      briefing runs
      briefing runs --failed
      briefing runs -s 周报 -n 50 -f csv -o 运行记录.csv
    """
    where, params = ["1"], []
    if only_failed:
        where.append(STILL_FAILING)
    if schedule:
        where.append("(reports.schedule = ? OR reports.corrects IN (SELECT id FROM reports WHERE schedule = ?))")
        params += [schedule, schedule]
    with open_store(ctx) as store:
        ledger = Ledger(store)
        found = ledger.find(" AND ".join(where), params, latest=limit)
        failing = len(ledger.find(STILL_FAILING)) if fmt == "table" else 0
    rows = [_row(ctx, r, fmt == "table") for r in found]
    emit([_(h) for h in HEADERS], rows, fmt, right=(0, 7, 8))
    if failing:
        click.echo(ngettext("{count} briefing is failing: `briefing retry --failed` tries it again now.",
                            "{count} briefings are failing: `briefing retry --failed` tries them again now.",
                            failing).format(count=failing), err=True)


def _row(ctx: click.Context, r: Report, short: bool) -> list:
    error = r.error or ""
    return [r.id, r.schedule or "", r.template, r.period, r.region_name, result_of(r), local(ctx, r.started_at),
            took(r.duration_ms), r.attempts, local(ctx, r.retry_at) if retried(r) else "",
            _shortened(error) if short else error]


def local(ctx: click.Context, moment: str | None) -> str:
    """A moment of the ledger (ISO UTC) in the configured time zone, to the minute."""
    return local_text(moment, tz_of(ctx))


def _shortened(text: str) -> str:
    """The first line of a text, cut to SHOWN_ERROR display columns."""
    line = text.strip().split("\n", 1)[0]
    if width(line) <= SHOWN_ERROR and "\n" not in text.strip():
        return line
    while width(line) > SHOWN_ERROR - 1:
        line = line[:-1]
    return line + "…"


@cli.command(context_settings=CONTEXT)
@click.argument("report_ids", metavar="[ID]...", type=int, nargs=-1)
@click.option("--failed", "every_failing", is_flag=True, help="Every briefing the schedules are failing to make.")
@click.option("-s", "--schedule", "only", metavar="NAME", help="With --failed: only this schedule's.")
@click.option("--now", metavar="TIME", help="Act as of this moment, as run-due does [default: now].")
@click.pass_context
def retry(ctx: click.Context, report_ids: tuple[int, ...], every_failing: bool, only: str | None,
          now: str | None) -> None:
    """Try failed (or waiting) scheduled briefings again now, without waiting for their next try, and say
    what happened to each. Exits 1 if any failed again.

    \b
    Example:
      briefing retry 12
      briefing retry --failed
    """
    if bool(report_ids) == every_failing:
        raise UsageError(_("give the IDs of briefings to retry, or --failed for every failing one"),
                         _("`briefing runs --failed` lists the failing ones with their IDs."))
    found = load_schedules(ctx)
    moment = parse_now(now, ctx)
    with open_store(ctx) as store:
        runner = Runner(store, ctx.obj["settings"], found)
        attach(runner)       # a briefing made now is delivered as a scheduled run's is
        chosen = runner.failing(moment, only) if every_failing else [_report(runner.ledger, n) for n in report_ids]
        lines, still = [], 0
        with progress(len(chosen), _("retrying")) as advance:
            for report in chosen:
                runner.retry(report, moment)
                after = runner.ledger.get(report.id)
                lines.append(_what_happened(ctx, runner, after))
                still += after.status == "failed"
                advance(1)
    for line in lines or [_("no briefing is failing")]:
        click.echo(line)
    if still:
        ctx.exit(1)


def _report(ledger: Ledger, report_id: int) -> Report:
    report = ledger.get(report_id)
    if report is None:
        raise UsageError(_("there is no briefing #{id}").format(id=report_id),
                         _("`briefing runs` lists the latest with their IDs."))
    return report


def _what_happened(ctx: click.Context, runner: Runner, r: Report) -> str:
    what = f"#{r.id} {r.schedule}: {r.template} {r.period} {r.region_name}"
    if r.status == "done":
        docx = r.file("docx")
        return _("{what}: generated {path}").format(what=what, path=runner.archive.path(docx.path) if docx else "")
    if r.status == "failed":
        return _("{what}: failed again: {error} (next try {when})").format(
            what=what, error=" ".join((r.error or "").split()), when=local(ctx, r.retry_at))
    if r.status == "waiting":
        return _("{what}: waiting for data: {reason} (looked at again {when})").format(
            what=what, reason=r.error or "", when=local(ctx, r.retry_at))
    return _("{what}: being made by another process").format(what=what)
