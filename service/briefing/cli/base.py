"""The ``briefing`` group (click). Thin: it parses options, calls the modules, prints.

Errors meant for a person (BriefingError) are printed without a traceback and exit with their
status; anything else is a bug, shown as one line unless --debug asks for the traceback.

The language of everything printed is chosen before click reads the arguments (i18n.choose: --lang
wherever it stands, BRIEFING_LANG, the lang setting, the locale). The options of the whole program
(--db, --config, --lang, -v, --debug) are taken before the command or after it, with the same meaning.
"""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import sys
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .. import i18n
from .. import settings as settings_mod
from ..errors import BriefingError, CellError, DamagedStore, NotFound, OutOfCalendar, UsageError
from ..i18n import N_, _, shown
from .help import Translated

if TYPE_CHECKING:       # the wings are imported by the commands that use them, so that `briefing -h` starts fast
    from ..store.catalog import Region
    from ..store.db import Store

log = logging.getLogger(__name__)
FIRST_DAY, LAST_DAY = date(2, 1, 1), date(9998, 12, 31)   # so a period's neighbours (a year ago, next) exist
CALENDAR_HINT = N_("Give periods and moments from {first} to {last}, so that the periods before and after them "
                   "exist too.")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def calendar_hint() -> str:
    return _(CALENDAR_HINT).format(first=FIRST_DAY, last=LAST_DAY)


def general_options() -> list[click.Option]:
    """The options of the whole program; each command takes them too, after its name (the last one given wins)."""
    keep = {"expose_value": False, "callback": _keep}
    return [
        click.Option(["--db"], metavar="PATH", help="SQLite database [default: data/briefing.db, or BRIEFING_DB].",
                     **keep),
        click.Option(["--config"], metavar="FILE", type=click.Path(dir_okay=False),
                     help="TOML settings file [default: BRIEFING_CONFIG, or briefing.toml here if present].", **keep),
        click.Option(["--lang"], type=click.Choice(i18n.LANGUAGES),
                     help="Language of messages and help: zh (Chinese) or en (English) [default: BRIEFING_LANG, the "
                     "lang setting, the locale, else zh].", **keep),
        click.Option(["-v", "--verbose"], is_flag=True, help="Log each step to stderr.", **keep),
        click.Option(["--debug"], is_flag=True, help="Show Python tracebacks for errors.", **keep),
    ]


def _keep(ctx: click.Context, param: click.Parameter, value) -> None:
    """A general option's value, kept for the whole run (the contexts of a command and its group share obj)."""
    if value not in (None, False):
        ctx.ensure_object(dict)[param.name] = value


