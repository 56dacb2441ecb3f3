"""``briefing backfill``: the briefings of a range of past periods for one region, several or all, written into a
folder at once (documents.make.backfill: each region's figures read once, regions over one process per core)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ..archive.runner import region_codes
from ..documents import FORMATS
from ..documents import templates as templates_mod
from ..documents.make import Outcome, template_dirs
from ..documents.make import backfill as make_backfill
from ..errors import NotFound, UsageError
from ..figures.period_text import parse_period
from ..figures.periods import Period, period_of
from ..figures.script import SCRIPTS
from ..i18n import _
from ..store.catalog import Catalog
from .base import CONTEXT, cli, open_store, parse_as_of, tz_of
from .documents import formats_option
from .progress import progress


@cli.command(context_settings=CONTEXT)
@click.option("--from", "first", metavar="PERIOD", required=True, help="The first period, e.g. 2024-W01 or 2024-01.")
@click.option("--to", "last", metavar="PERIOD", required=True, help="The last period.")
@click.option("-t", "--template", "template_key", default="weekly", show_default=True,
              help="Template (see `briefing templates`); its kind of period is made within --from and --to.")
@click.option("-r", "--region", "regions", multiple=True, metavar="NAME",
              help="A region (code or name), repeatable; all: every region; top: the top of the hierarchy "
              "[default: top].")
@formats_option("Formats to write: -f docx,html or -f docx -f html.")
@click.option("--script", type=click.Choice(list(SCRIPTS)), default="simplified", show_default=True,
              help="Characters of the edition: simplified, or traditional (OpenCC, Taiwan forms) and variants.")
@click.option("--as-of", metavar="TIME", help="Use the figures as known then [default: all there are].")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write to [default: output_dir].")
@click.option("--force", is_flag=True, help="Make again the briefings whose files are already there.")
@click.option("-j", "--workers", type=click.IntRange(min=1), help="Worker processes [default: one per core].")
@click.pass_context
def backfill(ctx, first, last, template_key, regions, formats, script, as_of, out, force, workers) -> None:
    """Write the briefings of every period from --from to --to, for each region asked, into a folder.

    Files are named as generate and the archive name them (2024-W05_扎赉特旗_周报.docx). A briefing whose files
    are all there is skipped (--force makes it again); a period without figures is left for later. Ends with
    what was made, skipped, waiting for data and failed, each failure with why; exits 1 if any failed.

    \b
    Example:
      briefing backfill --from 2024-W01 --to 2024-W52 -r all -o 周报
      briefing backfill -t monthly --from 2024-01 --to 2024-12 -r 扎赉特旗 -r 科右前旗 -f docx,pdf -o 月报
    """
    s = ctx.obj["settings"]
    wanted = _formats(formats)
    folder = out or Path(s.output_dir)
    with open_store(ctx) as store:
        template = templates_mod.load(template_key, template_dirs(s, store))
        catalog = Catalog.load(store.db)
        try:
            codes = region_codes(regions or ("top",), catalog)
        except NotFound as exc:
            raise UsageError(exc.message, _("List them with `briefing regions`; all means every region.")) from None
    periods = periods_within(template.period, first, last)
    told: list[Outcome] = []
    with progress(len(codes) * len(periods), _("backfill")) as advance:
        def report(outcome: Outcome) -> None:
            told.append(outcome)
            advance(1)
        make_backfill(store.path, s, template_key, codes, periods, parse_as_of(as_of, tz_of(ctx)), folder, workers,
                      wanted, script, force, report)
    _summarize(told, folder)


def periods_within(kind: str, first: str, last: str) -> list[Period]:
    """The periods of a kind lying within the dates of two periods of any kind (2024-01 to 2024-03: the weeks of
    the first quarter that end by 31 March), oldest first."""
    try:
        low, high = parse_period(first).start, parse_period(last).end
    except ValueError as exc:
        raise UsageError(_("--from/--to: {problem}").format(problem=exc)) from None
    period = period_of(kind, low)
    period = period if period.start >= low else period.next()
    out = []
    while period.end <= high:
        out.append(period)
        period = period.next()
    if not out:
        raise UsageError(_("no {kind} period lies within {first} to {last}").format(kind=_(kind), first=first, last=last),
                         _("Give --from and --to further apart, or a template of a shorter period."))
    return out


def _formats(text: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(_("--format: {value} is not a format").format(value=unknown[0] if unknown else text),
                         _("Use any of {formats}.").format(formats=", ".join(FORMATS)))
    return wanted


def _summarize(told: list[Outcome], folder: Path) -> None:
    """Each failure with why (stderr), then what was made, skipped, waiting and failed; exit 1 if any failed."""
    for outcome in told:
        if outcome.result == "failed":
            click.secho(_("failed {period} {region}: {error}").format(
                period=outcome.period, region=outcome.region, error=" ".join(outcome.error.split())), fg="red", err=True)
    count = Counter(o.result for o in told)
    click.echo(_("{total} briefings in {folder}: {made} made, {there} skipped (already there), {waiting} waiting "
                 "for data, {failed} failed").format(total=len(told), folder=folder, made=count["made"],
                                                     there=count["there"], waiting=count["no figures"],
                                                     failed=count["failed"]))
    if count["failed"]:
        click.get_current_context().exit(1)
