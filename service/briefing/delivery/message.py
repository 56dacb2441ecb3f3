"""The Briefing channels send, built from an archived report: its files as archived (what is sent is what
the archive holds, byte for byte), the title, lead and text read back from its .docx, the HTML preview when
the schedule archived one (else a page made from the .docx's paragraphs), and a link when public_url is set."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from urllib.parse import quote

import docx

from ..archive.folders import Archive
from ..archive.ledger import Report
from ..documents.html import CSS
from ..errors import BriefingError
from ..figures.period_text import parse_period
from ..i18n import _
from ..settings import Settings
from .channel import Briefing

ORDER = ("docx", "pdf", "html")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


def build(report: Report, settings: Settings) -> Briefing:
    """The Briefing of a made report; an error when its .docx is not in the archive."""
    archive = Archive(settings.archive_dir)
    made = sorted(report.files, key=lambda f: ORDER.index(f.format) if f.format in ORDER else len(ORDER))
    if not made or made[0].format != "docx" or not archive.path(made[0].path).is_file():
        raise BriefingError(_("briefing #{id} has no .docx in the archive ({folder})").format(
            id=report.id, folder=settings.archive_dir), _("Check it with `briefing archive verify`."))
    files = tuple(archive.path(f.path) for f in made)
    title, lead, paragraphs = read_docx(files[0])
    preview = next((p for f, p in zip(made, files) if f.format == "html"), None)
    html = preview.read_text(encoding="utf-8") if preview else page(title, paragraphs)
    link = settings.public_url.rstrip("/") + "/" + quote(made[0].path) if settings.public_url else None
    return Briefing(report.id, title, parse_period(report.period).label(), report.region_name,
                    tuple(m.group().strip() for m in _SENTENCE.finditer(lead) if m.group().strip()),
                    files, html, "\n\n".join(paragraphs), link)


def read_docx(path: Path) -> tuple[str, str, list[str]]:
    """A briefing's title, its lead (the first paragraph of text before the first heading) and its paragraphs
    (a table's rows as cells joined by tabs, after the paragraph before it)."""
    document = docx.Document(str(path))
    paragraphs, lead, headed = [], "", False
    for p in document.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = p.style.name if p.style is not None else ""
        headed = headed or style.startswith("Heading")
        if style == "Normal" and not headed and not lead:
            lead = text
        paragraphs.append(text)
    for table in document.tables:
        paragraphs += ["\t".join(cell.text.strip() for cell in row.cells) for row in table.rows]
    title = document.core_properties.title or (paragraphs[0] if paragraphs else path.stem)
    return title, lead, paragraphs


def page(title: str, paragraphs: list[str]) -> str:
    """A whole HTML page of a briefing's paragraphs (when no HTML preview was archived)."""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs[1:] if p != title) if paragraphs else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head>\n<body><h1>{escape(title)}</h1>\n{body}</body></html>\n")


def notice(report: Report, text: str, settings: Settings) -> Briefing:
    """A short message about a report (its failure, or a delivery of it that failed), with no files."""
    try:
        period = parse_period(report.period).label()
    except (BriefingError, ValueError):    # a failed briefing's period as written, when it does not parse
        period = report.period
    title = _("Briefing not delivered: {template} {period} {region}").format(
        template=report.template, period=period, region=report.region_name)
    return Briefing(report.id, title, period, report.region_name, (text,), (), None, f"{title}\n\n{text}", None)
