"""Briefings as a reader gets them: Word documents opened with python-docx, HTML, the sandbox, the checks."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from test_seed_sentences import AS_OF

from briefing import settings
from briefing.documents import templates
from briefing.documents.make import Request, backfill, make, make_many, write_outputs
from briefing.errors import TemplateError
from briefing.figures.period_text import parse_period
from briefing.figures.verify import VerificationError
from briefing.store.db import Store

SAMPLE_SETTINGS = settings.load(env={})


def made(sample_db, template="article", period="2024-01-17", region="兴安盟", script="simplified", conf=None):
    """A briefing of the sample database; by default the sample's own template, the first article (found through
    the database's office settings: data/sample/office.csv names data/sample/templates)."""
    with Store(sample_db, create=False) as store:
        req = Request(template, parse_period(period), region, AS_OF, script)
        return make(store, conf or SAMPLE_SETTINGS, req)


@pytest.fixture(scope="module")
def summary(sample_db):
    return made(sample_db)


@pytest.fixture(scope="module")
def summary_docx(summary):
    return docx.Document(io.BytesIO(summary.docx()))


def test_the_summary_states_the_first_articles_figures(summary_docx):
    text = "\n".join(p.text for p in summary_docx.paragraphs)
    for figure in ("19532人次", "197例", "930次", "1016人次", "761.5公斤，再次刷新全区水稻亩产纪录", "316.8公斤，破全区纪录",
                   "99.25%", "10万余名", "5亿元以上", "50多名", "500多次", "30多项", "60多个", "15个科技示范基地",
                   "1亿元", "比去年增加9人", "6名校长", "57名中层管理人员和教师", "15名医生", "55项", "153名", "50万头",
                   "3万户", "400家", "110万元"):
        assert figure in text, figure


def test_title_metadata_line_and_headings(summary_docx):
    paragraphs = [(p.style.name, p.text) for p in summary_docx.paragraphs]
    assert paragraphs[0] == ("Title", "“组团式”帮扶为兴安盟注入“硬实力”")
    assert paragraphs[1] == ("Subtitle", "发布时间：2024年1月17日丨来源：岭上兴安丨责任编辑：苏文彦")   # no empty 作者：
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == ["薪火相传育桃李\n教育帮扶托起“振兴之梦”", "打造百姓新“医”靠\n医疗帮扶筑牢“健康之本”",
                        "送技添智助增收\n科技帮扶夯实“富裕之基”"]


def test_styles_carry_east_asian_fonts_and_no_theme_fonts(summary_docx):
    styles = summary_docx.styles.element
    expected = {"Normal": "仿宋_GB2312", "Title": "方正小标宋简体", "Heading1": "黑体", "Heading2": "楷体_GB2312"}
    for style_id, font in expected.items():
        fonts = styles.get_by_id(style_id).rPr.rFonts
        assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == font
        assert not [a for a in fonts.attrib if a.endswith("Theme")], style_id
    assert len(summary_docx.styles) == 10  # slim: only the styles a briefing uses


def test_gb9704_page(summary_docx):
    section = summary_docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and "—" in footer


def test_core_properties_come_from_the_report(summary_docx):
    core = summary_docx.core_properties
    assert core.title == "“组团式”帮扶为兴安盟注入“硬实力”" and core.subject == "帮扶成效"
    assert core.created.date().isoformat() == "2024-01-17" and core.modified == core.created


def test_two_renders_are_byte_identical(sample_db, summary):
    again = made(sample_db)
    assert summary.docx() == again.docx()
    with zipfile.ZipFile(io.BytesIO(summary.docx())) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_html_has_the_same_words(summary):
    page = summary.html()
    assert "<h1>“组团式”帮扶为兴安盟注入“硬实力”</h1>" in page and "19532人次" in page
    assert '<html lang="zh-CN">' in page and "<h2>薪火相传育桃李<br>教育帮扶托起“振兴之梦”</h2>" in page


def test_the_traditional_edition(sample_db):
    edition = made(sample_db, script="traditional")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(edition.docx())).paragraphs)
    assert edition.title == "“組團式”幫扶為興安盟注入“硬實力”" and "再次刷新全區水稻畝產紀錄" in text


