"""A reference document prepared for the direct writer by python-docx, the writer it must agree with.

python-docx opens the reference as docx_writer.render does (an empty body, the masthead's styles when
asked for), sets the core properties to markers, marks where the body's content goes, and saves; what it
wrote is cut into the pieces package.Prepared holds. Called once per reference and variant, then cached.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from .package import Entry, Prepared, deflate

_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_BODY_MARK = "briefing-body"
_DATE = "1901-02-03T04:05:06Z"          # the marker date python-docx writes for created and modified


def prepare(reference: str | None, on_demand: bool, mark) -> Prepared:
    """``reference``: the reference document's path (None: the built-in one), checked as docx_writer.py checks it;
    ``mark(letter)``: a marker's text."""
    from datetime import datetime

    from docx.enum.style import WD_STYLE_TYPE

    from . import charts, docx_styles, docx_writer, styles
    from .word import Properties

    doc = docx_writer.new_document(reference)
    if on_demand:
        docx_styles.ensure(doc, {s.id for s in styles.ON_DEMAND})
    docx_writer.set_core(doc, Properties(mark("T"), author=mark("A"), subject=mark("S"), keywords=mark("K"),
                                      created=datetime(1901, 2, 3, 4, 5, 6)))
    body = doc.element.body
    comment = etree.Comment(_BODY_MARK)
    if body.sectPr is not None:
        body.sectPr.addprevious(comment)
    else:
        body.append(comment)
    package = doc.part.package
    document, rels = doc.part.partname, doc.part.partname.rels_uri
    core = package._core_properties_part.partname
    shape_id = charts._next_shape_id(package)
    table = doc.styles.get_by_id("TableGrid", WD_STYLE_TYPE.TABLE)
    masthead = doc.styles.get_by_id("Masthead", WD_STYLE_TYPE.PARAGRAPH).font.size if on_demand else None
    saved = zipfile.ZipFile(io.BytesIO(docx_writer.save_reproducibly(doc)))
    head, tail = saved.read(document.membername).decode("utf-8").split(f"<!--{_BODY_MARK}-->")
    rels_xml = saved.read(rels.membername).decode("utf-8")
    if not rels_xml.endswith("</Relationships>"):
        raise ValueError("the document part has no relationships")   # it always has its styles
    types = etree.fromstring(saved.read("[Content_Types].xml"))
    rewritten = {"[Content_Types].xml", document.membername, rels.membername, core.membername}
    entries: list[Entry] = [(info.filename.encode("utf-8"), 0, 0, b"") if info.filename in rewritten
                            else deflate(info.filename, saved.read(info.filename)) for info in saved.infolist()]
    return Prepared(
        entries=tuple(entries), document=document.membername, document_rels=rels.membername, core=core.membername,
        head=head, tail=tail, rels_head=rels_xml[:-len("</Relationships>")],
        rel_ids=tuple(doc.part.rels.keys()),
        defaults=tuple((e.get("Extension"), e.get("ContentType")) for e in types.iter(f"{_CT_NS}Default")),
        overrides=tuple((e.get("PartName"), e.get("ContentType")) for e in types.iter(f"{_CT_NS}Override")),
        core_xml=saved.read(core.membername).decode("utf-8").replace(_DATE, mark("D")),
        partnames=tuple(str(p.partname) for p in package.iter_parts()), document_dir=document.baseURI,
        first_shape_id=shape_id, block_width=int(doc._block_width),
        table_style=table.style_id if table is not None else None,
        masthead_size=masthead.pt if masthead is not None else None,
        namespaces=tuple(sorted((k or "", v) for k, v in doc.element.nsmap.items())))
