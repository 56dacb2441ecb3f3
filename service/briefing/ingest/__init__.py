"""Ingest: CSV, XLSX and JSON files into the store, all-or-nothing.

Every file is read and every row validated before anything is kept; the whole import is one
``BEGIN IMMEDIATE`` transaction, rolled back if any problem is found, so a bad file leaves the
database exactly as it was. Files of figures alone (no catalog, one table of each kind) are checked
before the write lock is taken, in a read transaction, and written in a short one, so a large import does
not keep a scheduled briefing waiting. With ``skip_invalid`` the valid rows are kept and the others are
written, with the reason, to ``<file>.rejects.csv`` beside the input.

A check (``check_only=True``: ``briefing ingest --check``, the upload page before the person confirms) runs the
very same import, reads, checks and writes included, in transactions that are rolled back instead of committed,
and writes no rejects file: its counts are the ones the import then makes, and nothing is kept.

May import ``store``, ``figures`` and the base modules (errors, files, settings).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from ..errors import InputError, Problem
from ..files import from_spreadsheet_cell, sha256_of, spreadsheet_cell
from ..i18n import _
from ..store.catalog import Catalog
from ..store.db import Store, iso_utc
from . import catalog_rows, cells, notes, observations, wide
from .columns import ORDER
from .context import Context, Given, Outcome
from .read import Limits, SourceTable, read

log = logging.getLogger(__name__)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)   # what was passed over on purpose (a 说明 sheet)
    checked_only: bool = False                          # made by a check: nothing was written
    refusal: InputError | None = None                   # a check's: what the import itself would raise, or None

    @property
    def rejected(self) -> int:
        return sum(len(o.rejected) for o in self.outcomes)

    @property
    def would_write(self) -> bool:
        """Whether the import itself would write (a check found nothing that refuses it)."""
        return self.refusal is None


@contextlib.contextmanager
def _no_gc():
    """A large import makes millions of small lists that live until it ends; Python's cyclic garbage
    collector would scan them again and again (it tripled the time of a million-row CSV). Reference
    counting still frees everything; the collector is back on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Progress = Callable[[str, int, int], None]   # (step, done, total): "read" files, then "check" rows


def ingest_files(store: Store, paths: list[Path], tz: ZoneInfo, skip_invalid: bool = False,
                 now: datetime | None = None, limits: Limits = Limits(), given: Given = Given(),
                 progress: Progress | None = None, check_only: bool = False) -> Report:
    """Import the files; raise InputError (nothing written) unless every row is valid or skip_invalid. A file
    past the limits (size, rows) is refused before its rows are read. ``given`` is the period and region of
    tables that have no such column and say none around them; ``progress`` is told how far the import is.

    ``check_only`` runs the same import and keeps nothing: no row in the database, no rejects file. It never
    raises InputError: the Report holds every Problem (file and sheet, row, column) and, in ``refusal``, the
    InputError the import itself would raise with these arguments (None when it would write). Its outcomes count
    what the valid rows make (added, revised, unchanged, each rejected row with its reason): the counts the
    import makes, with skip_invalid when some rows are wrong. Other errors (StoreError …) are raised as usual."""
    with _no_gc():
        run = _Run(tz, now or datetime.now(tz), skip_invalid, given, _Meter(progress or _quiet), limits, check_only)
        report = Report(checked_only=check_only)
        try:
            _ingest(store, [Path(p) for p in paths], run, report)
        except InputError as exc:
            if not check_only:
                raise
            report.refusal = exc    # a file that cannot be read at all: the import stops there too
        return report


def _quiet(step: str, done: int, total: int) -> None:
    """No progress shown."""


@dataclass
class _Run:
    """How one import goes: the clock, --skip-invalid, --period/--region, and where progress is told."""

    tz: ZoneInfo
    now: datetime
    skip_invalid: bool
    given: Given
    meter: "_Meter"
    limits: Limits
    check_only: bool = False

    def context(self, db, report: Report) -> Context:
        return Context(Catalog.load(db), self.tz, self.now, report.problems, report.notices, self.given,
                       tick=self.meter.tick, max_rows=self.limits.max_rows)


