"""Blocks of markup as one self-contained HTML page: the preview and the e-mail body of a briefing.

Same blocks as the Word document, same words. A chart is shown as its data table with its title (a mail
client shows no native chart; the figures stay exact and readable)."""

from __future__ import annotations

from html import escape

from . import masthead
from .markup import Block, Run

CSS = """
body { max-width: 46em; margin: 2em auto; padding: 0 1em; color: #111;
       font: 16pt/1.8 "仿宋_GB2312", FangSong, "Noto Serif CJK SC", "Source Han Serif SC", serif; }
h1 { font: 22pt/1.6 "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", serif; text-align: center; }
.meta { font: 14pt "楷体_GB2312", KaiTi, "Noto Serif CJK SC", serif; text-align: center; color: #444; }
h2 { font: 16pt/1.8 "黑体", SimHei, "Noto Sans CJK SC", sans-serif; margin: 1.2em 0 0.4em; }
h3 { font: 16pt/1.8 "楷体_GB2312", KaiTi, "Noto Serif CJK SC", serif; margin: 1em 0 0.3em; }
p { text-indent: 2em; margin: 0; }
ul, ol { margin: 0 0 0 2em; }
table { border-collapse: collapse; margin: 0.8em auto; font-size: 12pt; }
th, td { border: 1px solid #333; padding: 0.2em 0.6em; }
td.num { text-align: right; }
figure { margin: 1em 0; text-align: center; font-size: 12pt; }
figcaption { font: 14pt "楷体_GB2312", KaiTi, serif; }
.pagebreak { page-break-after: always; border: 0; }
""".strip() + "\n" + masthead.CSS


def render(blocks: list[Block], title: str) -> str:
    body = "\n".join(_BLOCKS[b.kind](b) for b in blocks)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f"<style>\n{CSS}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _runs(runs: tuple[Run, ...]) -> str:
    out = []
    for r in runs:
        text = escape(r.text)
        if r.italic:
            text = f"<em>{text}</em>"
        if r.bold:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)


def _heading(b: Block) -> str:
    tag = f"h{b.level + 1}"
    return f"<{tag}>" + "<br>".join(escape(line) for line in b.lines) + f"</{tag}>"


def _list(b: Block) -> str:
    tag = "ol" if b.ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{_runs(item)}</li>" for item in b.items) + f"</{tag}>"


def _table(b: Block) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in b.rows[0])
    rows = []
    for row in b.rows[1:]:
        cells = []
        for c, text in enumerate(row):
            right = (b.align[c] if c < len(b.align) else None) == "right"
            cells.append(f'<td class="num">{escape(text)}</td>' if right else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _chart(b: Block) -> str:
    spec = b.chart
    categories = [str(c) for c in spec.get("categories", [])]
    header = "<tr><th></th>" + "".join(f"<th>{escape(c)}</th>" for c in categories) + "</tr>"
    rows = []
    for s in spec["series"]:
        cells = "".join(f'<td class="num">{_value(v)}</td>' for v in s.get("values", []))
        rows.append(f"<tr><th>{escape(str(s.get('name', '')))}</th>{cells}</tr>")
    caption = escape(spec.get("caption") or spec.get("title", ""))
    title = escape(spec.get("title", ""))
    return (f'<figure><div>{title}</div><table>{header}{"".join(rows)}</table>'
            f"<figcaption>{caption}</figcaption></figure>")


def _value(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return escape(f"{v:g}" if isinstance(v, float) else str(v))


_BLOCKS = {
    "title": lambda b: f"<h1>{_runs(b.runs)}</h1>",
    "meta": lambda b: f'<p class="meta">{_runs(b.runs)}</p>',
    "paragraph": lambda b: f"<p>{_runs(b.runs)}</p>",
    "heading": _heading, "list": _list, "table": _table, "chart": _chart,
    "pagebreak": lambda b: '<hr class="pagebreak">',
    "masthead": masthead.html_masthead, "distribution": masthead.html_distribution,
}
