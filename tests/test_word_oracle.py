"""The direct Word writer (wordxml.py, the default) held to python-docx (word.render_python_docx): every block
kind, the built-in weekly, monthly and bulletin templates on the sample and on an office that shares no name with
it, and a custom reference document, through both paths, give the same parts: the same names, XML parts equal
once canonical (attributes sorted, namespaces by URI, whitespace-only text dropped only between elements, where
Word ignores it), workbooks with the same cells and formats (openpyxl), other parts byte for byte. LibreOffice
draws the same text from both."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import TZ
from lxml import etree
from other_office import TOP, write_office

from briefing import settings
from briefing.documents import markup, package, pdf, styles, word
from briefing.documents.make import Request, make
from briefing.figures.period_text import parse_period
from briefing.ingest import ingest_files
from briefing.store.db import Store

AS_OF = "2024-01-17T15:59:59+00:00"
EVERY_BLOCK = """```masthead
title = "东西部协作工作简报"
issue = 3
unit = "锡林郭勒盟乡村振兴局"
date = "2024年1月22日"
```

# 标题 A&B <甲> "引"

```meta
发布时间：2024年1月17日丨来源：专班
```

## 第一行｜第二行

### 小标题

正文 **加粗** 与 *斜体* 以及 ***两者*** 。 末尾空格 	制表 & < >

- 项一 **粗**
- 项二

1. 第一
2. 第二

| 地区 | 数值 | 中 | 右 |
|---|---:|:---:|---|
| 甲 | 1,234 | x |
| 乙 | 5.6% | | −3.2万元 |
| 丙 | | 12 |

```chart
type = "line"
title = "诊疗（人次）"
unit = "人次"
categories = ["第1周", "第2周", "第3周"]
caption = "图注 & 说明"
[[series]]
name = "兴安盟"
values = [1, nan, 3.5]
```

```chart
type = "bar"
title = "各地 <比较> & \\"引\\""
unit = "例"
number_format = "0.0"
categories = ["a&b", "<c>"]
[[series]]
name = "s1"
values = [1, 2]
[[series]]
name = "s2"
values = [3, 4]
```

---

```chart
type = "pie"
title = ""
categories = ["甲", "乙"]
[[series]]
name = "占比"
values = [1, 2]
```

```chart
type = "barh"
title = "两行\\n标题"
unit = "人"
number_format = "0.00%"
categories = ["一", "二", "三"]
[[series]]
name = "p"
values = [0.1, 0.25, 1e-3]
```

```distribution
"报" = ["盟委办公室", "盟行署办公室"]
"送" = ["盟直各部门"]
"发" = ["各旗乡村振兴局"]
```