def test_files_are_written_atomically_with_readable_names(summary, tmp_path):
    written = write_outputs(summary, ("docx", "html"), tmp_path)
    assert [p.name for p in written] == ["2024-01-17_兴安盟_帮扶成效.docx", "2024-01-17_兴安盟_帮扶成效.html"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert oct(written[0].stat().st_mode & 0o777) == "0o644"


# --- templates that go wrong -------------------------------------------------------------------------

def custom(tmp_path: Path, body: str, toml: str = 'name = "测试"\nperiod = "day"\n') -> settings.Settings:
    folder = tmp_path / "tpl" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.toml").write_text(toml, encoding="utf-8")
    (folder / "briefing.md.j2").write_text(body, encoding="utf-8")
    return settings.load(env={}, overrides={"template_dirs": str(tmp_path / "tpl")})


@pytest.mark.parametrize("body, line, words", [
    ("# 标题\n\n{{ 指标(\"诊疗患者人次\").累计 }}\n\n{{ 未定义的名字 }}\n", 5, "'未定义的名字' is undefined"),
    ("# 标题\n\n{{ 指标.__class__ }}\n", 3, "SecurityError"),
    ("# 标题\n\n{{ 指标(\"不存在的指标\") }}\n", 3, "no figures for '不存在的指标'"),
    ("# 标题\n\n{% for x in %}\n", 3, "Expected an expression"),
    ("# 标题\n\n{{ 50 | 约数(\"多\", 单位=\"名\") }}\n", 3, "cannot be written 50多"),
    ("# 标题\n\n\n{{ 1 / 0 }}\n", 4, "ZeroDivisionError"),
    ("# 标题\n\n{{ 指标(\"诊疗患者人次\", \"兴安盟\", 3, 4) }}\n", 3, "TypeError"),
    ("# 标题\n\n{{ 指标(\"诊疗患者人次\", 地区=\"QQQQ\") }}\n", 3, "unknown region 'QQQQ'"),
])
def test_template_errors_name_the_file_and_line(sample_db, tmp_path, body, line, words):
    conf = custom(tmp_path, body)
    with pytest.raises(TemplateError) as err:
        made(sample_db, template="test", conf=conf)
    assert err.value.line == line and err.value.template.endswith("briefing.md.j2") and words in str(err.value)


def test_a_bug_in_a_template_function_is_a_bug_not_a_template_error(sample_db, tmp_path, monkeypatch):
    from briefing.figures import phrasing

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in the phrasing engine")

    monkeypatch.setattr(phrasing, "change_phrase", broken)
    conf = custom(tmp_path, "# 标题\n\n{{ 指标(\"诊疗患者人次\") | 同比 }}\n")
    with pytest.raises(ZeroDivisionError, match="a bug in the phrasing engine"):
        made(sample_db, template="test", conf=conf)


def test_a_template_that_never_ends_is_stopped(sample_db, tmp_path, monkeypatch):

    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1.0)
    conf = custom(tmp_path, "# 标题\n{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}\n")
    with pytest.raises(TemplateError, match="longer than 1 s"):
        made(sample_db, template="test", conf=conf)


def test_a_figure_the_data_does_not_support_stops_the_briefing(sample_db, tmp_path):
    conf = custom(tmp_path, "# 标题\n\n医疗专家累计诊疗患者{{ 数字(指标(\"诊疗患者人次\").累计.value + 1, \"人次\") }}。\n")
    with pytest.raises(VerificationError, match="19533人次"):
        made(sample_db, template="test", conf=conf)


def test_a_phrasing_engine_that_writes_a_wrong_figure_is_caught(sample_db, tmp_path, monkeypatch):
    from briefing.documents import views

    real = views.figure             # what prints an Amount: 19532人次
    monkeypatch.setattr(views, "figure", lambda value, *a, **k: real(value + 1, *a, **k))   # the fault
    conf = custom(tmp_path, "# 标题\n\n累计诊疗患者{{ 指标(\"诊疗患者人次\").累计 }}。\n")
    with pytest.raises(VerificationError, match="19533人次"):
        made(sample_db, template="test", conf=conf)


