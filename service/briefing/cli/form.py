"""The form command: the .xlsx sheet (填报表) a banner fills in and `briefing ingest` reads back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from ..errors import NotFound, UsageError
from ..figures.period_text import parse_period
from ..files import safe_name, write_atomically
from ..i18n import N_, _
from ..ingest import form as form_mod
from ..ingest.form_book import LAYOUTS, workbook
from ..store.catalog import Catalog
from .base import CONTEXT, cli, open_store, tz_of
from .output import refuse_existing

BY = {"day": N_("day"), "week": N_("week"), "month": N_("month"), "quarter": N_("quarter"), "year": N_("year")}


@cli.command(context_settings=CONTEXT)
@click.option("-p", "--period", metavar="PERIOD",
              help="Period to fill in, e.g. 2024-W05, 2024-01, 2024年第5周 [default: the last one ended, of the "
                   "shortest frequency the regions report].")
@click.option("-r", "--region", "regions", multiple=True, metavar="CODE|名称|all",
              help="Region (repeatable); `all` for every region [default: the regions at the bottom of the "
                   "hierarchy, the banners].")
@click.option("--layout", type=click.Choice(LAYOUTS), default="long", show_default=True,
              help="long: a row per region and indicator; wide: a row per region, a column per indicator.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx file to write [default: PERIOD_地区_填报表.xlsx here].")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_context
def form(ctx: click.Context, period: str | None, regions: tuple[str, ...], layout: str, out: Path | None,
         force: bool) -> None:
    """Write the fill-in form (填报表, .xlsx) of a period: a row for each figure the regions report at its
    frequency, units shown, 地区 as a drop-down, the rest locked. Import it filled with `briefing ingest`.

    \b
    Example:
      briefing form --period 2024-W05 --region 扎赉特旗 -o 第5周.xlsx
      briefing form --period 2024-01 --region all --layout wide
    """
    with open_store(ctx) as store:
        catalog = Catalog.load(store.db)
        reports = form_mod.Reports(catalog, form_mod.reported(store.db))
    try:
        chosen = form_mod.regions_asked(catalog, regions)
    except NotFound as exc:
        raise UsageError(exc.message, _("List them with `briefing regions`, or give `-r all`.")) from None
    if not chosen:
        raise UsageError(_("the database has no regions"), _("Import a regions file first (see docs/ingest.md)."))
    the_period = _period(period, reports, chosen, datetime.now(tz_of(ctx)))
    made = form_mod.layout(catalog, reports, the_period, chosen)
    if not made.lines:
        names = "、".join(r.name for r in chosen[:5]) + ("…" if len(chosen) > 5 else "")
        raise UsageError(_("{regions}: none of the indicators they report is given by the {kind} (the frequency of "
                           "{period}), so the form would be empty").format(
                               regions=names, kind=_(BY[the_period.kind]), period=the_period.key),
                         _("Give a period of a frequency they report (`briefing indicators` lists each "
                           "indicator's), or other regions."))
    if regions and not any(text.strip().lower() in form_mod.ALL for text in regions):
        for region in chosen:      # named on purpose: say why it has no rows
            if region not in made.regions:
                click.echo(_("{region}: reports nothing by the {kind}; left out of the form").format(
                    region=region.name, kind=_(BY[the_period.kind])), err=True)
    target = out or Path(f"{the_period.key}_{safe_name(form_mod.scope(catalog, made.regions))}_填报表.xlsx")
    if target.suffix.lower() != ".xlsx":
        raise UsageError(_("{path} does not end in .xlsx").format(path=target),
                         _("The form is an Excel workbook; name it NAME.xlsx."))
    refuse_existing(target, force)
    write_atomically(target, workbook(made, wide=layout == "wide"))
    click.echo(str(target))
    click.echo(_("{figures} figures to fill in for {regions} region(s), {period}").format(
        figures=len(made.lines), regions=len(made.regions), period=the_period.label()), err=True)


def _period(text: str | None, reports: form_mod.Reports, regions, now: datetime):
    if text:
        try:
            return parse_period(text)
        except ValueError as exc:
            raise UsageError(_("--period: {problem}").format(problem=exc)) from None
    found = form_mod.default_period(reports, regions, now)
    if found is None:
        raise UsageError(_("the regions report no figures to fill in"),
                         _("Import the indicators first (see docs/ingest.md), or give other regions."))
    return found