def _ingest(store: Store, paths: list[Path], run: _Run, report: Report) -> None:
    tables: list[SourceTable] = []
    for done, path in enumerate(paths, start=1):
        tables.extend(map(_as_typed, read(path, report.problems, report.notices, run.limits)))
        run.meter.progress("read", done, len(paths))
    if report.problems:  # a file that cannot be read at all: nothing is imported
        raise InputError(report.problems)
    # Catalogs before the figures that use them; figure files in the order they were recorded, so a
    # corrections file given before the file it corrects (as data/sample/*.csv sorts) still applies last.
    kinds = [t.kind for t in tables]
    tables.sort(key=lambda t: (ORDER.index(t.kind), _earliest_time(t, run.tz) if kinds.count(t.kind) > 1 else "~"))
    if _independent(tables):
        _validate_then_write(store, tables, report, run)
    else:
        with _transaction(store, run) as db:
            ctx = run.context(db, report)
            run.meter.start(tables)
            for table in tables:
                report.outcomes.append(_import_table(db, table, ctx))
                run.meter.next()
            _refuse(report, ctx, run)
    if run.check_only:
        return
    for outcome, table in zip(report.outcomes, tables):
        if outcome.rejected:
            outcome.reject_file = str(write_rejects(table, outcome))
        if table.kind in _FIGURES:
            log.info("imported %s: %d added, %d revised, %d unchanged", table.where, outcome.added, outcome.revised,
                     outcome.unchanged)


class _Undo(Exception):
    """Raised at the end of a check's write transaction, so that store.write() rolls it back."""


@contextlib.contextmanager
def _transaction(store: Store, run: _Run, checked: bool = False):
    """store.write(): committed, or for a check rolled back once everything in it is done. ``checked``: every
    code written was checked against the catalog in this transaction, so SQLite need not look each one up again
    (foreign keys off while it lasts)."""
    try:
        with (store.write_checked() if checked else store.write()) as db:
            yield db
            if run.check_only:
                raise _Undo
    except _Undo:
        pass


