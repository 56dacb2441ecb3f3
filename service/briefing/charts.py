"""Native Word charts: editable in Word and WPS, drawn with the reader's fonts, data in an embedded workbook.

python-pptx writes the chart XML (``ChartXmlWriter``) and its workbook (XlsxWriter); here they become a
docx chart part (/word/charts/chartN.xml) with the workbook embedded beside it
(/word/embeddings/Microsoft_Excel_SheetN.xlsx), related the way Word relates them, so Word's "Edit Data"
opens the figures. A chart costs a few milliseconds; a matplotlib picture costs twenty times more and
needs a CJK font on the server (shared/design.md).

Chinese text in a chart uses the fonts set in its text properties (a:latin, a:ea, a:cs) on the whole
chart, its title and its legend; without a:ea, Word would draw Chinese in the theme font. The same spec
always gives the same bytes: the XML has no random ids and the workbook a fixed creation date.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from datetime import datetime

import xlsxwriter
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.chart.xmlwriter import ChartXmlWriter
from pptx.enum.chart import XL_CHART_TYPE

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"c": C, "a": A, "r": R}
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"line": XL_CHART_TYPE.LINE_MARKERS, "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
         "barh": XL_CHART_TYPE.BAR_CLUSTERED, "pie": XL_CHART_TYPE.PIE}
FIXED_TIME = datetime(2000, 1, 1)


@dataclass(frozen=True)
class ChartSpec:
    kind: str                                   # line | bar (vertical) | barh (horizontal) | pie
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    number_format: str = "General"
    unit: str = ""
    extra: dict = field(default_factory=dict)


def _chart_data(spec: ChartSpec) -> CategoryChartData:
    if spec.kind not in KINDS:
        raise ValueError(f"unknown chart kind {spec.kind!r}; use one of {', '.join(KINDS)}")
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = list(spec.categories)
    for name, values in spec.series:
        data.add_series(name, [None if v is None or v != v else v for v in values])  # nan: a gap, never a zero
    return data


def workbook(data: CategoryChartData) -> bytes:
    """The chart's data as an .xlsx, with a fixed creation date so the same data gives the same bytes."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"created": FIXED_TIME})
    sheet = book.add_worksheet()
    data._workbook_writer._populate_worksheet(book, sheet)
    book.close()
    return buf.getvalue()


def chart_xml(spec: ChartSpec, data: CategoryChartData, font: str, size_pt: float) -> etree._Element:
    """python-pptx's chart XML with a title, the legend where it helps, and Chinese fonts everywhere."""
    space = etree.fromstring(ChartXmlWriter(KINDS[spec.kind], data).xml.encode("utf-8"))
    chart = space.find("c:chart", NS)
    chart.insert(0, _title(spec.title, font, size_pt + 1.5))
    legend = chart.find("c:legend", NS)
    if legend is not None:
        chart.remove(legend)
    if len(spec.series) > 1 or spec.kind == "pie":
        plot = chart.find("c:plotArea", NS)
        plot.addnext(etree.fromstring(f'<c:legend xmlns:c="{C}"><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'))
    for old in space.findall("c:txPr", NS):  # python-pptx's own (18 pt, the theme's font)
        space.remove(old)
    chart.addnext(_text_properties(font, size_pt))
    return space


def _text_properties(font: str, size_pt: float) -> etree._Element:
    return etree.fromstring(
        f'<c:txPr xmlns:c="{C}" xmlns:a="{A}"><a:bodyPr/><a:lstStyle/><a:p><a:pPr>{_run_props("defRPr", font, size_pt)}'
        f'</a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>')


def _run_props(tag: str, font: str, size_pt: float) -> str:
    face = font.replace("&", "&amp;").replace('"', "&quot;")
    return (f'<a:{tag} lang="zh-CN" sz="{int(size_pt * 100)}" b="0"><a:latin typeface="{face}"/>'
            f'<a:ea typeface="{face}"/><a:cs typeface="{face}"/></a:{tag}>')


def _title(text: str, font: str, size_pt: float) -> etree._Element:
    title = etree.fromstring(
        f'<c:title xmlns:c="{C}" xmlns:a="{A}"><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>'
        f'{_run_props("defRPr", font, size_pt)}</a:pPr><a:r>{_run_props("rPr", font, size_pt)}<a:t/></a:r></a:p>'
        f'</c:rich></c:tx><c:overlay val="0"/></c:title>')
    title.find(".//a:t", NS).text = text  # set as text, so any character is escaped by lxml
    return title


def insert_chart(paragraph: Paragraph, spec: ChartSpec, width_cm: float = 15.0, height_cm: float = 8.0,
                 font: str = "仿宋_GB2312", font_size_pt: float = 10.5) -> None:
    """Put a native chart, inline, into a paragraph of a python-docx document."""
    document_part = paragraph.part
    package = document_part.package
    data = _chart_data(spec)
    xlsx = Part(package.next_partname("/word/embeddings/Microsoft_Excel_Sheet%d.xlsx"), CT_XLSX, workbook(data),
                package)
    space = chart_xml(spec, data, font, font_size_pt)
    chart_part = Part(package.next_partname("/word/charts/chart%d.xml"), CT_CHART, b"", package)
    xlsx_rid = chart_part.relate_to(xlsx, RT.PACKAGE)
    space.append(etree.fromstring(f'<c:externalData xmlns:c="{C}" xmlns:r="{R}" r:id="{xlsx_rid}">'
                                  f'<c:autoUpdate val="0"/></c:externalData>'))
    chart_part._blob = etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True)
    chart_rid = document_part.relate_to(chart_part, RT.CHART)
    run = paragraph.add_run()
    run._r.append(_inline(chart_rid, _next_drawing_id(document_part), spec.title, Cm(width_cm), Cm(height_cm)))


def add_chart(document, spec: ChartSpec, **options) -> None:
    """Append a paragraph holding a native chart to the end of a document."""
    insert_chart(document.add_paragraph(), spec, **options)


def _next_drawing_id(document_part) -> int:
    ids = [int(x) for x in document_part.element.xpath("//wp:docPr/@id")]
    return max(ids, default=0) + 1


def _inline(rid: str, drawing_id: int, title: str, cx: int, cy: int):
    inline = parse_xml(
        f'<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        f'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        f'xmlns:a="{A}" xmlns:c="{C}" xmlns:r="{R}">'
        f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{drawing_id}" name="图表 {drawing_id}"/>'
        f'<wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="{C}"><c:chart r:id="{rid}"/></a:graphicData>'
        f'</a:graphic></wp:inline></w:drawing>')
    inline.find(".//{*}docPr").set("descr", title)
    return copy.deepcopy(inline)
