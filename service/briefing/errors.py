"""Every error the service reports to a person, in one place.

    BriefingError                 base: a message for a person (and a hint), and the CLI exit status (1)
    ├── UsageError                a command, option or setting used wrongly (exit 2)
    ├── NotFound                  a region, indicator or figure that is not there; also a LookupError
    ├── InputError                an input file with problems, each a Problem naming file, row and column
    ├── StoreError                the database cannot be opened or used as asked
    │   └── DamagedStore          a damaged page found while reading or writing it: check, then restore a backup
    ├── OutsideArchive            an archive file whose path would lie outside the archive's folder: not
    │                             written, read or removed
    ├── TemplateError             a template that cannot be rendered, naming its file and line
    │   └── TemplateDataError     the template asked for what the data cannot give (no figure, no base,
    │                             an approximation the exact value contradicts)
    ├── Waiting                   a briefing that cannot be made yet, for want of figures (a schedule waits)
    │   ├── NoFigures             its period has no figures yet: not written
    │   └── Incomplete            held until every part (banner) has reported, and some have not
    ├── VerificationError         figures in a finished text that no computed fact accounts for
    ├── LostClaim                 a briefing's claim taken over by another process before it was done;
    │                             the runner logs it and moves on (the other process finishes the briefing)
    ├── Missing                   a briefing, file or upload asked for on the web that is not there (HTTP 404)
    ├── TooLarge                  a request's body larger than the web takes: an upload past its limit (HTTP 413)
    ├── NotSignedIn               a web page or API call without a signed-in person or token (HTTP 401)
    ├── NotAllowed                a person asking for what their role does not allow (HTTP 403)
    └── TooManyAttempts           sign-in refused after too many wrong passwords (HTTP 429)

Never shown as such (ValueErrors of the layers below, each turned into one of the above where it is caught):
``ApproximationError`` (an approximation the exact value contradicts: 近万 for 10200) becomes a
TemplateDataError; ``OutOfCalendar`` (a period past the calendar's ends, 0001-01-01 and 9999-12-31) becomes a
Problem of its cell in ingest and a UsageError on the command line; inside ingest, a ``CellError`` (a cell
that cannot be read) or a ``FileProblem`` (a file that cannot be read as a table) becomes one Problem of the
InputError that lists them all.

The CLI catches BriefingError and prints its message; anything else is a bug (exit 70) and shows a
traceback only with --debug. Each message is built here from the failing value, so it reads the same
wherever the error is raised or shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_, _, ngettext, shown


class BriefingError(Exception):
    """An error whose message is meant for the person who ran the command."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(BriefingError):
    """A command, option or setting used wrongly."""

    exit_code = 2


class StoreError(BriefingError):
    """The database cannot be opened or used as asked."""


class DamagedStore(StoreError):
    """SQLite found a damaged page (a disk fault, a copy taken while it was written, garbage written into it)."""

    def __init__(self, path: object, reason: object):
        super().__init__(
            _("the database {path} is damaged ({reason}); the command stopped").format(path=path, reason=reason),
            _("Run `briefing check` to see what is damaged, then restore the latest backup (docs/store.md, "
              "'Backup and restore'); keep the damaged file until the restore is checked."))


class OutsideArchive(BriefingError):
    """A path of the ledger that would lie outside the archive's folder (a name made before names were
    checked, or a ledger edited by hand): nothing is written, read or removed there."""

    def __init__(self, relative: str, root: object):
        super().__init__(_("'{relative}' would lie outside the archive {root}; nothing was written there").format(
                         relative=relative, root=root),
                         _("`briefing archive verify` lists the ledger's files outside the archive."))


class NotFound(BriefingError, LookupError):
    """A name that is not in the catalog (or a figure not in a briefing's facts): the message names what
    was asked for and, when one is close, suggests it."""

    NOUNS = (N_("region"), N_("indicator"), N_("figures"))     # what a caller may name, for the catalog

    def __init__(self, what: str, key: str, near: str | None = None, where: str | None = None):
        self.what, self.key, self.near = what, key, near
        if where:
            message = _("no {what} for '{key}' {where}").format(what=_(what), key=shown(key), where=where)
        else:
            message = _("unknown {what} '{key}'").format(what=_(what), key=shown(key))
        super().__init__(message + (_("; did you mean '{near}'?").format(near=shown(near)) if near else ""))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, when column is None) of an input file."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            where = _("{file} row {row}, column {column}")
        elif self.row is not None:
            where = _("{file} row {row}")
        elif self.column:
            where = _("{file}, column {column}")
        else:
            where = "{file}"
        return _("{where}: {message}").format(where=where.format(file=self.file, row=self.row, column=self.column),
                                              message=self.message)


class InputError(BriefingError):
    """An input file with one or more problems; all of them are listed, not only the first."""

    def __init__(self, problems: list[Problem], hint: str | None = None):
        self.problems = list(problems)
        count = len(self.problems)
        head = ngettext("{count} problem in the input; nothing was written:",
                        "{count} problems in the input; nothing was written:", count).format(count=f"{count:,}")
        lines = [head] + [f"  {line}" for line in problem_lines(self.problems)]
        super().__init__("\n".join(lines), hint)


SHOWN_PROBLEMS = 200   # an input with more problems lists the first ones and says how many more


