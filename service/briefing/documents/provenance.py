"""Whose number is it: the figure verifier checks every number that came from the data, and none that the
template wrote as its own words (图1, 近12周, 3个重点帮扶旗).

While a template renders, text that came from the data is wrapped in marks, two Unicode noncharacters
that no office's text holds (ingest refuses them):

    DATA   … END   written by a template function from figures (同比增长3.0%, 211人次, a table's cells):
                   every number in it is read back and matched to a computed fact
    QUOTED … END   the office's own words quoted as entered (names, highlights, period labels): its numbers
                   are the office's, passed over

Everything else is the template's own text: its literal text, strings it composed itself, its loop counters
and numbers it wrote (``{{ 3 }}``, ``数字(3, "个")``). A figure the template computed from the data by hand
(``{{ 指标("诊疗患者人次").本期.value * 2 }}``) is a Decimal at the moment it is printed: that is an error
naming the template and line, since it could be checked against nothing.

A figure comes into a template as an ``Amount`` or ``FactView`` (printed in DATA), as a ``Decimal`` (its
``.value``, or arithmetic on it), or through a template function, whose result is DATA when any of its
inputs is one of those. Python's ints and floats are the template's own: Jinja2 literals and loop counters
are never figures. The marks are stripped once the numbers are checked, before anything is written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import wraps
from typing import Any, Callable

from ..errors import TemplateDataError
from ..i18n import _

DATA, QUOTED, END = "\ufdd0", "\ufdd1", "\ufdd2"
MARKS = re.compile("[\ufdd0-\ufdd2]")


class Quoted(str):
    """A string of the office's data quoted as entered (an indicator's name, a highlight, a label): it
    compares and concatenates as plain text, and prints in QUOTED marks."""


def data(text: Any) -> str:
    """Text written from figures, in DATA marks ('' stays '', so an empty result stays falsy)."""
    text = str(text)
    return f"{DATA}{text}{END}" if text else ""


def quoted(text: Any) -> str:
    text = str(text)
    return f"{QUOTED}{text}{END}" if text else ""


def is_figure(value: Any) -> bool:
    """Whether a value is a figure from the data (rather than a number the template wrote): an Amount or a
    FactView (classes that say ``is_figure = True``), or a Decimal taken or computed from one."""
    return getattr(type(value), "is_figure", False) is True or isinstance(value, Decimal)


def finalize(value: Any) -> Any:
    """Jinja2's finalize: what ``{{ … }}`` prints, marked by whose it is."""
    if type(value) is str:                     # the template's own text (a Quoted is not of type str)
        return value
    if getattr(type(value), "is_figure", False) is True:
        return data(value)
    if isinstance(value, Quoted):
        return quoted(value)
    if isinstance(value, Decimal):
        raise TemplateDataError(
            _("the figure {value} was computed in the template, so nothing can check it").format(value=value),
            hint=_("Print figures as they come (指标(…).本期, .累计) or through 数字(…) and the figure filters; "
                   "see docs/templates.md."))
    return value


def by_input(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A template function whose words are figures when any input is a figure: DATA marks then; its
    result as it is when the template gave it only numbers of its own (数字(3, "个"))."""
    @wraps(fn)
    def marked(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if isinstance(result, bool) or not isinstance(result, (str, int)):
            return result                      # a test (均超过) or an object, not words
        for a in args:
            if is_figure(a):
                return data(result)
        for a in kwargs.values():
            if is_figure(a):
                return data(result)
        return result
    return marked


def strip(text: str) -> str:
    """The text without marks, as a reader sees it."""
    return MARKS.sub("", text)


def split(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without marks, and the spans of it (start, end) that came from figures (DATA), innermost
    mark deciding: a name QUOTED inside a DATA span is the office's word, not a figure."""
    clean: list[str] = []
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    at = 0
    for piece in re.split("([\ufdd0-\ufdd2])", text):
        if piece in (DATA, QUOTED):
            stack.append(piece)
        elif piece == END:
            if stack:
                stack.pop()
        elif piece:
            if stack and stack[-1] == DATA:
                spans.append((at, at + len(piece)))
            clean.append(piece)
            at += len(piece)
    return "".join(clean), spans


# --- data never becomes markup -------------------------------------------------------------------------
# Before the block markup is parsed, the text of each marked span is set aside and a placeholder of
# noncharacters stands in its place, so a highlight holding **, <img …>, a | or a line that starts with # or
# - is written as the office typed it, never parsed as markup; the text comes back after parsing. Only the
# ｜ that splits a two-line heading stays in the markup, so a heading from the domains table still splits.
_INNERMOST = re.compile("[\ufdd0\ufdd1][^\ufdd0-\ufdd2]*\ufdd2")
_HOLD, _DIGITS = "\ufdd3", "\ufde0\ufde1\ufde2\ufde3\ufde4\ufde5\ufde6\ufde7\ufde8\ufde9"
_TO_MARKS, _FROM_MARKS = str.maketrans("0123456789", _DIGITS), str.maketrans(_DIGITS, "0123456789")
_PLACEHOLDER = re.compile(f"{_HOLD}([{_DIGITS}]+){_HOLD}")


def shield(text: str) -> tuple[str, list[str]]:
    """The text with every marked span's content replaced by placeholders, and the contents they hold."""
    held: list[str] = []

    def hold(piece: str) -> str:
        held.append(piece)
        return _HOLD + str(len(held) - 1).translate(_TO_MARKS) + _HOLD

    def span(m: re.Match) -> str:
        inner = m.group()[1:-1]
        return m.group()[0] + "｜".join(hold(p) if p else "" for p in inner.split("｜")) + END
    return _INNERMOST.sub(span, text), held


def unshield(text: str, held: list[str]) -> str:
    """The placeholders of ``shield`` given back their text."""
    return _PLACEHOLDER.sub(lambda m: held[int(m.group(1).translate(_FROM_MARKS))], text)