def prepare(ctx: click.Context) -> None:
    """Before a command runs, with every general option read: logging, and the settings (read once, again
    only when the command itself names another --db or --config)."""
    obj = ctx.ensure_object(dict)
    logging.basicConfig(level=logging.DEBUG if obj.get("debug") else logging.INFO if obj.get("verbose")
                        else logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    given = (obj.get("db"), obj.get("config"))
    if obj.get("loaded") != given:
        obj["settings"] = settings_mod.load(obj.get("config"), overrides={"db": obj.get("db")})
        obj["db_given"], obj["loaded"] = obj.get("db") is not None, given
    lang = obj["settings"].lang
    if lang and not i18n.code(lang):
        raise UsageError(_("lang = '{value}' ({origin}) is not a language of briefing").format(
            value=lang, origin=obj["settings"].origin["lang"]), _("Use zh (Chinese) or en (English)."))


def given(args: list[str], option: str) -> str | None:
    """The value of the last OPTION X or OPTION=X in a command line (before a lone --), read before click does."""
    value = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == option and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(option + "="):
            value = arg.partition("=")[2]
    return value


def choose_language(args: list[str]) -> tuple[str, dict]:
    """--lang, BRIEFING_LANG, the lang setting of the config file (when it can be read), the locale; with the
    settings read for it, kept for the command (prepare reads them again only if its --db or --config differ)."""
    option = given(args, "--lang")
    if i18n.code(option) or i18n.code(os.environ.get("BRIEFING_LANG")):
        return i18n.choose(option), {}
    db, config = given(args, "--db"), given(args, "--config")
    try:
        read = settings_mod.load(config, overrides={"db": db})
    except BriefingError:       # the command says what is wrong with the file, in the language chosen without it
        return i18n.choose(option), {}
    return i18n.choose(option, read.lang), {"settings": read, "loaded": (db, config)}


class Prepared:
    """The general options after a command's (or a group's) name too, and the settings read before it runs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params += general_options()

    def invoke(self, ctx: click.Context):
        prepare(ctx)
        return super().invoke(ctx)


class BriefingCommand(Prepared, Translated, click.Command):
    """A command: its help in the chosen language; the general options after its name too."""


class CommandGroup(Prepared, Translated, click.Group):
    """A group of commands below the top (briefing archive …): the general options after its name too."""

    command_class = BriefingCommand
    group_class = type


class BriefingGroup(Translated, click.Group):
    """The top: chooses the language, turns BriefingError into a message and an exit status; hides
    tracebacks unless --debug."""

    command_class = BriefingCommand
    group_class = CommandGroup

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params[:0] = general_options()
        self.lazy: dict[str, tuple[str, str]] = {}   # command -> (its module in briefing.cli, its help's 1st paragraph)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A command, its module imported (with the wings it uses) only when it is the one asked for."""
        if name not in self.commands and name in self.lazy:
            importlib.import_module(f"{__package__}.{self.lazy[name][0]}")
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands in `briefing -h`, from the table of their first lines: no module is imported."""
        listed = {name: self.commands.get(name) or self.command_class(name, help=self.lazy[name][1])
                  for name in self.list_commands(ctx)}
        limit = formatter.width - 6 - max(map(len, listed), default=0)
        rows = [(name, command.get_short_help_str(limit)) for name, command in listed.items() if not command.hidden]
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, **extra):
        args = list(sys.argv[1:] if args is None else args)
        lang, read = choose_language(args)
        i18n.use(lang)
        if read and "obj" not in extra:
            extra["obj"] = {**read, "db_given": read["loaded"][0] is not None}
        return super().main(args, prog_name, **extra)

    def invoke(self, ctx: click.Context):
        try:
            return self._invoke(ctx)
        except BriefingError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(_("Error: {message}").format(message=exc.message), fg="red", err=True)
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
            click.secho(_("Internal error: {kind}: {error}").format(kind=exc.__class__.__name__, error=exc),
                        fg="red", err=True)
            click.echo(_("This is a bug in briefing. Run the command again with --debug for the details."), err=True)
            ctx.exit(70)

    def _invoke(self, ctx: click.Context):
        """The command; a period past the calendar's ends (--as-of 9999-12-31, --now 0001-01-01) is a usage error,
        and SQLite's word that the database is damaged (malformed) a StoreError saying what to do."""
        try:
            return super().invoke(ctx)
        except OutOfCalendar as exc:
            raise UsageError(str(exc), calendar_hint()) from None
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or not (ctx.obj and "settings" in ctx.obj):
                raise
            raise DamagedStore(ctx.obj["settings"].db, exc) from None


@click.group(cls=BriefingGroup, context_settings=CONTEXT)
@click.version_option(package_name="briefing", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Write Word briefings (简报) from program figures kept in SQLite.

    \b
    Example:
      briefing demo
      briefing --db data/briefing.db ingest figures.xlsx
      briefing generate --db data/briefing.db --lang en -r 扎赉特旗
    """
    ctx.ensure_object(dict)


def open_store(ctx: click.Context, create: bool = False) -> Store:
    from ..store.db import Store

    s = ctx.obj["settings"]
    return Store(s.db, busy_timeout_ms=s.busy_timeout_ms, create=create)


def tz_of(ctx: click.Context) -> ZoneInfo:
    name = ctx.obj["settings"].timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(_("unknown time zone '{name}'").format(name=name),
                         _("Use an IANA name such as Asia/Shanghai.")) from None


def parse_as_of(text: str | None, tz: ZoneInfo) -> str:
    """--as-of as an ISO UTC string (see parse_moment); without it, every revision ever recorded."""
    from ..store.db import iso_utc
    from ..store.observations import FAR_FUTURE

    return iso_utc(parse_moment(text, tz, "--as-of")) if text else FAR_FUTURE


def parse_moment(text: str, tz: ZoneInfo, option: str) -> datetime:
    """A moment given on the command line (--as-of, --now): a bare date, written as the ingest reads dates
    (2024-01-17, 2024/01/17, 2024年1月17日), is the end of that day; otherwise an ISO 8601 date and time,
    in the service's time zone when it names none."""
    from ..ingest import cells

    try:
        moment = datetime.combine(cells.day(text), time(23, 59, 59), tzinfo=tz)
    except CellError:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(_("{option} '{text}' is not a date or time").format(option=option, text=shown(text)),
                             _("Write it like 2024-01-17, 2024年1月17日, 2024-01-17T09:00 or "
                               "2024-01-17T09:00+08:00.")) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise UsageError(_("{option} '{text}' is too near the ends of the calendar").format(option=option,
                                                                                             text=shown(text)),
                         calendar_hint())
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def archive_formats(text: str) -> tuple[str, ...]:
    """--format of a briefing that goes into the archive: docx, with html or pdf."""
    from ..archive.schedules import formats_hint, formats_problem

    formats = tuple(f.strip() for f in text.split(",") if f.strip())
    problem = formats_problem(formats)
    if problem:
        raise UsageError(_("--format: {problem}").format(problem=problem), formats_hint())
    return formats


def region_of(store: Store, text: str | None) -> Region:
    """The region a person named (code or name), or the top of the hierarchy when they named none."""
    from ..store.catalog import Catalog

    catalog = Catalog.load(store.db)
    if text is None:
        return catalog.top()
    try:
        return catalog.region(text)
    except NotFound as exc:
        raise UsageError(exc.message, _("List them with `briefing regions`.")) from None
