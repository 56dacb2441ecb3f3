"""The direct Word writer: a briefing's blocks into ``document.xml`` from strings, its charts from chartxml, and
the package from the prepared reference (package.py), with no python-docx at render time.

Each block is written as word.render_python_docx writes it (the same elements, attributes and order; the
oracle test compares the two part by part); the text is escaped as lxml escapes it.
"""

from __future__ import annotations

import posixpath
from typing import Callable

from . import chartxml
from .markup import Block, Run
from .masthead import INDENT, RULE, TITLE_SIZES, TYPE_WIDTH_MM, title_size
from .package import Entry, Prepared, deflate, escape, zip_bytes
from .styles import RED

NS = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
EMU_PER_CM, EMU_PER_TWIP, EMU_PER_PT = 360000, 635, 12700
_ATTR = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
ChartHook = Callable[[chartxml.ChartSpec], tuple[str, int]]   # a chart's spec → (its relationship id, drawing id)


def usable(prepared: Prepared) -> bool:
    """Whether the strings here fit the reference: its document.xml binds w: and r: as Word does."""
    spaces = dict(prepared.namespaces)
    return spaces.get("w") == W_NS and spaces.get("r") == NS["r"]


# --- runs and paragraphs --------------------------------------------------------------------------------------

def _text(text: str) -> str:
    """A run's content as python-docx writes it: w:t for text, w:tab for a tab, w:br for a line break."""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        return _t(text)
    out, start = [], 0
    for i, char in enumerate(text):
        if char in "\t\r\n":
            out.append(_t(text[start:i]))
            out.append("<w:tab/>" if char == "\t" else "<w:br/>")
            start = i + 1
    out.append(_t(text[start:]))
    return "".join(out)


def _t(text: str) -> str:
    if not text:
        return ""
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</w:t>"


def _run(text: str, properties: str = "", after: str = "") -> str:
    inner = (f"<w:rPr>{properties}</w:rPr>" if properties else "") + _text(text) + after
    return f"<w:r>{inner}</w:r>" if inner else "<w:r/>"


def _runs(runs: tuple[Run, ...]) -> str:
    return "".join(_run(r.text, ("<w:b/>" if r.bold else "") + ("<w:i/>" if r.italic else "")) for r in runs)


def _p(style: str, content: str = "", properties: str = "") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{properties}</w:pPr>{content}</w:p>'


# --- blocks ---------------------------------------------------------------------------------------------------

