"""Native Word charts: editable in Word and WPS, drawn with the reader's fonts, data in an embedded workbook.

How a chart is made (a few milliseconds; a matplotlib picture costs twenty times more and needs a CJK font
on the server; measured in docs/architecture.md):

1. python-pptx writes the chart: ``CategoryChartData.xml_bytes`` gives the DrawingML chart XML (the
   same ``c:chartSpace`` in PowerPoint, Word and Excel), parsed with python-pptx's own oxml classes so its
   public chart API (title, legend, axes, data labels) and its schema-ordered ``get_or_add_*`` helpers
   shape it. Nothing is written with string templates or regexes on XML.
2. The data go into a workbook by python-pptx's own layout (categories in column A, one column per
   series, the ranges the chart XML refers to), written with XlsxWriter as python-pptx does.
3. Both become parts of the python-docx package the way Word lays them out: /word/charts/chartN.xml
   (drawingml.chart+xml) related from the document part, /word/embeddings/Microsoft_Excel_SheetN.xlsx
   related from the chart part and named by ``c:externalData r:id`` with ``c:autoUpdate val=0`` -- so
   Word's "Edit Data" opens the figures.
4. The paragraph gets a run holding ``w:drawing/wp:inline`` (size in EMU, a ``wp:docPr`` id unique in the
   document, named 图表 N) whose ``a:graphicData`` points at the chart part.

Chinese text uses the fonts of the chart's text properties: every ``c:txPr`` (the whole chart, title,
axes, legend, data labels) names the font for a:latin, a:ea and a:cs; without a:ea Word draws Chinese in
the theme's East Asian font. A missing value (None or nan) has no ``c:pt`` and an empty cell, and the chart
shows blanks as gaps. The same spec gives the same bytes: no random ids, no clock (the workbook's
creation date is fixed; XlsxWriter already dates its zip entries 1980-01-01).
"""

from __future__ import annotations

import io

import docx.document
import xlsxwriter
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.package import OpcPackage
from docx.opc.part import Part, XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn as w_qn
from docx.parts.story import StoryPart
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from lxml import etree
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.text.text import TextFrame

from .chartxml import FONT, HEIGHT_CM, SIZE_PT, WIDTH_CM, ChartSpec, check
from .chartxml import missing as _missing
from .chartxml import names_unit as _names_unit
from .styles import FIXED_TIME  # the workbook's creation date: constant, so its bytes are too

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_PARTNAME = "/word/charts/chart%d.xml"
XLSX_PARTNAME = "/word/embeddings/Microsoft_Excel_Sheet%d.xlsx"
KINDS = {"line": XL_CHART_TYPE.LINE_MARKERS, "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
         "barh": XL_CHART_TYPE.BAR_CLUSTERED, "pie": XL_CHART_TYPE.PIE}
MAX_LABELLED_POINTS = 24            # bar charts with more points than this go without value labels
TITLE_EXTRA_PT = 1.5                # the title is this much larger than the chart's text


