"""The 工作简报 (template `bulletin`): its red masthead and its 报、送、发 block as a reader sees them in Word, in
the HTML preview and in a PDF through LibreOffice; its numbers never read as figures; who it goes to from a
schedule's recipients (each config shape), the settings or the office; the blocks' checks. On the league catalog
of test_catalogs.py, which shares no name with the sample. 第N期 and run-due: test_bulletin_issues.py."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import NOW, TZ
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from test_catalogs import SAMPLE_WORDS, league

from briefing import settings
from briefing.archive import schedules
from briefing.cli import cli
from briefing.documents import masthead
from briefing.documents.make import Request, make, write_outputs
from briefing.errors import TemplateError, UsageError
from briefing.figures import verify
from briefing.figures.period_text import parse_period
from briefing.ingest import ingest_files
from briefing.store.db import Store

RED = RGBColor(0xFF, 0x00, 0x00)
TOP = "锡林郭勒盟"
RECIPIENTS = (("报", ("盟委办公室", "盟行署办公室")), ("发", ("各旗乡村振兴局", "协作办第3组")))


def league_db(folder: Path) -> Path:
    """The generated league (锡林郭勒盟, its banners, 东西部协作, 来源 锡林郭勒盟乡村振兴局) in a database."""
    with Store(folder / "briefing.db") as store:
        ingest_files(store, league(folder).files, TZ, now=NOW.replace(year=2025, month=2))
    return folder / "briefing.db"


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    return league_db(tmp_path_factory.mktemp("bulletin"))


def bulletin(db: Path, period: str = "2024-W05", region: str = TOP, conf: settings.Settings | None = None, **request):
    with Store(db, create=False) as store:
        return make(store, conf or settings.load(env={}), Request("bulletin", parse_period(period), region, **request))


@pytest.fixture(scope="module")
def made(office):
    return bulletin(office, recipients=RECIPIENTS)


@pytest.fixture(scope="module")
def document(made):
    return docx.Document(io.BytesIO(made.docx()))


def east_asian(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def rule(paragraph, side: str) -> dict[str, str] | None:
    """The paragraph's border on one side, as its attributes (val, sz, color), or None."""
    found = paragraph._p.pPr.find(f"{qn('w:pBdr')}/{qn('w:' + side)}")
    return None if found is None else {key: found.get(qn(f"w:{key}")) for key in ("val", "sz", "color")}


def test_the_masthead_in_word_is_red_large_and_centred_over_a_red_rule(document):
    title, issue, line, headline = document.paragraphs[:4]
    assert title.text == "东西部协作工作简报" and title.style.name == "Masthead"
    assert east_asian(title.style) == "方正小标宋简体" and title.style.font.color.rgb == RED
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size.pt == 42                             # 初号: nine characters fit one line
    assert issue.text == "第1期" and issue.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asian(issue.style) == "仿宋_GB2312" and issue.style.font.size.pt == 16
    assert line.text == "锡林郭勒盟乡村振兴局\t2024年2月5日"            # 编发单位 on the left, the date on the right
    [tab] = line.paragraph_format.tab_stops
    assert tab.alignment == WD_TAB_ALIGNMENT.RIGHT and round(tab.position.mm) == 156
    assert east_asian(line.style) == "仿宋_GB2312" and line.style.font.size.pt == 16
    assert rule(line, "bottom") == {"val": "single", "sz": "8", "color": "FF0000"}     # the red rule, 0.35 mm
    assert headline.style.name == "Title" and headline.text == "锡林郭勒盟东西部协作工作动态（2024年第5周）"
    assert east_asian(headline.style) == "方正小标宋简体" and headline.style.font.size.pt == 22


