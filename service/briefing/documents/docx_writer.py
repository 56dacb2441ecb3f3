"""Blocks of markup into a Word document with python-docx: the specification the direct writer (wordxml.py) is held
to, part by part (tests/test_word_oracle.py), and the path it falls back to for a reference document whose XML
it cannot write into; BRIEFING_WORD_WRITER=python-docx chooses it (word.render).

Paragraphs get their style by id, never by name (looking styles up by name is most of python-docx's cost); the
fonts live on the styles. A reference document is read and its styles checked once per version of the file (its
path, size, mtime and inode), so an edited file is used at once by a long-running process. Identical inputs give
identical bytes: the zip entries carry a fixed time and the core properties come from the report, never from the
clock.

Imported only when python-docx writes (or a reference is prepared for the direct writer and the cache folder has
none): a briefing's start needs none of python-docx.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from ..errors import TemplateError
from ..i18n import _
from . import docx_styles
from .markup import Block, Run
from .masthead import INDENT, RULE, TITLE_SIZES, TYPE_WIDTH_MM, title_size
from .styles import ON_DEMAND, RED, STYLE_IDS
from .word import NUMBER, ON_DEMAND_BLOCKS, REFERENCE_HINT, STYLE_OF, Properties, chart_spec, stat_key, unreadable

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _reference_bytes(path: str | None) -> bytes:
    """The reference document's bytes: the built-in one, or the file's, read and checked again when it changes."""
    return _built_in_reference() if path is None else _checked_reference(*stat_key(path))


@lru_cache(maxsize=1)
def _built_in_reference() -> bytes:
    return save_reproducibly(docx_styles.reference())


@lru_cache(maxsize=8)
def _checked_reference(path: str, size: int, mtime_ns: int, inode: int) -> bytes:
    """A reference file's bytes once its styles are checked. Size, mtime and inode (a save by renaming a new file
    into place) are part of the key, so an edited file is read again instead of keeping its old styles."""
    try:
        data = Path(path).read_bytes()
        doc = docx.Document(io.BytesIO(data))
    except OSError as exc:
        raise unreadable(path, exc) from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise TemplateError(_("the reference document is not a Word .docx file"), path,
                            hint=_(REFERENCE_HINT)) from None
    missing = sorted(STYLE_IDS - {style.style_id for style in doc.styles})
    if missing:
        raise TemplateError(_("the reference document has no styles with the ids {ids}").format(ids=", ".join(missing)),
                            path, hint=_("Start from `briefing templates --reference-docx FILE` and restyle its "
                                         "styles in Word without deleting or renaming them; or leave reference_docx "
                                         "empty."))
    return data


def new_document(reference: str | None = None) -> Document:
    """A document with the reference's styles, page setup and footers, and an empty body."""
    doc = docx.Document(io.BytesIO(_reference_bytes(reference)))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def render(blocks: list[Block], props: Properties, reference: str | None = None) -> bytes:
    """The .docx bytes of a briefing, made with python-docx."""
    doc = new_document(reference)
    docx_styles.ensure(doc, {s.id for s in ON_DEMAND} if any(b.kind in ON_DEMAND_BLOCKS for b in blocks) else set())
    for block in blocks:
        _BLOCKS[block.kind](doc, block)
    set_core(doc, props)
    return save_reproducibly(doc)


def _paragraph(doc: Document, style_id: str, runs: tuple[Run, ...] = ()) -> Paragraph:
    paragraph = doc.add_paragraph()
    _set_style(paragraph, style_id)
    for run in runs:
        r = paragraph.add_run(run.text)
        if run.bold:
            r.bold = True
        if run.italic:
            r.italic = True
    return paragraph


def _set_style(paragraph: Paragraph, style_id: str) -> None:
    """Style a new paragraph by id: w:pStyle is the first child of w:pPr in the schema, so it goes first."""
    # Measured, the weekly briefing: paragraph.style = <style> 17.3 ms a render, oxml p.style = id 14.2 ms,
    # this 12.8 ms.
    paragraph._p.get_or_add_pPr().insert(0, OxmlElement("w:pStyle", {qn("w:val"): style_id}))


def _text(doc: Document, block: Block) -> None:
    _paragraph(doc, STYLE_OF[block.kind], block.runs)


def _heading(doc: Document, block: Block) -> None:
    paragraph = _paragraph(doc, f"Heading{block.level}")
    for n, line in enumerate(block.lines):
        run = paragraph.add_run(line)
        if n < len(block.lines) - 1:
            run.add_break()


