"""The masthead of a 工作简报 (its 版头) and its 报、送、发 block (its 版记), as the block markup writes them
and as Word and HTML show them.

    ```masthead                              the red masthead: the title, 第N期, then 编发单位 on the left and
    title = "东西部协作工作简报"               the date on the right over a red rule (GB/T 9704 版头)
    issue = 3
    unit = "锡林郭勒盟乡村振兴局"               optional
    date = "2024年1月22日"                     optional
    ```
    ```distribution                          报：…。 送：…。 发：…。 between two rules (GB/T 9704 版记)
    "报" = ["盟委办公室", "盟行署办公室"]
    "发" = ["各旗乡村振兴局"]
    ```

A masthead block is ``lines = (title, 第N期, unit, date)``; a distribution block has one item per line
(报：盟委办公室，盟行署办公室。), in the order 报, 送, 发. The same module reads who a briefing goes to from a
schedule's ``recipients``, the settings and the office's settings (docs/schedules.md).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from html import escape
from typing import TYPE_CHECKING, Any

from ..errors import TemplateError
from ..i18n import _

if TYPE_CHECKING:
    from ..settings import Settings

LINES = ("报", "送", "发")                        # to superiors, to peers, to subordinates
SETTING_OF = {"报": "report_to", "送": "send_to", "发": "distribute_to"}   # the settings and office keys of each
MASTHEAD_KEYS = {"title": str, "issue": int, "unit": str, "date": str}
TITLE_SIZES = (42, 36, 26, 24, 22)               # 初号, 小初, 一号, 小一, 二号: the largest that fits one line
TYPE_WIDTH_MM = 156                              # the type area's width (styles.py)
RULE = "8"                                       # a rule 1 pt (0.35 mm) high, in eighths of a point
INDENT = "\u3000"                                # one character in: an ideographic space
_NAMES = re.compile(r"[、，,；;]")
_PREFIX = re.compile(r"^\s*([报送发])\s*[：:]\s*(.*)$")

Recipients = tuple[tuple[str, tuple[str, ...]], ...]    # (line, names) in the order of LINES, empty lines left out


# --- who a briefing goes to --------------------------------------------------------------------------------

def read_recipients(value: Any) -> Recipients:
    """A schedule's ``recipients``: a table of 报, 送 and 发 (each a list of names), or a list whose entries
    name their line (报：盟委办公室); an entry without one goes to 发. ValueError says what is wrong."""
    lines: dict[str, list[str]] = {line: [] for line in LINES}
    if isinstance(value, dict):
        for key, names in value.items():
            if key not in lines:
                raise ValueError(_("'{key}' is not a line of the block; use 报, 送 or 发").format(key=key))
            lines[key] += _names([names] if isinstance(names, str) else names, key)
    elif isinstance(value, list):
        for entry in _names(value, "recipients"):
            found = _PREFIX.match(entry)
            line, name = (found[1], found[2].strip()) if found else ("发", entry)
            if not name:
                raise ValueError(_("{entry} names no one").format(entry=repr(entry)))
            lines[line].append(name)
    else:
        raise ValueError(_("{value} is neither a list of names nor a table of 报, 送 and 发").format(value=repr(value)))
    return tuple((line, tuple(names)) for line, names in lines.items() if names)


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(_("{where}: {value} is not a list of names").format(where=where, value=repr(value)))
    return [v.strip() for v in value]


def distribution(given: Recipients | None, settings: Settings, office: dict[str, str]) -> Recipients:
    """Who a briefing goes to: a schedule's recipients when it has any; else each of 报, 送 and 发 from the
    setting of that name (report_to, send_to, distribute_to), else from the office's settings."""
    if given:
        return given
    out = []
    for line in LINES:
        key = SETTING_OF[line]
        text = getattr(settings, key, "") or office.get(key, "")
        names = tuple(n.strip() for n in _NAMES.split(text) if n.strip())
        if names:
            out.append((line, names))
    return tuple(out)


# --- the markup ----------------------------------------------------------------------------------------------

