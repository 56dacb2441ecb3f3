"""The block markup templates write: a small subset of Markdown, parsed by markdown-it-py into the
blocks of a briefing. The same blocks become a Word document (docx.py) and HTML (html.py).

    # 标题                                  the title (one per briefing)
    ```meta                                 the metadata line: 发布时间：…丨来源：…丨作者：…丨责任编辑：…
    ## 第一行｜第二行                         a level-1 heading; ｜ splits a two-line heading as in the articles
    ### 小标题                               a level-2 heading
    paragraphs, with **bold** and *italic*
    - items / 1. items                      lists
    | 地区 | 数值 |  (pipe tables)            a table; the first row is the header, :---: aligns
    ```chart                                a native chart; the body is TOML (see CHART_KEYS)
    ```masthead / ```distribution           a 工作简报's red masthead and its 报、送、发 block (masthead.py)
    ---                                     a page break (after a blank line)

Anything else (images, raw HTML, code) is an error naming the line, so a typo never vanishes silently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import TemplateError
from ..i18n import _
from . import masthead

HEADING_SPLIT = "｜"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CHART_KINDS = ("line", "bar", "barh", "pie")
CHART_KEYS = {"type", "title", "categories", "series", "unit", "caption", "number_format"}


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    kind: str                     # title, meta, heading, paragraph, list, table, chart, pagebreak, masthead,
                                  # distribution
    line: int                     # where it starts in the rendered markup (1-based)
    runs: tuple[Run, ...] = ()    # title, meta, paragraph
    level: int = 0                # heading: 1 or 2
    lines: tuple[str, ...] = ()   # heading lines; masthead: (title, 第N期, unit, date)
    items: tuple[tuple[Run, ...], ...] = ()   # list items; distribution: 报：…。 送：…。 发：…。
    ordered: bool = False
    rows: tuple[tuple[str, ...], ...] = ()    # table: header first
    align: tuple[str | None, ...] = ()        # table: 'left' | 'center' | 'right' | None per column
    chart: dict = field(default_factory=dict)  # chart: the checked TOML body

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def parse(markup: str, source: str = "template") -> list[Block]:
    """The blocks of a briefing's markup; TemplateError (with the line) for anything outside the subset."""
    bad = _XML_ILLEGAL.search(markup)
    if bad:  # python-docx would fail deep inside on these: say where instead
        line = markup.count("\n", 0, bad.start()) + 1
        raise TemplateError(_("the rendered text holds the control character U+{code}, which a Word document cannot "
                              "hold").format(code=f"{ord(bad.group()):04X}"), source, line)
    tokens = _parser().parse(markup)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        block, i = _block(tokens, i, source)
        if block is not None:
            blocks.append(block)
    return blocks


@cache
def _parser() -> MarkdownIt:
    """CommonMark with tables, made once: its rules are the same for every briefing, and parsing changes none."""
    return MarkdownIt("commonmark").enable("table")


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _block(tokens: list[Token], i: int, source: str) -> tuple[Block | None, int]:
    t = tokens[i]
    if t.type == "heading_open":
        return _heading(t, tokens[i + 1], source), i + 3
    if t.type == "paragraph_open":
        return Block("paragraph", _line(t), runs=_runs(tokens[i + 1], source)), i + 3
    if t.type in ("bullet_list_open", "ordered_list_open"):
        return _list(tokens, i, source)
    if t.type == "table_open":
        return _table(tokens, i)
    if t.type == "fence":
        return _fence(t, source), i + 1
    if t.type == "hr":
        return Block("pagebreak", _line(t)), i + 1
    raise TemplateError(_("the markup has a {kind} block, which a briefing cannot hold (use headings, paragraphs, "
                          "lists, tables, ```chart or ```meta)").format(kind=t.type.replace("_open", "")),
                        source, _line(t))


