"""The language people read: Chinese (zh, the default) or English (en).

Every message is written in English in the code, inside ``_("…")`` with named placeholders filled by
``.format`` (``_("unknown region {name}").format(name=…)``); its Chinese is in the gettext catalog
``locale/zh_CN/LC_MESSAGES/briefing.po``, compiled to ``briefing.mo`` beside it (docs/i18n.md: how to
update both with Babel). English needs no catalog: it is the messages themselves.

The language is, the first one given: ``--lang``, ``BRIEFING_LANG`` (the ``lang`` setting's variable), the
``lang`` setting of the config file, the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: one beginning with
"en" is English), else Chinese. Code that only translates takes the language from the environment the
first time it asks; the command line, which owns the process, chooses it with ``use`` before click reads its
arguments, and binds click's own words (Usage:, Error:, …, which click asks of the stdlib's global
``gettext``) to the same catalog.

A base module: it imports nothing of the package, and every wing may import it.
"""

from __future__ import annotations

import gettext
import inspect
import os
from pathlib import Path
from typing import Mapping

DOMAIN = "briefing"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
CATALOG = {"zh": "zh_CN"}     # the catalog folder of each language that has one (English is the msgids)

_active: tuple[str, gettext.NullTranslations] | None = None    # the language in use and its catalog


def _(message: str) -> str:
    """The message in the chosen language."""
    return _translations()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for n, in the chosen language."""
    return _translations()[1].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in the chosen language, where the same English word means two things ("done": a state, and
    the field of the time it was done)."""
    return _translations()[1].pgettext(context, message)


def N_(message: str) -> str:
    """Marks a message kept in a constant for the catalog; it is translated with ``_()`` where it is shown."""
    return message


def shown(value: object) -> str:
    """A value from a file or a command line as a message quotes it: its characters escaped as repr escapes
    them (a control character, a lone surrogate), without repr's quotes: the message puts its own, '…' in
    English and “…” in Chinese (_("unknown region '{name}'").format(name=shown(name)))."""
    return repr(str(value))[1:-1]


def code(text: str | None) -> str | None:
    """'zh', 'zh_CN.UTF-8', 'zh-Hans' → 'zh'; 'en', 'en_US' → 'en'; anything else (or nothing) → None."""
    text = (text or "").strip().lower()
    for lang in LANGUAGES:
        if text == lang or text[:3] in (f"{lang}_", f"{lang}-", f"{lang}."):
            return lang
    return None


def choose(option: str | None = None, setting: str | None = None,
           environ: Mapping[str, str] | None = None) -> str:
    """The language: --lang, then BRIEFING_LANG, then the lang setting, then the locale; else Chinese."""
    environ = os.environ if environ is None else environ
    for given in (option, environ.get("BRIEFING_LANG"), setting):
        if code(given):
            return code(given)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):    # the first one set decides, as in POSIX
        if environ.get(variable):
            return "en" if environ[variable].lower().startswith("en") else DEFAULT
    return DEFAULT


def use(lang: str) -> None:
    """Speak lang from now on, in this process: our messages and click's (the application owns the process,
    so it binds the stdlib's global domain to our catalog and names the language in LANGUAGE, which the stdlib
    reads first; a program the process starts inherits it)."""
    global _active
    _active = (lang, _load(lang))
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = CATALOG.get(lang, lang)


def language() -> str:
    """The language in use ('zh' or 'en')."""
    return _translations()[0]


def _translations() -> tuple[str, gettext.NullTranslations]:
    global _active
    if _active is None:
        lang = choose()
        _active = (lang, _load(lang))
    return _active


def _load(lang: str) -> gettext.NullTranslations:
    if lang not in CATALOG:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[CATALOG[lang]])


# --- click's help: written in English in the decorators (the msgids), translated when shown ---------------

def help_pieces(text: str) -> list[str]:
    """The msgids of a command's help (a docstring) or an option's: each paragraph, its lines joined; in a
    paragraph marked not to be rewrapped (\\b), each line that is not indented (indented lines are examples)."""
    pieces = []
    for paragraph in inspect.cleandoc(text).partition("\f")[0].split("\n\n"):
        if paragraph.startswith("\b"):
            pieces += [line for line in paragraph.split("\n")[1:] if line.strip() and not line[0].isspace()]
        elif paragraph.strip():
            pieces.append(" ".join(paragraph.split()))
    return pieces


def help_text(text: str | None) -> str:
    """A command's or option's help in the chosen language, its paragraphs as click lays them out."""
    if not text:
        return ""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).partition("\f")[0].split("\n\n"):
        if paragraph.startswith("\b"):
            lines = paragraph.split("\n")
            paragraphs.append("\n".join(lines[:1] + [line if not line.strip() or line[0].isspace() else _(line)
                                                     for line in lines[1:]]))
        elif paragraph.strip():
            joined = " ".join(paragraph.split())
            paragraphs.append(_(joined))
    return "\n\n".join(paragraphs)


def extract(fileobj, keywords, comment_tags, options):
    """Babel's extractor for the catalog (babel.cfg): the ``_()``-style calls, by Babel's own Python extractor,
    then click's help: the docstring of each function a ``.command(…)`` or ``.group(…)`` decorates, every
    ``help=``/``short_help=`` text, and the text given first to a function of ours named ``…_option`` that makes
    an option (cli/documents.formats_option), split into msgids as help_text splits them."""
    import ast

    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        texts = []
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", getattr(d.func, "id", "")) in ("command", "group")
                for d in node.decorator_list) and ast.get_docstring(node):
            texts.append((node.lineno, ast.get_docstring(node)))
        if isinstance(node, ast.Call):
            texts += [(k.value.lineno, k.value.value) for k in node.keywords if k.arg in ("help", "short_help")
                      and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)]
            named = getattr(node.func, "id", "")
            if named.endswith("_option") and node.args and isinstance(node.args[0], ast.Constant):
                texts.append((node.lineno, node.args[0].value))     # an option made by a function of ours
        for line, text in texts:
            for piece in help_pieces(text):
                yield line, None, piece, []