def _toml(body: str, what: str, source: str, line: int) -> dict:
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(_("the {what}'s settings are not valid TOML: {error}").format(what=what, error=exc),
                            source, line) from None


def masthead_lines(body: str, source: str, line: int) -> tuple[str, str, str, str]:
    """The checked body of a ```masthead block: (title, 第N期, unit, date)."""
    spec = _toml(body, "masthead", source, line)
    unknown = set(spec) - set(MASTHEAD_KEYS)
    if unknown:
        raise TemplateError(_("the masthead has unknown settings {unknown}; known: {known}").format(
            unknown=sorted(unknown), known=sorted(MASTHEAD_KEYS)), source, line)
    for key, kind in MASTHEAD_KEYS.items():
        if key in spec and (not isinstance(spec[key], kind) or isinstance(spec[key], bool)):
            raise TemplateError(_("the masthead's {key} is {value}, not {kind}").format(
                    key=key, value=repr(spec[key]), kind=_("a whole number") if kind is int else _("text")),
                    source, line)
    if not str(spec.get("title", "")).strip():
        raise TemplateError(_("the masthead has no title"), source, line, _('Write title = "…工作简报".'))
    if "issue" not in spec or spec["issue"] < 1:
        raise TemplateError(_("the masthead's issue is {issue}; write issue = {{{{ 期号 }}}}").format(
            issue=spec.get("issue", _("missing"))), source, line)
    return spec["title"].strip(), f"第{spec['issue']}期", spec.get("unit", "").strip(), spec.get("date", "").strip()


def distribution_items(body: str, source: str, line: int) -> tuple[str, ...]:
    """The checked body of a ```distribution block: one line of text for each of 报, 送 and 发 it names."""
    spec = _toml(body, "distribution block", source, line)
    try:
        lines = read_recipients(spec)
    except ValueError as exc:
        raise TemplateError(_("the distribution block: {error}").format(error=exc), source, line) from None
    if not lines:
        raise TemplateError(_("the distribution block names no one"), source, line,
                            _("Write it only when there are recipients: {% if 分送 %} … {% endif %}."))
    return tuple(f"{name}：{'，'.join(names)}。" for name, names in lines)


# --- the title's size (Word: wordxml.py and docx_writer.py write the blocks; HTML below) ------------------------

def title_size(title: str, largest: float = TITLE_SIZES[0]) -> float:
    """The masthead title's size in points: the largest of TITLE_SIZES (up to ``largest``) at which it fits on
    one line of the type area, a CJK character being one em and a Latin one half."""
    ems = sum(1 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in title)
    for size in TITLE_SIZES:
        if size <= largest and ems * size * 25.4 / 72 <= TYPE_WIDTH_MM:
            return size
    return TITLE_SIZES[-1]


# --- HTML ------------------------------------------------------------------------------------------------------

CSS = """
.masthead { text-align: center; border-bottom: 2px solid #f00; margin-bottom: 1.5em; }
.masthead-title { color: #f00; font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", serif;
                  line-height: 1.3; margin: 0.3em 0; }
.masthead-issue { margin: 0.2em 0; }
.masthead-line { display: flex; justify-content: space-between; margin: 0; text-indent: 0; }
.distribution { border-top: 1px solid #000; border-bottom: 1px solid #000; margin-top: 2em; font-size: 14pt; }
.distribution p { text-indent: -2em; margin: 0 1em 0 3em; }   /* one character in, wrapping under the names */
""".strip()


def html_masthead(block: Any) -> str:
    title, issue, unit, date = (escape(text) for text in block.lines)
    size = title_size(block.lines[0])
    return (f'<header class="masthead"><div class="masthead-title" style="font-size: {size}pt">{title}</div>'
            f'<div class="masthead-issue">{issue}</div>'
            f'<p class="masthead-line"><span>{unit}</span><span>{date}</span></p></header>')


def html_distribution(block: Any) -> str:
    lines = "".join(f"<p>{escape(''.join(run.text for run in item))}</p>" for item in block.items)
    return f'<footer class="distribution">{lines}</footer>'
