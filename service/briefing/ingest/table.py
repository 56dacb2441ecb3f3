"""A table read from a file, before its rows are checked: its kind, its columns, its rows of raw cells and what
surrounds it in its sheet (title lines, a unit line, the sheet's name); and the limits of what a file may hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import FileProblem
from ..i18n import _, shown


class PercentCell(float):
    """A number from an Excel cell formatted as a percentage (0.9925 shown as 99.25%)."""


class BareNumber(float):
    """A number from a workbook whose cells' formats are not known (.xls, .et, .ods): whether 0.9925 was
    shown as 99.25% cannot be told, so a rate written so is refused rather than guessed."""


@dataclass
class Around:
    """What surrounds a table in its file: the lines above its header (a title, 单位：万元, 地区：扎赉特旗),
    the sheet's name and the file's, where a table without a 地区 or 期间 column may say them."""

    lines: list[tuple[int, str]] = field(default_factory=list)    # (row, a cell's text) above the header
    sheet: str | None = None
    stem: str = ""
    unit: tuple[int, str] | None = None                           # the unit line's row and unit: 单位：万元


@dataclass
class SourceTable:
    file: str
    where: str                      # the file, or "file [sheet]" for a workbook
    kind: str
    headers: list[str]
    fields: list[str | None]        # the canonical column of each header
    rows: list[tuple[int, list]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)   # column -> the unit its header gives: 数值（万元）
    around: Around = field(default_factory=Around)
    # A wide sheet (one column per indicator): its rows as read, until wide.resolve finds its header with the
    # catalog and makes one row per figure; then each indicator's column (header, unit) and the sheet's shape.
    raw: list[tuple[int, list]] | None = None
    columns: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    shape: tuple[int, int] | None = None
    resolved: bool = False          # wide.resolve has made it whole; what it passed over is in ``passed``
    passed: list[str] = field(default_factory=list)

    def index(self, name: str) -> int | None:
        return self.fields.index(name) if name in self.fields else None

    def header_of(self, column: str | None, cells: list) -> str | None:
        """The header a person sees for a column of a row: for a wide sheet's figure, its indicator's column."""
        if column in ("value", "indicator") and self.columns and "indicator" in self.fields:
            found = self.columns.get(cells[self.fields.index("indicator")])
            if found:
                return found[0]
        if column in self.fields:
            return self.headers[self.fields.index(column)]
        return None

    def unit_of(self, indicator: object) -> tuple[str | None, int | None]:
        """The unit the file gives an indicator's figures in (its column's header, the 数值 header, or a unit
        line above the table), and the unit line's row when it comes from there."""
        if indicator in self.columns and self.columns[indicator][1]:
            return self.columns[indicator][1], None
        if "value" in self.units:
            return self.units["value"], None
        if self.around.unit and "unit" not in self.fields:   # a 单位 column says each row's unit: it is checked
            return self.around.unit[1], self.around.unit[0]
        return None, None


@dataclass(frozen=True)
class Limits:
    """How large a file an import takes (settings max_file_mb and max_rows): a file past them is refused
    before its rows are read, a workbook by its unpacked size and its sheets' declared dimensions."""

    max_bytes: int = 200 * 2**20
    max_rows: int = 2_000_000
    size_setting: str = "max_file_mb"     # the setting max_bytes comes from (the web's: max_upload_mb), named to raise

    def rows_problem(self, sheet: str | None = None) -> FileProblem:
        """A file (or its sheet) with more rows than an import takes."""
        message = (_("the sheet '{sheet}' has more than {most} rows, the most an import takes (setting max_rows); "
                     "split it into smaller files, or raise max_rows") if sheet is not None else
                   _("has more than {most} rows, the most an import takes (setting max_rows); split it into smaller "
                     "files, or raise max_rows"))
        return FileProblem(message.format(sheet=shown(sheet or ""), most=f"{self.max_rows:,}"))

    def check_size(self, size: int, unpacked: bool = False) -> None:
        """A file (or a workbook, unpacked) larger than an import takes is refused before it is read."""
        if size > self.max_bytes:
            message = (_("unpacks to {size} MB, more than the {most} MB an import takes (setting {setting}); "
                         "split it into smaller files, or raise {setting}") if unpacked else
                       _("is {size} MB, more than the {most} MB an import takes (setting {setting}); split it "
                         "into smaller files, or raise {setting}"))
            raise FileProblem(message.format(size=f"{size / 2**20:,.1f}", most=f"{self.max_bytes / 2**20:,.0f}",
                                             setting=self.size_setting))
