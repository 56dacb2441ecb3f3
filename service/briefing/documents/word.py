"""Blocks of markup into a Word document, reproducibly: by the direct writer (wordxml.py, the default), or by
python-docx (docx_writer.py: render_python_docx), the specification the direct writer is held to and the path it
falls back to for a reference document whose XML it cannot write into. BRIEFING_WORD_WRITER=python-docx chooses
python-docx.

This module imports no python-docx: the direct writer renders from the reference prepared once and kept in the
cache folder (package.py), found by a key made of the reference's content and the code that prepares it, so a
briefing's start reads the key's sources and the cache, and imports python-docx only to prepare a reference the
cache folder does not hold yet.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import TemplateError
from ..i18n import N_, _
from . import styles
from .markup import Block

if TYPE_CHECKING:       # python-docx is imported by the python-docx writer alone (docx_writer.py)
    from docx.document import Document

NUMBER = re.compile(r"^[-+−]?[\d,.]+\s*[%‰]?\S{0,4}$")
STYLE_OF = {"title": "Title", "meta": "Meta", "paragraph": "Normal", "caption": "Caption"}
ON_DEMAND_BLOCKS = ("masthead", "distribution")   # blocks whose styles (styles.ON_DEMAND) are added when missing
REFERENCE_HINT = N_("Set reference_docx to a .docx file, or leave it empty for the built-in one.")


class Properties(NamedTuple):
    """The core properties a briefing carries (title, author …), dated by the report, not the clock."""

    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    created: datetime = styles.FIXED_TIME


def render(blocks: list[Block], props: Properties, reference: str | None = None) -> bytes:
    """The .docx bytes of a briefing: the direct writer's, unless BRIEFING_WORD_WRITER=python-docx."""
    if os.environ.get("BRIEFING_WORD_WRITER") == "python-docx":
        return render_python_docx(blocks, props, reference)
    from . import wordxml

    ready = prepared_reference(reference, any(b.kind in ON_DEMAND_BLOCKS for b in blocks))
    if not wordxml.usable(ready):
        return render_python_docx(blocks, props, reference)
    return wordxml.render(blocks, props, ready)


def prepared_reference(reference: str | None, on_demand: bool):
    """The reference document prepared for the direct writer (package.Prepared), cached by its content."""
    from . import package

    def prepare(demand: bool, mark):
        from .reference import prepare

        return prepare(reference, demand, mark)
    key = _built_in_key() if reference is None else _file_key(*stat_key(reference))
    return package.prepared(key, on_demand, prepare)


@lru_cache(maxsize=1)
def _built_in_key() -> str:
    """The built-in reference's key: the code that builds and prepares it, and python-docx's default template."""
    from importlib.util import find_spec

    from . import package

    here = Path(__file__).parent
    origin = Path(find_spec("docx").origin).parent
    sources = [here / name for name in ("styles.py", "docx_styles.py", "word.py", "docx_writer.py", "reference.py",
                                        "package.py", "charts.py")]
    return package.content_key(*(p.read_bytes() for p in [*sources, origin / "__init__.py",
                                                          origin / "templates" / "default.docx"]))


def stat_key(path: str) -> tuple[str, int, int, int]:
    """A reference file's path with what tells its versions apart (size, mtime, inode): a key of the caches."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise unreadable(path, exc) from None
    return path, stat.st_size, stat.st_mtime_ns, stat.st_ino


def unreadable(path: str, exc: OSError) -> TemplateError:
    return TemplateError(_("cannot read the reference document: {error}").format(error=exc), path,
                         hint=_(REFERENCE_HINT))


@lru_cache(maxsize=8)
def _file_key(path: str, size: int, mtime_ns: int, inode: int) -> str:
    """A reference file's key: its content with the built-in key (the code that prepares it); read again
    when the file changes."""
    from . import package

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from None
    return package.content_key(_built_in_key().encode(), data)


def render_python_docx(blocks: list[Block], props: Properties, reference: str | None = None) -> bytes:
    """The .docx bytes of a briefing, made with python-docx."""
    from . import docx_writer

    return docx_writer.render(blocks, props, reference)


def save_reproducibly(doc: Document) -> bytes:
    """A python-docx document's bytes, every zip entry at a fixed time, so the same content gives the same file."""
    from . import docx_writer

    return docx_writer.save_reproducibly(doc)


def chart_spec(block: Block):
    """A chart block's chartxml.ChartSpec."""
    from .chartxml import ChartSpec

    spec = block.chart
    return ChartSpec(kind=spec["type"], title=spec.get("title", ""),
                     categories=[str(c) for c in spec.get("categories", [])],
                     series=[(s.get("name", ""), list(s.get("values", []))) for s in spec["series"]],
                     number_format=spec.get("number_format", "General"), unit=spec.get("unit", ""))

