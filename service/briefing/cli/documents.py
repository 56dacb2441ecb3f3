"""Commands about documents: generate, templates."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..documents import templates as templates_mod
from ..documents.make import Request, make, period_for, stem_of, template_dirs, write_outputs
from ..errors import UsageError
from ..figures.script import SCRIPTS
from ..files import write_atomically
from ..i18n import _
from ..store.db import iso_utc
from ..store.observations import FAR_FUTURE
from .base import CONTEXT, archive_formats, cli, open_store, parse_moment, region_of, tz_of
from .output import emit, listing_options

if TYPE_CHECKING:       # names for the annotations only; the archive wing is imported by --archive alone
    from ..store.catalog import Region
    from ..store.db import Store


def formats_option(help_text: str):
    """-f/--format of a command writing briefings: the formats comma-separated (-f docx,html), repeated
    (-f docx -f html) or both; the command gets them as one comma-separated text, docx by default."""
    return click.option("-f", "--format", "formats", multiple=True, default=("docx",), metavar="docx,html,pdf",
                        callback=lambda ctx, param, value: ",".join(value), help=help_text, show_default=True)


@cli.command(context_settings=CONTEXT)
@click.option("-t", "--template", "template_key", default="weekly", show_default=True,
              help="Template (see `briefing templates`).")
@click.option("-p", "--period", help="Period of the briefing, e.g. 2024-W02 (a summary takes --as-of instead).")
@click.option("-r", "--region", default=None, help="Region [default: the top of the hierarchy].")
@click.option("--as-of", metavar="TIME", help="Use the figures as known then, e.g. 2024-01-17T00:00.")
@formats_option("Formats to write: -f docx,html or -f docx -f html.")
@click.option("--script", type=click.Choice(list(SCRIPTS)), default="simplified", show_default=True,
              help="Characters of the edition: simplified, or traditional (OpenCC, Taiwan forms) and variants.")
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Folder (or .docx file) to write to [default: output_dir].")
@click.option("--force", is_flag=True, help="Replace files that are already there (else that is an error).")
@click.option("--archive", "to_archive", is_flag=True,
              help="Put it in the archive as the next version of this briefing, recorded in the ledger "
              "(the data as of --as-of, else as of now).")
@click.pass_context
def generate(ctx, template_key, period, region, as_of, formats, script, out, force, to_archive) -> None:
    """Write a briefing: a Word document (and HTML, PDF) from a template and the figures.

    Every figure in the text is checked against the data before anything is written, and a file that is
    already there is replaced only with --force. Each edition has its own name (2024-W02_扎賚特旗_週報).

    \b
    Example:
      briefing generate --template weekly --period 2024-W02 --region 扎赉特旗 --as-of 2024-01-17T00:00
      briefing generate --template summary --as-of 2024-01-17 -f docx,html,pdf
      briefing generate --period 2024-W02 --region 扎赉特旗 --script traditional -f docx -f html
      briefing generate --period 2024-W02 --region 扎赉特旗 --archive
    """
    s = ctx.obj["settings"]
    tz = tz_of(ctx)
    if to_archive and out is not None:
        raise UsageError(_("--archive puts the files in the archive; leave out --out"), _("See docs/schedules.md."))
    when = parse_moment(as_of, tz, "--as-of") if as_of else datetime.now(timezone.utc)
    moment = iso_utc(when) if as_of or to_archive else FAR_FUTURE   # the data: as of then, or all there is
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    with open_store(ctx) as store:
        template = templates_mod.load(template_key, template_dirs(s))
        the_period = period_for(template, period, when.astimezone(tz))
        found = region_of(store, region)
        if to_archive:
            _archive(store, s, template, the_period, found, moment, script, archive_formats(formats))
            return
        folder, stem = _destination(out, s, stem_of(the_period, found.name, template, script))
        _refuse_to_overwrite([folder / f"{stem}.{fmt}" for fmt in wanted], force)
        made = make(store, s, Request(template_key, the_period, found.code, moment, script))
    for path in write_outputs(made, wanted, folder, s.reference_docx or None, stem):
        click.echo(str(path))


def _archive(store: Store, s, template, period, found: Region, moment: str, script: str,
             formats: tuple[str, ...]) -> None:
    """Make the briefing as the next version in the ledger and the archive; print its files."""
    from ..archive.folders import Archive
    from ..archive.ledger import Key, Ledger
    from ..archive.produce import Producer

    ledger, archive = Ledger(store, s.lease_seconds), Archive(s.archive_dir)
    key = Key(template.key, period.key, found.code, script)
    report = Producer(store, s, ledger, archive).make_version(
        key, stem_of(period, found.name, template, script), moment, template, formats)
    click.echo(_("archived as #{id} (version {version})").format(id=report.id, version=report.version), err=True)
    for f in report.files:
        click.echo(str(archive.path(f.path)))


def _destination(out: Path | None, s, stem: str) -> tuple[Path, str]:
    """The folder and the file name (without extension) to write: -o FOLDER, -o FILE.docx, else output_dir."""
    if out is not None and out.suffix.lower() in (".docx", ".html", ".pdf"):
        return out.parent, out.stem
    return (out or Path(s.output_dir)), stem


def _refuse_to_overwrite(paths: list[Path], force: bool) -> None:
    """A file already there is replaced only when asked (--force), and is named before anything is made."""
    there = [str(p) for p in paths if p.exists()]
    if there and not force:
        raise UsageError(_("files already there: {paths}; nothing was written").format(paths=", ".join(there)),
                         _("Add --force to replace them, or write elsewhere with -o FOLDER."))



@cli.command(context_settings=CONTEXT)
@click.option("--reference-docx", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the built-in reference document (its styles) to FILE, to restyle in Word.")
@listing_options
@click.pass_context
def templates(ctx, reference_docx, fmt) -> None:
    """List the briefing templates and their options.

    \b
    Example:
      briefing templates
      briefing templates --reference-docx 我的样式.docx
      briefing templates -f xlsx -o 模板.xlsx
    """
    s = ctx.obj["settings"]
    if reference_docx is not None:
        from ..documents.styles import reference
        from ..documents.word import save_reproducibly

        write_atomically(reference_docx, save_reproducibly(reference()))
        click.echo(_("wrote {path}; set reference_docx to it after restyling").format(path=reference_docx))
        return
    rows = []
    for t in templates_mod.available(template_dirs(s)):
        style = t.style
        options = f"倍={'是' if style.use_multiple else '否'} 百分数小数={style.percent_places}"
        rows.append([t.key, t.name, _(t.period), t.description, options, str(t.folder)])
    emit(["模板", "名称", "期间", "说明", "选项", "位置"], rows, fmt)