class Body:
    """The body's content of one briefing, block by block."""

    def __init__(self, prepared: Prepared, chart: ChartHook):
        self.prepared, self.chart_hook, self.out = prepared, chart, []

    def write(self, blocks: list[Block]) -> str:
        from .word import STYLE_OF

        for block in blocks:
            if block.kind in STYLE_OF:
                self.out.append(_p(STYLE_OF[block.kind], _runs(block.runs)))
            else:
                getattr(self, "_" + block.kind)(block)
        return "".join(self.out)

    def _heading(self, block: Block) -> None:
        last = len(block.lines) - 1
        runs = "".join(_run(line, after="<w:br/>" if n < last else "") for n, line in enumerate(block.lines))
        self.out.append(_p(f"Heading{block.level}", runs))

    def _list(self, block: Block) -> None:
        for n, item in enumerate(block.items, start=1):
            marker = f"{n}．" if block.ordered else "● "
            self.out.append(_p("ListText", _runs((Run(marker), *item))))

    def _table(self, block: Block) -> None:
        from .word import NUMBER

        columns = max(len(r) for r in block.rows)
        twips = str(int(round((self.prepared.block_width // columns) / EMU_PER_TWIP)))
        style = self.prepared.table_style
        out = ["<w:tbl><w:tblPr>" + (f'<w:tblStyle w:val="{escape(style, _ATTR)}"/>' if style else "") +
               '<w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
               'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>' +
               f'<w:gridCol w:w="{twips}"/>' * columns + "</w:tblGrid>"]
        cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips}"/></w:tcPr>'
        for r, row in enumerate(block.rows):
            out.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>" if r == 0 else "<w:tr>")
            for c in range(columns):
                text = row[c] if c < len(row) else ""
                align = block.align[c] if c < len(block.align) else None
                right = r > 0 and (align == "right" or (align is None and NUMBER.match(text)))
                out.append(cell + _p("TableText", _run(text, "<w:b/>" if r == 0 else ""),
                                     '<w:jc w:val="right"/>' if right else "") + "</w:tc>")
            out.append("</w:tr>")
        self.out.append("".join(out) + "</w:tbl>")

    def _chart(self, block: Block) -> None:
        from .word import chart_spec

        spec = chart_spec(block)
        rid, shape_id = self.chart_hook(spec)
        spaces = dict(self.prepared.namespaces)
        declared = "".join(f' xmlns:{k}="{v}"' for k, v in NS.items() if spaces.get(k) != v)
        descr = f' descr="{escape(spec.title, _ATTR)}"' if spec.title else ""
        cx, cy = int(chartxml.WIDTH_CM * EMU_PER_CM), int(chartxml.HEIGHT_CM * EMU_PER_CM)
        drawing = (f'<w:drawing><wp:inline{declared} distT="0" distB="0" distL="0" distR="0">'
                   f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
                   f'<wp:docPr id="{shape_id}" name="图表 {shape_id}"{descr}/><wp:cNvGraphicFramePr/><a:graphic>'
                   f'<a:graphicData uri="{NS["c"]}"><c:chart r:id="{rid}"/></a:graphicData></a:graphic></wp:inline>'
                   "</w:drawing>")
        self.out.append(_p("Caption", f"<w:r>{drawing}</w:r>", '<w:spacing w:line="240" w:lineRule="auto"/>'))
        if block.chart.get("caption"):
            self.out.append(_p("Caption", _runs((Run(block.chart["caption"]),))))

    def _pagebreak(self, block: Block) -> None:
        self.out.append(_p("Normal", '<w:r><w:br w:type="page"/></w:r>'))

    def _masthead(self, block: Block) -> None:
        title, issue, unit, date = block.lines
        largest = self.prepared.masthead_size
        size = title_size(title, largest if largest else TITLE_SIZES[0])
        half_points = int(int(size * EMU_PER_PT) / EMU_PER_PT * 2)
        tab = int(round(int(TYPE_WIDTH_MM * 36000) / EMU_PER_TWIP))
        self.out += (_p("Masthead", _run(title, f'<w:sz w:val="{half_points}"/>')),
                     _p("MastheadIssue", _run(issue)),
                     _p("MastheadLine", _run(f"{unit}\t{date}" if date else unit),
                        f"<w:pBdr>{_rule('bottom', RED)}</w:pBdr>"
                        f'<w:tabs><w:tab w:pos="{tab}" w:val="right"/></w:tabs>'))

    def _distribution(self, block: Block) -> None:
        last = len(block.items) - 1
        before = int(round(int(28.95 * EMU_PER_PT) / EMU_PER_TWIP))
        for n, item in enumerate(block.items):
            keep = '<w:keepNext w:val="0"/>' if n == last else "<w:keepNext/>"
            sides = (_rule("top", "000000") if n == 0 else "") + (_rule("bottom", "000000") if n == last else "")
            borders = f"<w:pBdr>{sides}</w:pBdr>" if sides else ""
            spacing = f'<w:spacing w:before="{before}"/>' if n == 0 else ""
            self.out.append(_p("Distribution", _run(INDENT + "".join(r.text for r in item)), keep + borders + spacing))


def _rule(side: str, color: str) -> str:
    """A rule as a paragraph's border on one side (masthead.py's _border)."""
    return f'<w:{side} w:val="single" w:sz="{RULE}" w:space="1" w:color="{color}"/>'


# --- the package ----------------------------------------------------------------------------------------------

_XML_HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
_MAX_PROPERTY = 255                        # python-docx refuses a longer core property


def render(blocks: list[Block], props, prepared: Prepared) -> bytes:
    """The .docx bytes of the blocks on the prepared reference, with ``props`` (word.Properties) as its core
    properties."""
    package = _Parts(prepared)
    body = Body(prepared, package.add_chart).write(blocks)
    rewritten = {prepared.document: prepared.head + body + prepared.tail,
                 prepared.document_rels: prepared.rels_head + "".join(package.rels) + "</Relationships>",
                 prepared.core: _core(prepared.core_xml, props),
                 "[Content_Types].xml": package.content_types()}
    entries = [entry if entry[0].decode("utf-8") not in rewritten else
               deflate(entry[0].decode("utf-8"), rewritten[entry[0].decode("utf-8")].encode("utf-8"))
               for entry in prepared.entries]
    return zip_bytes(entries + package.entries)


def _core(template: str, props) -> str:
    values = {"T": props.title, "A": props.author, "S": props.subject, "K": props.keywords}
    for letter, value in values.items():
        if len(value) > _MAX_PROPERTY:
            raise ValueError("exceeded 255 char limit for property, got:\n\n'%s'" % value)
        template = template.replace(f"\ue000{letter}\ue001", escape(value))
    return template.replace("\ue000D\ue001", props.created.strftime("%Y-%m-%dT%H:%M:%SZ"))


class _Parts:
    """The parts a render adds (its charts and their workbooks), named and related as python-docx would."""

    def __init__(self, prepared: Prepared):
        self.prepared = prepared
        self.names, self.ids = set(prepared.partnames), set(prepared.rel_ids)
        self.defaults, self.overrides = dict(prepared.defaults), dict(prepared.overrides)
        self.rels: list[str] = []
        self.entries: list[Entry] = []
        self.shape_id = prepared.first_shape_id

    def add_chart(self, spec: chartxml.ChartSpec) -> tuple[str, int]:
        chart = self._next_name("/word/charts/chart%d.xml")
        workbook = self._next_name("/word/embeddings/Microsoft_Excel_Sheet%d.xlsx")
        xml = chartxml.chart_xml(spec)
        self.names |= {chart, workbook}
        rid = next(f"rId{n}" for n in range(1, len(self.ids) + 2) if f"rId{n}" not in self.ids)
        self.ids.add(rid)
        target = posixpath.relpath(chart, self.prepared.document_dir)
        self.rels.append(f'<Relationship Id="{rid}" Type="{RT}chart" Target="{escape(target, _ATTR)}"/>')
        folder, name = posixpath.split(chart)
        workbook_ref = escape(posixpath.relpath(workbook, folder), _ATTR)
        chart_rels = (_XML_HEAD + _RELS + f'<Relationship Id="rId1" Type="{RT}package" Target="{workbook_ref}"/>'
                      "</Relationships>")
        self.entries += (deflate(chart[1:], xml), deflate(f"{folder[1:]}/_rels/{name}.rels", chart_rels.encode()),
                         deflate(workbook[1:], chartxml.workbook_bytes(spec)))
        self.overrides[chart] = CT_CHART
        self.defaults["xlsx"] = CT_XLSX
        self.shape_id += 1
        return rid, self.shape_id - 1

    def _next_name(self, template: str) -> str:
        return next(template % n for n in range(1, len(self.names) + 2) if template % n not in self.names)

    def content_types(self) -> str:
        defaults = "".join(f'<Default Extension="{escape(ext, _ATTR)}" ContentType="{escape(kind, _ATTR)}"/>'
                           for ext, kind in sorted(self.defaults.items()))
        overrides = "".join(f'<Override PartName="{escape(name, _ATTR)}" ContentType="{escape(kind, _ATTR)}"/>'
                            for name, kind in sorted(self.overrides.items()))
        return (_XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
                defaults + overrides + "</Types>")