def test_the_body_is_the_weekly_briefings_and_names_nothing_of_the_sample(office, document):
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本周，新增就业215人，环比增长0.5%，同比增长5.9%。" in text                # the weekly sections' words
    assert "2024年第1—5周累计新增就业1033人，同比增长13.5%。" in text
    assert "产业兴旺\n特色产业拓宽增收路" in text and "本周数据\n各旗工作情况" in text
    assert not [w for w in SAMPLE_WORDS if w in text]
    body = [p.text for p in document.paragraphs if p.style.name in ("Normal", "heading 1")]
    with Store(office, create=False) as store:
        same = make(store, settings.load(env={}), Request("weekly", parse_period("2024-W05"), TOP))
    weekly_body = [p.text for p in docx.Document(io.BytesIO(same.docx())).paragraphs
                   if p.style.name in ("Normal", "heading 1")]
    assert body == weekly_body


def test_the_distribution_block_ends_it_between_two_rules(document):
    lines = [p for p in document.paragraphs if p.style.name == "Distribution"]
    assert [p.style.name for p in document.paragraphs[-len(lines) - 1:]] == ["Caption", *["Distribution"] * 2]
    assert [p.text for p in lines] == ["\u3000报：盟委办公室，盟行署办公室。", "\u3000发：各旗乡村振兴局，协作办第3组。"]
    assert rule(lines[0], "top") == {"val": "single", "sz": "8", "color": "000000"} and rule(lines[0], "bottom") is None
    assert rule(lines[-1], "bottom") == {"val": "single", "sz": "8", "color": "000000"} and rule(lines[-1], "top") is None
    assert east_asian(lines[0].style) == "仿宋_GB2312" and lines[0].style.font.size.pt == 14
    assert lines[0].paragraph_format.keep_with_next and not lines[-1].paragraph_format.keep_with_next


def test_a_long_title_takes_the_largest_size_that_fits_one_line():
    assert masthead.title_size("东西部协作工作简报") == 42
    assert masthead.title_size("干部人才“组团式”帮扶工作简报") == 26         # 15 characters: 一号
    assert masthead.title_size("锡林郭勒盟东西部协作乡村振兴驻村帮扶工作简报") == 22   # never below 二号
    assert masthead.title_size("东西部协作工作简报", largest=36) == 36        # a reference document's smaller style


