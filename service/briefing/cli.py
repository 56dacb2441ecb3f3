"""The ``briefing`` command line (click). Thin: it parses options, calls the modules, prints.

Errors meant for a person (BriefingError) are printed without a traceback and exit with their
status; anything else is a bug, shown as one line unless --debug asks for the traceback.
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from . import settings as settings_mod
from . import briefing as briefing_mod
from . import templates as templates_mod
from .catalog import FREQUENCIES, KINDS, REGION_AGGS, TIME_AGGS, Catalog
from .demo import briefings as demo_briefings
from .demo import build as build_demo
from .errors import BriefingError, UsageError
from .ingest import ingest_files
from .ingest.context import iso_utc
from .observations import FAR_FUTURE, Observations, snapshot
from .output import FORMATS, figure, render
from .numbers import round_half_up
from .periods import parse_period
from .script import SCRIPTS
from .store import Store

log = logging.getLogger(__name__)
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BriefingGroup(click.Group):
    """Turns BriefingError into a message and an exit status; hides tracebacks unless --debug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BriefingError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"Internal error: {exc.__class__.__name__}: {exc}", fg="red", err=True)
            click.echo("This is a bug in briefing. Run the command again with --debug for the details.", err=True)
            ctx.exit(70)


@click.group(cls=BriefingGroup, context_settings=CONTEXT)
@click.option("--db", metavar="PATH", help="SQLite database [default: data/briefing.db, or BRIEFING_DB].")
@click.option("--config", metavar="FILE", type=click.Path(dir_okay=False),
              help="TOML settings file [default: BRIEFING_CONFIG, or briefing.toml here if present].")
