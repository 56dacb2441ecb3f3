"""The reference document: a slim .docx holding only the styles a briefing uses, in the official style of
GB/T 9704-2012 (党政机关公文格式).

- Page A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right (a 156 × 225 mm type area);
  22 lines to the page (exact 28.95 pt line spacing).
- Title 方正小标宋简体 22 pt (二号); body 仿宋_GB2312 16 pt (三号) with a two-character first-line indent;
  level-1 headings 黑体, level-2 headings 楷体_GB2312, both 16 pt; page numbers 宋体 14 pt (四号) as
  "— 1 —", odd pages on the right and even pages on the left.
- python-docx's ``font.name`` sets only Latin fonts: every style here sets w:eastAsia as well and carries
  no theme font attributes, or Word and LibreOffice would draw the Chinese in the theme's font.

Built in code (deterministically) by python-docx from this table (docx_styles.py, imported only when a
reference document is built or checked: a briefing's start needs none of python-docx), rather than shipped as a
binary, so it cannot drift from the table. A user can start from ``briefing templates --reference-docx FILE``,
restyle it in Word, and point the ``reference_docx`` setting at it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:       # python-docx builds the document (docx_styles.py); the table alone needs none of it
    from docx.document import Document

LATIN = "Times New Roman"
LINE = 28.95              # pt: 225 mm / 22 lines


class Style(NamedTuple):   # not a dataclass: made at every start, where a dataclass compiles its methods from source
    id: str
    name: str                  # Word's built-in name where there is one, so Word maps it
    font: str                  # East Asian font
    size: float                # pt
    align: str = "both"        # w:jc: both, center, left, right
    indent_chars: int = 0      # first-line indent in characters
    line: float | None = LINE  # exact line spacing, pt; None: single
    before: float = 0          # pt
    after: float = 0
    bold: bool = False
    keep_next: bool = False
    outline: int | None = None  # heading level for the navigation pane
    color: str | None = None    # RGB hex of the text (the masthead's red)
    hanging_chars: int = 0      # a hanging indent in characters (the 报：送：发： lines wrap under the names)


STYLES: tuple[Style, ...] = (
    Style("Normal", "Normal", "仿宋_GB2312", 16, indent_chars=2),
    Style("Title", "Title", "方正小标宋简体", 22, align="center", line=35, after=28.95, keep_next=True),
    Style("Meta", "Subtitle", "楷体_GB2312", 14, align="center", line=None, after=14, keep_next=True),
    # Headings are not justified: a two-line heading breaks its first line, which justification would stretch.
    Style("Heading1", "heading 1", "黑体", 16, align="left", indent_chars=2, keep_next=True, outline=0),
    Style("Heading2", "heading 2", "楷体_GB2312", 16, align="left", indent_chars=2, keep_next=True, outline=1),
    Style("ListText", "List Paragraph", "仿宋_GB2312", 16, indent_chars=2),
    Style("Caption", "caption", "楷体_GB2312", 14, align="center", line=None, after=7),
    Style("TableText", "Table Text", "仿宋_GB2312", 12, align="center", line=None),
    Style("Footer", "footer", "宋体", 14, line=None),
)
# Styles only a briefing with a masthead uses (masthead.py): added to a document that lacks them when such a briefing
# is written, so the built-in reference stays slim and a reference document made before them still serves.
RED = "FF0000"
ON_DEMAND: tuple[Style, ...] = (
    Style("Masthead", "Masthead", "方正小标宋简体", 42, align="center", line=None, color=RED, keep_next=True),
    Style("MastheadIssue", "Masthead Issue", "仿宋_GB2312", 16, align="center", line=None, before=7, after=7,
          keep_next=True),
    Style("MastheadLine", "Masthead Line", "仿宋_GB2312", 16, align="left", line=None, after=28.95, keep_next=True),
    # 版记: a line begins one character in (an ideographic space, masthead.py) and wraps under the names after
    # 报：, while its rules are as wide as the type area (a paragraph's border spans from its first line's start)
    Style("Distribution", "Distribution", "仿宋_GB2312", 14, align="left", hanging_chars=3),
)
STYLE_IDS = {s.id for s in STYLES} | {"TableGrid"}
FIXED_TIME = datetime(2000, 1, 1)   # every date inside a package we write: the same data, the same bytes


def reference() -> Document:
    """A new reference document: the styles above, an A4 GB/T 9704 section with page numbers, no body."""
    from .docx_styles import reference

    return reference()
