"""Commands about the data: init, ingest, observations, indicators, regions, demo."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Callable

import click

from ..demo import briefings as demo_briefings
from ..demo import build as build_demo
from ..errors import InputError, NotFound, UsageError, problem_lines
from ..figures.numbers import round_half_up
from ..figures.period_text import parse_period
from ..i18n import N_, _
from ..ingest import ingest_files
from ..ingest.columns import kind_word
from ..ingest.context import Given
from ..ingest.read import Limits
from ..store.catalog import FREQUENCIES, KINDS, REGION_AGGS, TIME_AGGS, Catalog
from ..store.db import Store, local_text
from ..store.observations import Observations, snapshot
from .base import CONTEXT, cli, open_store, parse_as_of, region_of, tz_of
from .output import emit, figure, listing_options, render, written
from .progress import on_terminal
from .progress import progress as progress_bar


@cli.command(context_settings=CONTEXT)
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create an empty database (or bring an old one up to date).

    \b
    Example:
      briefing --db data/briefing.db init
    """
    path = Path(ctx.obj["settings"].db)
    existed = path.exists()
    with open_store(ctx, create=True) as store:
        applied = store.migrate()
    if existed:
        click.echo(_("{path} is up to date").format(path=path) if not applied else
                   _("{path}: applied {migrations}").format(path=path, migrations=", ".join(applied)))
    else:
        click.echo(_("created {path}").format(path=path))


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True,
              help="Keep the valid rows; write the others with their problems to FILE.rejects.csv beside the input.")
@click.option("--period", metavar="PERIOD",
              help="The period of a sheet that has no 期间 column and names none in its title or sheet name, "
                   "e.g. 2024-W05, 2024年1月.")
@click.option("--region", metavar="CODE|名称",
              help="The region of a sheet that has no 地区 column and names none in its title or sheet name.")
@click.option("--check", is_flag=True,
              help="Check only: read and check every row, say what the import would add, revise and leave "
                   "unchanged, and write nothing (no rejects file either).")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], skip_invalid: bool, period: str | None,
           region: str | None, check: bool) -> None:
    """Import CSV, Excel (.xlsx, .xls), WPS (.et) or JSON files: catalogs (regions, indicators) and figures
    (observations, highlights, records), each told by its columns. A sheet may have title rows and notes
    below it, and a column per indicator. Nothing is written unless every row is valid.

    \b
    Example:
      briefing ingest data/sample/regions.csv data/sample/indicators.csv
      briefing ingest 周报数据.xlsx --skip-invalid
      briefing ingest 扎赉特旗周报.xls --period 2024-W05
      briefing ingest 周报数据.xlsx --check
    """
    if period is not None:
        try:
            parse_period(period)
        except ValueError as exc:
            raise UsageError(_("--period: {problem}").format(problem=exc)) from None
    progress = _Shown() if on_terminal() else None
    with open_store(ctx) as store:   # only init and demo make a database: a missing one is a wrong path, said so
        try:
            report = ingest_files(store, list(files), tz_of(ctx), skip_invalid=skip_invalid, limits=limits_of(ctx),
                                  given=Given(period, region), progress=progress, check_only=check)
        finally:
            if progress is not None:
                progress.close()
    if report.refusal is not None:   # a check refused as the import would be, and saying it was only a check
        raise InputError(report.refusal.problems, "\n".join(filter(None, [report.refusal.hint, _checked_line()])))
    _account(report)


def _checked_line() -> str:
    return _("Checked only: nothing was written.")


def _account(report) -> None:
    """What an import did, or a check found it would do: notices, a line a table, its rejected rows, problems;
    a check's last line says nothing was written."""
    for notice in report.notices:
        click.echo(notice, err=True)
    for o in report.outcomes:
        click.echo(outcome_line(o))
        if o.reject_file:
            click.secho("  " + _("{count} rows rejected; see {file}").format(count=len(o.rejected), file=o.reject_file),
                        fg="yellow", err=True)
        elif o.rejected:
            click.secho("  " + _("{count} rows would be rejected (a check writes no rejects file)").format(
                        count=len(o.rejected)), fg="yellow", err=True)
    for line in problem_lines(report.problems):
        click.echo(f"  {line}", err=True)
    if report.checked_only:
        click.echo(_checked_line())