def problem_lines(problems: list[Problem]) -> list[str]:
    """The problems as lines, the first SHOWN_PROBLEMS of them and a count of the rest."""
    lines = [str(p) for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        more = f"{len(problems) - SHOWN_PROBLEMS:,}"
        lines.append(_("… and {count} more problems not shown; fix the ones above (the same mistake is often "
                       "repeated) and import again to see the rest").format(count=more))
    return lines


class TemplateError(BriefingError):
    """A briefing template that cannot be rendered: the message names the template file and line."""

    def __init__(self, message: str, template: str | None = None, line: int | None = None,
                 hint: str | None = None):
        super().__init__(message, hint)
        self.reason = message
        self.locate(template, line)

    def locate(self, template: str | None, line: int | None) -> "TemplateError":
        """Say where in a template the error is (template functions raise it before they know)."""
        self.template, self.line = template, line
        name = template or _("template")
        where = _("{template}, line {line}").format(template=name, line=line) if line is not None else name
        self.message = _("{where}: {message}").format(where=where, message=self.reason)
        self.args = (self.message,)
        return self


class TemplateDataError(TemplateError):
    """A template asked for something the facts cannot give: a figure there is none of, no base to
    compare with, a region the briefing does not cover. Raised by the template functions; the renderer
    adds the template's file and line."""


class Waiting(BriefingError):
    """A briefing that cannot be made yet, for want of figures: not a failure. A schedule looks again later."""


class NoFigures(Waiting):
    """A briefing asked for a period that has no figures yet (a future week, one not yet reported, data that
    ends before it): it is not written. A schedule waits for the figures; ``latest`` says what there is."""

    def __init__(self, period: str, region: str, latest: str | None):
        self.latest = latest
        there = (_("the latest figures are for {latest}").format(latest=latest) if latest
                 else _("there are no figures of that kind at all"))
        super().__init__(_("no figures for {period} in {region}; {there}").format(period=period, region=region,
                                                                                   there=there),
                         _("Import the period's figures first, or ask for an earlier period with --period."))


class Incomplete(Waiting):
    """A briefing held until all its parts (banners) have reported, while some have not."""

    def __init__(self, period: str, region: str, missing: list[str]):
        self.missing = list(missing)
        super().__init__(ngettext("{region} {period}: {missing} has not reported yet",
                                  "{region} {period}: {missing} have not reported yet", len(missing)).format(
                                      region=region, period=period, missing="、".join(missing)))


class VerificationError(BriefingError):
    """Figures in a text that no computed fact accounts for; ``found`` lists them (verify.Found)."""

    def __init__(self, message: str, found=()):
        super().__init__(message)
        self.found = tuple(found)


class LostClaim(BriefingError):
    """The claim ran past its lease and another process took it over; that process finishes the report."""

    def __init__(self, report):
        super().__init__(_("report #{id} was taken over by another process before it was marked done").format(
            id=report.id))
        self.report = report


class Missing(BriefingError):
    """A briefing, file, upload or page asked for by the web pages or the API that is not there (HTTP 404)."""


class TooLarge(BriefingError):
    """A request whose body is larger than the web pages and the API take (HTTP 413): an upload past
    max_upload_mb (``mb``), or another form past its few kilobytes."""

    def __init__(self, mb: int | None = None):
        if mb is None:
            super().__init__(_("the request is larger than a form can be; nothing was kept"))
        else:
            super().__init__(_("the file is larger than {mb} MB; nothing was kept").format(mb=mb),
                             _("Split it, or ask the administrator to raise max_upload_mb."))


class NotSignedIn(BriefingError):
    """A web page or API call that needs a signed-in person (or an API token), without one (HTTP 401)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("sign in first"),
                         _("Sign in on the page, or send the header Authorization: Bearer TOKEN (docs/web.md)."))


class NotAllowed(BriefingError):
    """A signed-in person asking for what their role does not allow (HTTP 403)."""

    def __init__(self, login: str, role: str):
        super().__init__(_("{login} may not do this: it needs the role {role}").format(login=login, role=_(role)),
                         _("Ask an administrator to add the role to [users.{login}] in the config file.").format(
                             login=login))


class TooManyAttempts(BriefingError):
    """Sign-in refused after too many wrong passwords in a short time (HTTP 429)."""

    def __init__(self, seconds: int):
        minutes = -(-seconds // 60)
        super().__init__(ngettext("too many wrong passwords; try again in {count} second",
                                  "too many wrong passwords; try again in {count} seconds", seconds).format(
                                      count=seconds) if seconds < 60 else
                         ngettext("too many wrong passwords; try again in {count} minute",
                                  "too many wrong passwords; try again in {count} minutes", minutes).format(
                                      count=minutes))
        self.seconds = seconds


class ApproximationError(ValueError):
    """An approximation that the exact value would contradict (近万 for 10200, 50多 for 50). Raised by the
    pure core; the template function that asked for it turns it into a TemplateDataError."""


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong and what to write instead. Ingest turns
    it into a Problem with the file, row and column."""


class FileProblem(ValueError):
    """A file that cannot be read as a table (at a row, when one is to blame). Ingest turns it into a
    Problem of the file."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


class OutOfCalendar(ValueError):
    """A period, or a period's neighbour, past the ends of the calendar (0001-01-01 .. 9999-12-31): the week
    9999-W52 (it ends in the year 10000), the week before 0001-W01. Raised by figures/periods.py; the message
    names the period and the end it runs into."""