@pytest.mark.parametrize("body", [
    "# 标题\n\n“组团式”帮扶3个重点帮扶旗，北京市2家医院，第12期。图1　近12周。\n",      # literal text
    "# 标题\n\n{% for x in [\"一\", \"二\"] %}{{ loop.index }}. {{ x }}\n{% endfor %}\n",   # its own counter
    "# 标题\n\n{% set n = 7 %}共{{ n }}项，{{ 数字(5, \"个\") }}。{{ 选一([\"近12周\"]) }}\n",  # numbers it wrote
])
def test_the_templates_own_numbers_are_never_matched_against_the_data(sample_db, tmp_path, body):
    assert made(sample_db, template="test", conf=custom(tmp_path, body)).blocks


def test_a_figure_computed_by_hand_in_the_template_names_its_line(sample_db, tmp_path):
    conf = custom(tmp_path, "# 标题\n\n本周\n{{ 指标(\"诊疗患者人次\").本期.value * 2 }}人次\n")
    with pytest.raises(TemplateError, match="computed in the template") as err:
        made(sample_db, template="test", conf=conf)
    assert err.value.line == 4 and err.value.template.endswith("briefing.md.j2")


def test_control_characters_never_reach_the_document(sample_db, tmp_path):
    conf = custom(tmp_path, "# 标题\n\n坏\x0b字\n")
    with pytest.raises(TemplateError, match=r"U\+000B") as err:
        made(sample_db, template="test", conf=conf)
    assert err.value.line == 3


def test_markup_outside_the_subset_is_an_error(sample_db, tmp_path):
    conf = custom(tmp_path, "# 标题\n\n![图](x.png)\n")
    with pytest.raises(TemplateError, match="image"):
        made(sample_db, template="test", conf=conf)


def test_an_office_template_overrides_a_built_in_one(sample_db, tmp_path):
    shutil.copytree(Path(templates.BUILT_IN) / "summary", tmp_path / "tpl" / "summary")
    with (tmp_path / "tpl" / "summary" / "template.toml").open("a", encoding="utf-8") as f:
        f.write('\n[metadata]\nsource = "扎赉特旗融媒体中心"\n')
    conf = settings.load(env={}, overrides={"template_dirs": str(tmp_path / "tpl")})
    assert "来源：扎赉特旗融媒体中心" in made(sample_db, template="summary", conf=conf).markup
    assert "来源：兴安盟“组团式”帮扶工作专班" in made(sample_db, template="summary").markup   # the office's, from its catalog


# --- the weekly briefing: tables and native charts ------------------------------------------------------

@pytest.fixture(scope="module")
def weekly_bytes(sample_db):
    return made(sample_db, template="weekly", period="2024-W02").docx()


def test_the_weekly_table_by_banner(weekly_bytes):
    doc = docx.Document(io.BytesIO(weekly_bytes))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0][:2] == ["地区", "诊疗患者人次（人次）"]
    assert [r[:2] for r in rows[1:]] == [["科右前旗", "35"], ["科右中旗", "27"], ["扎赉特旗", "211"], ["兴安盟", "273"]]
    figure_cell = doc.tables[0].rows[1].cells[1].paragraphs[0]
    assert figure_cell.alignment == 2  # figures right-aligned
    assert doc.tables[0].rows[0]._tr.trPr.xpath("./w:tblHeader")  # the header row repeats on each page


def test_the_weekly_charts_are_native_with_their_workbooks(weekly_bytes):
    import openpyxl
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(weekly_bytes)) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        charts = sorted(n for n in names if n.startswith("word/charts/chart"))
        assert charts == ["word/charts/chart1.xml", "word/charts/chart2.xml"]
        assert "drawingml.chart+xml" in types and 'Extension="xlsx"' in types
        line = etree.fromstring(z.read(charts[0]))
        book = openpyxl.load_workbook(io.BytesIO(z.read("word/embeddings/Microsoft_Excel_Sheet1.xlsx")))
        document = z.read("word/document.xml").decode()
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    assert line.xpath("//c:title//a:t/text()", namespaces=ns) == ["诊疗患者人次（人次）"]
    assert len(line.xpath("//c:lineChart/c:ser", namespaces=ns)) == 1
    assert len(line.xpath("//c:val//c:pt", namespaces=ns)) == 12
    assert set(line.xpath("//a:ea/@typeface", namespaces=ns)) == {"仿宋_GB2312"}
    assert len(line.xpath("/c:chartSpace/c:txPr", namespaces=ns)) == 1 and line.xpath("//c:externalData", namespaces=ns)
    sheet = book.active
    assert sheet["A13"].value == "第2周" and sheet["B13"].value == 273  # Edit Data opens the figures
    assert document.count("<wp:docPr") == 2 and 'id="1"' in document and 'id="2"' in document