def _list(doc: Document, block: Block) -> None:
    for n, item in enumerate(block.items, start=1):
        marker = f"{n}．" if block.ordered else "● "
        _paragraph(doc, "ListText", (Run(marker), *item))


def _table(doc: Document, block: Block) -> None:
    columns = max(len(r) for r in block.rows)
    grid = doc.styles.get_by_id("TableGrid", WD_STYLE_TYPE.TABLE)
    table = doc.add_table(rows=len(block.rows), cols=columns, style=grid)
    for r, (row, tr) in enumerate(zip(block.rows, table._tbl.tr_lst)):
        for c, tc in enumerate(tr.tc_lst):  # by element: row.cells (it resolves merges) made the weekly 4% slower
            text = row[c] if c < len(row) else ""
            paragraph = Paragraph(tc.p_lst[0], table)
            _set_style(paragraph, "TableText")
            align = block.align[c] if c < len(block.align) else None
            if r > 0 and (align == "right" or (align is None and NUMBER.match(text))):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # figures line up on their last digit
            run = paragraph.add_run(text)
            if r == 0:
                run.bold = True
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))  # the header row repeats on each page (python-docx has no call for it)


def _chart(doc: Document, block: Block) -> None:
    from . import charts

    paragraph = _paragraph(doc, "Caption")
    charts.insert_chart(paragraph, chart_spec(block))
    if block.chart.get("caption"):
        _paragraph(doc, "Caption", (Run(block.chart["caption"]),))


def _pagebreak(doc: Document, block: Block) -> None:
    _paragraph(doc, "Normal").add_run().add_break(WD_BREAK.PAGE)


def _masthead(doc: Document, block: Block) -> None:
    """The red title, 第N期 under it, and 编发单位 ⇥ date over a red rule (the line's bottom border)."""
    title, issue, unit, date = block.lines
    head = _paragraph(doc, "Masthead")
    largest = doc.styles.get_by_id("Masthead", WD_STYLE_TYPE.PARAGRAPH).font.size
    head.add_run(title).font.size = Pt(title_size(title, largest.pt if largest else TITLE_SIZES[0]))
    _paragraph(doc, "MastheadIssue").add_run(issue)
    line = _paragraph(doc, "MastheadLine")
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    line.add_run(f"{unit}\t{date}" if date else unit)
    _border(line, "bottom", RED)


def _distribution(doc: Document, block: Block) -> None:
    """报：…。送：…。发：… one paragraph each, a rule above the first and below the last, kept on one page. Each
    begins one character in (GB/T 9704 7.4.2: 左右各空一字) with an ideographic space rather than an indent, so
    that the rules are as wide as the type area (7.4.1)."""
    made = []
    for item in block.items:
        made.append(_paragraph(doc, "Distribution"))
        made[-1].add_run(INDENT + "".join(run.text for run in item))
        made[-1].paragraph_format.keep_with_next = True
    made[-1].paragraph_format.keep_with_next = False
    made[0].paragraph_format.space_before = Pt(28.95)
    _border(made[0], "top", "000000")
    _border(made[-1], "bottom", "000000")


def _border(paragraph: Paragraph, side: str, color: str) -> None:
    """A rule as the paragraph's border on one side (w:pBdr goes before w:spacing and the rest in w:pPr)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                                  "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                                  "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                                  "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                                  "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                                  "w:rPr", "w:sectPr", "w:pPrChange")
    rule = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", RULE), ("space", "1"), ("color", color)):
        rule.set(qn(f"w:{key}"), value)
    if side == "top":
        borders.insert(0, rule)         # top before bottom, as the schema orders them
    else:
        borders.append(rule)


_BLOCKS = {"title": _text, "meta": _text, "paragraph": _text, "heading": _heading, "list": _list,
           "table": _table, "chart": _chart, "pagebreak": _pagebreak,
           "masthead": _masthead, "distribution": _distribution}


def set_core(doc: Document, props: Properties) -> None:
    """The core properties of a briefing (python-docx writes the rest of core.xml)."""
    core = doc.core_properties
    core.title, core.author, core.subject, core.keywords = props.title, props.author, props.subject, props.keywords
    core.last_modified_by = props.author
    core.created = core.modified = props.created
    core.revision = 1


class _FixedTimeZip:
    """python-docx's physical package writer, with every entry at a fixed time: the same content gives the
    same bytes, in one compression pass."""

    def __init__(self, target: io.BytesIO):
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


def save_reproducibly(doc: Document) -> bytes:
    """The document's bytes, every zip entry at a fixed time, so the same content gives the same file."""
    package = doc.part.package
    out = io.BytesIO()
    writer = _FixedTimeZip(out)
    parts = list(package.iter_parts())
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return out.getvalue()
