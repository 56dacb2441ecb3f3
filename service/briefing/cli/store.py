"""Commands about the database as a file: check, backup."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import _
from ..store.db import integrity
from .archive import verify
from .base import CONTEXT, cli, open_store


@cli.command(context_settings=CONTEXT)
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database page by page (SQLite's integrity check) and the archive against the ledger
    (`briefing archive verify`). Exits 1 if either finds a problem.

    \b
    Example:
      briefing check
    """
    path = Path(ctx.obj["settings"].db)
    if not path.is_file():
        open_store(ctx)   # says there is no database, and what to do
    found = integrity(path)
    if found:
        for line in found:
            click.secho(_("damaged: {problem}").format(problem=line), fg="red")
        click.secho(_("{path}: the database is damaged; the archive was not checked").format(path=path), fg="red",
                    err=True)
        click.echo(_("Restore the latest backup (docs/store.md, 'Backup and restore'); keep the damaged file until "
                     "the restore is checked."), err=True)
        ctx.exit(1)
    click.echo(_("{path}: database ok").format(path=path))
    ctx.invoke(verify, fix=False)


@cli.command(context_settings=CONTEXT)
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Copy the database to DEST, consistent while the service runs (SQLite's online backup). DEST may be a
    folder. The archive of briefings is files: copy its folder (archive_dir) too.

    \b
    Example:
      briefing backup /backup/briefing-2024-01-17.db
    """
    target = dest / Path(ctx.obj["settings"].db).name if dest.is_dir() else dest
    if target.exists():
        raise click.UsageError(_("{path} exists; give a new file name (a backup never overwrites one)").format(
            path=target))
    with open_store(ctx) as store:
        pages = store.backup(target)
    archive = Path(ctx.obj["settings"].archive_dir)
    click.echo(_("backed up {path} to {target} ({pages} pages)").format(path=store.path, target=target, pages=pages))
    click.echo(_("the archive of briefings is files in {archive}: copy that folder too (for example "
                 "`cp -a {archive} {folder}/`)").format(archive=archive, folder=target.parent))