def outcome_line(o) -> str:
    """What became of one table: its rows (a wide sheet's rows, indicator columns and figures) and the figures
    added, revised, unchanged and missing."""
    counts = dict(where=o.where, kind=kind_word(o.kind), rows=o.rows, added=o.added,
                  revised=o.revised, unchanged=o.unchanged)
    if o.shape:
        line = _("{where}: {kind}, {rows} rows × {columns} indicators, {figures} figures — {added} added, {revised} "
                 "revised, {unchanged} unchanged").format(**{**counts, "rows": o.shape[0]}, columns=o.shape[1],
                                                          figures=o.rows)
    else:
        line = _("{where}: {kind}, {rows} rows — {added} added, {revised} revised, {unchanged} unchanged").format(
            **counts)
    if o.missing:
        line += _(", {count} without a figure (blank or —) skipped").format(count=o.missing)
    return line


class _Shown:
    """An import's progress as the bars of cli/progress on a terminal: the files read (when there are several),
    then the rows checked; a new bar when the rows are checked again (another process wrote in between)."""

    LABELS = {"read": N_("reading files"), "check": N_("checking rows")}

    def __init__(self):
        self.bars, self.step, self.last = ExitStack(), "", 0
        self.update: Callable[[int], None] = lambda done: None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.step or done < self.last:
            self.bars.close()
            self.update = self.bars.enter_context(progress_bar(total, _(self.LABELS.get(step, step))))
            self.step, self.last = step, 0
        self.update(done - self.last)
        self.last = done

    def close(self) -> None:
        self.bars.close()


def limits_of(ctx: click.Context) -> Limits:
    s = ctx.obj["settings"]
    return Limits(max_bytes=s.max_file_mb * 2**20, max_rows=s.max_rows)


@cli.command(context_settings=CONTEXT)
@click.option("-i", "--indicator", "indicators", multiple=True, metavar="CODE|名称", help="Indicator (repeatable).")
@click.option("-r", "--region", "regions", multiple=True, metavar="CODE|名称",
              help="Region (repeatable); a region without figures of its own shows its children's roll-up.")
@click.option("--from", "first", metavar="PERIOD", help="First period, e.g. 2023-W01, 2023-01, 2023.")
@click.option("--to", "last", metavar="PERIOD", help="Last period.")
@click.option("--as-of", metavar="TIME", help="Show the figures as known then, e.g. 2024-01-17 (end of that day).")
@listing_options
@click.pass_context
def observations(ctx: click.Context, indicators, regions, first, last, as_of, fmt) -> None:
    """List figures by indicator, region and period, as of a moment.

    \b
    Example:
      briefing observations -i 诊疗患者人次 -r 兴安盟 --from 2023-W50 --as-of 2024-01-17
      briefing observations -i tech_rice_yield -f json
    """
    with open_store(ctx) as store:
        obs = Observations(store.db)
        rows = query_rows(obs, indicators, regions, first, last, parse_as_of(as_of, tz_of(ctx)))
    tz = tz_of(ctx)
    for row in rows:  # 录入时间 in the service's time zone, as people entered it
        row[6] = local_text(row[6], tz)
    headers = ["指标", "地区", "期间", "数值", "单位", "修订", "录入时间", "来源", "备注"]
    if fmt == "table":  # figures as people write them (110万, 1.05亿); csv, json and xlsx keep them exact
        rows = written(rows, {i.name: i.decimals for i in obs.catalog.indicators.values()})
    emit(headers, rows, fmt, right=(3,))


def query_rows(obs: Observations, indicators, regions, first, last, as_of) -> list[list]:
    cat = obs.catalog
    try:
        inds = [cat.indicator(i) for i in indicators] or list(cat.indicators.values())
        regs = [cat.region(r) for r in regions] or list(cat.regions.values())
    except NotFound as exc:
        raise UsageError(exc.message, _("List them with `briefing indicators` and `briefing regions`.")) from None
    rows = []
    for ind in inds:
        start, end = bound(first, "start"), bound(last, "end")
        for reg in regs:
            for f in obs.series(ind.code, reg.code, start, end, as_of):
                value = round_half_up(f.value, ind.decimals) if f.derived else f.value
                rows.append([ind.name, reg.name, f.period.key, value, ind.unit, _revision(f), f.recorded_at,
                             f.source, f.note])
    return rows


