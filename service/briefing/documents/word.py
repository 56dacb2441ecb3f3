"""Blocks of markup into a Word document, with python-docx, reproducibly.

Paragraphs get their style by id, resolved once per reference document (assigning styles by name is most
of python-docx's cost); the fonts live on the styles. Identical inputs give identical bytes: the zip
entries carry a fixed time and the core properties come from the report, never from the clock.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ..errors import TemplateError
from . import styles
from .markup import Block, Run

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
NUMBER = re.compile(r"^[-+−]?[\d,.]+\s*[%‰]?\S{0,4}$")
STYLE_OF = {"title": "Title", "meta": "Meta", "paragraph": "Normal", "caption": "Caption"}


@dataclass(frozen=True)
class Properties:
    """The core properties a briefing carries (title, author …), dated by the report, not the clock."""

    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    created: datetime = styles.FIXED_TIME


@lru_cache(maxsize=8)
def _reference_bytes(path: str | None) -> bytes:
    if path is None:
        return save_reproducibly(styles.reference())
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read the reference document: {exc}", path,
                            hint="Set reference_docx to a .docx file, or leave it empty for the built-in one.") from None


def new_document(reference: str | None = None) -> Document:
    """A document with the reference's styles, page setup and footers, and an empty body."""
    doc = docx.Document(io.BytesIO(_reference_bytes(reference)))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    missing = {s for s in ("Normal", "Title", "Heading1", "Heading2") if doc.styles.element.get_by_id(s) is None}
    if missing:
        raise TemplateError(f"the reference document has no styles with ids {sorted(missing)}", reference,
                            hint="Start from `briefing templates --reference-docx FILE` and keep its style ids.")
    return doc


def render(blocks: list[Block], props: Properties, reference: str | None = None) -> bytes:
    """The .docx bytes of a briefing."""
    doc = new_document(reference)
    for block in blocks:
        _BLOCKS[block.kind](doc, block)
    _core(doc, props)
    return save_reproducibly(doc)


def _paragraph(doc: Document, style: str, runs: tuple[Run, ...] = ()):
    p = doc.element.body.add_p()
    ppr = p.get_or_add_pPr()
    ppr.insert(0, _style_element(style))
    paragraph = docx.text.paragraph.Paragraph(p, doc._body)
    for run in runs:
        r = paragraph.add_run(run.text)
        if run.bold:
            r.bold = True
        if run.italic:
            r.italic = True
    return paragraph


def _style_element(style_id: str) -> OxmlElement:
    element = OxmlElement("w:pStyle")
    element.set(qn("w:val"), style_id)
    return element


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
    table = doc.add_table(rows=len(block.rows), cols=columns)
    table._tbl.tblPr.insert(0, _table_style_element())
    for r, (row, tr) in enumerate(zip(block.rows, table._tbl.tr_lst)):
        for c, tc in enumerate(tr.tc_lst):  # the cells by element: table.cell() rebuilds the grid each call
            text = row[c] if c < len(row) else ""
            paragraph = docx.text.paragraph.Paragraph(tc.p_lst[0], table)
            paragraph._p.get_or_add_pPr().insert(0, _style_element("TableText"))
            align = block.align[c] if c < len(block.align) else None
            if r > 0 and (align == "right" or (align is None and NUMBER.match(text))):
                paragraph.alignment = 2  # right: figures line up on their last digit
            run = paragraph.add_run(text)
            if r == 0:
                run.bold = True
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))  # the header row repeats on each page


def _table_style_element() -> OxmlElement:
    element = OxmlElement("w:tblStyle")
    element.set(qn("w:val"), "TableGrid")
    return element


def _chart(doc: Document, block: Block) -> None:
    from . import charts

    spec = block.chart
    paragraph = _paragraph(doc, "Caption")
    charts.insert_chart(paragraph, charts.ChartSpec(
        kind=spec["type"], title=spec.get("title", ""), categories=[str(c) for c in spec.get("categories", [])],
        series=[(s.get("name", ""), list(s.get("values", []))) for s in spec["series"]],
        number_format=spec.get("number_format", "General"), unit=spec.get("unit", "")))
    if spec.get("caption"):
        _paragraph(doc, "Caption", (Run(spec["caption"]),))


def _pagebreak(doc: Document, block: Block) -> None:
    _paragraph(doc, "Normal").add_run().add_break(WD_BREAK.PAGE)


_BLOCKS = {"title": _text, "meta": _text, "paragraph": _text, "heading": _heading, "list": _list,
           "table": _table, "chart": _chart, "pagebreak": _pagebreak}


def _core(doc: Document, props: Properties) -> None:
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