@click.option("-v", "--verbose", is_flag=True, help="Log each step to stderr.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(package_name="briefing", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, verbose: bool, debug: bool) -> None:
    """Write Word briefings (简报) from program figures kept in SQLite.

    \b
    Example:
      briefing demo
      briefing --db data/briefing.db ingest figures.xlsx
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = {"debug": debug}
    ctx.obj["settings"] = settings_mod.load(config, overrides={"db": db})
    ctx.obj["db_given"] = db is not None


def open_store(ctx: click.Context, create: bool = False) -> Store:
    s = ctx.obj["settings"]
    return Store(s.db, busy_timeout_ms=s.busy_timeout_ms, create=create)


def tz_of(ctx: click.Context) -> ZoneInfo:
    name = ctx.obj["settings"].timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}", "Use an IANA name such as Asia/Shanghai.") from None


def parse_as_of(text: str | None, tz: ZoneInfo) -> str:
    """--as-of as an ISO UTC string: a date means the end of that day; a time without offset is local."""
    if not text:
        return FAR_FUTURE
    try:
        if len(text.strip()) == 10:
            moment = datetime.combine(date.fromisoformat(text.strip()), time(23, 59, 59))
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date or time",
                         "Write it like 2024-01-17 or 2024-01-17T09:00 or 2024-01-17T09:00+08:00.") from None
    return iso_utc(moment if moment.tzinfo else moment.replace(tzinfo=tz))


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
        click.echo(f"{path} is up to date" if not applied else f"{path}: applied {', '.join(applied)}")
    else:
        click.echo(f"created {path}")


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True,
              help="Keep the valid rows; write the others with their problems to FILE.rejects.csv beside the input.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], skip_invalid: bool) -> None:
    """Import CSV, XLSX or JSON files: catalogs (regions, indicators) and figures (observations,
    highlights, records), each told by its columns. Nothing is written unless every row is valid.

    \b
    Example:
      briefing ingest data/sample/regions.csv data/sample/indicators.csv
      briefing ingest 周报数据.xlsx --skip-invalid
    """
    with open_store(ctx, create=True) as store:
        report = ingest_files(store, list(files), tz_of(ctx), skip_invalid=skip_invalid)
    for notice in report.notices:
        click.echo(notice, err=True)
    for o in report.outcomes:
        line = f"{o.where}: {o.kind}, {o.rows} rows — {o.added} added, {o.revised} revised, {o.unchanged} unchanged"
        if o.missing:
            line += f", {o.missing} without a figure (blank or —) skipped"
        click.echo(line)
        if o.reject_file:
            click.secho(f"  {len(o.rejected)} rows rejected; see {o.reject_file}", fg="yellow", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)


@cli.command(context_settings=CONTEXT)
@click.option("-i", "--indicator", "indicators", multiple=True, metavar="CODE|名称", help="Indicator (repeatable).")
@click.option("-r", "--region", "regions", multiple=True, metavar="CODE|名称",
              help="Region (repeatable); a region without figures of its own shows its children's roll-up.")
@click.option("--from", "first", metavar="PERIOD", help="First period, e.g. 2023-W01, 2023-01, 2023.")
@click.option("--to", "last", metavar="PERIOD", help="Last period.")
@click.option("--as-of", metavar="TIME", help="Show the figures as known then, e.g. 2024-01-17 (end of that day).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
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
        row[6] = datetime.fromisoformat(row[6]).astimezone(tz).strftime("%Y-%m-%d %H:%M") if row[6] else ""
    headers = ["指标", "地区", "期间", "数值", "单位", "修订", "录入时间", "来源", "备注"]
    click.echo(render(headers, rows, fmt, right=(3,)))


def query_rows(obs: Observations, indicators, regions, first, last, as_of) -> list[list]:
    cat = obs.catalog
    try:
        inds = [cat.indicator(i) for i in indicators] or list(cat.indicators.values())
        regs = [cat.region(r) for r in regions] or list(cat.regions.values())
    except LookupError as exc:
        raise UsageError(str(exc).strip("'\""), "List them with `briefing indicators` and `briefing regions`.") from None
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
        raise UsageError(f"--from/--to: {exc}") from None
    return period.start if side == "start" else period.end


@cli.command(context_settings=CONTEXT)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
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
    click.echo(render(headers, rows, fmt))


@cli.command(context_settings=CONTEXT)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
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
    click.echo(render(["代码", "名称", "上级", "级别"], rows, fmt))


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
        raise UsageError("demo writes its own database and ignores --db", "Use `briefing demo --out PATH`.")
    tz = tz_of(ctx)
    build_demo(out, tz)
    with Store(out, create=False) as store:
        obs = Observations(store.db)
        try:
            reg = obs.catalog.region(region)
        except LookupError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
        rows = [[ind.domain, ind.name, fig.period.label(), figure(fig.value, ind.decimals, ind.unit),
                 figure(total, ind.decimals, ind.unit) if total is not None else ""]
                for ind, fig, total in snapshot(obs, reg.code, parse_as_of(as_of, tz))]
    click.echo(f"wrote {out} from the sample data")
    click.echo(f"latest figures for {reg.name}" + (f" as of {as_of}" if as_of else "") + ":")
    click.echo(render(["领域", "指标", "最新期间", "数值", "累计"], rows, right=(3, 4)))
    click.echo("\nbriefings:")
    for path in demo_briefings(ctx.obj["settings"], tz, out, reg.code, parse_as_of(as_of, tz), bool(as_of)):
        click.echo(f"  {path}")
    click.echo(f"\nExplore: briefing --db {out} observations -i 诊疗患者人次 -r 扎赉特旗 --from 2024-W01")


def main() -> None:
    cli(prog_name="briefing")


@cli.command(context_settings=CONTEXT)
@click.option("-t", "--template", "template_key", default="weekly", show_default=True, help="Template (see `briefing templates`).")
@click.option("-p", "--period", help="Period of the briefing, e.g. 2024-W02 (a summary takes --as-of instead).")
@click.option("-r", "--region", default=None, help="Region [default: the top of the hierarchy].")
@click.option("--as-of", metavar="TIME", help="Use the figures as known then, e.g. 2024-01-17T00:00.")
@click.option("-f", "--format", "formats", default="docx", show_default=True, metavar="docx,html,pdf",
              help="Formats to write, comma-separated.")
@click.option("--script", type=click.Choice(list(SCRIPTS)), default="simplified", show_default=True,
              help="Characters of the edition: simplified, or traditional (OpenCC, Taiwan forms) and variants.")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Folder (or .docx file) to write to [default: output_dir].")
@click.pass_context
def generate(ctx, template_key, period, region, as_of, formats, script, out) -> None:
    """Write a briefing: a Word document (and HTML, PDF) from a template and the figures.

    Every figure in the text is checked against the data before anything is written.

    \b
    Example:
      briefing generate --template weekly --period 2024-W02 --region 扎赉特旗 --as-of 2024-01-17T00:00
      briefing generate --template summary --as-of 2024-01-17 --format docx,html,pdf
    """
    s = ctx.obj["settings"]
    tz = tz_of(ctx)
    moment = parse_as_of(as_of, tz)
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    with open_store(ctx) as store:
        template = templates_mod.load(template_key, briefing_mod._dirs(s))
        day = datetime.fromisoformat(moment).astimezone(tz).date() if as_of else None
        the_period = briefing_mod.period_for(template, period, day)
        region = region or _top_region(store)
        made = briefing_mod.make(store, s, briefing_mod.Request(template_key, the_period, region, moment, script))
    folder, stem = _destination(out, s, made)
    for path in briefing_mod.write_outputs(made, wanted, folder, s.reference_docx or None, stem):
        click.echo(str(path))


def _top_region(store: Store) -> str:
    roots = Catalog.load(store.db).roots()
    if not roots:
        raise UsageError("the database has no regions", "Import a regions file first (see docs/ingest.md).")
    return roots[0].code


def _destination(out: Path | None, s, made) -> tuple[Path, str]:
    if out is not None and out.suffix.lower() in (".docx", ".html", ".pdf"):
        return out.parent, out.stem
    return (out or Path(s.output_dir)), made.stem


@cli.command(context_settings=CONTEXT)
@click.option("--reference-docx", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the built-in reference document (its styles) to FILE, to restyle in Word.")
@click.pass_context
def templates(ctx, reference_docx) -> None:
    """List the briefing templates and their options.

    \b
    Example:
      briefing templates
      briefing templates --reference-docx 我的样式.docx
    """
    s = ctx.obj["settings"]
    if reference_docx is not None:
        from .render import save_reproducibly
        from .styles import reference

        briefing_mod.write_atomically(reference_docx, save_reproducibly(reference()))
        click.echo(f"wrote {reference_docx}; set reference_docx to it after restyling")
        return
    rows = []
    for t in templates_mod.available(briefing_mod._dirs(s)):
        style = t.style
        options = f"倍={'是' if style.use_multiple else '否'} 百分数小数={style.percent_places}"
        rows.append([t.key, t.name, t.period, t.description, options, str(t.folder)])
    click.echo(render(["模板", "名称", "期间", "说明", "选项", "位置"], rows))
