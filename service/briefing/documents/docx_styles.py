"""The reference document built by python-docx from the table of styles.py: its styles, an A4 GB/T 9704 section
and the page numbers in its footers; and the styles a masthead needs, added to a document that lacks them.

Imported only when a reference document is built (``briefing templates --reference-docx``, a reference prepared
for the direct writer when the cache folder has none, the python-docx writer): a briefing's start needs none of
python-docx.
"""

from __future__ import annotations

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .styles import FIXED_TIME, LATIN, LINE, ON_DEMAND, STYLES, Style


def reference() -> Document:
    """A new reference document: the styles above, an A4 GB/T 9704 section with page numbers, no body."""
    doc = docx.Document()
    _slim_package(doc)
    _styles(doc)
    _section(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    props = doc.core_properties
    props.author = props.title = props.subject = props.keywords = props.comments = props.last_modified_by = ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


def _slim_package(doc: Document) -> None:
    """Drop the parts of python-docx's default template that a briefing never uses."""
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in ("stylesWithEffects", "webSettings", "customXml", "numbering"):
            doc.part.drop_rel(rel_id)
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel_id)


def _styles(doc: Document) -> None:
    styles = doc.styles.element
    for old in styles.xpath("./w:style | ./w:latentStyles"):
        styles.remove(old)
    rpr = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")[0]
    for child in list(rpr):
        rpr.remove(child)
    for element in _run_properties("仿宋_GB2312", 16):
        rpr.append(element)
    ppr = styles.xpath("./w:docDefaults/w:pPrDefault/w:pPr")[0]
    for child in list(ppr):
        ppr.remove(child)
    for style in STYLES:
        styles.append(_style(style))
    styles.append(_table_style())


def _fonts(east_asian: str) -> OxmlElement:
    fonts = OxmlElement("w:rFonts")
    for attr, value in (("ascii", LATIN), ("hAnsi", LATIN), ("eastAsia", east_asian), ("cs", LATIN)):
        fonts.set(qn(f"w:{attr}"), value)
    return fonts


def ensure(doc: Document, style_ids: set[str]) -> None:
    """Add to a document the styles of ON_DEMAND among ``style_ids`` that it lacks (its own are kept)."""
    have = {style.style_id for style in doc.styles}
    for style in ON_DEMAND:
        if style.id in style_ids and style.id not in have:
            doc.styles.element.append(_style(style))


def _run_properties(font: str, size: float, bold: bool = False, color: str | None = None) -> list[OxmlElement]:
    out = [_fonts(font)]
    if bold:
        out.append(OxmlElement("w:b"))
    if color:
        out.append(_el("w:color", val=color))
    for tag in ("w:sz", "w:szCs"):
        sz = OxmlElement(tag)
        sz.set(qn("w:val"), str(int(size * 2)))
        out.append(sz)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    out.append(lang)
    return out


def _el(tag: str, **attrs: str) -> OxmlElement:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _style(s: Style) -> OxmlElement:
    style = _el("w:style", type="paragraph", styleId=s.id)
    if s.id == "Normal":
        style.set(qn("w:default"), "1")
    style.append(_el("w:name", val=s.name))
    if s.id != "Normal":
        style.append(_el("w:basedOn", val="Normal"))
        style.append(_el("w:next", val="Normal"))
    style.append(_el("w:qFormat"))
    style.append(_paragraph_properties(s))
    rpr = OxmlElement("w:rPr")
    for element in _run_properties(s.font, s.size, s.bold, s.color):
        rpr.append(element)
    style.append(rpr)
    return style


def _paragraph_properties(s: Style) -> OxmlElement:
    ppr = OxmlElement("w:pPr")
    if s.keep_next:
        ppr.append(_el("w:keepNext"))
    spacing = _el("w:spacing", before=str(int(s.before * 20)), after=str(int(s.after * 20)))
    if s.line is not None:
        spacing.set(qn("w:line"), str(int(Pt(s.line).pt * 20)))
        spacing.set(qn("w:lineRule"), "exact")
    else:
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
    ppr.append(spacing)
    ppr.append(_indent(s))
    ppr.append(_el("w:jc", val=s.align))
    if s.outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(s.outline)))
    return ppr


def _indent(s: Style) -> OxmlElement:
    """w:ind in characters (Word's *Chars) and in twips for readers that take only those."""
    def twips(chars: int) -> str:
        return str(int(chars * s.size * 20))
    if not s.hanging_chars:
        return _el("w:ind", firstLineChars=str(s.indent_chars * 100), firstLine=twips(s.indent_chars))
    return _el("w:ind", leftChars=str(s.hanging_chars * 100), left=twips(s.hanging_chars),
               hangingChars=str(s.hanging_chars * 100), hanging=twips(s.hanging_chars))


def _table_style() -> OxmlElement:
    """Table Grid: single 0.5 pt borders, cells in TableText."""
    style = _el("w:style", type="table", styleId="TableGrid")
    style.append(_el("w:name", val="Table Grid"))
    tblpr = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    tblpr.append(borders)
    tblpr.append(_el("w:jc", val="center"))
    style.append(tblpr)
    return style


def _section(doc: Document) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(Pt(LINE).pt * 20)))
    doc.settings.odd_and_even_pages_header_footer = True
    footer = doc.styles.get_by_id("Footer", WD_STYLE_TYPE.PARAGRAPH)
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, footer)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, footer)


def _page_number(paragraph, align, style) -> None:
    """— 1 — in the footer: a PAGE field between em dashes, one character in from the edge."""
    paragraph.style = style  # the footer template's paragraph already names Footer: set, never add a second pStyle
    paragraph.alignment = align
    paragraph.add_run("\u3000— " if align == WD_ALIGN_PARAGRAPH.LEFT else "— ")
    field = _el("w:fldSimple", instr="PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —\u3000" if align == WD_ALIGN_PARAGRAPH.RIGHT else " —")
