"""The ``briefing`` group (click). Thin: it parses options, calls the modules, prints.

Errors meant for a person (BriefingError) are printed without a traceback and exit with their
status; anything else is a bug, shown as one line unless --debug asks for the traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .. import settings as settings_mod
from ..archive.schedules import FORMATS_HINT, formats_problem
from ..errors import BriefingError, CellError, DamagedStore, NotFound, OutOfCalendar, UsageError
from ..ingest import cells
from ..store.catalog import Catalog, Region
from ..store.db import Store, iso_utc
from ..store.observations import FAR_FUTURE

log = logging.getLogger(__name__)
FIRST_DAY, LAST_DAY = date(2, 1, 1), date(9998, 12, 31)   # so a period's neighbours (a year ago, next) exist
CALENDAR_HINT = (f"Give periods and moments from {FIRST_DAY} to {LAST_DAY}, so that the periods before and "
                 "after them exist too.")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BriefingGroup(click.Group):
    """Turns BriefingError into a message and an exit status; hides tracebacks unless --debug."""

    def invoke(self, ctx: click.Context):
        try:
            return self._invoke(ctx)
        except BriefingError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`briefing … | head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"Internal error: {exc.__class__.__name__}: {exc}", fg="red", err=True)
            click.echo("This is a bug in briefing. Run the command again with --debug for the details.", err=True)
            ctx.exit(70)

    def _invoke(self, ctx: click.Context):
        """The command; a period past the calendar's ends (--as-of 9999-12-31, --now 0001-01-01) is a usage error,
        and SQLite's word that the database is damaged (malformed) a StoreError saying what to do."""
        try:
            return super().invoke(ctx)
        except OutOfCalendar as exc:
            raise UsageError(str(exc), CALENDAR_HINT) from None
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or not ctx.obj:
                raise
            raise DamagedStore(ctx.obj["settings"].db, exc) from None


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
    """--as-of as an ISO UTC string (see parse_moment); without it, every revision ever recorded."""
    return iso_utc(parse_moment(text, tz, "--as-of")) if text else FAR_FUTURE


def parse_moment(text: str, tz: ZoneInfo, option: str) -> datetime:
    """A moment given on the command line (--as-of, --now): a bare date, written as the ingest reads dates
    (2024-01-17, 2024/01/17, 2024年1月17日), is the end of that day; otherwise an ISO 8601 date and time,
    in the service's time zone when it names none."""
    try:
        moment = datetime.combine(cells.day(text), time(23, 59, 59), tzinfo=tz)
    except CellError:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(f"{option} {text!r} is not a date or time", "Write it like 2024-01-17, 2024年1月17日, "
                             "2024-01-17T09:00 or 2024-01-17T09:00+08:00.") from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise UsageError(f"{option} {text!r} is too near the ends of the calendar", CALENDAR_HINT)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def archive_formats(text: str) -> tuple[str, ...]:
    """--format of a briefing that goes into the archive: docx, with html or pdf."""
    formats = tuple(f.strip() for f in text.split(",") if f.strip())
    problem = formats_problem(formats)
    if problem:
        raise UsageError(f"--format: {problem}", FORMATS_HINT)
    return formats


def region_of(store: Store, text: str | None) -> Region:
    """The region a person named (code or name), or the top of the hierarchy when they named none."""
    catalog = Catalog.load(store.db)
    if text is None:
        roots = catalog.roots()
        if not roots:
            raise UsageError("the database has no regions", "Import a regions file first (see docs/ingest.md).")
        return roots[0]
    try:
        return catalog.region(text)
    except NotFound as exc:
        raise UsageError(exc.message, "List them with `briefing regions`.") from None