def _revision(f) -> object:
    """The 修订 column: the revision number, or 汇总 for a roll-up (汇总 2/3 when a child gave no figure)."""
    if not f.derived:
        return f.revision
    if f.partial:
        return f"汇总 {f.coverage[0]}/{f.coverage[1]}"
    return "汇总"


def bound(text: str | None, side: str) -> date | None:
    """--from/--to as a date: figures whose period ends within [from's first day, to's last day]."""
    if not text:
        return None
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise UsageError(_("--from/--to: {problem}").format(problem=exc)) from None
    return period.start if side == "start" else period.end


@cli.command(context_settings=CONTEXT)
@listing_options
@click.pass_context
def indicators(ctx: click.Context, fmt: str) -> None:
    """List the indicators: code, name, domain, kind, unit, frequency and how they add up.

    \b
    Example:
      briefing indicators -f csv > indicators.csv
    """
    with open_store(ctx) as store:
        cat = Catalog.load(store.db)
    headers = ["代码", "名称", "领域", "类型", "单位", "频率", "时间汇总", "地区汇总", "小数位", "纪录范围"]
    rows = [[i.code, i.name, i.domain, KINDS[i.kind], i.unit + (f"/{i.per}" if i.per else ""),
             FREQUENCIES[i.frequency], TIME_AGGS[i.time_agg], REGION_AGGS[i.region_agg], i.decimals,
             i.record_scope] for i in cat.indicators.values()]
    emit(headers, rows, fmt)


@cli.command(context_settings=CONTEXT)
@listing_options
@click.pass_context
def regions(ctx: click.Context, fmt: str) -> None:
    """List the regions and their hierarchy (totals roll up to the parent).

    \b
    Example:
      briefing regions
    """
    with open_store(ctx) as store:
        cat = Catalog.load(store.db)
    rows = [[r.code, r.name, cat.regions[r.parent].name if r.parent in cat.regions else "", r.level]
            for r in cat.regions.values()]
    emit(["代码", "名称", "上级", "级别"], rows, fmt)


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("data/demo.db"),
              show_default=True, help="Where to write the demo database (replaced if present).")
@click.option("-r", "--region", default="兴安盟", show_default=True, help="Region whose figures to print.")
@click.option("--as-of", metavar="TIME", help="Print the figures as known then, e.g. 2024-01-17.")
@click.pass_context
def demo(ctx: click.Context, out: Path, region: str, as_of: str | None) -> None:
    """Build a fresh database from the sample data (data/sample) and print the latest figures.

    The demo never touches your own database: it writes data/demo.db (or --out).

    \b
    Example:
      briefing demo
      briefing demo --as-of 2024-01-17
    """
    if ctx.obj["db_given"]:
        raise UsageError(_("demo writes its own database and ignores --db"), _("Use `briefing demo --out PATH`."))
    tz = tz_of(ctx)
    build_demo(out, tz)
    with Store(out, create=False) as store:
        obs = Observations(store.db)
        reg = region_of(store, region)
        rows = [[ind.domain, ind.name, fig.period.label(), figure(fig.value, ind.decimals, ind.unit),
                 figure(total, ind.decimals, ind.unit) if total is not None else ""]
                for ind, fig, total in snapshot(obs, reg.code, parse_as_of(as_of, tz))]
    click.echo(_("wrote {path} from the sample data").format(path=out))
    click.echo(_("latest figures for {region} as of {moment}:").format(region=reg.name, moment=as_of) if as_of
               else _("latest figures for {region}:").format(region=reg.name))
    click.echo(render(["领域", "指标", "最新期间", "数值", "累计"], rows, right=(3, 4)))
    click.echo("\n" + _("briefings:"))
    for path in demo_briefings(ctx.obj["settings"], tz, out, reg.code, parse_as_of(as_of, tz), bool(as_of)):
        click.echo(f"  {path}")
    click.echo("\n" + _("Explore: {command}").format(
        command=f"briefing --db {out} observations -i 诊疗患者人次 -r 扎赉特旗 --from 2024-W01"))