def test_a_missing_point_is_a_gap_not_a_zero():
    from lxml import etree

    from briefing.documents.charts import ChartSpec, add_chart

    doc = docx.Document()
    add_chart(doc, ChartSpec("line", "缺数", ["第1周", "第2周", "第3周"], [("甲", [1, None, 3]), ("乙", [2, float("nan"), 4])]))
    blob = next(p.blob for p in doc.part.package.iter_parts() if p.partname.startswith("/word/charts/"))
    xml = etree.fromstring(blob)
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    assert [xml.xpath(f"//c:ser[{i}]/c:val//c:pt/@idx", namespaces=ns) for i in (1, 2)] == [["0", "2"], ["0", "2"]]
    assert xml.xpath("//c:legend/c:legendPos/@val", namespaces=ns) == ["b"]  # two series: a legend below


def test_weekly_renders_are_byte_identical_charts_included(sample_db, weekly_bytes):
    assert made(sample_db, template="weekly", period="2024-W02").docx() == weekly_bytes


def test_pdf_without_libreoffice_is_a_clear_error(summary, tmp_path, monkeypatch):
    from briefing.documents import pdf
    from briefing.errors import BriefingError

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    with pytest.raises(BriefingError, match="PDF needs LibreOffice") as err:
        write_outputs(summary, ("pdf",), tmp_path / "out")
    assert "apt-get install libreoffice-writer-nogui" in str(err.value)
    assert not list((tmp_path / "out").glob("*"))  # nothing half-written


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_pdf_through_libreoffice(summary, tmp_path):
    import subprocess

    [path] = write_outputs(summary, ("pdf",), tmp_path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 4 and ("A4" in info or "595" in info)  # an A4 page (595 x 842 pt)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "19532人次" in text.replace(" ", "") and "再次刷新全区水稻亩产纪录" in text.replace(" ", "").replace("\n", "")


def test_headings_are_not_justified(summary_docx):
    """A two-line heading breaks its first line; justified, that line would be stretched letter by letter."""
    styles = summary_docx.styles.element
    for style_id in ("Heading1", "Heading2"):
        assert styles.get_by_id(style_id).pPr.jc.val == 0  # left


def test_a_backfill_makes_the_same_briefings_as_one_at_a_time(sample_db):
    weeks = [parse_period(k) for k in ("2023-W50", "2023-W51", "2023-W52", "2024-W01", "2024-W02")]
    with Store(sample_db, create=False) as store:
        many = make_many(store, SAMPLE_SETTINGS, "weekly", "兴安盟", weeks, AS_OF)
        for week, made in zip(weeks, many):
            alone = make(store, SAMPLE_SETTINGS, Request("weekly", week, "兴安盟", AS_OF))
            assert made.docx() == alone.docx(), week.key


def test_a_backfill_over_worker_processes_writes_every_briefing(sample_db, tmp_path):
    weeks = [parse_period(k) for k in ("2024-W01", "2024-W02")]
    n = backfill(sample_db, SAMPLE_SETTINGS, "weekly", ["兴安盟", "扎赉特旗"], weeks, AS_OF, tmp_path, workers=2)
    names = sorted(p.name for p in tmp_path.glob("*.docx"))
    assert n == 4 and names == ["2024-W01_兴安盟_周报.docx", "2024-W01_扎赉特旗_周报.docx",
                                "2024-W02_兴安盟_周报.docx", "2024-W02_扎赉特旗_周报.docx"]
    with Store(sample_db, create=False) as store:
        alone = make(store, SAMPLE_SETTINGS, Request("weekly", weeks[1], "扎赉特旗", AS_OF))
    assert (tmp_path / "2024-W02_扎赉特旗_周报.docx").read_bytes() == alone.docx()


def test_a_pie_with_several_series_is_a_template_error(sample_db, tmp_path):
    body = '# 标题\n\n```chart\ntype = "pie"\ntitle = "占比"\ncategories = ["甲", "乙"]\n[[series]]\nname = "一"\nvalues = [1, 2]\n[[series]]\nname = "二"\nvalues = [3, 4]\n```\n'
    conf = custom(tmp_path, body)
    with pytest.raises(TemplateError, match="one series") as err:
        made(sample_db, template="test", conf=conf)
    assert err.value.line == 3


# --- a reference document of the user's own ---------------------------------------------------------------

def reference_file(path: Path, edit=None) -> Path:
    """The built-in reference document as `briefing templates --reference-docx` writes it, edited as in Word."""
    from briefing.documents.styles import reference
    from briefing.documents.word import save_reproducibly

    doc = reference()
    if edit:
        edit(doc)
    path.write_bytes(save_reproducibly(doc))
    return path


def test_a_reference_document_missing_a_style_is_refused_naming_it(summary, tmp_path):
    path = reference_file(tmp_path / "我的样式.docx", lambda doc: doc.styles["caption"].delete())
    with pytest.raises(TemplateError) as err:
        summary.docx(str(path))
    message = str(err.value)
    assert str(path) in message and "briefing templates --reference-docx" in message
    assert "Caption" in message and "Heading1" not in message and "TableGrid" not in message


def test_a_reference_file_that_is_not_a_docx_is_a_clear_error(summary, tmp_path):
    path = tmp_path / "样式.docx"
    path.write_text("not a Word file", encoding="utf-8")
    with pytest.raises(TemplateError, match="not a Word .docx file") as err:
        summary.docx(str(path))
    assert err.value.template == str(path)


def test_an_edited_reference_document_is_used_by_the_next_briefing(summary, tmp_path):
    """Under `briefing serve` one process renders for days: a reference restyled in Word meanwhile is used."""
    import os

    from docx.shared import Pt

    def heading_size(points):
        return lambda doc: setattr(doc.styles["heading 1"].font, "size", Pt(points))

    path = reference_file(tmp_path / "样式.docx", heading_size(18))
    first = docx.Document(io.BytesIO(summary.docx(str(path))))
    saved = path.stat().st_mtime_ns
    reference_file(path, heading_size(22))
    os.utime(path, ns=(saved + 2_000_000_000, saved + 2_000_000_000))  # saved again two seconds later
    second = docx.Document(io.BytesIO(summary.docx(str(path))))
    assert first.styles["heading 1"].font.size.pt == 18
    assert second.styles["heading 1"].font.size.pt == 22


# --- which period, and whether it has figures ----------------------------------------------------------

def generate(sample_db, tmp_path, *args):
    from click.testing import CliRunner

    from briefing.cli import cli

    return CliRunner().invoke(cli, ["--db", str(sample_db), "generate", "-o", str(tmp_path), *args])


@pytest.mark.parametrize("as_of", ["2024-01-17", "2024/01/17", "2024年1月17日", "2024-01-17T23:59:59+08:00"])
def test_without_a_period_the_last_one_ended_as_of_then_is_made(sample_db, tmp_path, as_of):
    result = generate(sample_db, tmp_path, "--as-of", as_of)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(tmp_path / "2024-W02_兴安盟_周报.docx")    # Wednesday: W02 ended Sunday


@pytest.mark.parametrize("args, said", [
    (["--period", "2030-W02"], "no figures for 2030年第2周 in 兴安盟; the latest figures are for 2024年第4周"),
    (["--as-of", "2024-03-20"], "no figures for 2024年第11周 in 兴安盟; the latest figures are for 2024年第4周"),
    (["--period", "2024-W03", "--as-of", "2024-01-22T08:00"], "the latest figures are for 2024年第2周"),  # W03 not in yet
])
def test_a_period_without_figures_is_not_written(sample_db, tmp_path, args, said):
    result = generate(sample_db, tmp_path, *args)
    assert result.exit_code == 1 and said in result.output and "--period" in result.output
    assert list(tmp_path.iterdir()) == []