def _heading(t: Token, inline: Token, source: str) -> Block:
    level = int(t.tag[1])
    text = inline.content.strip()
    if level == 1:
        return Block("title", _line(t), runs=(Run(text),))
    if level > 3:
        raise TemplateError(_("heading level {level} ('{marks} {text}'); briefings use #, ## and ###").format(
                level=level, marks="#" * level, text=text), source, _line(t))
    lines = tuple(part.strip() for part in text.split(HEADING_SPLIT) if part.strip())
    return Block("heading", _line(t), level=level - 1, lines=lines)


def _runs(inline: Token, source: str) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = italic = False
    for child in inline.children or []:
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type in ("text", "code_inline"):
            runs.append(Run(child.content, bold, italic))
        elif child.type in ("softbreak", "hardbreak"):
            continue  # Chinese text wraps without spaces: a line break in the markup joins the lines
        else:
            raise TemplateError(_("{kind} inside a paragraph cannot be written in a briefing").format(kind=child.type),
                                source, _line(inline))
    return tuple(runs)


def _list(tokens: list[Token], i: int, source: str) -> tuple[Block, int]:
    opening = tokens[i]
    close = opening.type.replace("_open", "_close")
    items: list[tuple[Run, ...]] = []
    j = i + 1
    while tokens[j].type != close:
        if tokens[j].type == "inline":
            items.append(_runs(tokens[j], source))
        j += 1
    return Block("list", _line(opening), items=tuple(items), ordered=opening.type == "ordered_list_open"), j + 1


def _table(tokens: list[Token], i: int) -> tuple[Block, int]:
    rows: list[tuple[str, ...]] = []
    align: list[str | None] = []
    row: list[str] = []
    j = i + 1
    while tokens[j].type != "table_close":
        t = tokens[j]
        if t.type in ("th_open", "td_open") and not rows:
            style = (t.attrs or {}).get("style", "")
            align.append(style.split(":", 1)[1] if style.startswith("text-align:") else None)
        elif t.type == "inline":
            row.append(t.content.strip())
        elif t.type == "tr_close":
            rows.append(tuple(row))
            row = []
        j += 1
    return Block("table", _line(tokens[i]), rows=tuple(rows), align=tuple(align)), j + 1


def _fence(t: Token, source: str) -> Block:
    kind = t.info.strip()
    if kind == "meta":
        return Block("meta", _line(t), runs=(Run(" ".join(t.content.split())),))
    if kind == "chart":
        return Block("chart", _line(t), chart=_chart(t.content, source, _line(t)))
    if kind == "masthead":
        return Block("masthead", _line(t), lines=masthead.masthead_lines(t.content, source, _line(t)))
    if kind == "distribution":
        items = masthead.distribution_items(t.content, source, _line(t))
        return Block("distribution", _line(t), items=tuple((Run(text),) for text in items))
    raise TemplateError(_("```{kind} is not a block a briefing knows; use ```chart, ```meta, ```masthead or "
                          "```distribution").format(kind=kind or ""), source, _line(t))


def _chart(body: str, source: str, line: int) -> dict:
    try:
        spec = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(_("the chart's settings are not valid TOML: {error}").format(error=exc), source, line) from None
    unknown = set(spec) - CHART_KEYS
    if unknown:
        raise TemplateError(_("the chart has unknown settings {unknown}; known: {known}").format(
            unknown=sorted(unknown), known=sorted(CHART_KEYS)), source, line)
    if spec.get("type") not in CHART_KINDS:
        raise TemplateError(_("chart type {kind}; use one of {kinds}").format(kind=repr(spec.get("type")),
                                                                               kinds=", ".join(CHART_KINDS)), source, line)
    categories = spec.get("categories") or []
    for series in spec.get("series") or []:
        if len(series.get("values", [])) != len(categories):
            raise TemplateError(_("chart series {name} has {values} values for {categories} categories").format(
                name=repr(series.get("name")), values=len(series.get("values", [])), categories=len(categories)),
                source, line)
    if not spec.get("series"):
        raise TemplateError(_("the chart has no [[series]]"), source, line)
    if spec["type"] == "pie" and len(spec["series"]) > 1:
        raise TemplateError(_("a pie chart shows one series, not {count}; use bar for several").format(
            count=len(spec["series"])), source, line)
    return spec
