"""What validating one table needs: the catalog as it stands inside the transaction, the clock, the
time zone, and the lists where problems and rejected rows are gathered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from ..errors import CellError, NotFound, Problem
from ..store.catalog import Catalog
from ..store.db import iso_utc
from .columns import ALIASES
from .table import SourceTable


@dataclass
class Outcome:
    """What became of one table."""

    where: str
    kind: str
    rows: int = 0
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    missing: int = 0
    rejected: list[tuple[int, list, str]] = field(default_factory=list)
    reject_file: str | None = None
    shape: tuple[int, int] | None = None     # a wide sheet's rows and indicator columns


@dataclass(frozen=True)
class Given:
    """What the command line says of the tables it imports (--period, --region): the period or region of a
    table that has no such column and says none around it."""

    period: str | None = None
    region: str | None = None


@dataclass
class Context:
    catalog: Catalog
    tz: ZoneInfo
    now: datetime                      # aware
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)    # what was done that the person should know of
    given: Given = Given()
    whole: bool = False                # a table is wrong as a whole (its header): --skip-invalid keeps nothing
    unread: bool = False               # a row has cells past the header: refused as a file that cannot be read
    tick: Callable[[int], None] = lambda rows: None     # progress: so many more rows checked
    max_rows: int = 2_000_000          # the most figures a table may hold (setting max_rows): a wide sheet's too

    @property
    def now_utc(self) -> str:
        return iso_utc(self.now)


class RowChecker:
    """Gathers the problems of one row: ``check(column, fn, raw)`` returns fn(raw) or None on error."""

    def __init__(self, table: SourceTable, ctx: Context, outcome: Outcome):
        self.table, self.ctx, self.outcome = table, ctx, outcome
        self.row = 0
        self.cells: list = []
        self.errors: list[str] = []

    def start(self, row: int, cells: list) -> None:
        self.row, self.cells, self.errors = row, cells, []

    def check(self, column: str, fn: Callable, *args):
        try:
            return fn(*args)
        except (CellError, NotFound, ValueError) as exc:
            self.fail(column, str(exc))
            return None

    def fail(self, column: str | None, message: str) -> None:
        """Record a problem in a column (its header as written, or the documented one if the file has none)."""
        header = self.table.header_of(column, self.cells)
        if header is None:
            header = ALIASES[column][0] if column in ALIASES else column
        self.ctx.problems.append(Problem(self.table.where, self.row, header, message))
        self.errors.append(f"{header}: {message}" if header else message)

    def finish(self) -> bool:
        """True when the row had no problem; otherwise it is kept for the reject file."""
        if self.errors:
            self.outcome.rejected.append((self.row, self.cells, "; ".join(self.errors)))
            return False
        return True