```distribution
"发" = ["单独一行"]
```
"""
PROPS = word.Properties("标题 & <甲>", author="兴安盟", subject="周报", keywords="周报,兴安盟,2024-W02")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))


def canonical(data: bytes):
    """An XML part as nested tuples: tag by namespace URI, attributes sorted, text; whitespace-only text kept in
    an element without children (w:t, c:v: it is content) and dropped between elements."""
    def walk(el):
        if not isinstance(el.tag, str):                     # comments, processing instructions
            return (type(el).__name__, el.text)
        children = [walk(child) for child in el]
        text = el.text or ""
        if children and not text.strip():
            text = ""
        tails = [(child.tail or "") for child in el if (child.tail or "").strip()]
        return (el.tag, tuple(sorted(el.attrib.items())), text, tuple(children), tuple(tails))
    return walk(etree.fromstring(data))


def cells(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet.title, [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]


def assert_same_parts(direct: bytes, oracle: bytes) -> None:
    ours, theirs = zipfile.ZipFile(io.BytesIO(direct)), zipfile.ZipFile(io.BytesIO(oracle))
    assert ours.testzip() is None
    assert sorted(ours.namelist()) == sorted(theirs.namelist())
    for name in theirs.namelist():
        a, b = ours.read(name), theirs.read(name)
        if name.endswith((".xml", ".rels")):
            assert canonical(a) == canonical(b), name
        elif name.endswith(".xlsx"):
            assert cells(a) == cells(b), name
        else:
            assert a == b, name


def both(blocks, reference=None, props=PROPS) -> tuple[bytes, bytes]:
    return word.render(blocks, props, reference), word.render_python_docx(blocks, props, reference)


def test_every_block_kind_gives_the_parts_python_docx_gives():
    blocks = markup.parse(EVERY_BLOCK)
    assert {b.kind for b in blocks} == {"masthead", "title", "meta", "heading", "paragraph", "list", "table",
                                        "chart", "pagebreak", "distribution"}
    direct, oracle = both(blocks)
    assert_same_parts(direct, oracle)
    assert direct == word.render(blocks, PROPS)                      # the same input, the same bytes
    assert direct != word.render(blocks, word.Properties("另一个标题"))
    document = docx.Document(io.BytesIO(direct))                     # python-docx reads it back
    assert document.core_properties.title == "标题 & <甲>"
    assert document.tables[0].cell(2, 3).text == "−3.2万元"
    assert len(document.inline_shapes) == 4


def test_each_chart_part_is_byte_for_byte_python_pptx_s():
    """The chart XML is the very bytes python-pptx writes (also a title python-pptx splits into two lines)."""
    direct, oracle = both(markup.parse(EVERY_BLOCK))
    ours, theirs = zipfile.ZipFile(io.BytesIO(direct)), zipfile.ZipFile(io.BytesIO(oracle))
    names = [n for n in theirs.namelist() if n.startswith("word/charts/chart")]
    assert len(names) == 4
    for name in names:
        assert ours.read(name) == theirs.read(name), name


def test_a_workbook_opens_with_the_chart_s_figures():
    direct, _ = both(markup.parse(EVERY_BLOCK))
    package = zipfile.ZipFile(io.BytesIO(direct))
    title, rows = cells(package.read("word/embeddings/Microsoft_Excel_Sheet1.xlsx"))
    assert title == "Sheet1"
    assert rows == [[(None, "General"), ("兴安盟", "General")], [("第1周", "General"), (1, "General")],
                    [("第2周", "General"), (None, "General")], [("第3周", "General"), (3.5, "General")]]
    _, rows = cells(package.read("word/embeddings/Microsoft_Excel_Sheet4.xlsx"))
    assert rows[3] == [("三", "General"), (0.001, "0.00%")]


def sample_briefing(sample_db, template: str, period: str):
    with Store(sample_db, create=False) as store:
        return make(store, settings.load(env={}), Request(template, parse_period(period), "兴安盟", AS_OF))


@pytest.mark.parametrize(("template", "period"), [("weekly", "2024-W02"), ("monthly", "2024-01"),
                                                  ("bulletin", "2024-W02")])
def test_built_in_templates_on_the_sample(sample_db, template, period):
    made = sample_briefing(sample_db, template, period)
    props = word.Properties(made.title, author="兴安盟")
    assert_same_parts(*both(made.blocks, props=props))


@pytest.fixture(scope="module")
def other_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("other")
    with Store(folder / "other.db") as store:
        ingest_files(store, write_office(folder / "files"), TZ, now=datetime(2024, 4, 1, tzinfo=TZ))
    return folder / "other.db"


@pytest.mark.parametrize(("template", "period"), [("weekly", "2024-W12"), ("monthly", "2024-03"),
                                                  ("bulletin", "2024-W11")])
def test_built_in_templates_on_another_office(other_db, template, period):
    with Store(other_db, create=False) as store:
        made = make(store, settings.load(env={}), Request(template, parse_period(period), TOP))
    assert TOP in made.title
    assert_same_parts(*both(made.blocks, props=word.Properties(made.title, author=TOP)))


def custom_reference(path: Path) -> Path:
    """A reference restyled as a person would in Word: other fonts and sizes, a header, a table style of its own,
    a relationship removed (a gap in the ids), and none of the masthead's styles."""
    document = styles.reference()
    normal = document.styles.get_by_id("Normal", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    normal.font.size = docx.shared.Pt(15)
    document.sections[0].header.paragraphs[0].add_run("内部资料 注意保存")
    document.core_properties.comments = "自定义"
    document.save(path)
    return path


def test_a_custom_reference_document(tmp_path, sample_db):
    reference = str(custom_reference(tmp_path / "参考.docx"))
    blocks = markup.parse(EVERY_BLOCK)
    direct, oracle = both(blocks, reference)
    assert_same_parts(direct, oracle)
    header = docx.Document(io.BytesIO(direct)).sections[0].header
    assert "内部资料" in header.paragraphs[0].text
    made = sample_briefing(sample_db, "weekly", "2024-W02")
    assert_same_parts(*both(made.blocks, reference))


def test_the_prepared_reference_is_kept_on_disk_and_used_by_the_next_process(tmp_path, monkeypatch):
    """A new process renders from the cache folder without preparing the reference again; an unwritable cache
    folder is passed over and the reference prepared in memory."""
    monkeypatch.setattr(package, "_memory", {})
    blocks = markup.parse(EVERY_BLOCK)
    first = word.render(blocks, PROPS)
    assert len(list((tmp_path / "cache" / "reference").glob("*-1.bin"))) == 1
    script = ("import sys; from briefing.documents import markup, word; "
              "from test_word_oracle import EVERY_BLOCK, PROPS; "
              "sys.stdout.buffer.write(word.render(markup.parse(EVERY_BLOCK), PROPS)); "
              "sys.stderr.write(str('briefing.documents.reference' in sys.modules))")
    for cache, prepared_again in ((tmp_path / "cache", "False"), (Path("/proc/no-cache-here"), "True")):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                              cwd=Path(__file__).parent, env={**os.environ, "BRIEFING_CACHE_DIR": str(cache)})
        assert done.stdout == first
        assert done.stderr.decode().strip().endswith(prepared_again)


def pdf_text(data: bytes, folder: Path) -> str:
    folder.mkdir()
    source = folder / "briefing.docx"
    source.write_bytes(data)
    target = pdf.convert_to_pdf(source, folder)
    return subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_libreoffice_draws_the_same_text_from_both(sample_db, tmp_path):
    if pdf.soffice_path() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    made = sample_briefing(sample_db, "weekly", "2024-W02")
    direct, oracle = both(made.blocks, props=word.Properties(made.title, author="兴安盟"))
    text = pdf_text(direct, tmp_path / "direct")
    assert "诊疗患者" in text and made.title[:6] in text
    assert text == pdf_text(oracle, tmp_path / "oracle")
