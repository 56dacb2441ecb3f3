"""The body of a large CSV table of figures, read in blocks of lines each time it is checked instead of held as
a list of rows: the file's text stays in memory (one string), its rows are made a block at a time.

Only text without a quote character and without a lone carriage return is read so: there each line is one record
(what csv.reader would make of it is the line split at the delimiter), so a block's cells are one ``str.split``
and its columns are slices of them. Any other text is read by csv.reader into a list, as before (read.py).

A block whose lines all have the header's width gives its cells as columns (the checks in observations.py take
them a column at a time); any other block gives its rows one by one, as layout.py would have made them: blank
rows skipped, short rows filled with empty cells, and a row with cells past the header's a problem of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from ..i18n import _
from . import layout

BLOCK = 1 << 20     # characters of text in one block (about 25,000 rows of figures)


@dataclass
class Block:
    """Some rows of a table, numbered as Excel numbers them: as cells by column when every row has the table's
    width and none was left out, else as rows (blank ones already left out)."""

    numbers: range | list[int]
    columns: list[list] | None = None
    rows: list[list] | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)   # (row, a problem of the table as a whole)
    width: int = 0                                                  # the cells of a row as read (before extras)

    def pairs(self) -> list[tuple[int, list]]:
        """(row number, cells) of each row that is not blank."""
        if self.rows is not None:
            return list(zip(self.numbers, self.rows))
        return [(n, list(row)) for n, row in zip(self.numbers, zip(*self.columns)) if filled(row[:self.width])]

    def by_column(self) -> list[list] | None:
        """The cells by column, or None when the rows differ in width."""
        if self.columns is None and self.rows and len({len(r) for r in self.rows}) == 1:
            self.columns = [list(c) for c in zip(*self.rows)]
        return self.columns


def filled(row) -> bool:
    """Not a blank row (the rule of read.py: a first cell or any cell with more than spaces)."""
    return bool(row) and bool(str(row[0] or "").strip() or "".join(str(c or "") for c in row).strip())


def list_blocks(rows: list[tuple[int, list]], size: int = 50_000):
    """The Blocks of a table held as a list (a workbook's, a JSON file's, a quoted CSV's)."""
    for start in range(0, len(rows), size):
        part = rows[start:start + size]
        yield Block([n for n, _cells in part], rows=[cells for _n, cells in part])


class TextRows:
    """The rows of a table's body in ``text`` (quote-free, lines ending in \\n), from the line after its header
    to ``end`` (where the notes below it begin); iterated again each time the table is checked."""

    def __init__(self, text: str, delimiter: str, start: int, end: int, first: int, width: int, lines: int):
        self.text, self.delimiter, self.start, self.end = text, delimiter, start, end
        self.first, self.width, self.lines = first, width, lines   # the first body line's number; how many lines
        self.extra: list = []       # cells every row gains (wide.complete: 期间 taken from the sheet's name)

    def __len__(self) -> int:
        """The lines of the body (blank ones too): how far a check of it has to go."""
        return self.lines

    def with_cells(self, *cells: object) -> "TextRows":
        rows = TextRows(self.text, self.delimiter, self.start, self.end, self.first, self.width, self.lines)
        rows.extra = [*self.extra, *cells]
        return rows

    def blocks(self):
        """The body as Blocks of about BLOCK characters, in order."""
        text, number, pos = self.text, self.first, self.start
        while pos < self.end:
            cut = text.find("\n", min(pos + BLOCK, self.end - 1))
            cut = self.end if cut < 0 or cut >= self.end else cut
            lines = text.count("\n", pos, cut) + 1
            block = self._block(text[pos:cut], number, lines)
            number += lines
            pos = cut + 1
            yield block

    def __iter__(self):
        for block in self.blocks():
            yield from block.pairs()

    def _block(self, text: str, number: int, lines: int) -> Block:
        numbers = range(number, number + lines)
        delim, width = self.delimiter, self.width
        if _marks(text, delim) == ((delim * (width - 1) + "\n") * lines)[:-1].encode():
            cells = text.replace("\n", delim).split(delim)
            columns = [cells[i::width] for i in range(width)]
            columns += [[cell] * lines for cell in self.extra]
            return Block(numbers, columns, width=width)
        kept, rows, problems = [], [], []
        for n, line in zip(numbers, text.split("\n")):
            row = line.split(delim)
            if not filled(row):
                continue  # a blank row, as csv.reader and read.py skip it
            if len(row) > width and any(c.strip() for c in row[width:]):
                problems.append((n, _("has {cells} cells but the header has {width}; remove the extra cells or add "
                                      "a header for them").format(cells=len(row), width=width)))
                continue
            kept.append(n)
            rows.append(row[:width] + [None] * (width - len(row)) + self.extra)
        return Block(kept, rows=rows, problems=problems, width=width)


def _marks(text: str, delimiter: str) -> bytes:
    """The delimiters and line ends of the text, in order, every other character left out: each line has the
    header's width exactly when this is (delimiter × (width - 1), then a line end) line after line. (In UTF-8 no
    byte of another character is a comma, a tab or a line end.)"""
    return text.encode("utf-8", "surrogatepass").translate(None, _others(delimiter))


@cache
def _others(delimiter: str) -> bytes:
    """Every byte but the delimiter's and the line end's (bytes.translate's bytes to delete)."""
    return bytes(b for b in range(256) if b not in (ord(delimiter), ord("\n")))


def body(text: str, delimiter: str, header_line: int, width: int) -> TextRows | None:
    """The body under the header on line ``header_line`` (1-based) of quote-free text, without the notes below
    it (layout.footer_start's rule, read from the last line up); None when the notes would reach the header."""
    start = 0
    for _line in range(header_line):
        start = text.find("\n", start) + 1
        if start == 0:
            return None   # the header is the last line: nothing to stream
    end = len(text)
    if text.endswith("\n"):
        end -= 1
    first_note = None
    while end > start:
        line_start = text.rfind("\n", start, end) + 1 or start
        cells = text[line_start:end].split(delimiter)
        kept = layout.filled(cells)
        if kept and layout.is_note(cells):
            first_note = line_start
        elif kept and not (len(kept) == 1 and isinstance(kept[0], str)):
            break
        if line_start <= start:
            return None
        end = line_start - 1
    end = first_note - 1 if first_note is not None else _end(text)
    if end <= start:
        return None
    lines = text.count("\n", start, end) + 1
    return TextRows(text, delimiter, start, end, header_line + 1, width, lines)


def _end(text: str) -> int:
    return len(text) - 1 if text.endswith("\n") else len(text)