def add_chart(document: docx.document.Document, spec: ChartSpec, width_cm: float = WIDTH_CM,
              height_cm: float = HEIGHT_CM, font: str = FONT, font_size_pt: float = SIZE_PT) -> None:
    """Append a centred paragraph holding the chart to the end of the document body."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    insert_chart(paragraph, spec, width_cm, height_cm, font, font_size_pt)


def insert_chart(paragraph: Paragraph, spec: ChartSpec, width_cm: float = WIDTH_CM, height_cm: float = HEIGHT_CM,
                 font: str = FONT, font_size_pt: float = SIZE_PT) -> None:
    """Put the chart, inline, at the end of ``paragraph`` (meant to be empty), with its parts in the package."""
    data = chart_data(spec)
    story = paragraph.part
    package = story.package
    chart_part = XmlPart(package.next_partname(CHART_PARTNAME), CT_CHART, chart_space(spec, data, font, font_size_pt),
                         package)
    xlsx_part = Part(package.next_partname(XLSX_PARTNAME), CT_XLSX, workbook_bytes(data), package)
    chart_part.element.get_or_add_externalData().rId = chart_part.relate_to(xlsx_part, RT.PACKAGE)
    rid = story.relate_to(chart_part, RT.CHART)
    # exact line spacing (the body text's 28.95 pt) would crop an inline drawing to one line
    paragraph.paragraph_format.line_spacing = 1.0
    shape_id = _next_shape_id(package)
    paragraph.add_run()._r.add_drawing(_inline(rid, shape_id, spec.title, Cm(width_cm), Cm(height_cm)))


def chart_data(spec: ChartSpec) -> CategoryChartData:
    """The spec as python-pptx chart data, checked; nan becomes None (a gap, never a zero)."""
    check(spec)
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = [str(c) for c in spec.categories]
    for name, values in spec.series:
        data.add_series(str(name), [None if _missing(v) else v for v in values])
    return data


def chart_xml(spec: ChartSpec, font: str = FONT, size_pt: float = SIZE_PT, workbook_rid: str = "rId1") -> bytes:
    """The chart part as insert_chart writes it (python-pptx's chart, python-docx's serialization), its
    c:externalData naming the workbook by ``workbook_rid``."""
    space = chart_space(spec, chart_data(spec), font, size_pt)
    space.get_or_add_externalData().rId = workbook_rid
    return etree.tostring(space, encoding="UTF-8", standalone=True)


def workbook_bytes(data: CategoryChartData) -> bytes:
    """The chart's data as an .xlsx in python-pptx's layout (the ranges its chart XML names), dated FIXED_TIME.

    ``chart_data.xlsx_blob`` would stamp the workbook with the clock; this opens the workbook itself, with a
    fixed creation date and text kept as text (a category starting with '=' is not a formula), and lets
    python-pptx's writer fill the sheet."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_TIME})
    data._workbook_writer._populate_worksheet(book, book.add_worksheet())
    book.close()
    return out.getvalue()


def chart_space(spec: ChartSpec, data: CategoryChartData, font: str, size_pt: float) -> etree._Element:
    """The ``c:chartSpace`` element: python-pptx's chart, titled, labelled, in the reader's fonts."""
    space = parse_xml(data.xml_bytes(KINDS[spec.kind]))
    chart = Chart(space, None)
    _set_font(chart.font._element, font, size_pt)
    _frame(space)
    _title(chart, spec.title, font, size_pt + TITLE_EXTRA_PT)
    _legend(chart, spec, font, size_pt)
    if spec.kind != "pie":
        _axes(chart, spec, font, size_pt)
        chart.plots[0].vary_by_categories = False  # one colour per series (LibreOffice varies them otherwise)
    _data_labels(chart, spec, font, size_pt)
    # drop the declarations python-pptx's snippets bring along; keep r: for c:externalData's r:id
    etree.cleanup_namespaces(space, top_nsmap={"r": R_NS}, keep_ns_prefixes=["c", "a", "r"])
    return space


def _frame(space: etree._Element) -> None:
    """Chinese as the chart's language, square corners, no border (Word's own defaults when it inserts one)."""
    lang = etree.SubElement(space, qn("c:lang"), val="zh-CN")
    corners = etree.SubElement(space, qn("c:roundedCorners"), val="0")
    space.chart.addprevious(lang)
    space.chart.addprevious(corners)
    sp_pr = etree.SubElement(space, qn("c:spPr"))
    etree.SubElement(sp_pr, qn("a:noFill"))
    etree.SubElement(etree.SubElement(sp_pr, qn("a:ln")), qn("a:noFill"))
    space.chart.addnext(sp_pr)  # c:chart, c:spPr, c:txPr, c:externalData


def _title(chart: Chart, text: str, font: str, size_pt: float) -> None:
    if not text:
        chart.has_title = False  # also autoTitleDeleted=1: Word would title a one-series chart by its series
        return
    chart.has_title = True
    _write(chart.chart_title.text_frame, text, font, size_pt)


def _write(frame: TextFrame, text: str, font: str, size_pt: float) -> None:
    """Text into a title's text frame, its paragraphs and runs in the font (some readers look only at runs)."""
    frame.text = text
    for paragraph in frame.paragraphs:
        _set_font(paragraph.font._element, font, size_pt)
        for run in paragraph.runs:
            _set_font(run.font._element, font, size_pt)


def _legend(chart: Chart, spec: ChartSpec, font: str, size_pt: float) -> None:
    """A legend below the plot for several series or a pie; none for a single line or set of bars."""
    chart.has_legend = len(spec.series) > 1 or spec.kind == "pie"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        _set_font(chart.legend.font._element, font, size_pt)


