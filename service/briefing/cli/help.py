"""click's help in the chosen language: the help texts stay English in the decorators (they are the catalog's
msgids, i18n.help_pieces) and are translated when a help page is written; the page is laid out by display
width, a Chinese character taking two columns, lines broken between characters but never before a closing
mark (，。、；：）” …) or after an opening one."""

from __future__ import annotations

import re
import unicodedata

import click

from ..i18n import _, help_text, language

_OPEN, _CLOSE = r"“‘（《「『【\[(", r"”’）》」』】，。、；：？！…\])"
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
# a token: a wide character or a run of other characters, with the marks that may not end or begin a line
_TOKEN = rf"\s+|[{_OPEN}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{_CLOSE}]*|\S"      # compiled by the first help page


def columns(text: str) -> int:
    """How many terminal columns text takes: two for a wide (Chinese) character, one for others."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fill(text: str, width: int, indent: str = "") -> str:
    """One paragraph as lines of at most width columns (a word longer than the line overflows it)."""
    lines, line, space = [], indent, False
    for token in re.findall(_TOKEN, " ".join(text.split())):
        if token.isspace():
            space = line.strip() != ""
            continue
        if line.strip() and columns(line) + space + columns(token) > width:
            lines.append(line)
            line, space = indent, False
        line += " " * space + token
        space = False
    lines.append(line)
    return "\n".join(line.rstrip() for line in lines)


def wrap(text: str, width: int, indent: str = "") -> str:
    """Paragraphs (separated by a blank line) filled to width, as click lays them out: a paragraph whose first
    line is \\b keeps its lines; one whose first line is indented keeps that indent."""
    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", text.expandtabs()):
        lines = paragraph.split("\n")
        if lines[0].strip() == "\b":
            paragraphs.append("\n".join(indent + line for line in lines[1:]))
        else:
            extra = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
            paragraphs.append(fill(" ".join(lines), width, indent + extra))
    return "\n\n".join(paragraphs)


class Formatter(click.HelpFormatter):
    """click's help formatter, measuring and breaking lines by display width; a Chinese heading ends in a
    full-width colon (选项：), after which no space is left."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            word = _("Usage:")
            prefix = word if word.endswith("：") else word + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        colon = "：" if columns(heading) > len(heading) else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        if text:
            self.write(wrap(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max(columns(first) for first, _second in rows), col_max) + col_spacing
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if columns(first) <= first_col - col_spacing:
                self.write(" " * (first_col - columns(first)))
            else:
                self.write("\n" + margin)
            lines = wrap(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write("\n".join([lines[0]] + [margin + line if line else line for line in lines[1:]]) + "\n")


class Context(click.Context):
    formatter_class = Formatter


def short_help(text: str | None, limit: int) -> str:
    """A command's line in its group's list, in Chinese: the first sentence of the translated help, cut with …
    when it is wider than limit (at the end of a clause when one is near). In English click shortens its own."""
    if not text:
        return ""
    sentence = help_text(text).split("\n\n")[0].split("。")[0]
    if columns(sentence) <= limit:
        return sentence
    head = sentence
    while columns(head) > limit - 1:
        head = head[:-1]
    clause = max(head.rfind(mark) for mark in "，；：（")        # rather the end of a clause, if not too short
    return (head[:clause] if clause > 0 and columns(head[:clause]) >= limit // 2 else head) + "…"


class Translated:
    """A click command whose help, short help and option help are shown in the chosen language."""

    context_class = Context

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = help_text(self.help)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        if language() == "en":
            return super().get_short_help_str(limit)
        return short_help(self.short_help or self.help, limit).strip()

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [row for param in self.get_params(ctx) if (row := option_help(param, ctx))]
        if rows:
            with formatter.section(_("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


def option_help(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """An option's line of the help (its names, its help with [default: …]), the help translated."""
    original = getattr(param, "help", None)
    if original:
        param.help = help_text(original)
    try:
        return param.get_help_record(ctx)
    finally:
        if original:
            param.help = original
