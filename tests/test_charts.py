"""Native Word charts (briefing.charts): what a reader of the .docx, or Word's "Edit Data", would find."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from datetime import datetime

import docx
import openpyxl
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from briefing.documents import pdf
from briefing.documents.charts import ChartSpec, add_chart, insert_chart
from briefing.documents.word import save_reproducibly

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "仿宋_GB2312"

WEEKS = [f"第{i}周" for i in range(1, 53)]
LEAGUE = [float(200 + (i * 37) % 90) for i in range(52)]
BANNER = [None if i == 9 else float(40 + i) for i in range(52)]   # week 10 not reported
LINE = ChartSpec("line", "诊疗患者人次（周）", WEEKS, [("兴安盟", LEAGUE), ("科右前旗", BANNER)], "0", "人次")
BAR = ChartSpec("bar", "各旗诊疗患者人次", ["科右前旗", "科右中旗", "扎赉特旗"], [("诊疗患者人次", [35, 27, 211])],
                "0", "人次")


def build() -> docx.document.Document:
    doc = docx.Document()
    doc.add_paragraph("一、诊疗情况")
    add_chart(doc, LINE)
    doc.add_paragraph("二、各旗情况")
    insert_chart(doc.add_paragraph(), BAR, width_cm=12, height_cm=6)
    return doc


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "周报.docx"
    build().save(path)
    return path


@pytest.fixture(scope="module")
def reopened(saved):
    return docx.Document(saved)


def parts_of(doc) -> dict:
    return {str(p.partname): p for p in doc.part.package.iter_parts()}


def chart_xml(doc, n: int):
    return etree.fromstring(parts_of(doc)[f"/word/charts/chart{n}.xml"].blob)


def test_each_chart_is_a_chart_part_with_its_workbook_related_as_word_does(reopened):
    parts = parts_of(reopened)
    for n in (1, 2):
        chart = parts[f"/word/charts/chart{n}.xml"]
        workbook = parts[f"/word/embeddings/Microsoft_Excel_Sheet{n}.xlsx"]
        assert (chart.content_type, workbook.content_type) == (CT_CHART, CT_XLSX)
        assert chart in [r.target_part for r in reopened.part.rels.values() if r.reltype == RT.CHART]
        (rel,) = chart.rels.values()
        assert rel.reltype == RT.PACKAGE and rel.target_part is workbook
        external = etree.fromstring(chart.blob).find("c:externalData", NS)
        assert external.get(f"{{{NS['r']}}}id") == rel.rId                      # Edit Data finds the workbook
        assert external.find("c:autoUpdate", NS).get("val") == "0"


def test_the_embedded_workbook_holds_the_categories_and_values(reopened):
    parts = parts_of(reopened)
    line = openpyxl.load_workbook(io.BytesIO(parts["/word/embeddings/Microsoft_Excel_Sheet1.xlsx"].blob)).active
    assert [line.cell(1, c).value for c in (2, 3)] == ["兴安盟", "科右前旗"]
    assert [line.cell(r, 1).value for r in range(2, 54)] == WEEKS
    assert [line.cell(r, 2).value for r in range(2, 54)] == LEAGUE
    assert [line.cell(r, 3).value for r in range(2, 54)] == BANNER     # the missing week is an empty cell
    bar = openpyxl.load_workbook(io.BytesIO(parts["/word/embeddings/Microsoft_Excel_Sheet2.xlsx"].blob)).active
    assert [[c.value for c in row] for row in bar.iter_rows()] == [
        [None, "诊疗患者人次"], ["科右前旗", 35], ["科右中旗", 27], ["扎赉特旗", 211]]


def test_the_chart_xml_shows_the_title_series_and_points(reopened):
    line, bar = chart_xml(reopened, 1), chart_xml(reopened, 2)
    assert line.xpath("c:chart/c:title//a:t/text()", namespaces=NS) == ["诊疗患者人次（周）"]
    assert bar.xpath("c:chart/c:title//a:t/text()", namespaces=NS) == ["各旗诊疗患者人次"]
    assert len(line.xpath("//c:lineChart/c:ser", namespaces=NS)) == 2
    assert len(bar.xpath("//c:barChart/c:ser", namespaces=NS)) == 1
    assert bar.xpath("//c:barChart/c:barDir/@val", namespaces=NS) == ["col"]
    assert [len(s.xpath("c:cat//c:pt", namespaces=NS)) for s in line.xpath("//c:ser", namespaces=NS)] == [52, 52]
    assert [len(s.xpath("c:val//c:pt", namespaces=NS)) for s in line.xpath("//c:ser", namespaces=NS)] == [52, 51]
    assert bar.xpath("//c:val//c:v/text()", namespaces=NS) == ["35", "27", "211"]
    assert line.xpath("//c:valAx/c:title//a:t/text()", namespaces=NS) == ["人次"]   # the unit on the axis


def test_a_missing_value_is_a_gap_not_a_zero(reopened):
    line = chart_xml(reopened, 1)
    banner = line.xpath("//c:ser[c:tx//c:v='科右前旗']/c:val//c:pt/@idx", namespaces=NS)
    assert "9" not in banner and len(banner) == 51
    assert line.xpath("c:chart/c:dispBlanksAs/@val", namespaces=NS) == ["gap"]


def test_chinese_text_uses_the_font_for_latin_east_asian_and_complex_script(reopened):
    for n in (1, 2):
        chart = chart_xml(reopened, n)
        where = {"chart": "/c:chartSpace/c:txPr", "title": "c:chart/c:title/c:tx/c:rich",
                 "category axis": "//c:catAx/c:txPr", "value axis": "//c:valAx/c:txPr"}
        if n == 1:
            where["legend"] = "c:chart/c:legend/c:txPr"
        for name, path in where.items():
            (props,) = chart.xpath(path, namespaces=NS)
            for script in ("latin", "ea", "cs"):
                assert props.xpath(f".//a:{script}/@typeface", namespaces=NS)[:1] == [FONT], (n, name, script)
        assert set(chart.xpath("//a:ea/@typeface", namespaces=NS)) == {FONT}


def test_a_legend_below_for_two_series_and_none_for_one(reopened):
    assert chart_xml(reopened, 1).xpath("c:chart/c:legend/c:legendPos/@val", namespaces=NS) == ["b"]
    assert chart_xml(reopened, 2).xpath("c:chart/c:legend", namespaces=NS) == []


def test_the_drawings_are_inline_sized_and_uniquely_numbered(reopened):
    body = reopened.element.body
    inlines = body.xpath(".//wp:inline")
    assert len(inlines) == 2
    assert [(i.extent.cx, i.extent.cy) for i in inlines] == [(5400000, 2880000), (4320000, 2160000)]
    ids = [int(i.docPr.get("id")) for i in inlines]
    assert len(set(ids)) == 2 and [i.docPr.get("name") for i in inlines] == [f"图表 {n}" for n in ids]
    rids = [i.xpath(".//c:chart/@r:id")[0] for i in inlines]
    assert len(set(rids)) == 2
    assert [str(reopened.part.related_parts[r].partname) for r in rids] == ["/word/charts/chart1.xml",
                                                                            "/word/charts/chart2.xml"]
    assert inlines[0].xpath("a:graphic/a:graphicData/@uri") == [NS["c"]]


def test_the_same_charts_give_the_same_bytes(tmp_path):
    first = build()
    time.sleep(1.1)  # a clock in the workbook or the XML would now read differently
    second = build()
    blobs = [{n: p.blob for n, p in parts_of(d).items() if n.startswith(("/word/charts/", "/word/embeddings/"))}
             for d in (first, second)]
    assert len(blobs[0]) == 4 and blobs[0] == blobs[1]
    assert first.element.xml == second.element.xml
    # python-docx's own save stamps each zip entry with the clock: equal entries, not equal files ...
    for i, doc in enumerate((first, second)):
        doc.save(tmp_path / f"{i}.docx")
    entries = [{n: z.read(n) for n in z.namelist()} for z in (zipfile.ZipFile(tmp_path / f"{i}.docx") for i in (0, 1))]
    assert entries[0] == entries[1]
    # ... and the project's save, with fixed zip times, gives equal files
    assert save_reproducibly(first) == save_reproducibly(second)


def test_the_workbook_carries_a_fixed_date_not_the_clock(reopened):
    blob = parts_of(reopened)["/word/embeddings/Microsoft_Excel_Sheet1.xlsx"].blob
    props = openpyxl.load_workbook(io.BytesIO(blob)).properties
    assert props.created == datetime(2000, 1, 1)


def test_a_horizontal_bar_chart_and_a_pie():
    doc = docx.Document()
    add_chart(doc, ChartSpec("barh", "各旗人次", ["科右前旗", "科右中旗"], [("人次", [3, 4])]))
    add_chart(doc, ChartSpec("pie", "构成", ["科右前旗", "科右中旗"], [("人次", [3, 4])]))
    barh, pie = chart_xml(doc, 1), chart_xml(doc, 2)
    assert barh.xpath("//c:barDir/@val", namespaces=NS) == ["bar"]
    assert barh.xpath("//c:catAx/c:scaling/c:orientation/@val", namespaces=NS) == ["maxMin"]  # first on top
    assert len(pie.xpath("//c:pieChart/c:ser", namespaces=NS)) == 1
    assert pie.xpath("c:chart/c:legend/c:legendPos/@val", namespaces=NS) == ["b"]   # a pie keeps its legend


@pytest.mark.parametrize("spec, message", [
    (ChartSpec("area", "x", ["a"], [("s", [1])]), "unknown chart kind"),
    (ChartSpec("line", "x", ["a", "b"], [("s", [1])]), "has 1 values for 2 categories"),
    (ChartSpec("pie", "x", ["a"], [("s", [1]), ("t", [2])]), "one series"),
    (ChartSpec("bar", "x", [], []), "at least one category"),
])
def test_a_chart_that_cannot_be_drawn_is_a_clear_error(spec, message):
    with pytest.raises(ValueError, match=message):
        add_chart(docx.Document(), spec)


def test_libreoffice_draws_the_charts_with_their_titles(saved, tmp_path):
    if pdf.soffice_path() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    target = pdf.convert_to_pdf(saved, tmp_path)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "诊疗患者人次（周）" in text and "各旗诊疗患者人次" in text
    assert "扎赉特旗" in text and "211" in text      # a category and a data label of the bar chart