class _Meter:
    """Tells the progress callback how many files are read, then how many rows are checked: a wide sheet's
    rows count as the rows of the sheet, however many figures each holds."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.sizes: list[int] = []
        self.table = 0

    def start(self, tables: list[SourceTable]) -> None:
        self.sizes = [len(t.raw if t.raw is not None else t.rows) for t in tables]
        self.table = 0
        self.progress("check", 0, sum(self.sizes))

    def tick(self, done: int, of: int | None = None) -> None:
        """``done`` rows of the current table's ``of`` (its rows as checked, when a wide sheet made more)."""
        size = self.sizes[self.table] if self.table < len(self.sizes) else 0
        part = size if not of else min(size, size * done // of)
        self.progress("check", sum(self.sizes[:self.table]) + part, sum(self.sizes))

    def next(self) -> None:
        self.table += 1
        self.progress("check", sum(self.sizes[:self.table]), sum(self.sizes))


def _independent(tables: list[SourceTable]) -> bool:
    """Whether each table can be checked without the others written first: no catalog (figures are checked
    against it) and no two tables of one kind (a corrections file is checked against the file it corrects)."""
    kinds = [t.kind for t in tables]
    return len(set(kinds)) == len(kinds) and not set(kinds) & {"office", "regions", "domains", "indicators"}


def _validate_then_write(store: Store, tables: list[SourceTable], report: Report, run: _Run) -> None:
    """Check every row in a read transaction, without the write lock, so a large import does not keep a
    scheduled briefing waiting; then write in a short BEGIN IMMEDIATE transaction. If another process wrote
    in between (PRAGMA data_version), the rows are checked again inside the write transaction."""
    read_notices = list(report.notices)
    with store.read() as db:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        checked = _validate(db, tables, report, run)
    with _transaction(store, run, checked=all(t.kind == "observations" for t in tables)) as db:
        if db.execute("PRAGMA data_version").fetchone()[0] != version:
            report.problems.clear()
            report.notices[:] = read_notices
            report.refusal = None
            checked = _validate(db, tables, report, run)
        ctx, validated = checked
        report.outcomes = [_write_table(db, table, rows, outcome, ctx) for table, rows, outcome in validated]


def _validate(db, tables: list[SourceTable], report: Report, run: _Run):
    ctx = run.context(db, report)
    run.meter.start(tables)
    validated = []
    for table in tables:
        outcome = Outcome(table.where, table.kind)
        validated.append((table, _VALIDATE[table.kind](table, ctx, db, outcome), outcome))
        run.meter.next()
    _refuse(report, ctx, run)
    return ctx, validated


def _refuse(report: Report, ctx: Context, run: _Run) -> None:
    """Nothing is written when a row has a problem, unless --skip-invalid; nor, even then, when a table is
    wrong as a whole (a wide sheet's unknown column). A check keeps the refusal in the report and goes on, so
    that it counts what the valid rows make."""
    if report.problems and (ctx.whole or not run.skip_invalid):
        refusal = (InputError(report.problems) if ctx.unread else   # as a file that cannot be read is refused
                   InputError(report.problems, _("Fix the problems above and import again.") if ctx.whole else
                              _("Fix the rows above and import again, or use --skip-invalid to keep the valid rows.")))
        if not run.check_only:
            raise refusal
        report.refusal = refusal


def _earliest_time(table: SourceTable, tz: ZoneInfo) -> str:
    """The earliest 录入时间 in a table (ISO UTC), or '~' (after any time) when it gives none."""
    i = table.index("recorded_at")
    if i is None:
        return "~"
    times = []
    for raw in {row[i] for _number, row in table.rows}:  # a large file repeats a few times: parse each once
        try:
            times.append(iso_utc(cells.moment(raw, tz)))
        except (cells.CellError, TypeError):
            continue  # reported when the row is validated
    return min(times, default="~")


def _observations(table: SourceTable, ctx: Context, db, outcome: Outcome) -> list[tuple]:
    """A table of figures, made whole first (a wide sheet's columns named by the catalog, a missing 地区 or
    期间 taken from around it)."""
    if not wide.resolve(table, ctx):
        return []
    outcome.shape = table.shape
    return observations.validate(table, ctx, db, outcome)


_VALIDATE = {
    "office": catalog_rows.validate_office, "regions": catalog_rows.validate_regions,
    "domains": catalog_rows.validate_domains, "indicators": catalog_rows.validate_indicators,
    "observations": _observations, "highlights": notes.validate_highlights,
    "records": notes.validate_records,
}
_CATALOG = {"office": catalog_rows.write_office, "domains": catalog_rows.write_domains,
            "indicators": catalog_rows.write_indicators}


def _import_table(db, table: SourceTable, ctx: Context) -> Outcome:
    outcome = Outcome(table.where, table.kind)
    rows = _VALIDATE[table.kind](table, ctx, db, outcome)
    return _write_table(db, table, rows, outcome, ctx)


def _write_table(db, table: SourceTable, rows: list, outcome: Outcome, ctx: Context) -> Outcome:
    if table.kind == "regions":
        catalog_rows.write_regions(db, rows, outcome, ctx.catalog)
        return outcome
    if table.kind in _CATALOG:
        _CATALOG[table.kind](db, rows, outcome, ctx.catalog, ctx)
        return outcome
    if not rows:
        return outcome
    if table.kind == "highlights":
        catalog_rows.add_domains(db, [r["domain"] for r in rows], ctx.catalog, ctx, table.where)
    batch = db["batches"].insert({
        "file": table.where, "sha256": sha256_of(table.file), "table_kind": table.kind, "rows": outcome.rows,
        "added": outcome.added, "revised": outcome.revised, "unchanged": outcome.unchanged,
        "imported_at": iso_utc(ctx.now)}).last_pk
    _FIGURES[table.kind](db, rows, batch)
    return outcome


_FIGURES = {"observations": observations.write, "highlights": notes.write_highlights, "records": notes.write_records}


REJECTS = ("行号 row", "错误 problem")    # the columns a rejects file adds, before and after the input's


def write_rejects(table: SourceTable, outcome: Outcome) -> Path:
    """The rejected rows with their reasons, beside the input, as UTF-8 CSV that Excel opens (BOM). A text
    cell Excel would run as a formula (=HYPERLINK(…), +1+1) is written with a leading ' (files.spreadsheet_cell);
    importing the rejects file again takes it off (_as_typed), so the text is stored as it was typed."""
    source = Path(table.file)
    suffix = "" if table.where == table.file else "." + table.where.rsplit("[", 1)[-1].rstrip("]")
    target = source.with_name(f"{source.stem}{suffix}.rejects.csv")
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([REJECTS[0]] + table.headers + [REJECTS[1]])
        for number, cells, reason in outcome.rejected:
            out.writerow([number] + [_rejects_cell(c) for c in cells] + [_rejects_cell(reason)])
    return target


_SURROGATE = re.compile("[\ud800-\udfff]")


def _rejects_cell(value: object) -> object:
    """A cell as the rejects file holds it: formula-like text escaped, and a lone surrogate (JSON's "\\ud800",
    which the cell check refused) as U+FFFD, which UTF-8 can hold, so the file is written and the person sees
    where the bad character was."""
    value = spreadsheet_cell("" if value is None else value)
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _as_typed(table: SourceTable) -> SourceTable:
    """A rejects file's cells without the ' that write_rejects put before formula-like text; any other table
    as it is (a ' a person typed is kept)."""
    if REJECTS[1] in table.headers:
        table.rows = [(number, [from_spreadsheet_cell(c) for c in cells]) for number, cells in table.rows]
    return table