def test_a_reference_document_made_before_mastheads_serves_and_an_offices_own_masthead_style_is_kept(made, tmp_path):
    from briefing.documents.styles import reference
    from briefing.documents.word import save_reproducibly

    old = tmp_path / "old.docx"
    old.write_bytes(save_reproducibly(reference()))                       # the built-in styles, no Masthead
    title = docx.Document(io.BytesIO(made.docx(str(old)))).paragraphs[0]
    assert title.style.name == "Masthead" and title.style.font.color.rgb == RED     # added as it is needed
    own = docx.Document(io.BytesIO(made.docx()))
    own.styles["Masthead"].font.size = Pt(36)                            # restyled in Word: 小初, a darker red
    own.styles["Masthead"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    own.save(tmp_path / "own.docx")
    title = docx.Document(io.BytesIO(made.docx(str(tmp_path / "own.docx")))).paragraphs[0]
    assert title.style.font.color.rgb == RGBColor(0xC0, 0x00, 0x00) and title.runs[0].font.size.pt == 36


def css_rules(page: str) -> dict[str, str]:
    style = page.split("<style>")[1].split("</style>")[0]
    return {selector.strip(): body for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", style)}


def test_the_html_preview_shows_the_red_masthead_and_the_rule(made):
    page = made.html()
    rules = css_rules(page)
    assert "color: #f00" in rules[".masthead-title"] and "border-bottom: 2px solid #f00" in rules[".masthead"]
    header = re.search(r'<header class="masthead">(.*?)</header>', page)[1]
    assert '<div class="masthead-title" style="font-size: 42pt">东西部协作工作简报</div>' in header
    assert '<div class="masthead-issue">第1期</div>' in header
    assert "<span>锡林郭勒盟乡村振兴局</span><span>2024年2月5日</span>" in header
    assert page.index("</header>") < page.index("<h1>锡林郭勒盟东西部协作工作动态")
    footer = re.search(r'<footer class="distribution">(.*?)</footer>', page)[1]
    assert footer == "<p>报：盟委办公室，盟行署办公室。</p><p>发：各旗乡村振兴局，协作办第3组。</p>"
    assert "border-top: 1px solid #000" in rules[".distribution"]


def test_the_mastheads_numbers_are_the_templates_own_never_read_as_figures(office, monkeypatch):
    """第N期, the date, and a 编发单位 or recipient with a number in it are not checked against the data; were they
    marked as the data's, the verifier would refuse 协作办第3组 and 第9527工作组 (3组, 9527 are no facts)."""
    seen = []
    real = verify.check

    def spy(text, claims, ignore=(), only=None):
        seen.append((text, list(claims), only))
        return real(text, claims, ignore=ignore, only=only)

    monkeypatch.setattr(verify, "check", spy)
    conf = settings.load(env={"BRIEFING_SOURCE": "锡林郭勒盟第9527工作组"})
    bulletin(office, conf=conf, recipients=RECIPIENTS, issue=37)       # made: nothing refused
    text, claims, spans = seen[-1]
    for words in ("第37期", "锡林郭勒盟第9527工作组", "2024年2月5日", "协作办第3组"):
        at = text.index(words)
        assert not [s for s in spans if s[0] < at + len(words) and at < s[1]], words     # outside every DATA span
    at = text.index("锡林郭勒盟第9527工作组")
    with pytest.raises(verify.VerificationError, match="9527"):
        real(text, claims, only=sorted([*spans, (at, at + len("锡林郭勒盟第9527工作组"))]))


def test_the_traditional_edition_keeps_the_number(office):
    made = bulletin(office, script="traditional", recipients=RECIPIENTS)
    masthead_block = made.blocks[0]
    assert masthead_block.lines[:2] == ("東西部協作工作簡報", "第1期")
    assert made.blocks[-1].items[0][0].text == "報：盟委辦公室，盟行署辦公室。"


def test_outside_a_schedule_the_block_lists_the_settings_else_the_offices(office, tmp_path):
    conf = settings.load(env={"BRIEFING_REPORT_TO": "盟委办公室、盟行署办公室", "BRIEFING_SEND_TO": ""})
    assert distribution_of(bulletin(office, conf=conf)) == ["报：盟委办公室，盟行署办公室。"]
    copy = tmp_path / "office.db"
    shutil.copy(office, copy)
    (tmp_path / "office.csv").write_text("设置,值\n送,自治区乡村振兴局\n发,各旗乡村振兴局；各苏木镇\n", encoding="utf-8")
    with Store(copy, create=False) as store:
        ingest_files(store, [tmp_path / "office.csv"], TZ, now=NOW)
    assert distribution_of(bulletin(copy, conf=conf)) == ["报：盟委办公室，盟行署办公室。", "送：自治区乡村振兴局。",
                                                          "发：各旗乡村振兴局，各苏木镇。"]
    assert distribution_of(bulletin(office)) == []                       # no one named anywhere: no block


def distribution_of(made) -> list[str]:
    return [item[0].text for b in made.blocks if b.kind == "distribution" for item in b.items]


# --- the config shape of recipients ---------------------------------------------------------------------------

def schedule_with(tmp_path: Path, recipients: str) -> tuple:
    text = f'[[schedule]]\nname = "简报"\ntemplate = "bulletin"\nrecipients = {recipients}\n'
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    [one] = schedules.load(tomllib.loads(text)["schedule"], path)
    return one.recipients


def test_recipients_as_a_table_as_named_entries_or_a_plain_list(tmp_path):
    table = schedule_with(tmp_path, '{ "发" = ["各旗"], "报" = ["盟委办公室", "盟行署办公室"], "送" = "自治区乡村振兴局" }')
    assert table == (("报", ("盟委办公室", "盟行署办公室")), ("送", ("自治区乡村振兴局",)), ("发", ("各旗",)))
    named = schedule_with(tmp_path, '["报：盟委办公室", "送:自治区乡村振兴局", "发： 各旗", "各苏木镇"]')
    assert named == (("报", ("盟委办公室",)), ("送", ("自治区乡村振兴局",)), ("发", ("各旗", "各苏木镇")))
    assert schedule_with(tmp_path, '["office@example.org"]') == (("发", ("office@example.org",)),)   # as before: 发
    assert schedule_with(tmp_path, "[]") == ()


@pytest.mark.parametrize("recipients, words", [
    ('{ "抄送" = ["盟委办公室"] }', "'抄送' is not a line of the block; use 报, 送 or 发"),
    ('["报："]', "'报：' names no one"),
    ('"盟委办公室"', "is neither a list of names nor a table"),
    ('{ "报" = [1] }', "报: [1] is not a list of names"),
])
def test_a_wrong_recipients_names_the_file_line_and_schedule(tmp_path, recipients, words):
    with pytest.raises(UsageError) as caught:
        schedule_with(tmp_path, recipients)
    assert "briefing.toml, line 4: [[schedule]] 简报: recipients: " in caught.value.message
    assert words in caught.value.message


# --- the blocks' checks -----------------------------------------------------------------------------------------

def own_template(tmp_path: Path, body: str) -> settings.Settings:
    folder = tmp_path / "tpl" / "own"
    folder.mkdir(parents=True)
    (folder / "template.toml").write_text('name = "简报"\nperiod = "week"\n', encoding="utf-8")
    (folder / "briefing.md.j2").write_text(body, encoding="utf-8")
    return settings.load(env={"BRIEFING_TEMPLATE_DIRS": str(tmp_path / "tpl")})


@pytest.mark.parametrize("block, words", [
    ('```masthead\ntitle = "简报"\nissue = 1\ncolour = "red"\n```\n', "the masthead has unknown settings ['colour']"),
    ('```masthead\ntitle = "简报"\nissue = 0\n```\n', "the masthead's issue is 0"),
    ('```masthead\ntitle = "简报"\nissue = "3"\n```\n', "the masthead's issue is '3', not a whole number"),
    ('```masthead\nissue = 3\n```\n', "the masthead has no title"),
    ('```masthead\ntitle = 简报\n```\n', "the masthead's settings are not valid TOML"),
    ('```distribution\n"抄" = ["盟委办公室"]\n```\n', "'抄' is not a line of the block"),
    ('```distribution\n"报" = []\n```\n', "the distribution block names no one"),
])
def test_a_wrong_block_names_the_template_and_line(office, tmp_path, block, words):
    conf = own_template(tmp_path, "# 标题\n\n正文。\n\n" + block)
    with pytest.raises(TemplateError) as caught:
        with Store(office, create=False) as store:
            make(store, conf, Request("own", parse_period("2024-W05"), TOP))
    assert words in caught.value.message
    assert caught.value.template.endswith("own/briefing.md.j2") and caught.value.line == 5


def test_briefing_templates_lists_the_bulletin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "templates"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("bulletin"))
    assert "工作简报" in row and "week" in row


# --- PDF through LibreOffice ------------------------------------------------------------------------------------

@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_pdf_through_libreoffice_shows_the_masthead_in_red(made, tmp_path):
    from PIL import Image

    [path] = write_outputs(made, ("pdf",), tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    first = [line.strip() for line in text.splitlines() if line.strip()][:3]
    assert first[0] == "东西部协作工作简报" and first[1].replace(" ", "") == "第1期"
    assert re.fullmatch(r"锡林郭勒盟乡村振兴局\s+2024 年 2 月 5 日", first[2])
    assert "报：盟委办公室，盟行署办公室。" in text.replace(" ", "")
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    width, height = page.size
    red = [(x, y) for y in range(height // 3) for x in range(width)
           if (lambda r, g, b: r > 200 and g < 80 and b < 80)(*page.getpixel((x, y)))]
    assert red, "no red on the top of the first page"
    rows = {y for _, y in red}
    widest = max(sum(1 for x, yy in red if yy == y) for y in rows)       # the rule: a red row across the type area
    assert widest > 0.7 * width * 156 / 210