def _axes(chart: Chart, spec: ChartSpec, font: str, size_pt: float) -> None:
    categories, values = chart.category_axis, chart.value_axis
    _set_font(categories.tick_labels.font._element, font, size_pt)
    _set_font(values.tick_labels.font._element, font, size_pt)
    values.tick_labels.number_format = spec.number_format
    values.tick_labels.number_format_is_linked = True
    if spec.kind == "barh":
        # the first category on top, as a table reads; the value axis stays at the bottom
        categories.reverse_order = True
        values._element.get_or_add_crosses().val = XL_AXIS_CROSSES.MAXIMUM  # where it crosses the categories
    if spec.unit and not _names_unit(spec.title, spec.unit):
        values.has_title = True
        _write(values.axis_title.text_frame, spec.unit, font, size_pt)
        if spec.kind != "barh":  # a vertical value axis: its title turned to read bottom to top, as Word does
            body = values._element.xpath("c:title/c:tx/c:rich/a:bodyPr")[0]
            body.set("rot", "-5400000")
            body.set("vert", "horz")


def _data_labels(chart: Chart, spec: ChartSpec, font: str, size_pt: float) -> None:
    """Values on bars (when few enough to read), percentages on a pie, none on lines."""
    points = len(spec.categories) * len(spec.series)
    if spec.kind == "line" or (spec.kind != "pie" and points > MAX_LABELLED_POINTS):
        return
    plot = chart.plots[0]
    plot.has_data_labels = True
    labels = plot.data_labels
    if spec.kind == "pie":
        labels.number_format, labels.number_format_is_linked = "0.0%", False
        labels.show_percentage, labels.show_value = True, False
        labels.position = XL_LABEL_POSITION.BEST_FIT
    else:
        labels.number_format, labels.number_format_is_linked = spec.number_format, True
        labels.show_value = True
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
    _set_font(labels.font._element, font, size_pt)


def _set_font(rpr: etree._Element, font: str, size_pt: float) -> None:
    """Size, not bold, and ``font`` for Latin, East Asian (Chinese) and complex script text on a run property."""
    rpr.set("lang", "zh-CN")
    rpr.set("altLang", "en-US")
    rpr.set("sz", str(round(size_pt * 100)))
    rpr.set("b", "0")
    latin = rpr.get_or_add_latin()
    latin.set("typeface", font)
    for tag in ("a:cs", "a:ea"):  # each after a:latin, so a:latin, a:ea, a:cs
        existing = rpr.find(qn(tag))
        if existing is None:
            existing = etree.SubElement(rpr, qn(tag))
            latin.addnext(existing)
        existing.set("typeface", font)


def _next_shape_id(package: OpcPackage) -> int:
    """One more than the largest drawing id in the document's body, headers, footers and notes."""
    ids = [0]
    for part in package.iter_parts():
        if isinstance(part, StoryPart):
            ids.extend(int(i) for i in part.element.xpath("//wp:docPr/@id") if i.isdigit())
    return max(ids) + 1


def _inline(rid: str, shape_id: int, title: str, cx: int, cy: int) -> etree._Element:
    """``wp:inline`` as Word writes it for a chart: size, id, name 图表 N, the chart's relationship id."""
    inline = OxmlElement("wp:inline", {"distT": "0", "distB": "0", "distL": "0", "distR": "0"},
                         nsdecls={"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
                                  "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
                                  "c": C_NS, "r": R_NS})
    etree.SubElement(inline, w_qn("wp:extent"), cx=str(cx), cy=str(cy))
    etree.SubElement(inline, w_qn("wp:effectExtent"), l="0", t="0", r="0", b="0")
    doc_pr = etree.SubElement(inline, w_qn("wp:docPr"), id=str(shape_id), name=f"图表 {shape_id}")
    if title:
        doc_pr.set("descr", title)  # alt text: what a screen reader says
    etree.SubElement(inline, w_qn("wp:cNvGraphicFramePr"))
    graphic_data = etree.SubElement(etree.SubElement(inline, w_qn("a:graphic")), w_qn("a:graphicData"), uri=C_NS)
    etree.SubElement(graphic_data, w_qn("c:chart")).set(w_qn("r:id"), rid)
    return inline
